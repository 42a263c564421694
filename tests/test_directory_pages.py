"""The administrator's pages for departments and users, and the password page."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import Department, User
from engine.uow import read_only
from tests.test_pages import Browser


def _department(app, code: str) -> Department | None:  # noqa: ANN001
    with read_only(app.extensions["govflow"].db) as session:
        return session.get(Department, code)


def _user(app, username: str) -> User | None:  # noqa: ANN001
    with read_only(app.extensions["govflow"].db) as session:
        return session.scalar(select(User).where(User.username == username))


def test_an_administrator_creates_and_edits_a_department_in_the_pages(app):
    admin = Browser(app, "admin")
    listing = admin.get("/admin/departments")
    assert listing.status_code == 200 and "税务局" in listing.get_data(as_text=True)
    assert admin.get("/admin/departments/new").status_code == 200
    created = admin.post(
        "/admin/departments/new",
        {
            "code": "harbour",
            "name_zh": "港务局",
            "name_en": "Harbour Bureau",
            "active": "on",
            "division": "110105",
            "parent": "housing",
        },
    )
    assert created.status_code == 302
    assert _department(app, "harbour").parent_code == "housing"
    page = admin.get("/admin/departments/harbour")
    assert page.status_code == 200 and 'value="港务局"' in page.get_data(as_text=True)
    saved = admin.post(
        "/admin/departments/harbour",
        {"name_zh": "港口管理局", "name_en": "Port Authority", "parent": "", "division": ""},
    )
    assert saved.status_code == 302
    harbour = _department(app, "harbour")
    assert (harbour.name_zh, harbour.parent_code, harbour.active) == ("港口管理局", None, False)


def test_a_refused_department_form_marks_its_fields_and_creates_nothing(app):
    admin = Browser(app, "admin")
    admin.get("/admin/departments/new")
    refused = admin.post(
        "/admin/departments/new",
        {"code": "Bad Code", "name_zh": "坏", "name_en": "", "division": "12"},
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-test="form-errors"' in text
    assert 'id="code-err"' in text and 'id="division-err"' in text and 'id="name-err"' in text
    duplicate = admin.post(
        "/admin/departments/new", {"code": "tax", "name_zh": "税", "name_en": "Tax", "active": "on"}
    )
    assert duplicate.status_code == 409 and _department(app, "tax").name_zh == "税务局"
    assert "已有使用该代码的部门" in duplicate.get_data(as_text=True)


def test_an_administrator_creates_a_user_and_resets_the_password_in_the_pages(app):
    admin = Browser(app, "admin")
    assert "clerk_tax" in admin.get("/admin/users?department=tax").get_data(as_text=True)
    admin.get("/admin/users/new")
    created = admin.post(
        "/admin/users/new",
        {
            "username": "clerk_new",
            "display_name": "新办事员",
            "roles": ["clerk"],
            "department": "tax",
            "password": "New-clerk-2026",
            "active": "on",
        },
    )
    assert created.status_code == 302 and _user(app, "clerk_new").department_code == "tax"

    admin.get("/admin/users/clerk_new")
    reset = admin.post(
        "/admin/users/clerk_new",
        {
            "display_name": "新办事员",
            "roles": ["clerk"],
            "department": "tax",
            "password": "Reset-by-admin-1",
            "active": "on",
        },
    )
    assert reset.status_code == 302 and _user(app, "clerk_new").must_change_password

    clerk = Browser(app)
    clerk.login("clerk_new", "Reset-by-admin-1")
    sent_back = clerk.get("/worklist")
    assert sent_back.status_code == 302 and sent_back.headers["Location"].endswith(
        "/account/password"
    )
    form = clerk.get("/account/password")
    assert 'data-test="must-change"' in form.get_data(as_text=True)
    weak = clerk.post(
        "/account/password", {"current_password": "Reset-by-admin-1", "new_password": "weak"}
    )
    assert weak.status_code == 422 and 'id="new_password-err"' in weak.get_data(as_text=True)
    changed = clerk.post(
        "/account/password",
        {"current_password": "Reset-by-admin-1", "new_password": "Mine-and-only-mine-9"},
    )
    assert changed.status_code == 302
    assert clerk.get("/worklist").status_code == 200


def test_the_admin_pages_are_for_administrators_only(app):
    clerk = Browser(app, "clerk_tax")
    for path in (
        "/admin/departments",
        "/admin/users",
        "/admin/users/new",
        "/admin/departments/tax",
    ):
        assert clerk.get(path).status_code == 403
    assert Browser(app).get("/admin/users").status_code == 302  # to the sign-in page
    assert Browser(app, "admin").get("/admin/users/nobody").status_code == 404
