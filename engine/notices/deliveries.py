"""Deliveries: a notification on its way to a person over e-mail or SMS.

A notification for an applicant names its ``channels``; ``plan`` turns each channel into
one ``Delivery`` row and one job (``deliver.email``, ``deliver.sms``), in the transaction
that writes the notification — so a command that rolls back leaves neither, and one that
commits is sure to be delivered.  The job runner sends it with no transaction open
(``services.deliveries``) and records here what became of it:

``pending``  not sent yet (its job's attempts and last error say how it is going)
``sent``     the SMTP server or SMS gateway accepted it (``sent_at``)
``skipped``  nothing to send: the channel is not configured, or the person has no
             address for it (``last_error`` says which) — recorded, not an error
``failed``   the attempts are spent (``last_error``: the last answer)

A delivery is settled once: a second answer for it changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .. import audit, clock
from ..deadlines.models import Notification
from ..jobs.models import Job
from ..jobs.queue import enqueue
from ..models import Base, BigId, UTCDateTime
from ..principal import SYSTEM

PENDING, SENT, SKIPPED, FAILED = "pending", "sent", "skipped", "failed"
STATUSES = (PENDING, SENT, SKIPPED, FAILED)
#: The channels there are, and the kind of job that delivers over each.
JOB_KINDS = {"email": "deliver.email", "sms": "deliver.sms"}


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(BigId, ForeignKey("notifications.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: Where it went, masked (``138****5678``, ``z***@example.cn``): enough to tell an
    #: applicant which address was used, not enough to collect addresses from.
    recipient: Mapped[str | None] = mapped_column(String(254), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Set by ``plan`` so that the flush writes the notification before its deliveries and
    # fills in the job's id: no flush per row (read-only use elsewhere: ids are enough).
    notification: Mapped[Notification] = relationship()
    job: Mapped[Job | None] = relationship()


#: ``session.info`` key: a function answering the channels switched off, each with the
#: reason (``engine.bootstrap`` sets it from the settings; absent, every channel is on).
CHANNELS_OFF = "outbound channels off"


def plan(session: Session, notification: Notification) -> list[Delivery]:
    """One delivery per channel of ``notification``, in the caller's transaction: a job
    for each channel that is on, and one that is off recorded ``skipped`` at once (a job
    would only find it off, and the runner's work is the whole system's)."""
    channels = [c for c in notification.channels or [] if c in JOB_KINDS]
    if not channels:
        return []
    off = session.info[CHANNELS_OFF]() if CHANNELS_OFF in session.info else {}
    now = clock.now()
    planned = [
        Delivery(
            notification=notification,
            case_id=notification.case_id,
            channel=channel,
            status=SKIPPED if channel in off else PENDING,
            attempts=0,
            last_error=off.get(channel),
            created_at=now,
            settled_at=now if channel in off else None,
        )
        for channel in channels
    ]
    session.add_all(planned)
    # One flush for the notification and its deliveries: a job's payload names its
    # delivery.  The jobs (and each delivery's job_id) go with the command's last flush.
    session.flush()
    for delivery in planned:
        if delivery.status == SKIPPED:
            audit.record(
                session,
                SYSTEM,
                "notification_not_sent",
                case_id=notification.case_id,
                delivery_id=delivery.id,
                channel=delivery.channel,
                recipient=None,
                reason=delivery.last_error,
            )
            continue
        delivery.job = enqueue(
            session,
            JOB_KINDS[delivery.channel],
            {"delivery_id": delivery.id, "channel": delivery.channel},
            case_id=notification.case_id,
        )
    return planned


def settle(
    session: Session,
    delivery_id: int,
    status: str,
    *,
    attempts: int,
    recipient: str | None = None,
    error: str | None = None,
) -> bool:
    """Record the outcome of a pending delivery; False (and nothing changed) when it was
    settled already."""
    delivery = session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if delivery is None or delivery.status != PENDING:
        return False
    now = clock.now()
    delivery.status, delivery.attempts, delivery.settled_at = status, attempts, now
    if recipient is not None:
        delivery.recipient = recipient
    delivery.last_error = error[:2000] if error else None
    if status == SENT:
        delivery.sent_at = now
    return True
