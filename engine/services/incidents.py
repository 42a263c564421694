"""Incident commands and queries (API.md "Incidents").

A step the engine runs on its own — so far the continuation of a timer the scheduler
fires — has nobody to answer.  When it fails, ``step_failed`` counts the attempt in its
own transaction (the failed one rolled back) and either pauses the case's timers until
the next attempt (``RetryPolicy``) or, the attempts spent, opens an incident and puts the
case in ``error``: the scheduler never picks it again, so it delays no other case.  An
administrator ``retry``-es it, optionally fixing the case data first.

A request that makes a step fail is different: the person who sent it hears 422
``workflow_error`` and nothing changes, so no incident is kept for it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .. import audit, clock
from ..context import Govflow
from ..errors import BadRequest, Conflict, GovflowError, NotFound, ValidationFailed, WorkflowFailure
from ..incidents.models import OPEN, RESOLVED, RETRYING, Incident
from ..incidents.policy import RetryPolicy
from ..models import Case, ProcessDefinition
from ..principal import SYSTEM, Principal
from ..runtime.executor import CommandContext, execute, parsed_definition
from ..uow import read_only, run_in_transaction
from . import access

log = logging.getLogger("govflow.incidents")

STATUSES = (OPEN, RESOLVED)
#: The size of a data fix sent with a retry (as for an application's data).
MAX_FIX_BYTES = 64 * 1024


def policy(govflow: Govflow) -> RetryPolicy:
    return RetryPolicy(govflow.settings.step_attempts, govflow.settings.step_retry_seconds)


def counts_as_step_failure(exc: BaseException) -> bool:
    """Is ``exc`` the step's own failure (to count), rather than a conflict with another
    writer, a case gone, or the database being unreachable (to simply try next tick)?"""
    if isinstance(exc, WorkflowFailure):
        return True
    return isinstance(exc, Exception) and not isinstance(exc, GovflowError | DBAPIError)


def _failure_of(exc: BaseException) -> tuple[str, str | None]:
    """(message, failing element id) of a failure."""
    if isinstance(exc, GovflowError):
        return exc.message[:2000], exc.details.get("element")
    text = str(exc).strip().splitlines()
    detail = f": {text[0][:500]}" if text else ""
    return f"{type(exc).__name__}{detail}", None


def _element_name(definition: ProcessDefinition, element_id: str | None) -> str | None:
    if not element_id:
        return None
    parsed = parsed_definition(definition)
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element_id:
                return (getattr(task_spec, "bpmn_name", None) or element_id)[:300]
    return element_id[:300]


def _current(session: Session, case_id: int) -> Incident | None:
    """The case's incident still in play (retrying or open), if any."""
    return session.scalar(
        select(Incident)
        .where(Incident.case_id == case_id, Incident.status.in_((RETRYING, OPEN)))
        .order_by(Incident.id.desc())
        .limit(1)
    )


def retrying(case_id: Any) -> Any:
    """SQL: has the case (``case_id``: a column or value) a failed step to try again?"""
    return exists().where(Incident.case_id == case_id, Incident.status == RETRYING)


# --- commands ----------------------------------------------------------------------------
def step_failed(govflow: Govflow, case_id: int, exc: BaseException) -> str | None:
    """Count a failed attempt of the case's automatic step, in its own transaction.

    Answers the incident's status after it (``retrying``: tried again after a pause;
    ``open``: the case is in ``error``), or None when the failure is not the step's own.
    """
    if not counts_as_step_failure(exc):
        return None
    message, element_id = _failure_of(exc)
    retry = policy(govflow)

    def work(session: Session) -> str | None:
        case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
        if case is None or case.status not in ("running", "waiting_applicant"):
            return None  # gone, ended or already in error meanwhile
        now = clock.now()
        incident = _current(session, case_id)
        if incident is None:
            definition = session.get(ProcessDefinition, case.definition_id)
            incident = Incident(
                case_id=case_id,
                process_key=case.process_key,
                element_id=element_id,
                element_name=_element_name(definition, element_id),
                attempts=0,
                status=RETRYING,
                case_status=case.status,
                created_at=now,
            )
            session.add(incident)
        incident.attempts += 1
        incident.message = message
        incident.updated_at = now
        if retry.exhausted(incident.attempts):
            incident.status = OPEN
            case.status = "error"
            session.flush()
            audit.record(
                session,
                SYSTEM,
                "incident_opened",
                case_id=case_id,
                incident_id=incident.id,
                element=element_id,
                message=message,
                attempts=incident.attempts,
            )
        else:
            # The scheduler picks a case by its next timer: moving it to the retry time
            # is the pause (a case in backoff is not picked, and delays no other).
            case.next_timer_at = now + retry.pause_after(incident.attempts)
            audit.record(
                session,
                SYSTEM,
                "step_failed",
                case_id=case_id,
                element=element_id,
                message=message,
                attempt=incident.attempts,
                retry_at=clock.isoformat(case.next_timer_at),
            )
        case.updated_at = now
        return incident.status

    return run_in_transaction(govflow.db, work)


