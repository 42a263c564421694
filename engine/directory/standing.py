"""Whether a signed-in user may still act: the one place every request asks.

Both the API (a bearer token) and the pages (a session cookie) resolve the caller to a
``User`` row on every request; they then ask here.  A deactivated user is refused at once
— whatever tokens or sessions they still hold — and a user whose password an
administrator reset may do nothing but choose a new one.
"""

from __future__ import annotations

from ..errors import Forbidden, Unauthorized
from ..models import User


def may_act(user: User | None) -> bool:
    return user is not None and bool(user.active)


def ensure_active(user: User | None) -> User:
    """The user, when they exist and are active; else 401 as for a bad token."""
    if not may_act(user):
        raise Unauthorized("the account is deactivated or unknown")
    return user


def password_change_pending(user: User) -> bool:
    return bool(user.must_change_password)


def ensure_password_current(user: User) -> None:
    """403 ``password_change_required`` until the user replaces a reset password."""
    if password_change_pending(user):
        raise Forbidden(
            "an administrator reset your password: choose a new one first "
            "(POST /api/v1/me/password)",
            code="password_change_required",
        )
