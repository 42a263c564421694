"""告知承诺制 (国办发〔2020〕42号): a written pledge instead of a certificate.

* ``sign`` — the applicant signs the catalogue's pledge text for a material that allows
  one; the text, their identity, the time and the address it came from are kept, and a
  confirmation is issued.  ``apply_with_pledges``: the same, on the application form,
  in the transaction that starts the case.
* The owning department checks afterwards: once the window has accepted the case (or at
  once, for a pledge signed after acceptance) it gets a ``pledge_check`` task with a
  limit of the catalogue's working days (``open_checks``).
* ``checked`` — its finding.  A false pledge opens a ``pledge_revocation`` task for the
  window; ``revocation_decided`` records the decision (revoke: the case ends; rectify:
  it goes on), tells the applicant and marks their credit record (``credit_records``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from .. import clock, unflushed
from ..context import Govflow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import TaskRow
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..services import access, cases
from ..uow import read_only
from . import notify
from .common import (
    is_acceptance_step,
    material_name,
    materials_in,
    matter_of,
    open_side_task,
    require_open_case,
)
from .forms import PLEDGE_CHECK_FORM_KEY, PLEDGE_REVOCATION_FORM_KEY
from .models import CreditRecord, Pledge
from .views import pledge_view

FALSE_PLEDGE = "false_pledge"


def sign(
    govflow: Govflow,
    actor: Principal,
    case_id: int,
    code: str,
    agreed: bool,
    signed_from: str | None,
) -> dict[str, Any]:
    """The case's applicant signs the pledge for material ``code``."""
    if agreed is not True:
        raise ValidationFailed(
            "the pledge must be agreed to", fields={"agreed": ["须同意承诺内容 / must be true"]}
        )

    def command(ctx: CommandContext) -> dict[str, Any]:
        pledge = _sign(ctx, actor, code, signed_from)
        if _accepted(ctx):
            open_checks(ctx)
        return pledge_view(pledge, matter_of(ctx.case.process_key))

    access.require_visible_case(govflow.db, actor, case_id)
    return execute(govflow, case_id, actor, command, touches_workflow=False)


def apply_with_pledges(
    govflow: Govflow,
    actor: Principal,
    process_key: str,
    data: Any,
    lang: str,
    *,
    division: str | None,
    codes: list[str],
    signed_from: str | None,
) -> int:
    """The application form: the case starts and the pledges the applicant ticked are
    signed in one transaction — a pledge that cannot be signed refuses the application
    (422, nothing started).  Their checks open once the window accepts."""
    codes = list(dict.fromkeys(codes))

    def sign_all(ctx: CommandContext) -> None:
        for code in codes:
            _sign(ctx, actor, code, signed_from)

    return cases.start_case(
        govflow, actor, process_key, None, data, lang, division=division,
        then=sign_all if codes else None,
    )  # fmt: skip


def _sign(ctx: CommandContext, actor: Principal, code: str, signed_from: str | None) -> Pledge:
    """Sign the pledge for material ``code`` of the locked case: the text, the signer,
    the time and the address kept, the confirmation issued."""
    case = ctx.case
    if not (actor.has("applicant") and actor.id_number == case.applicant_id_number):
        raise Forbidden("only the applicant signs a pledge for their application")
    require_open_case(ctx)
    matter = matter_of(case.process_key)
    material = matter.material(code) if matter else None
    if material is None:
        raise ValidationFailed(
            "no such material", fields={"material": [f"本事项没有材料 {code} / unknown"]}
        )
    if material.pledge is None:
        raise ValidationFailed(
            "this material allows no pledge",
            fields={"material": ["该材料不适用告知承诺制 / no pledge allowed"]},
        )
    if materials_in(ctx).get(code) in ("shared", "uploaded"):
        raise ValidationFailed(
            "the material is already in", fields={"material": ["材料已齐备 / already in"]}
        )
    if ctx.session.scalar(
        select(Pledge.id).where(Pledge.case_id == case.id, Pledge.material_code == code)
    ):
        raise Conflict("a pledge for this material is already signed", code="already_pledged")
    terms = material.pledge
    pledge = Pledge(
        case_id=case.id,
        material_code=code,
        text=terms.text["zh"],
        signer_username=actor.username,
        signer_name=actor.display_name or case.applicant_name,
        signer_id_number=actor.id_number,
        signed_at=clock.now(),
        signed_from=(signed_from or "")[:64] or None,
        department_code=terms.department,
        verify_within_days=terms.verify_within_days,
        status="signed",
    )
    ctx.session.add(pledge)
    ctx.session.flush()
    ctx.audit(
        "pledge_signed",
        material=code,
        pledge_id=pledge.id,
        text=pledge.text,
        signed_from=pledge.signed_from,
    )
    notify.issue_confirmation(ctx, "pledge", material=code, pledge_id=pledge.id)
    return pledge


