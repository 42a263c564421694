"""Creating and changing user accounts inside a command's transaction.

A password an administrator sets for someone else is known to two people: after a reset
the user must choose their own at the next sign-in.  Deactivating a user, or resetting
their password, also ends every token they hold (``standing`` refuses the rest at once);
a deactivated clerk's claimed tasks go back to their queue.
At least one active administrator always remains, so the directory cannot lock itself out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, NotFound
from ..models import ApiToken, TaskRow, User
from ..passwords import check_password, hash_password
from ..principal import Principal
from ..sign_in.models import PageSession
from ..sql import json_array_contains
from .departments import check_reference
from .passwords import weaknesses
from .rules import CODE_RE, USERNAME_RE, Checker
from .serializers import user_view

PROFILE_FIELDS = ("display_name", "roles", "department", "active", "id_number", "phone", "email")
CREATE_FIELDS = ("username", "password", "must_change_password", *PROFILE_FIELDS)
UPDATE_FIELDS = ("username", "password", *PROFILE_FIELDS)


def find(session: Session, username: str, *, for_update: bool = False) -> User:
    statement = select(User).where(User.username == username)
    if for_update:
        statement = statement.with_for_update()
    user = session.scalar(statement)
    if user is None:
        raise NotFound("no such user", username=username)
    return user


def _department(session: Session, check: Checker, payload: dict[str, Any]) -> str | None:
    code = check.pattern(payload, "department", CODE_RE, "bad_code", required=False)
    check_reference(session, check, "department", code)
    return code


def _check_role_needs(
    check: Checker, roles: list[str] | None, department: str | None, id_number: str | None
) -> None:
    if not roles:
        return
    if "clerk" in roles and department is None and check.ok("department"):
        check.add("department", "clerk_needs_department")
    if "applicant" in roles and id_number is None and check.ok("id_number"):
        check.add("id_number", "applicant_needs_id")


def _password(
    check: Checker,
    payload: dict[str, Any],
    username: str,
    *,
    required: bool,
    strict: bool = False,
    demo: bool = False,
) -> str:
    password = payload.get("password")
    if password is None or password == "":
        if required:
            check.add("password", "required")
        return ""
    if not isinstance(password, str):
        check.add("password", "not_text")
        return ""
    check.extend("password", weaknesses(password, username, check.lang, strict=strict, demo=demo))
    return password


def create(
    session: Session,
    actor: Principal,
    payload: dict[str, Any],
    lang: str,
    *,
    strict: bool = False,
    demo: bool = False,
) -> User:
    """A new user; ``strict`` applies the first administrator's password rule, ``demo``
    (a demo database) lets the seeded accounts' published password through."""
    check = Checker(lang)
    check.only(payload, CREATE_FIELDS)
    username = check.pattern(payload, "username", USERNAME_RE, "bad_username", required=True)
    display_name = check.text(payload, "display_name", required=True)
    roles = check.roles(payload, required=True)
    department = _department(session, check, payload)
    id_number = check.id_number(payload)
    phone = check.phone(payload)
    email = check.email(payload)
    active = check.boolean(payload, "active", True)
    must_change = check.boolean(payload, "must_change_password", False)
    password = _password(check, payload, username or "", required=True, strict=strict, demo=demo)
    _check_role_needs(check, roles, department, id_number)
    check.raise_if_any()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user named '{username}' already exists", code="conflict")
    _one_person_one_account(session, id_number, None)
    user = User(
        username=username,
        password_hash=hash_password(password),
        display_name=display_name,
        roles=roles,
        department_code=department,
        id_number=id_number,
        phone=phone,
        email=email,
        active=active,
        must_change_password=must_change,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_created", user=username, after=user_view(user))
    return user


def update(
    session: Session, actor: Principal, username: str, payload: dict[str, Any], lang: str
) -> User:
    user = find(session, username, for_update=True)
    check = Checker(lang)
    check.only(payload, UPDATE_FIELDS)
    if "username" in payload and payload["username"] != username:
        check.add("username", "bad_username")  # names are kept in every trail: never renamed
    display_name = (
        check.text(payload, "display_name", required=True) if "display_name" in payload else None
    )
    roles = check.roles(payload, required=True) if "roles" in payload else user.roles
    department = _department(session, check, payload) if "department" in payload else None
    id_number = check.id_number(payload) if "id_number" in payload else None
    phone = check.phone(payload) if "phone" in payload else None
    email = check.email(payload) if "email" in payload else None
    active = check.boolean(payload, "active", user.active)
    password = _password(check, payload, username, required=False)
    _check_role_needs(
        check,
        roles,
        department if "department" in payload else user.department_code,
        id_number if "id_number" in payload else user.id_number,
    )
    check.raise_if_any()
    if "id_number" in payload:
        _one_person_one_account(session, id_number, user.id)

    before = user_view(user)
    was_active = user.active
    was_admin = was_active and "admin" in (user.roles or [])
    if "display_name" in payload:
        user.display_name = display_name
    user.roles = list(roles or [])
    if "department" in payload:
        user.department_code = department
    if "id_number" in payload:
        user.id_number = id_number
    if "phone" in payload:
        user.phone = phone
    if "email" in payload:
        user.email = email
    user.active = active
    if password:
        user.password_hash = hash_password(password)
        user.must_change_password = True
    session.flush()
    if was_admin and not (user.active and "admin" in user.roles):
        _keep_an_administrator(session)
    if not user.active or password:
        end_sessions(session, user)
    if was_active and not user.active:
        release_claimed_tasks(session, actor, user)
    after = user_view(user)
    if before != after or password:
        audit.record(
            session,
            actor,
            "user_changed",
            user=username,
            before=before,
            after=after,
            password_reset=bool(password),
        )
    return user


def _one_person_one_account(session: Session, id_number: str | None, user_id: int | None) -> None:
    """An applicant sees the cases filed under their ID number: two accounts for one
    number would each see the other's."""
    if id_number is None:
        return
    holder = session.scalar(
        select(User.username).where(User.id_number == id_number, User.id != (user_id or -1))
    )
    if holder is not None:
        raise Conflict("another account already has this ID number", code="conflict")


def _keep_an_administrator(session: Session) -> None:
    admin = session.scalar(
        select(User.id).where(User.active.is_(True), json_array_contains(User.roles, "admin"))
    )
    if admin is None:
        raise Conflict(
            "this would leave no active administrator; make someone else one first",
            code="last_admin",
        )


def release_claimed_tasks(session: Session, actor: Principal, user: User) -> None:
    """A deactivated clerk's claimed tasks go back where a colleague can take them: to the
    department's queue, or to the clerk who delegated one (委派) to them."""
    rows = session.scalars(
        select(TaskRow)
        .where(TaskRow.assignee == user.username, TaskRow.status == "claimed")
        .with_for_update()
    ).all()
    for row in rows:
        if row.owner:
            row.assignee, row.owner = row.owner, None
        else:
            row.assignee, row.status = None, "ready"
        audit.record(
            session,
            actor,
            "task_released",
            case_id=row.case_id,
            task_id=row.id,
            name=row.name,
            previous=user.username,
            to=row.assignee,
            reason="user_deactivated",
        )


def end_sessions(session: Session, user: User) -> None:
    """Delete the user's bearer tokens and page sessions: a reactivated account does not
    revive them."""
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(PageSession).where(PageSession.user_id == user.id))


def change_own_password(session: Session, user: User, current: Any, new: Any, lang: str) -> None:
    check = Checker(lang)
    if not isinstance(current, str) or not check_password(current, user.password_hash):
        check.add("current_password", "wrong_password")
    payload = {"password": new}
    password = _password(check, payload, user.username, required=True)
    if "password" in check.fields:
        check.fields["new_password"] = check.fields.pop("password")
    elif isinstance(current, str) and password == current:
        check.add("new_password", "same_password")
    check.raise_if_any()
    user.password_hash = hash_password(password)
    user.must_change_password = False
    audit.record(
        session,
        Principal(user.username, tuple(user.roles or ())),
        "password_changed",
        user=user.username,
    )
