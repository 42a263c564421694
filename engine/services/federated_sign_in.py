"""Sign-in through the province's unified identity platform (统一身份认证): who the
platform's claims are in govflow.

The page adapter (``web/pages/identity_platform.py``, with Authlib) has already checked
what the protocol asks — the state against the browser's session, the PKCE verifier, the
id_token's signature against the platform's keys, its issuer, audience, expiry and nonce.
What is left is ours:

* staff are matched by the configured claim (``GOVFLOW_OIDC_STAFF_CLAIM``) to the user of
  that username; their roles and department stay as administrators keep them here;
* applicants by the platform's verified ID number (``GOVFLOW_OIDC_ID_NUMBER_CLAIM``); one
  the directory does not know yet becomes a new applicant account when the operator allows
  it (``GOVFLOW_OIDC_CREATE_APPLICANTS``), named by the platform, never by the browser;
* anybody else, and a deactivated account, is refused.

Each sign-in is an audit event with the real-name level (实名等级) the platform vouched for.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..config import Settings
from ..context import Govflow
from ..errors import Unauthorized
from ..forms import is_valid_id_number
from ..models import User
from ..passwords import hash_password
from ..sign_in import sessions
from ..uow import run_in_transaction
from .auth import principal_of

STAFF_ROLES = ("admin", "designer", "clerk", "supervisor", "integration")


def _text_claim(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _staff(session: Session, settings: Settings, claims: dict[str, Any]) -> User | None:
    username = _text_claim(claims, settings.oidc_staff_claim)
    if username is None:
        return None
    user = session.scalar(select(User).where(User.username == username))
    # An applicant's account is never reached through the staff claim: that claim only
    # names the staff the directory lists.
    if user is None or not set(user.roles or ()) & set(STAFF_ROLES):
        return None
    return user


def _applicant(
    session: Session, settings: Settings, claims: dict[str, Any]
) -> tuple[User | None, bool]:
    """The applicant of the verified ID number: ``(user, created now?)``."""
    id_number = (_text_claim(claims, settings.oidc_id_number_claim) or "").upper()
    if not is_valid_id_number(id_number):
        return None, False
    user = session.scalar(
        select(User).where(User.id_number == id_number).order_by(User.id).limit(1)
    )
    if user is not None:
        return (user, False) if "applicant" in (user.roles or ()) else (None, False)
    name = _text_claim(claims, "name")
    if not settings.oidc_create_applicants or name is None:
        return None, False
    # The username is derived from the platform's subject, not the ID number: usernames
    # are written into audit trails and logs, ID numbers must not be.
    subject = f"{claims.get('iss', '')}|{claims.get('sub', '')}"
    user = User(
        username="idp_" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:24],
        # No local password: a random one nobody knows (sign-in is the platform's).
        password_hash=hash_password(secrets.token_urlsafe(32)),
        display_name=name[:100],
        roles=["applicant"],
        id_number=id_number,
        active=True,
    )
    session.add(user)
    session.flush()
    return user, True


def sign_in_with_claims(
    govflow: Govflow, claims: dict[str, Any], *, lifetime: timedelta
) -> tuple[User, str]:
    """Open a page session for the user the verified ``claims`` name: ``(user, session
    id for the cookie)``; Unauthorized when they name nobody who may sign in."""
    settings = govflow.settings

    def work(session: Session) -> tuple[User, str]:
        user, created = _staff(session, settings, claims), False
        if user is None:
            user, created = _applicant(session, settings, claims)
        if user is None:
            raise Unauthorized(
                "the identity platform vouched for someone govflow does not know",
                code="unknown_user",
            )
        if not user.active:
            raise Unauthorized("this account is deactivated", code="unauthorized")
        raw = sessions.open_session(session, user, lifetime)
        audit.record(
            session,
            principal_of(user),
            "signed_in_via_identity_platform",
            issuer=claims.get("iss"),
            subject=claims.get("sub"),
            real_name_level=claims.get(settings.oidc_level_claim),
            account_created=created,
        )
        return user, raw

    return run_in_transaction(govflow.db, work)
