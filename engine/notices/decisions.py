"""What the applicant receives when their case is decided: the notice and the inbox line.

One function per decision, called by the command that makes it (in its transaction):

=================  ==========================================  ===================
decision           called from                                 notice
=================  ==========================================  ===================
accepted           ``services.tasks.complete`` (受理 step)       受理通知书
supplement         ``services.clock_stops.request_supplement``  补正材料告知书
refused            ``verbs.case_control.refuse``, the runtime   不予受理决定书
                   (a refusing end event)
extended           ``verbs.extensions.decide`` (approved)       延期告知书
concluded          the runtime, when the case concludes         办结通知书
=================  ==========================================  ===================

A concluded case also invites the applicant to rate the service (好差评).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.catalogue import result_fields
from processes.results import outcome

from .. import clock
from ..definitions.deployed import deployed_definition
from ..definitions.limits import parse_limit
from ..models import Case, ProcessDefinition
from ..principal import Principal
from ..shared_data.providers import BUILT_IN
from . import inbox
from .issuing import date_text, issue_notice
from .models import Notice


def _limit_text(definition: ProcessDefinition | None, name: str) -> str:
    raw = (definition.meta.get("properties", {}) if definition else {}).get(f"{name}_limit")
    try:
        limit = parse_limit(raw)
    except ValueError:
        return ""
    if limit is None:
        return ""
    return f"{limit.amount}个工作日" if limit.unit == "working_days" else f"{limit.amount}小时"


def issued(session: Session, case: Case, kind: str) -> bool:
    """Has the case a notice of ``kind``, stored or added in this transaction?  Asked
    without flushing the command's other changes first (``engine.unflushed``)."""
    if any(isinstance(o, Notice) and o.case_id == case.id and o.kind == kind for o in session.new):
        return True
    with session.no_autoflush:
        stored = session.scalar(
            select(Notice.id).where(Notice.case_id == case.id, Notice.kind == kind).limit(1)
        )
    return stored is not None


def accepted(
    session: Session, case: Case, actor: Principal, *, opinion: str = "", deferred: Any = None
) -> Notice | None:
    """受理通知书, once per case (a return to the 受理 step does not accept it again)."""
    if issued(session, case, "acceptance"):
        return None
    definition = deployed_definition(session, case.definition_id)
    notice = issue_notice(
        session,
        case,
        "acceptance",
        {
            "statutory_limit": _limit_text(definition, "statutory") or "依法定期限",
            "promised_limit": _limit_text(definition, "promised") or "依承诺期限",
            "opinion": opinion,
            "deferred": deferred or [],
        },
        actor=actor,
    )
    inbox.tell_applicant(
        session,
        case,
        "case_accepted",
        "申请已受理",
        f"办件 {case.id} 已受理，受理通知书 {notice.number}。",
        notice=notice,
    )
    return notice


def supplement(
    session: Session,
    case: Case,
    actor: Principal,
    items: list[dict[str, Any]],
    note: str,
    department: str | None,
) -> Notice:
    notice = issue_notice(
        session,
        case,
        "supplement",
        {"items": items, "note": note},
        department=department,  # the department asking issues it
        actor=actor,
    )
    listed = "；".join(f"{i['name']}（{i['reason']}）" for i in items)
    inbox.tell_applicant(
        session,
        case,
        "supplement_requested",
        "请补正材料",
        f"办件 {case.id} 需要补正以下材料：{listed}。补正期间不计时限。",
        notice=notice,
    )
    return notice


def refused(
    session: Session, case: Case, actor: Principal, reasons: list[Any], note: str
) -> Notice:
    shown = [r if isinstance(r, dict) else {"text": str(r)} for r in reasons]
    notice = issue_notice(session, case, "refusal", {"reasons": shown, "note": note}, actor=actor)
    listed = "；".join(r.get("text", "") for r in shown if r.get("text")) or note
    inbox.tell_applicant(
        session,
        case,
        "case_refused",
        "申请不予受理",
        f"办件 {case.id} 不予受理：{listed}。可依法申请行政复议或提起行政诉讼。",
        notice=notice,
    )
    return notice


def extended(
    session: Session,
    case: Case,
    actor: Principal,
    *,
    reason: str,
    days: int,
    new_due_at: datetime,
    department: str | None,
) -> Notice:
    new_due = date_text(new_due_at)
    notice = issue_notice(
        session,
        case,
        "extension",
        {"reason": reason, "days": days, "new_due_date": new_due},
        department=department,
        actor=actor,
    )
    inbox.tell_applicant(
        session,
        case,
        "case_extended",
        "办理期限延长",
        f"办件 {case.id} 因{reason}，办理期限延长 {days} 个工作日，至{new_due}。",
        notice=notice,
    )
    return notice


def case_outcome(session: Session, case: Case) -> list[dict[str, Any]]:
    """The case's 办理结果 in Chinese: the matter's declared result fields, else what its
    departments issued, named by the register's title (processes/results.py)."""
    with session.no_autoflush:  # a deployed definition is not changed by a case's command
        definition = session.get(ProcessDefinition, case.definition_id)
    properties = ((definition.meta if definition else None) or {}).get("properties")
    fields = result_fields(case.process_key, properties)
    rows = outcome(fields, case.data or {})
    titles = {p.name: p.title_zh for p in BUILT_IN}
    for row in rows:
        if "provider" in row:
            row["name"] = titles.get(row["provider"]) or row["provider"]
    return rows


def concluded(session: Session, case: Case, actor: Principal) -> Notice:
    results = [{"name": r["name"], "value": r["value"]} for r in case_outcome(session, case)]
    notice = issue_notice(
        session,
        case,
        "completion",
        {
            "result": "准予办理，已办结",
            "results": results,
            "completed_date": date_text(case.completed_at or clock.now()),
        },
        actor=actor,
    )
    inbox.tell_applicant(
        session,
        case,
        "case_concluded",
        "办件已办结",
        f"办件 {case.id} 已办结，办结通知书 {notice.number}。",
        notice=notice,
    )
    inbox.tell_applicant(
        session,
        case,
        "rating_invitation",
        "请评价本次服务",
        f"办件 {case.id} 已办结，欢迎对本次服务作出评价（好差评）。",
    )
    return notice
