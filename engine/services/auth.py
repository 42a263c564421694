"""Users, passwords and bearer tokens.

Passwords are hashed with scrypt (stdlib) and a per-user salt; tokens are random, stored
only as their sha256, and expire.  ``authenticate`` answers the same error for an unknown
user and a wrong password so usernames cannot be probed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from .. import clock
from ..context import Govflow
from ..errors import Unauthorized
from ..models import ApiToken, User
from ..passwords import check_password, hash_password
from ..principal import Principal
from ..sign_in import sessions, throttle
from ..uow import read_only, run_in_transaction

#: Checked against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def principal_of(user: User) -> Principal:
    return Principal(
        user.username,
        tuple(user.roles or ()),
        user.department_code,
        user.id_number,
        user.display_name,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _verified_user(govflow: Govflow, username: str, password: str, address: str | None) -> User:
    """The active user these credentials belong to.  Throttled first (429, without
    checking the password: a guess while throttled tells nothing); a failure is counted
    in its own transaction, so it stays counted although the sign-in fails."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise Unauthorized("username and password are required")
    with read_only(govflow.db) as session:
        throttle.check(session, address, username)
        user = session.scalar(select(User).where(User.username == username))
        valid = check_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not valid or not user.active:
        run_in_transaction(govflow.db, lambda s: throttle.record_failure(s, address, username))
        raise Unauthorized("wrong username or password", code="unauthorized")
    if not govflow.settings.password_allowed(user.roles or []):
        # Told only to whoever knows the password: such accounts sign in through the
        # identity platform (GOVFLOW_PASSWORD_ROLES).
        raise Unauthorized(
            "local passwords are switched off for this account: sign in through the "
            "unified identity platform",
            code="password_sign_in_off",
        )
    return user


def authenticate(
    govflow: Govflow,
    username: str,
    password: str,
    *,
    address: str | None = None,
    page_session: str | None = None,
) -> tuple[str, datetime, User]:
    """Check the password and issue a token: ``(token, expires_at, user)``.

    ``page_session`` is the page-session id of the browser asking, if it sent its cookie:
    a token issued to a browser signed in as the same user ends when that page session
    does (page logout).
    """
    user = _verified_user(govflow, username, password, address)

    def work(session) -> tuple[str, datetime, User]:  # noqa: ANN001
        token = secrets.token_urlsafe(32)
        expires = clock.now() + timedelta(hours=govflow.settings.token_ttl_hours)
        browser = sessions.live_session(session, page_session) if page_session else None
        session.add(
            ApiToken(
                token_hash=_token_hash(token),
                user_id=user.id,
                created_at=clock.now(),
                expires_at=expires,
                page_session_id=browser[0].id if browser and browser[1].id == user.id else None,
            )
        )
        return token, expires, user

    return run_in_transaction(govflow.db, work)


def revoke_token(govflow: Govflow, token: str) -> None:
    """End one API token now (``DELETE /auth/token``): it answers 401 from then on."""
    run_in_transaction(
        govflow.db,
        lambda s: s.execute(delete(ApiToken).where(ApiToken.token_hash == _token_hash(token))),
    )


def login(
    govflow: Govflow,
    username: str,
    password: str,
    *,
    lifetime: timedelta,
    address: str | None = None,
) -> tuple[User, str]:
    """Check the password for a page session: ``(user, session id for the cookie)``, or
    Unauthorized / TooManyAttempts.  The session ends ``lifetime`` after sign-in."""
    user = _verified_user(govflow, username, password, address)
    raw = run_in_transaction(govflow.db, lambda s: sessions.open_session(s, user, lifetime))
    return user, raw


def logout(govflow: Govflow, page_session: str | None) -> None:
    """End the page session and the API tokens issued to that browser."""
    if page_session:
        run_in_transaction(govflow.db, lambda s: sessions.close_session(s, page_session))


def user_for_page_session(govflow: Govflow, page_session: str | None) -> User | None:
    """The active user of a live page session; None once it was ended or has expired."""
    if not page_session:
        return None
    with read_only(govflow.db) as session:
        found = sessions.live_session(session, page_session)
        return found[1] if found else None


def user_for_token(govflow: Govflow, token: str) -> User:
    """The active user a live token belongs to: one indexed lookup per API request."""
    with read_only(govflow.db) as session:
        user = session.scalar(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == _token_hash(token),
                ApiToken.expires_at > clock.now(),
                User.active.is_(True),
            )
        )
        if user is None:
            raise Unauthorized("the token is missing, wrong or expired")
        return user


def get_user(govflow: Govflow, username: str) -> User | None:
    with read_only(govflow.db) as session:
        return session.scalar(select(User).where(User.username == username))
