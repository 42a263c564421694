"""Settings read from the environment (see README: GOVFLOW_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path("instance"))
    database_url: str = ""
    token_ttl_hours: float = 12.0
    #: A page session (browser sign-in) ends this long after sign-in.
    session_hours: float = 8.0
    max_bpmn_bytes: int = 2 * 1024 * 1024
    #: An uploaded material (PDF, JPEG, PNG) larger than this is refused with 413.
    max_upload_bytes: int = 10 * 1024 * 1024
    demo: bool = False
    #: A scheduler that has not ticked for this long counts as down (/api/health, the red
    #: banner); it ticks every second, so a minute is many missed ticks, not a slow one.
    scheduler_stale_seconds: float = 60.0
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0:
    #: none).  Sign-in throttling counts by the client address and the session cookie
    #: is named and flagged by the scheme, so both must be the client's, not the proxy's.
    proxy_hops: int = 0
    #: A step the engine runs on its own (timer continuation, service task, run-time
    #: expression) is tried this many times in all before it becomes an incident ...
    step_attempts: int = 3
    #: ... pausing this long after the first failure, twice as long after each next one.
    step_retry_seconds: float = 15.0
    #: A closed case's serialized workflow (needed only to run it) is dropped this many
    #: days after it closed (``govflow retention run``, nightly in the scheduler); the
    #: case record, data, materials, notices, audit trail and access log stay.
    workflow_retention_days: float = 90.0
    #: Sign-in through the province's unified identity platform (统一身份认证, OpenID
    #: Connect): its issuer URL (discovery at ``<issuer>/.well-known/openid-configuration``)
    #: and our client id there; off while either is empty.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    #: The *name* of the environment variable holding the client secret, so the secret
    #: itself never sits in a settings file or a process listing of ours.
    oidc_client_secret_env: str = "GOVFLOW_OIDC_CLIENT_SECRET"
    oidc_scopes: str = "openid profile"
    #: Staff: the claim whose value is their govflow username (roles and department
    #: stay ours).  Applicants: the claim carrying the verified ID number, and the one
    #: carrying the real-name level (实名等级), recorded with each sign-in.
    oidc_staff_claim: str = "preferred_username"
    oidc_id_number_claim: str = "id_number"
    oidc_level_claim: str = "acr"
    #: A verified ID number nobody has yet becomes a new applicant account.
    oidc_create_applicants: bool = True
    #: Roles that may still sign in with a local password; None: every role.  In
    #: production, e.g. ``admin`` keeps one break-glass administrator while staff and
    #: applicants sign in through the platform only.
    password_roles: tuple[str, ...] | None = None

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def password_allowed(self, roles: list[str] | tuple[str, ...]) -> bool:
        """May a user of ``roles`` sign in with a local password?  Only when every one of
        their roles may (a clerk who also administers signs in as a clerk must)."""
        if self.password_roles is None:
            return True
        return all(role in self.password_roles for role in roles)

    #: 延期 (Administrative Licensing Law art. 42): the most working days one extension
    #: may add to a case's limits.
    extension_max_days: int = 10
    #: An outbound call made as a job (an exchange-platform pull) is tried this many times
    #: in all before its fall-back applies (a pull: ``unavailable``, upload) ...
    job_attempts: int = 4
    #: ... pausing this long after the first failure, twice as long after each next one.
    job_retry_seconds: float = 5.0
    #: Bounds on what a model may do (docs/PROCESS_AUTHORING.md "Bounds"): instances of
    #: one multi-instance activity ...
    max_instances: int = 200
    #: ... automatic steps one command may run before the case becomes an incident ...
    max_engine_steps: int = 500
    #: ... the shortest interval of a repeating timer, and its most repetitions ...
    min_timer_cycle_seconds: float = 3600.0
    max_timer_repetitions: int = 1000
    #: ... and the size of a case's serialized workflow state.
    max_state_bytes: int = 4 * 1024 * 1024

    #: Outbound notifications (docs/OUTBOUND.md): e-mail over SMTP.  Off while
    #: ``smtp_host`` or ``smtp_sender`` is empty (a delivery is then recorded ``skipped``).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = ""
    #: STARTTLS after connecting (implicit TLS on 465 is ``smtp_tls`` with port 465).
    smtp_tls: bool = False
    smtp_username: str = ""
    #: The *name* of the environment variable holding the SMTP password.
    smtp_password_env: str = "GOVFLOW_SMTP_PASSWORD"
    smtp_timeout_seconds: float = 10.0
    #: The SMS gateway: its URL (POST JSON) and the name of the environment variable with
    #: its bearer token; off while the URL is empty.
    sms_url: str = ""
    sms_token_env: str = "GOVFLOW_SMS_TOKEN"
    sms_timeout_seconds: float = 10.0
    #: A delivery (one notification over one channel) is tried this many times in all,
    #: pausing ``delivery_retry_seconds`` after the first failure, twice as long after
    #: each next one (8 × 30 s: the last try about an hour after the first).
    delivery_attempts: int = 8
    delivery_retry_seconds: float = 30.0

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'govflow.sqlite3').resolve()}"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "data_dir": Path(env.get("GOVFLOW_DATA_DIR", "instance")),
            "database_url": env.get("GOVFLOW_DATABASE_URL", ""),
            "token_ttl_hours": float(env.get("GOVFLOW_TOKEN_TTL_HOURS", "12")),
            "session_hours": float(env.get("GOVFLOW_SESSION_HOURS", "8")),
            "max_bpmn_bytes": int(env.get("GOVFLOW_MAX_BPMN_BYTES", str(2 * 1024 * 1024))),
            "max_upload_bytes": int(env.get("GOVFLOW_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
            "demo": env.get("GOVFLOW_DEMO", "") in ("1", "true", "yes"),
            "scheduler_stale_seconds": float(env.get("GOVFLOW_SCHEDULER_STALE_SECONDS", "60")),
            "proxy_hops": int(env.get("GOVFLOW_PROXY_HOPS", "0")),
            "step_attempts": int(env.get("GOVFLOW_STEP_ATTEMPTS", "3")),
            "step_retry_seconds": float(env.get("GOVFLOW_STEP_RETRY_SECONDS", "15")),
            "workflow_retention_days": float(env.get("GOVFLOW_WORKFLOW_RETENTION_DAYS", "90")),
            "oidc_issuer": env.get("GOVFLOW_OIDC_ISSUER", "").rstrip("/"),
            "oidc_client_id": env.get("GOVFLOW_OIDC_CLIENT_ID", ""),
            "oidc_client_secret_env": env.get(
                "GOVFLOW_OIDC_CLIENT_SECRET_ENV", "GOVFLOW_OIDC_CLIENT_SECRET"
            ),
            "oidc_scopes": env.get("GOVFLOW_OIDC_SCOPES", "openid profile"),
            "oidc_staff_claim": env.get("GOVFLOW_OIDC_STAFF_CLAIM", "preferred_username"),
            "oidc_id_number_claim": env.get("GOVFLOW_OIDC_ID_NUMBER_CLAIM", "id_number"),
            "oidc_level_claim": env.get("GOVFLOW_OIDC_LEVEL_CLAIM", "acr"),
            "oidc_create_applicants": env.get("GOVFLOW_OIDC_CREATE_APPLICANTS", "1")
            in ("1", "true", "yes"),
            "password_roles": _roles(env.get("GOVFLOW_PASSWORD_ROLES")),
            "extension_max_days": int(env.get("GOVFLOW_EXTENSION_MAX_DAYS", "10")),
            "job_attempts": int(env.get("GOVFLOW_JOB_ATTEMPTS", "4")),
            "job_retry_seconds": float(env.get("GOVFLOW_JOB_RETRY_SECONDS", "5")),
            "max_instances": int(env.get("GOVFLOW_MAX_INSTANCES", "200")),
            "max_engine_steps": int(env.get("GOVFLOW_MAX_ENGINE_STEPS", "500")),
            "min_timer_cycle_seconds": float(env.get("GOVFLOW_MIN_TIMER_CYCLE_SECONDS", "3600")),
            "max_timer_repetitions": int(env.get("GOVFLOW_MAX_TIMER_REPETITIONS", "1000")),
            "max_state_bytes": int(env.get("GOVFLOW_MAX_STATE_BYTES", str(4 * 1024 * 1024))),
            "smtp_host": env.get("GOVFLOW_SMTP_HOST", ""),
            "smtp_port": int(env.get("GOVFLOW_SMTP_PORT", "25")),
            "smtp_sender": env.get("GOVFLOW_SMTP_SENDER", ""),
            "smtp_tls": env.get("GOVFLOW_SMTP_TLS", "") in ("1", "true", "yes"),
            "smtp_username": env.get("GOVFLOW_SMTP_USERNAME", ""),
            "smtp_password_env": env.get("GOVFLOW_SMTP_PASSWORD_ENV", "GOVFLOW_SMTP_PASSWORD"),
            "smtp_timeout_seconds": float(env.get("GOVFLOW_SMTP_TIMEOUT_SECONDS", "10")),
            "sms_url": env.get("GOVFLOW_SMS_URL", ""),
            "sms_token_env": env.get("GOVFLOW_SMS_TOKEN_ENV", "GOVFLOW_SMS_TOKEN"),
            "sms_timeout_seconds": float(env.get("GOVFLOW_SMS_TIMEOUT_SECONDS", "10")),
            "delivery_attempts": int(env.get("GOVFLOW_DELIVERY_ATTEMPTS", "8")),
            "delivery_retry_seconds": float(env.get("GOVFLOW_DELIVERY_RETRY_SECONDS", "30")),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _roles(value: str | None) -> tuple[str, ...] | None:
    """``GOVFLOW_PASSWORD_ROLES``: unset means every role; empty means none."""
    if value is None:
        return None
    return tuple(r.strip() for r in value.split(",") if r.strip())
