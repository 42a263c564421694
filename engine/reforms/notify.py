"""Telling the applicant, and issuing the written confirmations of the reforms.

One seam for every "tell the applicant" and "issue a confirmation" of 容缺 and 承诺:
today each is an audit event on the case; when the numbered notices (``issue_notice``)
and the notifications inbox land, these two functions call them instead, inside the same
command's transaction, and nothing else changes.
"""

from __future__ import annotations

from typing import Any

from ..runtime.executor import CommandContext

#: confirmations (文书) these reforms issue: kind → title
CONFIRMATIONS = {
    "deferral": "容缺受理告知书",
    "pledge": "告知承诺确认书",
    "pledge_revocation": "撤销决定书",
}


def tell_applicant(ctx: CommandContext, kind: str, **context: Any) -> None:
    """The applicant is told ``kind`` (deferred_due, deferral_reminder, deferral_extended,
    pledge_false, pledge_revoked, ...) about their case."""
    ctx.audit(
        "applicant_notified",
        kind=kind,
        recipient=ctx.case.applicant_id_number,
        **context,
    )


def issue_confirmation(ctx: CommandContext, kind: str, **context: Any) -> None:
    """A written confirmation of ``kind`` (a key of ``CONFIRMATIONS``) for the case."""
    ctx.audit("confirmation_issued", kind=kind, title=CONFIRMATIONS[kind], **context)
