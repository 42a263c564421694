"""The provider registry: declarations from code, transport from ``provider_configs``.

What a provider *is* — department, fields, sharing class, accepted purposes — is declared
in ``providers.py`` and reviewed like code.  *Where* its records come from is
configuration: without a row in ``provider_configs`` the built-in table answers (the
demo); a row of kind ``http`` sends lookups to the exchange platform.  The row is read at
every pull, so every worker sees a change at once (nothing in a worker's memory is the
truth).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..errors import NotFound, ValidationFailed
from ..principal import Principal
from . import allow_list
from .http import HttpProvider, is_http_url
from .models import ProviderConfig
from .providers import SHARING_CLASSES, DatabaseProvider

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
PURPOSE = re.compile(r"^[A-Za-z0-9_*?\-]+/[A-Za-z0-9_*?\-]+$")


@dataclass(frozen=True)
class Resolved:
    """The provider to ask for one pull, and the purposes it accepts right now."""

    provider: DatabaseProvider | HttpProvider
    spec: DatabaseProvider
    purposes: tuple[str, ...] | None  # None: as declared

    def allows(self, purpose: str) -> bool:
        return self.spec.allows(purpose, self.purposes)


def resolve(session: Session, providers: dict[str, DatabaseProvider], name: str) -> Resolved:
    spec = providers[name]
    config = session.get(ProviderConfig, name)
    if config is None or not config.enabled:
        return Resolved(spec, spec, None)
    purposes = tuple(config.purposes) if config.purposes is not None else None
    if config.kind == "http":
        provider = HttpProvider(
            spec,
            config.url or "",
            timeout=config.timeout_seconds,
            retries=config.retries,
            credential_env=config.credential_env,
        )
        return Resolved(provider, spec, purposes)
    return Resolved(spec, spec, purposes)


def provider_view(spec: DatabaseProvider, config: ProviderConfig | None) -> dict[str, Any]:
    active = config is not None and config.enabled
    purposes = (
        list(config.purposes) if active and config.purposes is not None else list(spec.purposes)
    )
    view: dict[str, Any] = {
        "name": spec.name,
        "title": {"zh": spec.title_zh, "en": spec.title_en},
        "department": spec.department,
        "fields": list(spec.fields),
        "personal": spec.personal,
        "sharing": spec.sharing,
        "purposes": purposes if spec.sharing == "conditional" else [],
        "transport": config.kind if active else "database",
        "endpoint": None,
    }
    if active and config.kind == "http":
        view["endpoint"] = {
            "url": config.url,
            "timeout_seconds": config.timeout_seconds,
            "retries": config.retries,
            "credential_env": config.credential_env,
            # Whether the secret is there, never the secret.
            "credential_present": bool(
                config.credential_env and os.environ.get(config.credential_env)
            ),
        }
    return view


def listing(session: Session, providers: dict[str, DatabaseProvider]) -> list[dict[str, Any]]:
    configs = {c.name: c for c in session.scalars(select(ProviderConfig))}
    return [provider_view(spec, configs.get(name)) for name, spec in sorted(providers.items())]


def configure(
    session: Session,
    providers: dict[str, DatabaseProvider],
    actor: Principal,
    name: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Point provider ``name`` at an endpoint (or back at the built-in table).

    ``body``: ``{"kind": "http"|"database", "url", "timeout_seconds", "retries",
    "credential_env", "purposes", "enabled"}``.  A secret in clear is refused.
    """
    if name not in providers:
        raise NotFound(f"no provider '{name}'")
    cleaned = _validated(body)
    config = session.get(ProviderConfig, name)
    if config is None:
        config = ProviderConfig(name=name)
        session.add(config)
    for key, value in cleaned.items():
        setattr(config, key, value)
    config.updated_at, config.updated_by = clock.now(), actor.username
    session.flush()
    audit.record(
        session,
        actor,
        "provider_configured",
        provider=name,
        **{k: v for k, v in cleaned.items() if k != "purposes"},
        purposes=cleaned.get("purposes"),
    )
    return provider_view(providers[name], config)


_SECRET_KEYS = ("credential", "password", "secret", "token", "api_key")


def _validated(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    for key in body:
        if key in _SECRET_KEYS:
            fields[key] = [
                "secrets are never stored: put it in an environment variable and give "
                "its name as 'credential_env'"
            ]
    known = {"kind", "url", "timeout_seconds", "retries", "credential_env", "purposes", "enabled"}
    for key in body:
        if key not in known and key not in _SECRET_KEYS:
            fields[key] = ["unknown field"]
    kind = body.get("kind", "http")
    if kind not in ("http", "database"):
        fields["kind"] = ["must be 'http' or 'database'"]
    url = body.get("url")
    if kind == "http" and not is_http_url(url if isinstance(url, str) else None):
        fields["url"] = ["an http:// or https:// URL is required"]
    elif kind == "http" and (problem := allow_list.url_problem(url)):
        fields["url"] = [problem]
    timeout = body.get("timeout_seconds", 3.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 60:
        fields["timeout_seconds"] = ["a number of seconds between 0 and 60"]
    retries = body.get("retries", 2)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 5:
        fields["retries"] = ["a whole number from 0 to 5"]
    env = body.get("credential_env")
    if env is not None and (not isinstance(env, str) or not ENV_NAME.match(env)):
        fields["credential_env"] = [
            "the NAME of an environment variable, e.g. GOVFLOW_EXCHANGE_TOKEN"
        ]
    elif env is not None and (problem := allow_list.credential_env_problem(env)):
        fields["credential_env"] = [problem]
    purposes = body.get("purposes")
    if purposes is not None and (
        not isinstance(purposes, list)
        or not all(isinstance(p, str) and PURPOSE.match(p) for p in purposes)
    ):
        fields["purposes"] = ["a list of '<matter>/<step>' patterns, e.g. 'property_transfer/*'"]
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        fields["enabled"] = ["true or false"]
    if fields:
        raise ValidationFailed("the provider configuration is invalid", fields=fields)
    return {
        "kind": kind,
        "url": url if kind == "http" else None,
        "timeout_seconds": float(timeout),
        "retries": retries,
        "credential_env": env,
        "purposes": purposes,
        "enabled": enabled,
    }


__all__ = ["SHARING_CLASSES", "Resolved", "configure", "listing", "resolve"]
