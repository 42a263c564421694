"""Sending notifications by e-mail and SMS: the delivery jobs (``notices.deliveries``).

``perform`` reads what to send in a read-only session, closes it, and only then talks to
the SMTP server or the SMS gateway (``engine.outbound``): nothing is locked or open while
it waits.  A channel that is not configured, or a person without an address for it, is
answered ``skipped`` without a call.  A failure (``Undelivered``) is a ``TryAgain``: the
runner tries again after a growing pause (``Settings.delivery_attempts``,
``Settings.delivery_retry_seconds``) and ``give_up`` records the delivery ``failed``.
``apply`` records it ``sent`` or ``skipped`` — once: a delivery already settled is not
sent again (``perform`` checks first) nor recorded twice.

The address is the applicant's account's (``users.email``, ``users.phone``), read when
the message is sent, so a corrected address is used by the next attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..context import Govflow
from ..deadlines.models import Notification
from ..errors import BadRequest
from ..jobs.registry import Claimed, Handler, TryAgain, register
from ..masking import mask_email, mask_phone
from ..models import User
from ..notices.deliveries import (
    FAILED,
    JOB_KINDS,
    PENDING,
    SENT,
    SKIPPED,
    STATUSES,
    Delivery,
    settle,
)
from ..outbound import Undelivered, texts
from ..outbound.configured import NOT_CONFIGURED
from ..outbound.mail import SmtpChannel
from ..outbound.sms import SmsGateway
from ..principal import SYSTEM, Principal
from ..uow import read_only, run_in_transaction
from . import access


@dataclass(frozen=True)
class Outgoing:
    """What a delivery sends, read before the call."""

    delivery_id: int
    status: str
    case_id: int | None
    title: str
    body: str
    email: str | None
    phone: str | None


def _outgoing(session: Session, delivery_id: int) -> Outgoing | None:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    notification = session.get(Notification, delivery.notification_id)
    person = _person(session, notification.recipient_id_number)
    return Outgoing(
        delivery.id,
        delivery.status,
        notification.case_id,
        notification.title or notification.kind,
        notification.message or "",
        person.email if person else None,
        person.phone if person else None,
    )


def _person(session: Session, id_number: str | None) -> User | None:
    """The applicant's account: an active one, an applicant's before any other role's."""
    if not id_number:
        return None
    accounts = session.scalars(
        select(User).where(User.id_number == id_number, User.active.is_(True)).order_by(User.id)
    ).all()
    return next((u for u in accounts if "applicant" in (u.roles or [])), None) or next(
        iter(accounts), None
    )


def reference(delivery_id: int) -> str:
    """The delivery's name outside: the e-mail's Message-ID, the SMS's Idempotency-Key."""
    return f"govflow-delivery-{delivery_id}"


def perform(govflow: Govflow, job: Claimed) -> dict[str, Any]:
    with read_only(govflow.db) as session:
        out = _outgoing(session, job.payload["delivery_id"])
    # The session is closed: from here on nothing is locked or open while we wait.
    if out is None or out.status != PENDING:
        return {"settled": out.status if out else "gone"}
    settings = govflow.settings
    if job.payload["channel"] == "email":
        mail = SmtpChannel.from_settings(settings)
        if mail is None:
            return {"status": SKIPPED, "reason": NOT_CONFIGURED["email"]}
        if not out.email:
            return {"status": SKIPPED, "reason": "no e-mail address on file"}
        subject = texts.email_subject(out.title, out.case_id)
        body = texts.email_body(out.title, out.body, out.case_id)
        _send(lambda: mail.send(out.email, subject, body, reference(out.delivery_id)))
        return {"status": SENT, "recipient": mask_email(out.email)}
    gateway = SmsGateway.from_settings(settings)
    if gateway is None:
        return {"status": SKIPPED, "reason": NOT_CONFIGURED["sms"]}
    if not out.phone:
        return {"status": SKIPPED, "reason": "no mobile number on file"}
    text = texts.sms_text(out.title, out.case_id)
    _send(lambda: gateway.send(out.phone, text, reference(out.delivery_id)))
    return {"status": SENT, "recipient": mask_phone(out.phone)}


def _send(call: Any) -> None:
    try:
        call()
    except Undelivered as exc:
        raise TryAgain(exc.reason) from exc


def apply(govflow: Govflow, job: Claimed, answer: dict[str, Any]) -> None:
    if "status" not in answer:
        return  # settled before this attempt: nothing was sent, nothing to record
    _record(govflow, job, answer["status"], answer.get("recipient"), answer.get("reason"))


def give_up(govflow: Govflow, job: Claimed, reason: str) -> None:
    with read_only(govflow.db) as session:
        out = _outgoing(session, job.payload["delivery_id"])
    recipient = _masked(job.payload["channel"], out) if out else None
    _record(govflow, job, FAILED, recipient, f"{reason} ({job.attempts} tries)")


def _masked(channel: str, out: Outgoing) -> str | None:
    return mask_email(out.email) if channel == "email" else mask_phone(out.phone)


_EVENTS = {
    SENT: "notification_delivered",
    SKIPPED: "notification_not_sent",
    FAILED: "notification_undelivered",
}


def _record(
    govflow: Govflow, job: Claimed, status: str, recipient: str | None, error: str | None
) -> None:
    delivery_id = job.payload["delivery_id"]

    def work(session: Session) -> None:
        if settle(
            session, delivery_id, status, attempts=job.attempts, recipient=recipient, error=error
        ):
            audit.record(
                session,
                SYSTEM,
                _EVENTS[status],
                case_id=job.case_id,
                delivery_id=delivery_id,
                channel=job.payload["channel"],
                recipient=recipient,
                reason=error,
            )

    run_in_transaction(govflow.db, work)


def _retry(settings: Any) -> tuple[int, float]:
    return settings.delivery_attempts, settings.delivery_retry_seconds


for _kind in JOB_KINDS.values():
    register(_kind, Handler(perform=perform, apply=apply, give_up=give_up, retry=_retry))


# --- what administrators see ------------------------------------------------------------
def summaries(session: Session, job_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the job list: each delivery job's channel, masked recipient and status."""
    if not job_ids:
        return {}
    rows = session.scalars(select(Delivery).where(Delivery.job_id.in_(job_ids)))
    return {
        d.job_id: {
            "channel": d.channel,
            "recipient": d.recipient,
            "delivery": d.status,
            "notification_id": d.notification_id,
        }
        for d in rows
    }


def list_deliveries(
    govflow: Govflow,
    caller: Principal,
    *,
    case_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Deliveries, newest first (admins only)."""
    access.require_role(caller, "admin")
    if status is not None and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    with read_only(govflow.db) as session:
        query = select(Delivery)
        if case_id is not None:
            query = query.where(Delivery.case_id == case_id)
        if status:
            query = query.where(Delivery.status == status)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(Delivery.id.desc()).offset((page - 1) * per_page).limit(per_page)
        )
        return [delivery_view(d) for d in rows], total


def delivery_view(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "notification_id": row.notification_id,
        "case_id": row.case_id,
        "job_id": row.job_id,
        "channel": row.channel,
        "status": row.status,
        "recipient": row.recipient,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": _iso(row.created_at),
        "sent_at": _iso(row.sent_at),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
