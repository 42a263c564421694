"""Users, passwords and bearer tokens.

Passwords are hashed with scrypt (stdlib) and a per-user salt; tokens are random, stored
only as their sha256, and expire.  ``authenticate`` answers the same error for an unknown
user and a wrong password so usernames cannot be probed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from .. import clock
from ..context import Govflow
from ..errors import Unauthorized
from ..models import ApiToken, User
from ..passwords import check_password, hash_password
from ..principal import Principal
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


def authenticate(app: Govflow, username: str, password: str) -> tuple[str, datetime, User]:
    """Check the password and issue a token: ``(token, expires_at, user)``."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise Unauthorized("username and password are required")

    def work(session) -> tuple[str, datetime, User]:  # noqa: ANN001
        user = session.scalar(select(User).where(User.username == username))
        valid = check_password(password, user.password_hash if user else _DUMMY_HASH)
        if user is None or not valid or not user.active:
            raise Unauthorized("wrong username or password", code="unauthorized")
        token = secrets.token_urlsafe(32)
        expires = clock.now() + timedelta(hours=app.settings.token_ttl_hours)
        session.add(
            ApiToken(
                token_hash=_token_hash(token),
                user_id=user.id,
                created_at=clock.now(),
                expires_at=expires,
            )
        )
        return token, expires, user

    return run_in_transaction(app.db, work)


def login(app: Govflow, username: str, password: str) -> User:
    """Check the password for a page session (no token issued): the user, or Unauthorized."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise Unauthorized("username and password are required")
    with read_only(app.db) as session:
        user = session.scalar(select(User).where(User.username == username))
        valid = check_password(password, user.password_hash if user else _DUMMY_HASH)
        if user is None or not valid or not user.active:
            raise Unauthorized("wrong username or password", code="unauthorized")
        return user


def user_for_token(app: Govflow, token: str) -> User:
    """The active user a live token belongs to: one indexed lookup per API request."""
    with read_only(app.db) as session:
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


def get_user(app: Govflow, username: str) -> User | None:
    with read_only(app.db) as session:
        return session.scalar(select(User).where(User.username == username))
