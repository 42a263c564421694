"""Page sessions kept on the server.

The signed cookie alone cannot be taken back: whoever copied it before logout could keep
using it until it expires.  So the cookie carries a random id, the ``page_sessions`` row
is the session, and logout deletes the row (with the API tokens issued to that browser):
a replayed cookie then finds nothing, on every worker.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import clock
from ..models import ApiToken, User
from .models import PageSession


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, lifetime: timedelta) -> str:
    """A new session for ``user``, ending ``lifetime`` from now: the id for the cookie.

    The user's ended sessions are swept here (their tokens go with them), so the table
    holds about one row per signed-in browser.
    """
    now = clock.now()
    ended = select(PageSession.id).where(
        PageSession.user_id == user.id, PageSession.expires_at <= now
    )
    session.execute(delete(ApiToken).where(ApiToken.page_session_id.in_(ended)))
    session.execute(delete(PageSession).where(PageSession.id.in_(ended)))
    raw = secrets.token_urlsafe(32)
    session.add(
        PageSession(
            token_hash=token_hash(raw), user_id=user.id, created_at=now, expires_at=now + lifetime
        )
    )
    return raw


def live_session(session: Session, raw: str) -> tuple[PageSession, User] | None:
    """The live session with this cookie id and its active user; None when it was ended,
    has expired, or its user was deactivated."""
    if not isinstance(raw, str) or not raw:
        return None
    found = session.execute(
        select(PageSession, User)
        .join(User, User.id == PageSession.user_id)
        .where(
            PageSession.token_hash == token_hash(raw),
            PageSession.expires_at > clock.now(),
            User.active.is_(True),
        )
    ).first()
    return (found[0], found[1]) if found else None


def close_session(session: Session, raw: str) -> None:
    """End the session and every API token issued to it (deleted explicitly: SQLite
    enforces the cascading foreign key only with its pragma on)."""
    if not isinstance(raw, str) or not raw:
        return
    ended = session.scalar(select(PageSession.id).where(PageSession.token_hash == token_hash(raw)))
    if ended is None:
        return
    session.execute(delete(ApiToken).where(ApiToken.page_session_id == ended))
    session.execute(delete(PageSession).where(PageSession.id == ended))
