"""Two gunicorn processes over one database: a session ended, a token revoked or a
failure counted on one is seen by the other; neither names its version."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

from engine.sign_in.throttle import PER_USERNAME
from tests.support import PASSWORD
from tests.test_scale_out import two_servers  # noqa: F401 - the fixture

COOKIE = "govflow_session"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):  # noqa: ANN002, ANN201
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def _request(url: str, *, body: bytes | None = None, headers: dict | None = None, method=None):  # noqa: ANN001, ANN202
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        response = _OPENER.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.headers, response.read()


def _token(base: str, password: str = PASSWORD) -> tuple[int, dict, dict]:
    status, headers, raw = _request(
        base + "/api/v1/auth/token",
        body=json.dumps({"username": "zhangsan", "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return status, headers, json.loads(raw or b"{}")


def _cookie(headers) -> str:  # noqa: ANN001
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith(COOKIE + "="):
            return value.split(";")[0]
    raise AssertionError("no session cookie")


def test_gunicorn_names_no_version_and_api_answers_are_private(two_servers):  # noqa: F811
    status, headers, _raw = _request(two_servers[0] + "/api/v1/me")
    assert status == 401
    assert headers.get_all("Server") == ["gunicorn"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


def test_a_token_revoked_on_one_process_is_refused_by_the_other(two_servers):  # noqa: F811
    first, second = two_servers
    token = _token(first)[2]["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert _request(second + "/api/v1/me", headers=auth)[0] == 200
    assert _request(first + "/api/v1/auth/token", headers=auth, method="DELETE")[0] == 204
    assert _request(second + "/api/v1/me", headers=auth)[0] == 401


def test_failures_on_both_processes_count_together(two_servers):  # noqa: F811
    for n in range(PER_USERNAME):
        assert _token(two_servers[n % 2], "wrong")[0] == 401
    for base in two_servers:
        status, headers, body = _token(base)
        assert status == 429 and body["error"]["code"] == "too_many_attempts"
        assert int(headers["Retry-After"]) > 0


def test_a_page_session_ended_on_one_process_is_refused_by_the_other(two_servers):  # noqa: F811
    first, second = two_servers
    status, headers, raw = _request(first + "/login")
    anonymous = _cookie(headers)
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', raw)[1].decode()
    form = urllib.parse.urlencode(
        {"username": "zhangsan", "password": PASSWORD, "csrf_token": csrf}
    ).encode()
    status, headers, _raw = _request(first + "/login", body=form, headers={"Cookie": anonymous})
    assert status == 302
    signed_in = _cookie(headers)
    assert _request(second + "/applicant", headers={"Cookie": signed_in})[0] == 200

    page = _request(second + "/applicant", headers={"Cookie": signed_in})[2]
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page)[1].decode()
    logout = urllib.parse.urlencode({"csrf_token": csrf}).encode()
    assert _request(second + "/logout", body=logout, headers={"Cookie": signed_in})[0] == 302

    status, headers, _raw = _request(first + "/applicant", headers={"Cookie": signed_in})
    assert status == 302 and headers["Location"].startswith("/login")
