"""Read models: the JSON shapes of API.md, built from rows, masked for the caller."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import isoformat, now
from ..context import Govflow
from ..deadlines.states import state_at
from ..masking import mask_data, mask_id_number, mask_name
from ..models import AuditEvent, Case, ProcessDefinition, TaskRow
from ..principal import Principal
from ..verbs import serializers as verb_serializers
from . import disclosure, supplement_answers
from .forms_lookup import form_for
from .materials import materials_block
from .parties import parties_block


def definition_view(definition: ProcessDefinition) -> dict[str, Any]:
    meta = definition.meta or {}
    return {
        "key": definition.key,
        "version": definition.version,
        "name": definition.name,
        "sha256": definition.sha256,
        "deployed_at": isoformat(definition.deployed_at),
        "deployed_by": definition.deployed_by,
        "status": definition.status,
        "approved_by": definition.approved_by,
        "approved_at": isoformat(definition.approved_at),
        "departments": meta.get("departments", []),
        "user_tasks": [
            {
                "id": t["id"],
                "name": t["name"],
                "departments": t.get("departments", []),
                "candidate_users": t.get("candidate_users", []),
                "assignee": t.get("assignee"),
                "form": t.get("form_key"),
                "time_limit": t.get("time_limit"),
                "due_date": t.get("due_date"),
            }
            for t in meta.get("user_tasks", [])
        ],
        "start_form": meta.get("start_form_definition"),
        # The registers its cases pull from: what an applicant need not bring.
        "shared_data": sorted(
            {p for t in meta.get("service_tasks", []) for p in t.get("shared_data", [])}
        ),
        "statutory_limit": meta.get("statutory_limit"),
        "promised_limit": meta.get("promised_limit"),
        "warnings": meta.get("warnings", []),
    }


def task_view(row: TaskRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "process_key": row.process_key,
        "name": row.name,
        "bpmn_id": row.bpmn_id,
        "department": row.department_code,
        "candidate_groups": row.candidate_groups,
        "assignee": row.assignee,
        "status": row.status,
        "form": row.form_key,
        "kind": row.kind,
        "created_at": isoformat(row.created_at),
        "completed_at": isoformat(row.completed_at),
        "completed_by": row.completed_by,
        "due_at": isoformat(row.due_at),
        "deadline_state": state_at(row.deadline_state, row.warning_at, row.due_at, now()),
        **verb_serializers.task_extras(row),
    }


def _sees_identifiers(actor: Principal, case: Case) -> bool:
    """Applicants see their own case in clear; clerks only where their department has or
    had a task (policy in ``disclosure``)."""
    return disclosure.sees_identifiers(actor, case)


def applicant_view(actor: Principal, case: Case, clear: bool | None = None) -> dict[str, Any]:
    if _sees_identifiers(actor, case) if clear is None else clear:
        return {"id_number": case.applicant_id_number, "name": case.applicant_name}
    return {
        "id_number": mask_id_number(case.applicant_id_number),
        "name": mask_name(case.applicant_name),
    }


def case_view(govflow: Govflow, session: Session, actor: Principal, case: Case) -> dict[str, Any]:
    definition = session.get(ProcessDefinition, case.definition_id)
    rows = session.scalars(
        select(TaskRow).where(TaskRow.case_id == case.id).order_by(TaskRow.created_at, TaskRow.id)
    ).all()
    clear = disclosure.disclose(govflow, session, actor, case)  # logs the view
    materials = materials_block(session, case, definition)
    parties, data = parties_block(
        session, actor, case, clear, case.data if clear else _masked_data(case.data)
    )
    return {
        "id": case.id,
        "process_key": case.process_key,
        "process_name": definition.name,
        "version": case.version,
        "status": case.status,
        "outcome": case.outcome,
        "applicant": applicant_view(actor, case, clear),
        #: Started by a window clerk for the applicant at the counter (代办), not online.
        "started_at_window": bool(case.started_at_window),
        #: 行政区划代码 the case is handled in (routes steps naming a department kind).
        "division": case.division,
        "data": data,
        #: Who else applies with the applicant, and whether they confirmed (共同申请).
        "parties": parties,
        "tasks": [task_view(r) for r in rows if r.status != "cancelled"],
        **_deadlines(session, case),
        **(materials if clear else _masked_data(materials)),
        #: Every 补正 request with what answers each item (an addition to API.md).
        "supplements": _supplements(session, case, materials["materials"], clear),
        "created_at": isoformat(case.created_at),
        "updated_at": isoformat(case.updated_at),
        "completed_at": isoformat(case.completed_at),
        **verb_serializers.case_extras(session, case),
    }


def _supplements(
    session: Session, case: Case, materials: list[dict[str, Any]], clear: bool
) -> list[dict[str, Any]]:
    found = supplement_answers.rounds(session, case, materials)
    return found if clear else _masked_data(found)


def _deadlines(session: Session, case: Case) -> dict[str, Any]:
    """The case's own limit (the promised one, else the statutory one) and all of them."""
    from ..deadlines.models import CasePause, DeadlineRow
    from ..deadlines.tracking import deadline_view

    rows = session.scalars(
        select(DeadlineRow).where(DeadlineRow.case_id == case.id, DeadlineRow.task_id.is_(None))
    ).all()
    by_name = {r.name: r for r in rows}
    shown = by_name.get("promised") or by_name.get("statutory")
    pauses = session.scalars(
        select(CasePause).where(CasePause.case_id == case.id).order_by(CasePause.id)
    ).all()
    return {
        "deadline": deadline_view(shown),
        "deadlines": {name: deadline_view(row) for name, row in by_name.items()},
        "pauses": [pause_view(p) for p in pauses],
        "supplement": next(
            (
                pause_view(p)
                for p in reversed(pauses)
                if p.kind == "supplement" and p.ended_at is None
            ),
            None,
        ),
    }