def step_passed(session: Session, case_id: int) -> None:
    """The case's automatic step ran: a failure counted before is forgotten (inside the
    command that ran it, so it is forgotten only if that command commits)."""
    session.execute(
        delete(Incident).where(Incident.case_id == case_id, Incident.status == RETRYING)
    )


def _data_fix(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadRequest("'data' must be an object")
    if len(json.dumps(data, default=str)) > MAX_FIX_BYTES:
        raise ValidationFailed("data too large", fields={"data": ["too large"]})
    return data


def _merge_into_open_steps(ctx: CommandContext, fix: dict[str, Any]) -> None:
    """The fixed data reaches the steps still to run: every open branch carries its own
    copy of the case data, and the failing step starts from one of them."""
    from SpiffWorkflow.util.task import TaskState

    for task in ctx.workflow.all_tasks():
        if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            task.data.update(fix)


def retry(govflow: Govflow, actor: Principal, incident_id: int, data: Any = None) -> int:
    """Run the failed step again (after merging ``data`` into the case's data); answers
    the case id.  Passing resolves the incident and gives the case back its status;
    failing again keeps it open with the new message."""
    access.require_role(actor, "admin")
    fix = _data_fix(data)
    with read_only(govflow.db) as session:
        found = session.get(Incident, incident_id)
        if found is None or found.status == RETRYING:
            raise NotFound("no such incident")
        if found.status != OPEN:
            raise Conflict("the incident is resolved already")
        case_id = found.case_id

    def command(ctx: CommandContext) -> None:
        incident = ctx.session.get(Incident, incident_id)
        if incident.status != OPEN:
            raise Conflict("the incident is resolved already")
        if ctx.case.status != "error":  # terminated meanwhile, say: nothing to run again
            raise Conflict(f"the case is {ctx.case.status}, not in error")
        if fix:
            _merge_into_open_steps(ctx, fix)
        ctx.case.status = incident.case_status
        now = clock.now()
        incident.status, incident.resolved_at, incident.updated_at = RESOLVED, now, now
        incident.resolved_by = actor.username
        ctx.audit(
            "incident_resolved",
            incident_id=incident_id,
            element=incident.element_id,
            data_fixed=sorted(fix),
        )

    try:
        execute(govflow, case_id, actor, command)
    except Exception as exc:
        if not counts_as_step_failure(exc):
            raise  # a refusal (409), a conflict, the database: the caller hears it
        if not isinstance(exc, WorkflowFailure):
            log.exception("incident %s: retry failed", incident_id)
        _failed_again(govflow, actor, incident_id, exc)
    return case_id


def _failed_again(govflow: Govflow, actor: Principal, incident_id: int, exc: Exception) -> None:
    message, element_id = _failure_of(exc)

    def work(session: Session) -> None:
        incident = session.get(Incident, incident_id, with_for_update=True)
        incident.attempts += 1
        incident.message = message
        if element_id and element_id != incident.element_id:  # the fix got further
            definition = session.get(
                ProcessDefinition, session.get(Case, incident.case_id).definition_id
            )
            incident.element_id = element_id
            incident.element_name = _element_name(definition, element_id)
        incident.updated_at = clock.now()
        audit.record(
            session,
            actor,
            "incident_retry_failed",
            case_id=incident.case_id,
            incident_id=incident_id,
            element=element_id,
            message=message,
        )

    run_in_transaction(govflow.db, work)


# --- queries -----------------------------------------------------------------------------
def list_incidents(
    govflow: Govflow,
    actor: Principal,
    *,
    status: str | None = None,
    case_id: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    access.require_role(actor, "admin", "supervisor")
    query = select(Incident)
    if not access.sees_everything(actor):
        # a district's supervisor: the incidents of the cases of their region only
        query = query.where(Incident.case_id.in_(select(Case.id).where(access.case_filter(actor))))
    if status:
        if status not in STATUSES:
            raise BadRequest(f"'status' must be one of {', '.join(STATUSES)}")
        query = query.where(Incident.status == status)
    else:
        query = query.where(Incident.status.in_(STATUSES))
    if case_id not in (None, ""):
        try:
            query = query.where(Incident.case_id == int(case_id))
        except ValueError:
            raise BadRequest("'case_id' must be a whole number") from None
    with read_only(govflow.db) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(
            query.order_by(Incident.id.desc()).offset((page - 1) * per_page).limit(per_page)
        ).all()
    return [incident_view(row) for row in rows], total or 0


def incident_view(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "case_id": incident.case_id,
        "process_key": incident.process_key,
        "element_id": incident.element_id,
        "element_name": incident.element_name,
        "message": incident.message,
        "attempts": incident.attempts,
        "status": incident.status,
        "created_at": clock.isoformat(incident.created_at),
        "resolved_at": clock.isoformat(incident.resolved_at) if incident.resolved_at else None,
    }
