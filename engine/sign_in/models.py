"""Tables of signing in: live page sessions and recent failed attempts.

Both are state every gunicorn worker must share, so they live in the database and
never in a worker's memory.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..models import Base, UTCDateTime


class PageSession(Base):
    """One signed-in browser.  The cookie carries a random id; only its sha256 is kept, so
    a copy of the database cannot be turned into working cookies."""

    __tablename__ = "page_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: Absolute end (the configured lifetime from sign-in); activity does not extend it.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """One wrong password (or unknown username), kept for the throttling window only."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_address_at", "address", "at"),
        Index("ix_sign_in_failures_username_at", "username", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: The client address as the server saw it (IPv6 fits in 45 characters).
    address: Mapped[str] = mapped_column(String(64))
    #: What was typed, lower-cased and cut: an unknown name is throttled like a real one.
    username: Mapped[str] = mapped_column(String(80))