def _task_deadline(session: Session, row: TaskRow) -> dict[str, Any] | None:
    from ..deadlines.models import DeadlineRow
    from ..deadlines.tracking import deadline_view

    return deadline_view(session.scalar(select(DeadlineRow).where(DeadlineRow.task_id == row.id)))


def pause_view(pause: Any) -> dict[str, Any]:
    return {
        "id": pause.id,
        "kind": pause.kind,
        "reason": pause.reason,
        "details": pause.details,
        "task_id": pause.task_id,
        "started_at": isoformat(pause.started_at),
        "started_by": pause.started_by,
        "ended_at": isoformat(pause.ended_at),
        "ended_by": pause.ended_by,
        "result": pause.result,
    }


def _masked_data(data: Any) -> Any:
    """Data for roles that must not see identifiers: ID numbers, phones, names masked."""
    return mask_data(data)


def _called(session: Session, case: Case) -> list[ProcessDefinition]:
    """The definitions the case's call activities ran (``runtime/called`` pins them)."""
    pins = case.called_versions or {}
    found = [
        session.get(ProcessDefinition, pin["definition_id"])
        for pin in pins.values()
        if isinstance(pin, dict) and isinstance(pin.get("definition_id"), int)
    ]
    return [d for d in found if d is not None]


def task_detail(
    govflow: Govflow, session: Session, row: TaskRow, actor: Principal | None = None
) -> dict[str, Any]:
    """The task with its form and prefill.  With ``actor`` the view is masked for their
    role and logged (pass it: without one the caller is trusted to be the handling clerk)."""
    case = session.get(Case, row.case_id)
    definition = session.get(ProcessDefinition, case.definition_id)
    form = form_for(govflow.forms, definition, row.form_key, _called(session, case))
    clear = True if actor is None else disclosure.disclose(govflow, session, actor, case, task=row)
    view = task_view(row)
    view["form_definition"] = form.to_dict()
    view["prefill"] = _prefill(session, case, row, form.to_dict())
    view["submission"] = row.submission
    view["urges"] = verb_serializers.task_urges(session, row)
    view["deadline"] = _task_deadline(session, row)
    view["case"] = {
        "id": case.id,
        "status": case.status,
        "process_name": definition.name,
        "applicant_name": case.applicant_name,
    }
    if row.kind == "dispute":
        from .disputes import dispute_for_task, dispute_view

        dispute = dispute_for_task(session, row.id)
        view["dispute"] = dispute_view(dispute) if dispute is not None else None
    if not clear:
        for key in ("prefill", "submission", "case", "dispute"):
            view[key] = _masked_data(view.get(key))
        view["case"]["applicant_name"] = mask_name(case.applicant_name)
    return view


def _prefill(session: Session, case: Case, row: TaskRow, form: dict[str, Any]) -> dict[str, Any]:
    """Values already known for the form, with where they came from.

    A field with a ``prefill`` path reads it (shared data, a decision's result).  A field
    without one takes, by its name, this step's own earlier answer (after a return) or a
    value of the application — never another step's answer: every department's 办理意见
    is called ``opinion``, and the tax clerk must not find the registry's opinion typed
    into their form."""
    data = case.data or {}
    own, others = _answers_of_other_rounds(session, case, row)
    values: dict[str, Any] = {}
    for field in form.get("fields", []):
        name, path = field["name"], field.get("prefill")
        if path:
            value = _lookup(data, path)
        elif name in own:
            value = own[name]
        elif name in others:
            value = None
        else:
            value = data.get(name)
        if value is not None:
            values[name] = value
    return {
        "values": values,
        "shared": {k: data.get(k.split(":")[0]) for k in case.sources or {}},
        "sources": case.sources or {},
    }


def _answers_of_other_rounds(
    session: Session, case: Case, row: TaskRow
) -> tuple[dict[str, Any], set[str]]:
    """(this step's latest earlier answer, the field names other steps answered)."""
    own: dict[str, Any] = {}
    others: set[str] = set()
    earlier = session.scalars(
        select(TaskRow)
        .where(
            TaskRow.case_id == case.id,
            TaskRow.status == "completed",
            TaskRow.id != row.id,
        )
        .order_by(TaskRow.completed_at)
    )
    for done in earlier:
        if done.bpmn_id == row.bpmn_id:
            own = dict(done.submission or {})
        else:
            others.update(done.submission or {})
    return own, others


def _lookup(data: dict[str, Any], path: str) -> Any:
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def event_view(event: AuditEvent, clear: bool = True) -> dict[str, Any]:
    """One audit event; ``clear=False`` masks identifiers in its details."""
    return {
        "id": event.id,
        "case_id": event.case_id,
        "task_id": event.task_id,
        "actor": event.actor,
        "action": event.action,
        "at": isoformat(event.at),
        "details": event.details if clear else _masked_data(event.details),
    }
