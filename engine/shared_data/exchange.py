"""Service tasks that pull from and publish to shared data, with provenance and logging.

A pull writes the record into the case data (``data[provider]``), remembers where it
came from (``case.sources``) and appends to the data-access log who caused the pull and
for which purpose — the matter and step.  A missing record is not an error: the material
then shows as missing and the applicant is asked for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import audit, clock
from ..models import Case, DataAccess
from ..principal import Principal
from .providers import DatabaseProvider


def _subject_value(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    return str(value).strip()


def pull(
    session: Session,
    providers: dict[str, DatabaseProvider],
    case: Case,
    actor: Principal,
    task: Any,
    meta: dict[str, Any],
) -> None:
    """Run a ``shared_data`` service task: fetch each provider's record per subject field."""
    purpose = f"{case.process_key}/{meta['id']}"
    for provider_name in meta["shared_data"]:
        provider = providers[provider_name]
        results: dict[str, Any] = {}
        for field in meta["subject"]:
            results[field] = _pull_one(session, provider, case, actor, task.data, field, purpose)
        task.data[provider_name] = (
            results[meta["subject"][0]] if len(meta["subject"]) == 1 else results
        )


def _pull_one(
    session: Session,
    provider: DatabaseProvider,
    case: Case,
    actor: Principal,
    data: dict[str, Any],
    field: str,
    purpose: str,
) -> dict[str, Any] | None:
    key = _subject_value(data, field)
    record = provider.lookup(session, key) if key else None
    outcome = "found" if record else ("no_key" if key is None else "not_found")
    now = clock.now()
    case.sources = {
        **(case.sources or {}),
        f"{provider.name}:{field}": {
            "provider": provider.name,
            "department": provider.department,
            "subject_field": field,
            "record_key": record.key if record else key,
            "outcome": outcome,
            "at": now.isoformat(),
            "step": purpose.split("/", 1)[1],
        },
    }
    session.add(
        DataAccess(
            at=now,
            actor=actor.username,
            actor_role=actor.primary_role,
            case_id=case.id,
            provider=provider.name,
            department_code=provider.department,
            record_key=(record.key if record else key or "")[:200],
            subject_id_number=_id_number_of(record, key) if provider.personal else None,
            fields=list(record.data) if record else [],
            purpose=purpose,
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
        record_key=record.key if record else key,
    )
    return record.data if record else None


def _id_number_of(record: Any, key: str | None) -> str | None:
    if record is not None and record.subject_id_number:
        return record.subject_id_number
    return key if key and len(key) == 18 else None


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
