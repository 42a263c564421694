"""Failed sign-ins are throttled per address and per username, on the API and the page,
with a count every worker shares (a table)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from engine import clock
from engine.sign_in.throttle import PER_ADDRESS, PER_USERNAME, WINDOW
from tests.support import PASSWORD
from tests.test_pages import Browser


def _sign_in(app, username: str, password: str, address: str = "203.0.113.7", **headers):  # noqa: ANN001, ANN003, ANN202
    return app.test_client().post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _assert_throttled(response) -> int:  # noqa: ANN001
    assert response.status_code == 429, response.get_json()
    assert response.get_json()["error"]["code"] == "too_many_attempts"
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= WINDOW.total_seconds()
    return retry_after


def test_thirty_wrong_passwords_then_the_right_one_is_still_refused(app):  # noqa: ANN001
    statuses = [_sign_in(app, "zhangsan", f"guess-{n}").status_code for n in range(30)]
    assert statuses[:PER_USERNAME] == [401] * PER_USERNAME
    assert set(statuses[PER_USERNAME:]) == {429}
    response = _sign_in(app, "zhangsan", PASSWORD)
    _assert_throttled(response)
    assert "token" not in response.get_json()


def test_one_user_guessed_at_from_many_addresses_is_throttled(app):  # noqa: ANN001
    for n in range(PER_USERNAME):
        assert _sign_in(app, "lisi", "wrong", address=f"198.51.100.{n}").status_code == 401
    _assert_throttled(_sign_in(app, "lisi", PASSWORD, address="192.0.2.200"))
    # The username is matched however it is typed.
    _assert_throttled(_sign_in(app, " LiSi ", PASSWORD, address="192.0.2.201"))
    # Other users are not held up.
    assert _sign_in(app, "zhangsan", PASSWORD, address="192.0.2.200").status_code == 200


def test_one_address_guessing_many_users_is_throttled_even_for_unknown_names(app):  # noqa: ANN001
    address = "203.0.113.50"
    for n in range(PER_ADDRESS):
        name = "zhangsan" if n % 4 == 0 else f"nobody{n}"
        assert _sign_in(app, name, "wrong", address=address).status_code == 401
    _assert_throttled(_sign_in(app, "lisi", PASSWORD, address=address))
    assert _sign_in(app, "lisi", PASSWORD, address="203.0.113.51").status_code == 200


def test_a_successful_sign_in_does_not_reset_the_address_count(app):  # noqa: ANN001
    address = "203.0.113.60"
    for n in range(PER_ADDRESS - 1):
        assert _sign_in(app, f"user{n}", "wrong", address=address).status_code == 401
    assert _sign_in(app, "zhangsan", PASSWORD, address=address).status_code == 200
    assert _sign_in(app, "user-x", "wrong", address=address).status_code == 401
    _assert_throttled(_sign_in(app, "zhangsan", PASSWORD, address=address))


def test_the_throttle_lifts_when_the_failures_age_out(app):  # noqa: ANN001
    start = clock.now()
    with time_machine.travel(start, tick=False):
        for _ in range(PER_USERNAME):
            _sign_in(app, "zhangsan", "wrong")
        retry_after = _assert_throttled(_sign_in(app, "zhangsan", PASSWORD))
        assert retry_after == WINDOW.total_seconds()
    with time_machine.travel(start + timedelta(seconds=retry_after - 5), tick=False):
        _assert_throttled(_sign_in(app, "zhangsan", PASSWORD))
    with time_machine.travel(start + timedelta(seconds=retry_after + 1), tick=False):
        assert _sign_in(app, "zhangsan", PASSWORD).status_code == 200


def test_the_api_message_follows_accept_language(app):  # noqa: ANN001
    for _ in range(PER_USERNAME):
        _sign_in(app, "zhangsan", "wrong")
    zh = _sign_in(app, "zhangsan", PASSWORD).get_json()["error"]
    assert zh["message"] == "登录失败次数过多，请稍后再试"
    assert zh["details"]["retry_after_seconds"] > 0
    en = _sign_in(app, "zhangsan", PASSWORD, **{"Accept-Language": "en"}).get_json()["error"]
    assert en["message"] == "Too many failed sign-ins; try again later"


def test_the_count_is_shared_by_every_worker(app, settings):  # noqa: ANN001
    from web import create_app

    other_worker = create_app(settings, TESTING=True)
    try:
        for n in range(PER_USERNAME):
            worker = app if n % 2 else other_worker
            assert _sign_in(worker, "zhangsan", "wrong").status_code == 401
        _assert_throttled(_sign_in(other_worker, "zhangsan", PASSWORD))
        _assert_throttled(_sign_in(app, "zhangsan", PASSWORD))
    finally:
        other_worker.extensions["govflow"].close()


def test_the_sign_in_page_is_throttled_too_and_says_so_in_chinese_then_english(app):  # noqa: ANN001
    browser = Browser(app)
    for _ in range(PER_USERNAME):
        assert browser.login("zhangsan", "wrong").status_code == 401
    response = browser.login("zhangsan")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "登录失败次数过多，请 15 分钟后再试。" in page
    assert browser.client.get("/applicant").status_code == 302  # not signed in

    english = Browser(app)
    english.get("/login?lang=en")
    response = english.post("/login", {"username": "zhangsan", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.get_data(as_text=True)


def test_page_and_api_failures_count_together(app):  # noqa: ANN001
    browser = Browser(app)
    for _ in range(PER_USERNAME // 2):
        browser.login("zhangsan", "wrong")
    for _ in range(PER_USERNAME - PER_USERNAME // 2):
        _sign_in(app, "zhangsan", "wrong")
    _assert_throttled(_sign_in(app, "zhangsan", PASSWORD))
