"""Service tasks that pull from and publish to shared data, with provenance and logging.

A pull names its purpose — ``<matter>/<step>`` — and the registry decides whether the
provider is shared for it.  Every pull ends in one of these outcomes, recorded on the
case (``case.sources["<provider>:<subject field>"]``) and, when a request was made or
refused, in the append-only access log:

``found``        the record is in ``data[provider]``; the material counts as shared
``not_found``    the provider has no such record → the applicant uploads the material
``no_key``       the application gave nothing to look up → upload
``refused``      the purpose is not one the provider is shared for → upload
``unavailable``  timeout / connection / 5xx, still failing after the retries → upload
``error``        the provider answered something unusable (malformed JSON, 4xx) → upload
``awaiting_party`` the subject is a party who has not confirmed: nothing is asked yet;
                 the pull is made when they confirm (``parties``)
``not_a_party``  the record's subject is nobody confirmed on the case: withheld, the
                 refusal logged → upload, with the reason
``fetching``     an exchange-platform provider is being asked by a job (no network call
                 is made inside a case's transaction); the service task waits for the
                 answer, which ``settle`` records as one of the outcomes above

Whatever the outcome the service task completes (``data[provider] = None`` when nothing
came back) and the case moves on: a provider outage never loses a case or stops a
window; the reason is shown beside the material.  Later the record can still arrive —
re-pulled once the provider is back (``repull``), corrected after a dispute, or
transcribed by the window clerk from the uploaded document (``apply_record``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from .. import audit, clock
from ..models import Case, DataAccess
from ..principal import Principal
from . import parties, registry
from .http import ProviderFailed, ProviderUnavailable
from .providers import DatabaseProvider, Record

#: An administrative division code (行政区划代码): county, township or village level.
DIVISION_RE = re.compile(r"\d{6}|\d{9}|\d{12}")

#: Outcomes after which the record is in the case and the material counts as shared.
SHARED_OUTCOMES = ("found", "corrected")
#: Outcomes of a pull that could not be made (the provider down, or answering nonsense).
FAILED_OUTCOMES = ("unavailable", "error")
#: Outcomes a re-pull may turn into ``found``.
RETRYABLE_OUTCOMES = ("unavailable", "error", "not_found")
#: Outcomes a party's confirmation may turn into ``found`` (``parties``).
PARTY_OUTCOMES = ("awaiting_party", "not_a_party")
#: A job is asking the exchange platform; the answer is still to come.
FETCHING = "fetching"


@dataclass(frozen=True)
class Fetch:
    """A lookup to make outside the transaction: the step recorded it as ``fetching``
    under ``token``; only the answer carrying that token may settle it."""

    provider: str
    field: str
    key: str
    purpose: str
    token: str

    def to_dict(self) -> dict[str, str]:
        return {
            "provider": self.provider,
            "field": self.field,
            "key": self.key,
            "purpose": self.purpose,
            "token": self.token,
        }


def _subject_value(data: dict[str, Any], field: str) -> str | None:
    """The ID number (or record key) a ``subject`` names: a field of the case
    (``seller_id_number``), a dotted path into it (``legal_rep.id_number``), or the
    applicant's own (``applicant.id_number``, as DOMAIN.md's designers write it)."""
    value = subject_lookup(data, field)
    if value is None or value == "" or isinstance(value, (dict, list)):
        return None
    return str(value).strip()


def subject_lookup(data: dict[str, Any], path: str) -> Any:
    """Resolve a subject path in the case data (``None`` when it names nothing)."""
    if path in data:
        return data[path]
    head, _dot, rest = path.partition(".")
    if head == "applicant" and rest and "." not in rest:
        return data.get(f"applicant_{rest}")  # the case stores applicant_id_number
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def pull(
    session: Session,
    providers: dict[str, DatabaseProvider],
    case: Case,
    actor: Principal,
    task: Any,
    meta: dict[str, Any],
) -> list[Fetch]:
    """Run a ``shared_data`` service task: fetch each provider's record per subject field.

    The built-in table answers at once; an exchange-platform provider is not called here
    (the case is locked): its lookups come back as ``Fetch``-es for jobs to make, and
    their sources say ``fetching`` until the answers are settled."""
    purpose = f"{case.process_key}/{meta['id']}"
    fetches: list[Fetch] = []
    for provider_name in meta["shared_data"]:
        resolved = registry.resolve(session, providers, provider_name, case.provider_stamp)
        results: dict[str, Any] = {}
        for field in meta["subject"]:
            key = _subject_value(task.data, field)
            fetch = _deferred(session, resolved, case, key, field, purpose)
            if fetch is not None:
                fetches.append(fetch)
                results[field] = None
            else:
                results[field] = pull_one(session, resolved, case, actor, key, field, purpose)
        task.data[provider_name] = (
            results[meta["subject"][0]] if len(meta["subject"]) == 1 else results
        )
    return fetches


def _deferred(
    session: Session,
    resolved: registry.Resolved,
    case: Case,
    key: str | None,
    field: str,
    purpose: str,
) -> Fetch | None:
    """A lookup to hand to a job (the provider is remote and may be asked), or ``None``
    to settle it here and now."""
    provider = resolved.provider
    if getattr(provider, "transport", "database") != "http" or key is None:
        return None
    standing = parties.standing(session, case)
    if _refusal(session, resolved, case, key, field, purpose, standing) is not None:
        return None
    fetch = Fetch(provider.name, field, key, purpose, uuid.uuid4().hex)
    record_source(
        case,
        provider.name,
        field,
        {
            "provider": provider.name,
            "department": provider.department,
            "subject_field": field,
            "subject_id_number": None,
            "record_key": key,
            "outcome": FETCHING,
            "reason": "being fetched from the data-exchange platform",
            "transport": "http",
            "at": clock.now().isoformat(),
            "step": purpose.split("/", 1)[1],
            "token": fetch.token,
        },
    )
    return fetch


def _refusal(
    session: Session,
    resolved: registry.Resolved,
    case: Case,
    key: str | None,
    field: str,
    purpose: str,
    standing: parties.Standing | None,
) -> tuple[str, str, str | None] | None:
    """(outcome, reason, key to log) when the lookup must not be made at all; ``standing``
    is read when there is a key."""
    if key is None or standing is None:
        return "no_key", f"the application gives no '{field}'", None
    if not standing.may_ask_by(field):
        reason = f"the {standing.waiting[field]} has not confirmed the application yet"
        return "awaiting_party", reason, None  # nothing is asked: no access to log
    if not resolved.allows(purpose):
        return "refused", f"{resolved.provider.name} is not shared for the purpose {purpose}", key
    return None


def lookup(
    provider: Any, session: Session | None, key: str, field: str, purpose: str
) -> tuple[Record | None, str, str | None]:
    """Ask the provider: (record, outcome, reason).  With ``session`` None no local table
    is read (a job asking the platform with no transaction open)."""
    try:
        if session is None and hasattr(provider, "ask"):
            record = provider.ask(key, purpose)
        else:
            record = provider.lookup(session, key, purpose)
    except ProviderUnavailable as exc:
        return None, "unavailable", exc.reason
    except ProviderFailed as exc:
        return None, "error", exc.reason
    if record is None:
        return None, "not_found", f"{provider.name} has no record for this {field}"
    return record, "found", None


def pull_one(
    session: Session,
    resolved: registry.Resolved,
    case: Case,
    actor: Principal,
    key: str | None,
    field: str,
    purpose: str,
) -> dict[str, Any] | None:
    """One lookup with its provenance, access-log entry and audit event; the record's
    data, or ``None`` when the material has to be uploaded."""
    # read once for the asking and the answer (none is asked without a key)
    standing = parties.standing(session, case) if key is not None else None
    refusal = _refusal(session, resolved, case, key, field, purpose, standing)
    if refusal is not None:
        outcome, reason, key = refusal
        record = None
    else:
        assert key is not None
        record, outcome, reason = lookup(resolved.provider, session, key, field, purpose)
    return settle(
        session,
        resolved.provider,
        case,
        actor,
        key,
        field,
        purpose,
        record,
        outcome,
        reason,
        standing=standing,
    )


def settle(
    session: Session,
    provider: Any,
    case: Case,
    actor: Principal,
    key: str | None,
    field: str,
    purpose: str,
    record: Record | None,
    outcome: str,
    reason: str | None,
    *,
    standing: parties.Standing | None = None,
) -> dict[str, Any] | None:
    """Record how a lookup ended (source, access log, audit); the record's data, or
    ``None`` when the material has to be uploaded.  A record about someone who is not a
    confirmed party of the case is withheld here, whoever fetched it."""
    withheld_from: str | None = None  # the subject of a record the case may not receive
    if record is not None and provider.personal:
        standing = standing or parties.standing(session, case)
        if not standing.may_receive(record.subject_id_number):
            withheld_from, record = record.subject_id_number, None
            outcome = "not_a_party"
            reason = (
                f"the {provider.name} record is about someone who is not a confirmed party "
                "of this case: upload the document, or have that person confirm"
            )
    located = _locate_case(case, record)
    now = clock.now()
    subject = _id_number_of(record, key) if provider.personal and not withheld_from else None
    record_source(
        case,
        provider.name,
        field,
        {
            "provider": provider.name,
            "department": provider.department,
            "subject_field": field,
            "subject_id_number": subject,
            "record_key": record.key if record else key,
            "outcome": outcome,
            "reason": reason,
            "transport": getattr(provider, "transport", "database"),
            "at": now.isoformat(),
            "step": purpose.split("/", 1)[1],
        },
    )
    if key is not None:  # a request was made or refused: that is an access to log
        session.add(
            DataAccess(
                at=now,
                kind="pull",
                actor=actor.username,
                actor_role=actor.primary_role,
                actor_department=actor.department,
                case_id=case.id,
                provider=provider.name,
                department_code=provider.department,
                record_key=(record.key if record else key)[:200],
                # a refusal is logged against the person it protected, so they see it
                subject_id_number=withheld_from or subject,
                fields=sorted(record.data) if record else [],
                purpose=purpose[:200],
                outcome=outcome,
            )
        )
    audit.record(
        session,
        actor,
        "shared_data_pulled",
        case_id=case.id,
        provider=provider.name,
        department=provider.department,
        subject_field=field,
        outcome=outcome,
        reason=reason,
        record_key=record.key if record else key,
        **({"division": located} if located else {}),
    )
    return record.data if record else None


def _locate_case(case: Case, record: Record | None) -> str | None:
    """A case chosen no division takes the first one a pulled record names (the flat's,
    the company's premises'): shared data says where the matter is handled.  Returns the
    division it took, if it took one."""
    if case.division or record is None:
        return None
    division = record.data.get("division")
    if not isinstance(division, str) or not DIVISION_RE.fullmatch(division):
        return None
    case.division = division
    return division


def record_source(case: Case, provider: str, field: str, source: dict[str, Any]) -> None:
    # Reassign (not mutate) so SQLAlchemy sees the JSON column change.
    case.sources = {**(case.sources or {}), f"{provider}:{field}": source}


def _id_number_of(record: Record | None, key: str | None) -> str | None:
    if record is not None and record.subject_id_number:
        return record.subject_id_number
    return key if key and len(key) == 18 else None


# --- records arriving after the pull ------------------------------------------------------
def apply_record(
    workflow: Any,
    service_tasks: dict[str, dict[str, Any]],
    provider: str,
    field: str,
    data: dict[str, Any] | None,
) -> None:
    """Put a record into the running case as the pull would have (``data[provider]``, or
    ``data[provider][field]`` when the step pulled for several subjects), in every open
    branch and the completed steps holding it, so the steps still to come see it."""
    multi = any(
        provider in meta["shared_data"] and field in meta["subject"] and len(meta["subject"]) > 1
        for meta in service_tasks.values()
    )
    for task in workflow.all_tasks():
        open_now = task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
        # Completed tasks that carry the missing record get it too: a withdrawal or a
        # return restarts a step from the data of the steps before it.
        if not open_now and not (task.state == TaskState.COMPLETED and provider in task.data):
            continue
        if multi:
            current = task.data.get(provider)
            current = dict(current) if isinstance(current, dict) else {}
            current[field] = data
            task.data[provider] = current
        else:
            task.data[provider] = data


def repull(
    session: Session,
    providers: dict[str, DatabaseProvider],
    case: Case,
    actor: Principal,
    workflow: Any,
    service_tasks: dict[str, dict[str, Any]],
    outcomes: tuple[str, ...] = RETRYABLE_OUTCOMES + PARTY_OUTCOMES,
    fetches: list[Fetch] | None = None,
) -> list[str]:
    """Ask again for every record that did not arrive (provider down, broken answer, not
    found, a party not yet confirmed); return the ``provider:field`` keys now found.
    Lookups of exchange-platform providers are not made here but added to ``fetches``
    (now ``fetching``), for jobs to make."""
    arrived = []
    for source_key, source in sorted((case.sources or {}).items()):
        if source.get("outcome") not in outcomes or source["provider"] not in providers:
            continue
        resolved = registry.resolve(session, providers, source["provider"], case.provider_stamp)
        purpose = f"{case.process_key}/{source['step']}"
        # For these outcomes ``record_key`` is the key that was asked for.
        key = source.get("record_key") or _subject_value(case.data or {}, source["subject_field"])
        if fetches is not None:
            fetch = _deferred(session, resolved, case, key, source["subject_field"], purpose)
            if fetch is not None:
                fetches.append(fetch)
                continue
        data = pull_one(session, resolved, case, actor, key, source["subject_field"], purpose)
        if data is not None:
            apply_record(workflow, service_tasks, source["provider"], source["subject_field"], data)
            arrived.append(source_key)
    return arrived


# --- issuing ----------------------------------------------------------------------------
def publish(
    session: Session,
    providers: dict[str, DatabaseProvider],
    case: Case,
    actor: Principal,
    task: Any,
    meta: dict[str, Any],
) -> None:
    """Run an ``issue`` service task: the department's result becomes shared data."""
    provider = providers[meta["issue"]]
    subject = _subject_value(task.data, meta["subject"][0])
    data = ISSUERS.get(provider.name, _generic_issue)(case, task.data)
    key = data.get("certificate_no") or data.get("license_no") or f"{provider.name}-{case.id}"
    provider.publish(session, str(key), data, subject)
    task.data.setdefault("issued", {})[provider.name] = {"record_key": key, **data}
    audit.record(
        session,
        actor,
        "shared_data_issued",
        case_id=case.id,
        provider=provider.name,
        department=provider.department,
        record_key=key,
    )


def _tax_certificate(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "certificate_no": data.get("receipt_no") or f"WS{case.id:08d}",
        "taxpayer": data.get("buyer_id_number"),
        "amount": data.get("tax_amount"),
        "paid": bool(data.get("paid")),
        "paid_at": clock.now().date().isoformat(),
        "kind": "deed_tax",
        "case_id": case.id,
    }


def _business_licence(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "license_type": "business_license",
        "license_no": data.get("credit_code"),
        "credit_code": data.get("credit_code"),
        "holder": data.get("company_name"),
        "legal_representative": data.get("legal_rep_name"),
        "issued_at": clock.now().date().isoformat(),
        "case_id": case.id,
    }


def _generic_issue(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    return {"case_id": case.id, "process_key": case.process_key}


ISSUERS = {"tax_record": _tax_certificate, "e_license": _business_licence}
