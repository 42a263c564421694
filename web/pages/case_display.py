"""Shapes the engine's JSON views into what the templates show (no business rules)."""

from __future__ import annotations

from typing import Any

from engine.masking import mask_id_number
from processes.catalogue import result_fields
from processes.results import outcome

from .common import (
    DEADLINE_NAMES,
    PULL_FETCHED,
    department_name,
    lang,
    provider_department,
    provider_title,
)


def _looks_like_id_number(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 18 and value[:17].isdigit()


def shared_records(case: dict[str, Any], sees_identifiers: bool) -> list[dict[str, Any]]:
    """The shared data already pulled for a case, one entry per pull, with provenance.

    The record itself comes from the case JSON (already masked for the viewer's role);
    only the provenance's record key needs masking here.
    """
    data = case.get("data") or {}
    seen: set[tuple[str, str]] = set()
    records = []
    for material in case.get("materials") or []:
        source = material.get("source")
        if not source:
            continue
        provider, subject = source.get("provider"), source.get("subject_field")
        if (provider, subject) in seen:
            continue
        seen.add((provider, subject))
        held = data.get(provider)
        if isinstance(held, dict) and isinstance(held.get(subject), dict):
            held = held[subject]
        key = source.get("record_key")
        if not sees_identifiers and _looks_like_id_number(key):
            key = mask_id_number(key)
        records.append(
            {
                "provider": provider,
                "title": provider_title(provider),
                "department": department_name(
                    source.get("department") or provider_department(provider)
                ),
                "record_key": key,
                "at": source.get("at"),
                "outcome": source.get("outcome"),
                "fetched": source.get("outcome") in PULL_FETCHED,
                "subject_field": subject,
                "fields": held if isinstance(held, dict) else {},
                "materials": [
                    m["name"]
                    for m in case.get("materials") or []
                    if (m.get("source") or {}).get("provider") == provider
                    and (m.get("source") or {}).get("subject_field") == subject
                ],
            }
        )
    return records


def materials_summary(case: dict[str, Any]) -> dict[str, int]:
    """``materials_summary`` from the case JSON when the engine gives one, else counted."""
    given = case.get("materials_summary")
    if isinstance(given, dict):
        return given
    summary = {"shared": 0, "uploaded": 0, "missing": 0}
    for material in case.get("materials") or []:
        status = material.get("status")
        if status in summary:
            summary[status] += 1
    return summary


def supplement_items(case: dict[str, Any]) -> list[dict[str, Any]]:
    """What the applicant is asked for (补正): the open supplement request's items, each
    ``{"number", "code", "name", "reason", "status", "files"}`` (``status`` of the material
    when it is one of the matter's materials, so the page can show what has been uploaded
    since; ``files``: what answers the item so far, "其他材料" included)."""
    supplement = case.get("supplement") or {}
    items = (supplement.get("details") or {}).get("items") or []
    materials = {m["code"]: m for m in case.get("materials") or []}
    rounds = [r for r in case.get("supplements") or [] if r.get("id") == supplement.get("id")]
    answers = {i["number"]: i for i in rounds[0]["items"]} if rounds else {}
    shown = []
    for number, item in enumerate(items, start=1):
        code = item.get("material")
        material = materials.get(code) if code else None
        answer = answers.get(number) or {}
        shown.append(
            {
                "number": number,
                "answer_code": answer.get("code"),
                "files": answer.get("files") or [],
                "code": code,
                "name": material["name"] if material else item.get("name"),
                "reason": item.get("reason"),
                "status": material.get("status") if material else None,
            }
        )
    return shown


def missing_materials(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Required materials shared data was to provide and did not (nor were they uploaded,
    deferred under 容缺 or pledged): what accepting or concluding would go on without (the
    engine asks for a reason then: ``services/missing_materials``)."""
    return [
        m
        for m in case.get("materials") or []
        if m.get("required")
        and m.get("provider")
        and m.get("status") == "missing"
        and m.get("action") != "wait"
        and (m.get("deferral") or {}).get("status") != "outstanding"
        and (m.get("pledge") or {}).get("status") not in ("signed", "verified")
    ]


def diagram_state(case: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """BPMN element ids to highlight: done, current (being worked on) and waiting (ready
    for a clerk to claim, or waiting for the applicant)."""
    done: list[str] = []
    current: list[str] = []
    waiting: list[str] = []
    for task in case.get("tasks") or []:
        bucket = {"completed": done, "claimed": current, "ready": waiting}.get(task["status"])
        if bucket is not None and task.get("bpmn_id") and task["bpmn_id"] not in bucket:
            bucket.append(task["bpmn_id"])
    for event in events:
        if event.get("action") == "case_completed":
            for end in (event.get("details") or {}).get("end_events") or []:
                if end not in done:
                    done.append(end)
    return {"done": done, "current": current, "waiting": waiting}


#: Event kinds an applicant sees on the timeline (the rest is back-office detail).
APPLICANT_EVENTS = {
    "case_started",
    "shared_data_pulled",
    "shared_data_issued",
    "task_created",
    "task_completed",
    "case_completed",
    "supplement_requested",
    "supplement_answered",
    "missing_materials_accepted",
    "material_uploaded",
    "materials_deferred",
    "deferred_material_supplied",
    "deferred_material_overdue",
    "deferral_extended",
    "pledge_signed",
    "pledge_checked",
    "pledge_revocation_decided",
    "case_revoked",
    "special_procedure_started",
    "special_procedure_ended",
    "dispute_raised",
    "dispute_settled",
    "case_suspended",
    "case_resumed",
    "case_terminated",
    "case_refused",
    "case_rated",
}


def timeline(
    events: list[dict[str, Any]], *, for_applicant: bool, sees_identifiers: bool
) -> list[dict[str, Any]]:
    """The audit trail as a timeline: who (a department for applicants), what, when."""
    entries = []
    for event in events:
        action = event.get("action")
        if for_applicant and action not in APPLICANT_EVENTS:
            continue
        details = event.get("details") or {}
        department = details.get("department")
        entry = {
            "action": action,
            "at": event.get("at"),
            "actor": None if for_applicant else event.get("actor"),
            "department": department_name(department) if department else None,
            # a step's name; a limit's (承诺时限 …) when the event is about one
            "name": details.get("name") or _limit_name(details.get("deadline")),
            "provider": provider_title(details.get("provider"))
            if details.get("provider")
            else None,
            "outcome": details.get("outcome"),
            "opinion": None,
        }
        # 代办: a window clerk entered it for the applicant at the counter
        entry["at_window"] = action == "case_started" and details.get("at_window") is True
        after = details.get("after") or {}
        if isinstance(after, dict):
            entry["opinion"] = after.get("opinion") or after.get("refusal_reason")
        pulled = action == "shared_data_pulled"
        if pulled and entry["outcome"] not in PULL_FETCHED:
            entry["failed"] = True  # the page says how, in the reader's language
        elif not entry["opinion"] and isinstance(details.get("reason"), str):
            entry["opinion"] = details["reason"] or None  # 退回 / 转办 / 挂起 … and why
        if not entry["opinion"] and isinstance(details.get("message"), str):
            entry["opinion"] = details["message"] or None  # 催办
        record_key = details.get("record_key")
        if record_key and not sees_identifiers and _looks_like_id_number(record_key):
            record_key = mask_id_number(record_key)
        entry["record_key"] = record_key
        entries.append(entry)
    return entries


def _limit_name(code: Any) -> str | None:
    """A deadline event's limit, in the reader's language (a step's limit by its kind)."""
    if not code:
        return None
    return str(DEADLINE_NAMES.get(code, code))


def outcome_results(case: dict[str, Any], properties: dict[str, Any] | None) -> list[dict]:
    """The case's result (办理结果): the matter's declared result fields that hold a value
    (processes/results.py), else the certificates and licences its departments issued."""
    fields = result_fields(case["process_key"], properties)
    rows = outcome(fields, case.get("data") or {}, lang())
    for row in rows:
        if "provider" in row:
            row["name"] = provider_title(row["provider"])
    return rows


def application_rows(case: dict[str, Any], start_form: dict[str, Any] | None) -> list[dict]:
    """The application as label / value rows in the form's order (values as the case JSON
    holds them, i.e. already masked for the viewer)."""
    data = case.get("data") or {}
    rows = []
    for field in (start_form or {}).get("fields", []):
        if field["name"] in data and data[field["name"]] not in (None, ""):
            rows.append(
                {
                    "label": field.get("label") or field["name"],
                    "value": data[field["name"]],
                    "type": field["type"],
                    "options": field.get("options") or [],
                }
            )
    return rows
