"""Telling the applicant, and issuing the written confirmations of the reforms.

One seam for every "tell the applicant" and "issue a confirmation" of 容缺 and 承诺, inside
the command's own transaction: a confirmation is a numbered notice (``issue_notice``) and
the applicant hears of it in their inbox; a reminder or a decision is a notification.  The
audit event of each stays, so the case's trail says what the applicant was told.
"""

from __future__ import annotations

from typing import Any

from ..notices import inbox
from ..notices.issuing import issue_notice
from ..runtime.executor import CommandContext
from .common import material_name

#: confirmations (文书) these reforms issue: kind → title
CONFIRMATIONS = {
    "deferral": "容缺受理告知书",
    "pledge": "告知承诺确认书",
    "pledge_revocation": "撤销决定书",
}
#: the template a confirmation is printed from (a revocation is a decision on a pledge)
_TEMPLATES = {"deferral": "deferral", "pledge": "pledge", "pledge_revocation": "pledge"}

#: What the applicant reads in their inbox, per kind.
_TITLES = {
    "deferred_due": "容缺受理：请按期补交材料",
    "deferral_reminder": "提醒：容缺材料即将到期",
    "deferral_overdue": "容缺材料已逾期",
    "deferral_extended": "容缺材料补交期限已延长",
    "pledge_false": "告知承诺核查：承诺与实际不符",
    "pledge_decided": "告知承诺核查处理决定",
}


def tell_applicant(ctx: CommandContext, kind: str, **context: Any) -> None:
    """The applicant is told ``kind`` (deferred_due, deferral_reminder, deferral_extended,
    pledge_false, pledge_decided, ...) about their case."""
    ctx.audit("applicant_notified", kind=kind, recipient=ctx.case.applicant_id_number, **context)
    inbox.tell_applicant(
        ctx.session,
        ctx.case,
        kind,
        _TITLES.get(kind, "办件通知"),
        _body(ctx, context),
    )


def issue_confirmation(ctx: CommandContext, kind: str, **context: Any) -> None:
    """A written confirmation of ``kind`` (a key of ``CONFIRMATIONS``) for the case: a
    numbered notice, and the applicant told it is there."""
    ctx.audit("confirmation_issued", kind=kind, title=CONFIRMATIONS[kind], **context)
    names = [
        material_name(ctx.case.process_key, code)
        for code in context.get("materials") or [context.get("material")]
        if code
    ]
    notice = issue_notice(
        ctx.session,
        ctx.case,
        _TEMPLATES[kind],
        {
            "materials": names,
            "supply_by": str(context.get("due_at") or "")[:10],
            "note": str(context.get("note") or context.get("reason") or ""),
        },
        actor=ctx.actor,
    )
    inbox.tell_applicant(
        ctx.session, ctx.case, kind, CONFIRMATIONS[kind], notice.number, notice=notice
    )


def _body(ctx: CommandContext, context: dict[str, Any]) -> str:
    codes = context.get("materials") or ([context["material"]] if context.get("material") else [])
    parts = [material_name(ctx.case.process_key, c) for c in codes]
    if context.get("due_at"):
        parts.append(f"截止：{str(context['due_at'])[:10]}")
    return "；".join(str(p) for p in parts if p)
