"""Tables of notices: the issued documents and the counters that number them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..errors import Conflict
from ..models import Base, BigId, Json, UTCDateTime


class NoticeCounter(Base):
    """The last number a department gave in a year.  Taking a number updates this row,
    which holds its lock until the issuing transaction ends: two notices of one
    department never share a number, and a rolled-back notice gives its number back."""

    __tablename__ = "notice_counters"

    department_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class Notice(Base):
    """One issued notice: its number and what it says, fixed when it is issued (``page``:
    the department, title, paragraphs and date as printed), and the PDF rendered from
    exactly that.  Immutable: a correction is a new notice (``supersedes_id``).

    The PDF is rendered on first download, not in the deciding command: embedding the
    CJK font costs about a second, which no 受理 at the window should wait for.  It is
    written once (``issuing.pdf_of``); the words it shows were fixed at issue."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint(
            "department_code", "year", "serial", name="uq_notices_department_year_serial"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: acceptance | supplement | refusal | extension | completion | deferral | pledge
    kind: Mapped[str] = mapped_column(String(30))
    department_code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    #: As printed: ``〔2026〕第000123号``.
    number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    #: The template it was rendered from: ``default`` or the matter's key.
    template: Mapped[str] = mapped_column(String(200))
    context: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: As printed: ``{"department_name", "title", "paragraphs", "date_text"}``.
    page: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    issued_by: Mapped[str] = mapped_column(String(80))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), nullable=True)


#: What may be written after issue, once: the PDF rendered from the fixed page.
RENDERED = frozenset({"pdf", "sha256"})


@event.listens_for(Notice, "before_update")
def _never_changed(_mapper: Any, _connection: Any, notice: Notice) -> None:
    state = inspect(notice)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    first_rendering = changed <= RENDERED and not any(state.attrs.pdf.history.deleted)
    if not first_rendering:
        raise Conflict(f"notice {notice.number} is issued and cannot change", code="notice_issued")


@event.listens_for(Notice, "before_delete")
def _never_deleted(_mapper: Any, _connection: Any, notice: Notice) -> None:
    raise Conflict(f"notice {notice.number} is issued and cannot be removed", code="notice_issued")
