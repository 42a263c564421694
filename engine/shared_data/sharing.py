"""Sharing requests (共享申请): a designer asks a provider's department to accept a purpose.

A conditional provider answers only the purposes (``<matter>/<step>`` patterns) its
department has agreed to.  Deploy warns when a pull's purpose is not among them; the
designer files a request, and the department that owns the provider approves it (the
purpose joins the provider's accepted purposes, as an administrator's ``PUT`` would) or
refuses it with a reason.  The request is a row of its own, not a case: there is no
applicant, no time limit and no workflow — one decision by one department.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import clock
from ..models import Base, UTCDateTime
from . import registry
from .models import ProviderConfig
from .providers import DatabaseProvider

STATUSES = ("open", "approved", "refused")


class SharingRequest(Base):
    __tablename__ = "sharing_requests"
    __table_args__ = (
        # One open request per provider and purpose, even when two designers press the
        # button at once.
        Index(
            "uq_sharing_requests_open",
            "provider",
            "purpose",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    #: ``<matter>/<step>`` or ``<matter>/*``.
    purpose: Mapped[str] = mapped_column(String(200))
    #: The matter (definition key) the purpose is for: the definition page finds its
    #: requests by it.
    matter: Mapped[str] = mapped_column(String(200), index=True)
    #: The department that owns the provider, whose clerks and supervisors decide.
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: open | approved | refused
    status: Mapped[str] = mapped_column(String(20), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The department's reason (required for a refusal).
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


def grant_purpose(
    session: Session, spec: DatabaseProvider, purpose: str, username: str
) -> ProviderConfig:
    """Add ``purpose`` to what the provider accepts: the administrator's ``PUT`` with one
    more purpose in the list.  Without a configuration row yet, the declared purposes are
    the list the new one joins (and the built-in table stays the transport)."""
    config = session.get(ProviderConfig, spec.name)
    if config is None:
        config = ProviderConfig(name=spec.name, kind="database", url=None, enabled=True)
        session.add(config)
    current = list(config.purposes) if config.purposes is not None else list(spec.purposes)
    if purpose not in current:
        current.append(purpose)
    config.purposes = current
    config.updated_at, config.updated_by = clock.now(), username
    registry.forget_configurations()
    return config


def request_view(row: SharingRequest, spec: DatabaseProvider | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "provider": row.provider,
        "provider_title": {"zh": spec.title_zh, "en": spec.title_en} if spec else None,
        "purpose": row.purpose,
        "matter": row.matter,
        "department": row.department_code,
        "reason": row.reason,
        "requested_by": row.requested_by,
        "requested_at": clock.isoformat(row.requested_at),
        "status": row.status,
        "decided_by": row.decided_by,
        "decided_at": clock.isoformat(row.decided_at),
        "decision_reason": row.decision_reason,
    }
