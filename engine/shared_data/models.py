"""Tables of the shared-data capability: provider endpoints, uploaded materials, disputes.

The access log itself (``data_access_log``) is a core table in ``engine.models``; these
sit beside the code that writes them and are imported by ``engine.schema``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, Json, UTCDateTime


class ProviderConfig(Base):
    """Where a provider's records come from when it is not the built-in demo table.

    Only the *name* of the environment variable holding the credential is stored, never
    the secret itself: the database is backed up, replicated and read by people who must
    not hold exchange-platform credentials.
    """

    __tablename__ = "provider_configs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: ``http`` (an exchange-platform endpoint) or ``database`` (the built-in table).
    kind: Mapped[str] = mapped_column(String(20), default="http")
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=3.0)
    #: Extra attempts after a transient failure (timeout, connection error, 5xx).
    retries: Mapped[int] = mapped_column(Integer, default=2)
    credential_env: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: ``None``: the purposes declared in code; a list replaces them (conditional sharing).
    purposes: Mapped[list[str] | None] = mapped_column(Json, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class MaterialUpload(Base):
    """A file an applicant (or the window clerk for them) uploaded for one material.

    The bytes live under ``<data_dir>/uploads/<case id>/<sha256>``; a later upload for the
    same material supersedes this one (both are kept: the trail of what was submitted).
    """

    __tablename__ = "material_uploads"
    __table_args__ = (Index("ix_material_uploads_case_material", "case_id", "material_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Relative to ``Settings.data_dir``.
    stored_path: Mapped[str] = mapped_column(String(500))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)


class Dispute(Base):
    """An objection (异议) that a shared record used by a case is wrong.

    The owning department's clerk gets a ``dispute`` task to confirm or correct it; the
    case does not wait for the answer (the applicant may upload the material instead).
    """

    __tablename__ = "shared_data_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject_field: Mapped[str] = mapped_column(String(100))
    record_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(80))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: open | upheld (record corrected) | rejected (record confirmed as it was)
    status: Mapped[str] = mapped_column(String(20), default="open")
    task_id: Mapped[str] = mapped_column(String(36))
    resolution: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
