"""Throttling failed sign-ins, per client address and per username.

Guessing passwords must be slow wherever it comes from: one address trying many names,
or many addresses trying one name.  Each failure is a row; while an address or a name has
had ``limit`` failures within ``WINDOW``, every sign-in from it or for it — right
password included — answers 429 with the seconds until the oldest counted failure ages
out.  A successful sign-in clears nothing: otherwise an attacker holding one account
could reset the count for the address between guesses at others.

Why a table and not Flask-Limiter: its shared storages need Redis or Memcached, which
govflow does not run, and its memory storage counts per worker process, so N gunicorn
workers would allow N times the limit.  The database is already shared by every worker.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import clock
from ..errors import TooManyAttempts
from .models import SignInFailure

WINDOW = timedelta(minutes=15)
#: Failures allowed within the window from one address (a shared office NAT has several
#: people mistyping) and for one username.
PER_ADDRESS = 20
PER_USERNAME = 10


def _username_key(username: str) -> str:
    return username.strip().lower()[:80]


def _address_key(address: str | None) -> str:
    return (address or "unknown")[:64]


def _wait_seconds(session: Session, column, value: str, limit: int, now: datetime) -> int:  # noqa: ANN001
    """Seconds until fewer than ``limit`` failures for ``column == value`` are within the
    window; 0 when there already are."""
    recent = session.scalars(
        select(SignInFailure.at)
        .where(column == value, SignInFailure.at > now - WINDOW)
        .order_by(SignInFailure.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return 0
    # The limit-th newest failure is the one whose ageing out lets the next attempt in.
    return max(1, math.ceil((recent[-1] + WINDOW - now).total_seconds()))


def check(session: Session, address: str | None, username: str) -> None:
    """Raise ``TooManyAttempts`` (with ``retry_after``) while either count is at its limit."""
    now = clock.now()
    wait = max(
        _wait_seconds(session, SignInFailure.address, _address_key(address), PER_ADDRESS, now),
        _wait_seconds(session, SignInFailure.username, _username_key(username), PER_USERNAME, now),
    )
    if wait:
        raise TooManyAttempts("too many failed sign-ins; try again later", retry_after=wait)


def record_failure(session: Session, address: str | None, username: str) -> None:
    """Count one failure; failures older than the window are swept on the way."""
    now = clock.now()
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - WINDOW))
    session.add(
        SignInFailure(at=now, address=_address_key(address), username=_username_key(username))
    )
