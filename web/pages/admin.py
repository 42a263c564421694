"""Administrator pages: departments and users (list, create, edit), and every user's
own password page (the only page open after an administrator reset the password).

Forms become the same payloads the API takes and go to the same services, so a page
refuses exactly what the API refuses, with the fields marked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.directory.rules import ROLES
from engine.errors import Conflict, ValidationFailed
from engine.services import departments as department_service
from engine.services import users as user_service

from ..i18n import MESSAGES
from .common import current_user, engine, home_endpoint, lang, login_required, principal

bp = Blueprint("admin", __name__)

PER_PAGE = 50


def _all_departments() -> list[dict[str, Any]]:
    items, _total = department_service.list_departments(engine(), principal(), per_page=10_000)
    return items


def _failure(exc: Exception, duplicate: str = "") -> dict[str, list[str]]:
    """Field errors of a refused form; a conflict is said above the form (``duplicate``
    when the code, name or ID number is taken, else the API's message for its code)."""
    if isinstance(exc, ValidationFailed):
        return dict(exc.details.get("fields", {}))
    if exc.code == "conflict" and duplicate:
        return {"_form": [duplicate]}
    zh, en = MESSAGES.get(exc.code, (exc.message, exc.message))
    return {"_form": [en if lang() == "en" else zh]}


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


# --- departments ------------------------------------------------------------------------


@bp.get("/admin/departments")
@login_required("admin")
def departments():  # noqa: ANN201
    return render_template("admin/departments.html", departments=_all_departments())


def _department_payload(new: bool) -> dict[str, Any]:
    form = request.form
    payload: dict[str, Any] = {
        "name": {"zh": form.get("name_zh", ""), "en": form.get("name_en", "")},
        "kind": form.get("kind") or None,
        "parent": form.get("parent") or None,
        "division": form.get("division") or None,
        "active": form.get("active") == "on",
    }
    if new:
        payload["code"] = form.get("code", "")
    elif form.get("successor"):
        payload["successor"] = form["successor"]
    return payload


def _department_form(department: dict | None, errors: dict, new: bool, status: int = 200):  # noqa: ANN202
    code = department["code"] if department and not new else None
    page = render_template(
        "admin/department_form.html",
        department=department or {"name": {}, "active": True},
        new=new,
        departments=_all_departments(),
        errors=errors,
        open_tasks=department_service.open_task_count(engine(), code) if code else 0,
    )
    return page, status


@bp.route("/admin/departments/new", methods=["GET", "POST"])
@login_required("admin")
def new_department():  # noqa: ANN201
    if request.method == "GET":
        return _department_form(None, {}, new=True)
    payload = _department_payload(new=True)
    try:
        created = department_service.create_department(engine(), principal(), payload, lang())
    except (ValidationFailed, Conflict) as exc:
        taken = _("A department with this code already exists.")
        return _department_form(payload, _failure(exc, taken), True, exc.status)
    flash(_("Department %(code)s created.", code=created["code"]), "success")
    return redirect(url_for("admin.departments"))


@bp.route("/admin/departments/<code>", methods=["GET", "POST"])
@login_required("admin")
def edit_department(code: str):  # noqa: ANN201
    current = department_service.get_department(engine(), principal(), code)
    if request.method == "GET":
        return _department_form(current, {}, new=False)
    payload = _department_payload(new=False)
    try:
        department_service.update_department(engine(), principal(), code, payload, lang())
    except (ValidationFailed, Conflict) as exc:
        shown = {**current, **{k: v for k, v in payload.items() if k != "successor"}}
        return _department_form(shown, _failure(exc), False, exc.status)
    flash(_("Department %(code)s saved.", code=code), "success")
    return redirect(url_for("admin.departments"))


# --- users ------------------------------------------------------------------------------


@bp.get("/admin/users")
@login_required("admin")
def users():  # noqa: ANN201
    page = _page()
    department = request.args.get("department") or None
    items, total = user_service.list_users(
        engine(), principal(), page=page, per_page=PER_PAGE, department=department
    )
    return render_template(
        "admin/users.html",
        users=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        department=department,
        departments=_all_departments(),
    )


def _user_payload(new: bool) -> dict[str, Any]:
    form = request.form
    payload: dict[str, Any] = {
        "display_name": form.get("display_name", ""),
        "roles": form.getlist("roles"),
        "department": form.get("department") or None,
        "active": form.get("active") == "on",
    }
    for optional in ("id_number", "phone"):  # not shown in clear: blank leaves them as they are
        if form.get(optional):
            payload[optional] = form[optional]
    if new:
        payload["username"] = form.get("username", "")
        payload["password"] = form.get("password", "")
    elif form.get("password"):
        payload["password"] = form["password"]
    return payload


def _user_form(user: dict | None, errors: dict, new: bool, status: int = 200):  # noqa: ANN202
    page = render_template(
        "admin/user_form.html",
        user=user or {"roles": [], "active": True},
        new=new,
        roles=ROLES,
        departments=[d for d in _all_departments() if d["active"]],
        errors=errors,
    )
    return page, status


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required("admin")
def new_user():  # noqa: ANN201
    if request.method == "GET":
        return _user_form(None, {}, new=True)
    payload = _user_payload(new=True)
    try:
        created = user_service.create_user(engine(), principal(), payload, lang())
    except (ValidationFailed, Conflict) as exc:
        shown = {k: v for k, v in payload.items() if k != "password"}
        taken = _("A user with this username or ID number already exists.")
        return _user_form(shown, _failure(exc, taken), True, exc.status)
    flash(_("User %(name)s created.", name=created["username"]), "success")
    return redirect(url_for("admin.users"))


@bp.route("/admin/users/<username>", methods=["GET", "POST"])
@login_required("admin")
def edit_user(username: str):  # noqa: ANN201
    current = user_service.get_user(engine(), principal(), username)
    if request.method == "GET":
        return _user_form(current, {}, new=False)
    payload = _user_payload(new=False)
    try:
        user_service.update_user(engine(), principal(), username, payload, lang())
    except (ValidationFailed, Conflict) as exc:
        shown = {**current, **{k: v for k, v in payload.items() if k != "password"}}
        taken = _("Another account already has this ID number.")
        return _user_form(shown, _failure(exc, taken), False, exc.status)
    flash(_("User %(name)s saved.", name=username), "success")
    return redirect(url_for("admin.users"))


# --- one's own password -----------------------------------------------------------------


@bp.route("/account/password", methods=["GET", "POST"])
@login_required()
def password():  # noqa: ANN201
    user = current_user()
    if request.method == "GET":
        return render_template("account/password.html", errors={})
    try:
        user_service.change_own_password(
            engine(),
            user.username,
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
            lang(),
        )
    except ValidationFailed as exc:
        return render_template("account/password.html", errors=_failure(exc)), 422
    flash(_("Your password has been changed."), "success")
    return redirect(url_for(home_endpoint(user)))
