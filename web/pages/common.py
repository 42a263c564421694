"""What every page shares: the signed-in user, role checks, the engine, display helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from engine import clock
from engine.context import Govflow
from engine.directory import standing
from engine.models import User
from engine.principal import SYSTEM, Principal
from engine.services import auth, health
from engine.services.directory import department_names

from . import csrf

LANG_COOKIE = "govflow_lang"
SUPPORTED_LANGS = ("zh", "en")
SESSION_USER = "user"
#: The page session's random id (``engine.sign_in.sessions``): the session is its row.
SESSION_ID = "sid"
#: The one page open to a user whose password an administrator reset.
PASSWORD_PAGE = "admin.password"

#: Where each role lands after signing in (the first role a user has wins).
HOME_BY_ROLE = (
    ("applicant", "applicant.home"),
    ("clerk", "clerk.worklist"),
    ("designer", "designer.home"),
    ("supervisor", "supervisor.dashboard"),
    ("admin", "supervisor.dashboard"),
)

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "designer": _l("Process designer"),
    "clerk": _l("Clerk"),
    "supervisor": _l("Supervisor"),
    "applicant": _l("Applicant"),
    "integration": _l("Integration (system account)"),
}

CASE_STATUS = {
    "running": _l("In progress"),
    "waiting_applicant": _l("Waiting for you"),
    "completed": _l("Concluded"),
    "terminated": _l("Terminated"),
    "error": _l("Error"),
}
#: Staff read "waiting_applicant" differently from the applicant.
CASE_STATUS_STAFF = {**CASE_STATUS, "waiting_applicant": _l("Waiting for the applicant")}

CASE_OUTCOME = {"concluded": _l("Concluded"), "refused": _l("Not accepted")}

TASK_STATUS = {
    "ready": _l("To claim"),
    "claimed": _l("In progress"),
    "completed": _l("Done"),
    "cancelled": _l("Cancelled"),
}

DEADLINE_STATE = {
    "ok": _l("On time"),
    "warning": _l("Due soon"),
    "overdue": _l("Overdue"),
    "paused": _l("Clock stopped"),
    "met": _l("Met"),
    "missed": _l("Missed"),
}

DEADLINE_NAMES = {
    "promised": _l("promised limit"),
    "statutory": _l("statutory limit"),
    "task": _l("step limit"),
}

MATERIAL_STATUS = {
    "shared": _l("From shared data"),
    "uploaded": _l("Uploaded"),
    "missing": _l("Missing"),
}

#: How a pull ended (``source.outcome``), as the case page says it.
PULL_OUTCOME = {
    "found": _l("Record fetched"),
    "corrected": _l("Fetched (corrected)"),
    "not_found": _l("Fetch failed: the department holds no such record"),
    "unavailable": _l("Fetch failed: the department's system did not answer"),
    "error": _l("Fetch failed: the department's system answered in error"),
    "refused": _l("Fetch failed: not shared for this matter"),
    "no_key": _l("Fetch failed: the application gives no ID or certificate number"),
    "awaiting_party": _l("Waiting for a party to confirm the application"),
    "not_a_party": _l("Withheld: the record is about someone who is not a party"),
}
#: Outcomes after which the record is in the case (``engine.shared_data.exchange``).
PULL_FETCHED = ("found", "corrected")

EVENT_LABELS = {
    "case_started": _l("Application submitted"),
    "shared_data_pulled": _l("Shared data fetched"),
    "shared_data_issued": _l("Result published to shared data"),
    "task_created": _l("Step opened"),
    "task_claimed": _l("Step claimed"),
    "task_unclaimed": _l("Step released"),
    "task_completed": _l("Step done"),
    "case_completed": _l("Case concluded"),
    "supplement_requested": _l("Supplement requested"),
    "supplement_answered": _l("Supplement answered"),
    "missing_materials_accepted": _l("Went on with required materials missing"),
    "material_uploaded": _l("Material uploaded"),
    "materials_deferred": _l("Accepted with materials to follow (容缺)"),
    "deferred_material_supplied": _l("Deferred material supplied"),
    "deferred_material_overdue": _l("Deferred material overdue"),
    "deferral_extended": _l("Deadline for a deferred material extended"),
    "pledge_signed": _l("Pledge signed (告知承诺)"),
    "pledge_checked": _l("Pledge checked"),
    "pledge_revocation_decided": _l("False pledge decided"),
    "case_revoked": _l("Revoked: the pledge was untrue"),
    "applicant_notified": _l("Applicant notified"),
    "confirmation_issued": _l("Confirmation issued"),
    "special_procedure_started": _l("Special procedure started (clock stopped)"),
    "special_procedure_ended": _l("Special procedure ended (clock resumed)"),
    "dispute_raised": _l("Objection to shared data raised"),
    "dispute_settled": _l("Objection settled"),
    "shared_data_refreshed": _l("Shared data fetched again"),
    "record_transcribed": _l("Record transcribed"),
    "timer_fired": _l("Timer fired"),
    "call_started": _l("Called process started"),
    "task_returned": _l("Returned to an earlier step"),
    "task_withdrawn": _l("Step withdrawn by its clerk"),
    "task_transferred": _l("Step transferred"),
    "task_delegated": _l("Step delegated"),
    "task_resolved": _l("Delegated step handed back"),
    "task_urged": _l("Step urged"),
    "case_suspended": _l("Case suspended (clock stopped)"),
    "case_resumed": _l("Case resumed"),
    "case_terminated": _l("Case terminated"),
    "case_refused": _l("Application not accepted"),
    "case_rated": _l("Service rated"),
    "rating_rectified": _l("Bad rating rectified"),
    "task_moved_to_successor": _l("Step moved to the successor department"),
    "task_released": _l("Step released: its clerk was deactivated"),
    "deadline_warning": _l("Time limit nearly reached"),
    "deadline_overdue": _l("Time limit exceeded"),
    "incident_opened": _l("A step failed: incident opened"),
    "incident_resolved": _l("Incident resolved"),
    "incident_retry_failed": _l("Retry of the failed step failed again"),
    "party_confirmed": _l("Party confirmed the application"),
    "task_carried_forward": _l("Earlier work carried forward"),
    "notice_issued": _l("Written notice issued"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_refused": _l("Extension refused"),
    "extension_expired": _l("Extension request expired"),
    "task_cancelled": _l("Step cancelled"),
    "countersign_completed": _l("Countersignature completed"),
    "step_failed": _l("A step failed (will be retried)"),
    "case_migrated": _l("Moved to the current version of the matter"),
    "message_received": _l("Message received from an integration"),
    "shared_data_answer_late": _l("Shared data answered late"),
    "shared_data_answer_ignored": _l("Late shared-data answer ignored"),
    "credit_record_added": _l("Credit record added"),
    "deferral_closed": _l("Deferral closed"),
    "visit_recorded": _l("Visit to the window recorded"),
    "workflows_dropped": _l("Closed workflows dropped (retention)"),
    "unnamed_files_removed": _l("Files no upload names removed (sweep)"),
    "definition_deployed": _l("Matter deployed"),
    "definition_approved": _l("New version approved"),
    "calendar_year_loaded": _l("Working-day calendar loaded"),
    "provider_configured": _l("Shared-data provider configured"),
    "sharing_request_filed": _l("Sharing request filed"),
    "notification_delivered": _l("Notification sent by e-mail or SMS"),
    "notification_not_sent": _l("Notification not sent (channel off or no address)"),
    "notification_undelivered": _l("Notification could not be delivered"),
    "sharing_request_approved": _l("Sharing request approved"),
    "sharing_request_refused": _l("Sharing request refused"),
    "department_created": _l("Department created"),
    "department_changed": _l("Department changed"),
    "user_created": _l("User created"),
    "user_changed": _l("User changed"),
}

#: What happened to a task before it reached its holder (``notice`` in the task JSON).
NOTICE_KINDS = {
    "returned": _l("Returned"),
    "withdrawn": _l("Withdrawn"),
    "transferred": _l("Transferred"),
    "delegated": _l("Delegated"),
    "resolved": _l("Handed back"),
    "bad_rating": _l("Bad rating"),
}

#: 好差评 levels (GB/T 39046), best first.
RATING_LEVELS = {
    5: _l("Very satisfied"),
    4: _l("Satisfied"),
    3: _l("Fairly satisfied"),
    2: _l("Dissatisfied"),
    1: _l("Very dissatisfied"),
}


#: Field names of shared-data records, as people read them.
RECORD_FIELDS = {
    "name": _l("Name"),
    "id_number": _l("ID number"),
    "address": _l("Address"),
    "photo_verified": _l("Photo verified"),
    "marital_status": _l("Marital status"),
    "spouse_id_number": _l("Spouse's ID number"),
    "certificate_no": _l("Certificate no."),
    "owners": _l("Owners"),
    "area": _l("Area (m²)"),
    "parcel_map": _l("Parcel map no."),
    "floor_plan": _l("Floor plan no."),
    "mortgaged": _l("Mortgaged"),
    "seized": _l("Seized"),
    "contract_no": _l("Contract no."),
    "buyer": _l("Buyer"),
    "seller": _l("Seller"),
    "price": _l("Price (yuan)"),
    "available": _l("Name available"),
    "registered_company": _l("Registered company"),
    "credit_code": _l("Unified social credit code"),
    "license_type": _l("Licence type"),
    "license_no": _l("Licence no."),
    "holder": _l("Holder"),
    "issued_at": _l("Issued"),
    "taxpayer": _l("Taxpayer"),
    "amount": _l("Amount (yuan)"),
    "paid": _l("Paid"),
    "paid_at": _l("Paid on"),
    "kind": _l("Kind"),
}

RECORD_VALUES = {
    "married": _l("married"),
    "unmarried": _l("unmarried"),
    "divorced": _l("divorced"),
    "widowed": _l("widowed"),
}


def record_value(value: Any) -> str:
    """A shared-data value for people: yes/no, lists joined, nothing as a dash."""
    from flask_babel import gettext

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list | tuple):
        return (", " if lang() == "en" else "、").join(record_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{record_field(k)}: {record_value(v)}" for k, v in value.items())
    if isinstance(value, str) and value in RECORD_VALUES:
        return str(RECORD_VALUES[value])
    return str(value)


def record_field(name: str) -> str:
    label = RECORD_FIELDS.get(name)
    return str(label) if label is not None else name


def engine() -> Govflow:
    return current_app.extensions["govflow"]


def lang() -> str:
    """``zh`` or ``en``: the page language, also passed to engine validation messages."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


