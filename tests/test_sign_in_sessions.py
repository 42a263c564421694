"""Page sessions and API tokens end when they should: at logout, on revocation, at the
configured lifetime — on every worker, because the state is in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import time_machine

from engine import clock
from tests.support import PASSWORD, Api
from tests.test_pages import Browser

COOKIE = "govflow_session"


def _signed_in(browser: Browser, path: str = "/applicant") -> bool:
    response = browser.client.get(path)
    return response.status_code == 200


def _set_cookie(response) -> str:  # noqa: ANN001
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    (session_cookie,) = [c for c in cookies if "session=" in c]
    return session_cookie


def test_a_session_cookie_replayed_after_logout_signs_nobody_in(app):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    stolen = browser.client.get_cookie(COOKIE).value
    assert _signed_in(browser)
    browser.get("/applicant")
    assert browser.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    response = thief.get("/applicant")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert thief.get("/api/v1/me").status_code == 401  # and the cookie is no API credential


def test_logout_on_one_worker_ends_the_session_on_another(app, settings):  # noqa: ANN001
    """Two app instances over one database (two gunicorn workers): the second refuses
    the cookie the first ended."""
    from web import create_app

    other_worker = create_app(settings, TESTING=True)
    try:
        browser = Browser(app, "zhangsan")
        cookie = browser.client.get_cookie(COOKIE).value
        elsewhere = other_worker.test_client()
        elsewhere.set_cookie(COOKIE, cookie)
        assert elsewhere.get("/applicant").status_code == 200
        browser.get("/applicant")
        browser.post("/logout")
        assert elsewhere.get("/applicant").status_code == 302
    finally:
        other_worker.extensions["govflow"].close()


def test_the_cookie_is_httponly_samesite_lax_and_lasts_the_configured_eight_hours(app):  # noqa: ANN001
    browser = Browser(app)
    browser.get("/login")
    response = browser.post("/login", {"username": "zhangsan", "password": PASSWORD})
    cookie = _set_cookie(response)
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Local development (plain HTTP to a loopback address): no TLS to require.
    assert "Secure" not in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert abs(expires - (clock.now() + timedelta(hours=8))) < timedelta(minutes=1)


def test_the_session_ends_on_the_server_after_eight_hours_whatever_the_cookie_says(app):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    cookie = browser.client.get_cookie(COOKIE).value
    with time_machine.travel(clock.now() + timedelta(hours=7, minutes=50)):
        assert _signed_in(browser)
    with time_machine.travel(clock.now() + timedelta(hours=8, minutes=1)):
        # The same cookie value, re-sent as if its expiry had been edited.
        replay = app.test_client()
        replay.set_cookie(COOKIE, cookie)
        assert replay.get("/applicant").status_code == 302


def test_the_lifetime_is_configurable(tmp_path, database_url):  # noqa: ANN001
    from flask_migrate import upgrade

    from engine.config import Settings
    from engine.principal import SYSTEM
    from engine.services.demo import seed_demo
    from web import create_app

    app = create_app(
        Settings(data_dir=tmp_path / "d", database_url=database_url, demo=True, session_hours=1),
        TESTING=True,
    )
    try:
        with app.app_context():
            upgrade()
        seed_demo(app.extensions["govflow"], SYSTEM)
        browser = Browser(app, "zhangsan")
        with time_machine.travel(clock.now() + timedelta(minutes=61)):
            assert not _signed_in(browser)
    finally:
        app.extensions["govflow"].close()


def test_outside_local_development_the_cookie_is_secure(app):  # noqa: ANN001
    client = app.test_client()
    page = client.get("/login", base_url="http://govflow.example.gov.cn")
    assert "Secure" in _set_cookie(page)


def test_over_https_the_cookie_is_a_host_prefixed_secure_cookie_that_works(app):  # noqa: ANN001
    import re

    client = app.test_client()
    base = "https://govflow.example.gov.cn"
    page = client.get("/login", base_url=base)
    cookie = _set_cookie(page)
    assert cookie.startswith("__Host-govflow_session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))[1]
    response = client.post(
        "/login",
        data={"username": "zhangsan", "password": PASSWORD, "csrf_token": token},
        base_url=base,
    )
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    assert client.get("/applicant", base_url=base).status_code == 200


def test_a_revoked_token_answers_401(api: Api):
    first = api.token("zhangsan")
    second = api.client.post(
        "/api/v1/auth/token", json={"username": "zhangsan", "password": PASSWORD}
    ).get_json()["token"]
    response = api.client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 204
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    assert me.status_code == 401 and me.get_json()["error"]["code"] == "unauthorized"
    again = api.client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert again.status_code == 401
    # Only that token: the user's other client stays signed in.
    other = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200


def test_revoking_needs_a_token(api: Api):
    assert api.client.delete("/api/v1/auth/token").status_code == 401
    bad = api.client.delete("/api/v1/auth/token", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401


def test_page_logout_revokes_the_tokens_issued_to_that_browser(app):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    issued = browser.client.post(
        "/api/v1/auth/token", json={"username": "zhangsan", "password": PASSWORD}
    )
    browser_token = issued.get_json()["token"]
    elsewhere = app.test_client().post(
        "/api/v1/auth/token", json={"username": "zhangsan", "password": PASSWORD}
    )
    other_token = elsewhere.get_json()["token"]

    def me(token: str) -> int:
        client = app.test_client()
        return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code

    assert me(browser_token) == 200
    browser.get("/applicant")
    browser.post("/logout")
    assert me(browser_token) == 401
    assert me(other_token) == 200  # a token another client holds is not the browser's


def test_a_token_for_another_user_is_not_tied_to_the_browsers_session(app):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    lisi = browser.client.post(
        "/api/v1/auth/token", json={"username": "lisi", "password": PASSWORD}
    ).get_json()["token"]
    browser.get("/applicant")
    browser.post("/logout")
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {lisi}"}).status_code == 200


def test_signing_in_again_sweeps_ended_sessions(app, govflow):  # noqa: ANN001
    from sqlalchemy import func, select

    from engine.sign_in.models import PageSession
    from engine.uow import read_only

    start = datetime(2026, 11, 30, 2, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        Browser(app, "zhangsan")
        Browser(app, "zhangsan")
    with time_machine.travel(start + timedelta(hours=9), tick=False):
        Browser(app, "zhangsan")
    with read_only(govflow.db) as session:
        assert session.scalar(select(func.count()).select_from(PageSession)) == 1