def _accepted(ctx: CommandContext) -> bool:
    """Has the window's acceptance step been completed?"""
    rows = ctx.session.scalars(
        select(TaskRow).where(
            TaskRow.case_id == ctx.case.id, TaskRow.kind == "bpmn", TaskRow.status == "completed"
        )
    )
    return any(is_acceptance_step(ctx, row) for row in rows)


def open_checks(ctx: CommandContext) -> None:
    """Each signed pledge without a check gets its department's task, with its limit."""
    case_id = ctx.case.id
    # Without flushing the command so far (``unflushed``): a pledge it signed counts.
    unchecked = unflushed.rows(
        ctx.session,
        Pledge,
        select(Pledge).where(
            Pledge.case_id == case_id,
            Pledge.status == "signed",
            Pledge.verification_task_id.is_(None),
        ),
        lambda p: p.case_id == case_id and p.status == "signed" and p.verification_task_id is None,
    )
    if not unchecked:
        return
    clocks = ctx.clocks()
    for pledge in unchecked:
        row = open_side_task(
            ctx,
            kind="pledge_check",
            name=f"告知承诺核查：{material_name(ctx.case.process_key, pledge.material_code)}",
            department=pledge.department_code,
            form_key=PLEDGE_CHECK_FORM_KEY,
            notice={
                "reform": "pledge_check",
                "pledge_id": pledge.id,
                "text": pledge.text,
                "signer": pledge.signer_name,
                "signed_at": clock.isoformat(pledge.signed_at),
                "name": material_name(ctx.case.process_key, pledge.material_code),
            },
        )
        pledge.verification_task_id = row.id
        clocks.start_side_task_limit(row, "working_days", float(pledge.verify_within_days))
    ctx.sync_deadlines(clocks)


def acceptance_decided(ctx: CommandContext, cleaned: dict[str, Any]) -> None:
    """The window accepted the application: the pledges signed on it are checked now."""
    if cleaned.get("accepted") is not False:
        open_checks(ctx)


def list_pledges(govflow: Govflow, actor: Principal, case_id: int) -> list[dict[str, Any]]:
    with read_only(govflow.db) as session:
        case = access.get_visible_case(session, actor, case_id)
        matter = matter_of(case.process_key)
        found = session.scalars(select(Pledge).where(Pledge.case_id == case_id).order_by(Pledge.id))
        return [pledge_view(p, matter) for p in found]


def _pledge_of(ctx: CommandContext, column: Any, row: TaskRow) -> Pledge:
    pledge = ctx.session.scalar(select(Pledge).where(column == row.id))
    if pledge is None:
        raise NotFound("no pledge for this task")
    return pledge