# --- the signed-in user ---------------------------------------------------------------


def current_user() -> User | None:
    """The user of the request's page session: its row must still be live (logout and
    expiry end it on the server, so a replayed cookie signs nobody in)."""
    if "page_user" not in g:
        user = auth.user_for_page_session(engine(), session.get(SESSION_ID))
        if user is not None and not standing.may_act(user):
            user = None
        g.page_user = user
    return g.page_user


def principal() -> Principal:
    user = current_user()
    if user is None:
        abort(401)
    return auth.principal_of(user)


def sign_in(user: User, page_session: str) -> None:
    session.clear()
    session.permanent = True
    session[SESSION_USER] = user.username
    session[SESSION_ID] = page_session
    csrf.rotate()
    g.page_user = user


def sign_out() -> None:
    auth.logout(engine(), session.get(SESSION_ID))
    session.clear()
    csrf.rotate()
    g.page_user = None


def home_endpoint(user: User) -> str:
    roles = set(user.roles or ())
    for role, endpoint in HOME_BY_ROLE:
        if role in roles:
            return endpoint
    return "auth.login"


def login_required(*roles: str) -> Callable:
    """Sign-in required (redirect to the login page); with ``roles``, one of them (403)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if standing.password_change_pending(user) and request.endpoint != PASSWORD_PAGE:
                return redirect(url_for(PASSWORD_PAGE))
            if roles and not set(roles) & set(user.roles or ()):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to, or None (no open redirects).

    A control character or space is refused outright: CR/LF would break the Location
    header, and browsers drop tabs and newlines, so ``/\n/evil.example`` becomes
    ``//evil.example`` there."""
    if not target or any(ord(c) <= 32 or ord(c) == 127 for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


# --- display helpers --------------------------------------------------------------------


def localized(value: Any) -> str:
    """``{"zh": ..., "en": ...}`` in the page language (falls back to the other one)."""
    if isinstance(value, dict):
        return str(value.get(lang()) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def fmt_time(value: Any, with_time: bool = True) -> str:
    """A moment in Beijing time: ``2026-11-23 08:38``."""
    moment = clock.local(_as_datetime(value))
    if moment is None:
        return "—" if value in (None, "") else str(value)
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def department_name(code: str | None) -> str:
    if not code:
        return "—"
    names = g.get("_departments")
    if names is None:
        names = g._departments = department_names(engine())
    return localized(names.get(code)) or code


def person(username: str | None) -> str:
    """A user's display name (the username when there is no such user; the engine's own
    steps — the scheduler's, a timer's — as the system)."""
    if not username:
        return "—"
    if username == SYSTEM.username:
        return str(_l("System"))
    names = g.get("_people")
    if names is None:
        names = g._people = {}
    if username not in names:
        user = auth.get_user(engine(), username)
        names[username] = user.display_name if user is not None else username
    return names[username]


def provider_title(name: str | None) -> str:
    provider = engine().providers.get(name or "")
    if provider is None:
        return name or "—"
    return (provider.title_en if lang() == "en" else provider.title_zh) or name


def provider_title_both(name: str) -> dict[str, str]:
    """The provider's title in both languages (for ``l10n`` in a template)."""
    provider = engine().providers.get(name)
    if provider is None:
        return {"zh": name, "en": name}
    return {"zh": provider.title_zh or name, "en": provider.title_en or name}


def provider_department(name: str | None) -> str | None:
    provider = engine().providers.get(name or "")
    return provider.department if provider else None


_LIMIT_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(wd|h)\s*$")


def limit_text(limit: Any) -> str:
    """``{"kind": "working_days", "limit": 1}`` or ``"1wd"`` → ``1 个工作日`` / ``1 working day``."""
    if not limit:
        return "—"
    if isinstance(limit, str):
        match = _LIMIT_RE.match(limit)
        if not match:
            return limit
        amount, unit = float(match.group(1)), match.group(2)
        kind = "working_days" if unit == "wd" else "hours"
    else:
        amount, kind = float(limit.get("limit") or 0), limit.get("kind")
    shown = f"{amount:g}"
    from flask_babel import ngettext

    if kind == "hours":
        return ngettext("%(n)s office hour", "%(n)s office hours", 1 if amount == 1 else 2, n=shown)
    return ngettext("%(n)s working day", "%(n)s working days", 1 if amount == 1 else 2, n=shown)


def label(mapping: dict[str, Any], key: str | None) -> str:
    if key is None:
        return "—"
    value = mapping.get(key)
    return str(value) if value is not None else key


def url_with(**params: Any) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    args = request.args.to_dict()
    for name, value in params.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    query = urlencode(args)
    return request.path + ("?" + query if query else "")


_VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "node_modules"
VENDOR_FILES = {
    "bpmn_js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "bpmn_css": "bpmn-js/dist/assets/bpmn-js.css",
    "diagram_css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn_font": "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css",
    "echarts": "echarts/dist/echarts.min.js",
}


def vendor_url(name: str) -> str | None:
    """The URL of a vendored browser library, or None when ``make node-deps`` has not run
    (the page then shows a placeholder instead of the diagram or the chart)."""
    relative = VENDOR_FILES[name]
    if not (_VENDOR / relative).is_file():
        return None
    return url_for("static", filename=f"vendor/node_modules/{relative}")


#: The file chooser's filter for every upload: the types ``engine.services.uploads``
#: accepts (it decides by the first bytes; this only spares the applicant a refusal).
UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def scheduler_health() -> health.Health:
    """The health check behind the scheduler banner, once per request."""
    if "_health" not in g:
        g._health = health.check(engine())
    return g._health


def template_helpers() -> dict[str, Any]:
    user = current_user() if session.get(SESSION_USER) else None
    roles = set(user.roles or ()) if user else set()
    return {
        "current_user": user,
        "roles": roles,
        "has_role": lambda *wanted: bool(set(wanted) & roles),
        "role_labels": ROLE_LABELS,
        "csrf_token": csrf.token,
        "lang": lang(),
        "l10n": localized,
        "fmt_time": fmt_time,
        "department_name": department_name,
        "person": person,
        "provider_title": provider_title,
        "limit_text": limit_text,
        "record_field": record_field,
        "record_value": record_value,
        "label": label,
        "url_with": url_with,
        "vendor_url": vendor_url,
        "scheduler_health": scheduler_health,
        "CASE_STATUS": CASE_STATUS_STAFF if roles - {"applicant"} else CASE_STATUS,
        "CASE_OUTCOME": CASE_OUTCOME,
        "TASK_STATUS": TASK_STATUS,
        "DEADLINE_STATE": DEADLINE_STATE,
        "MATERIAL_STATUS": MATERIAL_STATUS,
        "DEADLINE_NAMES": DEADLINE_NAMES,
        "EVENT_LABELS": EVENT_LABELS,
        "PULL_OUTCOME": PULL_OUTCOME,
        "NOTICE_KINDS": NOTICE_KINDS,
        "RATING_LEVELS": RATING_LEVELS,
        "UPLOAD_ACCEPT": UPLOAD_ACCEPT,
    }


def xml_response(text: str):  # noqa: ANN201
    """A BPMN document for the diagram viewer: never rendered as a page (it may be an
    uploaded, unchecked file), so it gets a sandboxing policy and no sniffing."""
    from flask import Response

    response = Response(text, mimetype="application/xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