def checked(ctx: CommandContext, row: TaskRow, cleaned: dict[str, Any]) -> None:
    """Completing a ``pledge_check`` task: the owning department's finding."""
    pledge = _pledge_of(ctx, Pledge.verification_task_id, row)
    if pledge.status != "signed":
        raise Conflict("the pledge has been checked already", code="already_completed")
    verdict = {
        "finding": cleaned["verdict"],
        "opinion": cleaned.get("opinion"),
        "by": ctx.actor.username,
        "department": row.department_code,
        "at": clock.isoformat(clock.now()),
    }
    pledge.verdict = verdict
    ctx.audit("pledge_checked", task_id=row.id, pledge_id=pledge.id, **verdict)
    if cleaned["verdict"] == "true":
        pledge.status = "verified"
        return
    pledge.status = "false"
    task = open_side_task(
        ctx,
        kind="pledge_revocation",
        name=f"承诺不实处理：{material_name(ctx.case.process_key, pledge.material_code)}",
        department="service_center",
        form_key=PLEDGE_REVOCATION_FORM_KEY,
        notice={
            "reform": "pledge_false",
            "pledge_id": pledge.id,
            "text": pledge.text,
            "finding": verdict,
            "name": material_name(ctx.case.process_key, pledge.material_code),
        },
    )
    pledge.revocation_task_id = task.id
    notify.tell_applicant(
        ctx, "pledge_false", material=pledge.material_code, opinion=verdict["opinion"]
    )


def revocation_decided(ctx: CommandContext, row: TaskRow, cleaned: dict[str, Any]) -> None:
    """Completing a ``pledge_revocation`` task: the decision, the applicant told, and the
    mark on their credit record."""
    pledge = _pledge_of(ctx, Pledge.revocation_task_id, row)
    if pledge.status != "false":
        raise Conflict("the pledge has been decided already", code="already_completed")
    now = clock.now()
    decision = {
        "decision": cleaned["decision"],
        "opinion": cleaned.get("opinion"),
        "by": ctx.actor.username,
        "at": clock.isoformat(now),
    }
    pledge.status, pledge.decision = "decided", decision
    case = ctx.case
    if cleaned["decision"] == "revoke":
        _revoke(ctx, decision)
    ctx.session.add(
        CreditRecord(
            id_number=pledge.signer_id_number,
            name=pledge.signer_name,
            kind=FALSE_PLEDGE,
            case_id=case.id,
            pledge_id=pledge.id,
            details={"material": pledge.material_code, **decision},
            recorded_by=ctx.actor.username,
            recorded_at=now,
        )
    )
    ctx.audit("pledge_revocation_decided", task_id=row.id, pledge_id=pledge.id, **decision)
    ctx.audit("credit_record_added", kind=FALSE_PLEDGE, pledge_id=pledge.id)
    notify.issue_confirmation(ctx, "pledge_revocation", pledge_id=pledge.id, **decision)
    notify.tell_applicant(ctx, "pledge_decided", material=pledge.material_code, **decision)


def _revoke(ctx: CommandContext, decision: dict[str, Any]) -> None:
    """撤销: a case still running ends terminated; a concluded one keeps its history and
    its outcome becomes ``revoked``."""
    case = ctx.case
    closure = {
        "kind": "revoked",
        "reason": decision["opinion"],
        "by": decision["by"],
        "at": decision["at"],
    }
    if case.status in ("running", "waiting_applicant"):
        clocks = ctx.clocks()
        for pause in clocks.open_pauses():
            clocks.resume(pause, ctx.actor.username, {"ended_by": "revocation"})
        ctx.workflow.cancel()
        case.status, case.suspended, case.completed_at = "terminated", False, clock.now()
    case.outcome = "revoked"
    case.closure = {**(case.closure or {}), **closure}
    ctx.audit("case_revoked", reason=decision["opinion"])


def credit_records(
    govflow: Govflow, actor: Principal, id_number: str | None, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    """The credit marks (supervisors, admins; applicants see their own)."""
    if actor.has("supervisor", "admin"):
        wanted = id_number
    elif actor.has("applicant"):
        wanted = actor.id_number
    else:
        raise Forbidden("only supervisors and administrators read credit records")
    with read_only(govflow.db) as session:
        query = select(CreditRecord)
        if wanted:
            query = query.where(CreditRecord.id_number == wanted)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(CreditRecord.id.desc()).offset((page - 1) * per_page).limit(per_page)
        )
        return [
            {
                "id": r.id,
                "id_number": r.id_number,
                "name": r.name,
                "kind": r.kind,
                "case_id": r.case_id,
                "pledge_id": r.pledge_id,
                "details": r.details,
                "recorded_by": r.recorded_by,
                "recorded_at": clock.isoformat(r.recorded_at),
            }
            for r in rows
        ], total
