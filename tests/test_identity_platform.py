"""Sign-in through the unified identity platform (统一身份认证, OpenID Connect) against a
stand-in platform: discovery, its keys and its token endpoint answered by ``responses``,
the id_token signed with a key made for the test.  The stand-in checks the PKCE verifier
the way a platform does, so a happy path proves the code was exchanged with it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from joserfc import jwt
from joserfc.jwk import RSAKey

from engine.config import Settings
from engine.demo import ZHANGSAN_ID
from engine.models import AuditEvent, User
from engine.uow import read_only

ISSUER = "https://idp.example.gov.cn/oidc"
CLIENT_ID = "govflow"
SECRET = "platform-secret-for-tests"
TOKEN_URL = f"{ISSUER}/token"
JWKS_URL = f"{ISSUER}/jwks"


def id_number(body: str) -> str:
    """A resident ID number with a valid check digit (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


NEWCOMER_ID = id_number("11010819950505123")


class StandInPlatform:
    """What the province's platform answers, and the codes it handed out."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.codes: dict[str, tuple[dict[str, Any], str]] = {}
        self.exchanges: list[dict[str, list[str]]] = []

    def install(self, mock: responses.RequestsMock) -> None:
        mock.get(
            f"{ISSUER}/.well-known/openid-configuration",
            json={
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": TOKEN_URL,
                "end_session_endpoint": f"{ISSUER}/logout",
                "jwks_uri": JWKS_URL,
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            },
        )
        mock.get(JWKS_URL, json={"keys": [self.key.as_dict(private=False)]})
        mock.add_callback("POST", TOKEN_URL, callback=self._token)

    def issue_code(self, claims: dict[str, Any], challenge: str) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = (claims, challenge)
        return code

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        self.exchanges.append(form)
        claims, challenge = self.codes.pop(form["code"][0], (None, None))
        verifier = form.get("code_verifier", [""])[0].encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if claims is None or digest.decode() != challenge:
            return 400, {}, json.dumps({"error": "invalid_grant"})
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        answer = {"access_token": "at", "token_type": "Bearer", "expires_in": 300}
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({**answer, "id_token": id_token}),
        )


@pytest.fixture
def settings(tmp_path: Path, database_url: str, monkeypatch) -> Settings:  # noqa: ANN001
    monkeypatch.setenv("GOVFLOW_TEST_PLATFORM_SECRET", SECRET)
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        demo=True,
        oidc_issuer=ISSUER,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret_env="GOVFLOW_TEST_PLATFORM_SECRET",
    )


@pytest.fixture
def platform() -> Any:
    stand_in = StandInPlatform()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stand_in.install(mock)
        yield stand_in


def claims_for(nonce: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "platform-subject-1",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "acr": "L3",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def through_platform(client: Any, platform: StandInPlatform, state: str | None = None, **claims):
    """Click the button, let the platform vouch for ``claims``, come back: the answer."""
    started = client.get("/login/platform")
    assert started.status_code == 302
    location = urlsplit(started.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/authorize"
    asked = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert asked["code_challenge_method"] == "S256" and asked["client_id"] == CLIENT_ID
    assert "openid" in asked["scope"].split()
    vouched = claims_for(claims.pop("nonce", asked["nonce"]), **claims)
    code = platform.issue_code(vouched, asked["code_challenge"])
    return client.get(
        "/login/platform/callback", query_string={"code": code, "state": state or asked["state"]}
    )


def signed_in_as(client: Any) -> str | None:
    """Who the browser is signed in as (None: the login page)."""
    home = client.get("/")
    return None if home.headers["Location"].endswith("/login") else home.headers["Location"]


def sign_in_events(govflow) -> list[AuditEvent]:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return list(
            session.query(AuditEvent).filter(AuditEvent.action == "signed_in_via_identity_platform")
        )


def test_the_login_page_offers_the_platform(app):  # noqa: ANN001
    page = app.test_client().get("/login").get_data(as_text=True)
    assert 'data-test="platform-sign-in"' in page


def test_staff_are_matched_by_the_claim_and_keep_their_roles(app, govflow, platform):  # noqa: ANN001
    client = app.test_client()
    answer = through_platform(client, platform, preferred_username="clerk_tax")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    assert answer.headers["Location"] == "/worklist"  # the clerk's home: roles are ours
    assert signed_in_as(client) is not None
    exchange = platform.exchanges[0]
    assert exchange["grant_type"] == ["authorization_code"] and exchange["code_verifier"]
    [event] = sign_in_events(govflow)
    assert event.actor == "clerk_tax" and event.details["real_name_level"] == "L3"
    assert event.details["account_created"] is False


def test_an_applicant_is_matched_by_the_verified_id_number(app, govflow, platform):  # noqa: ANN001
    client = app.test_client()
    answer = through_platform(client, platform, id_number=ZHANGSAN_ID, name="张三")
    assert answer.status_code == 302
    assert [e.actor for e in sign_in_events(govflow)] == ["zhangsan"]


def test_a_newcomer_with_a_verified_id_number_becomes_an_applicant_once(app, govflow, platform):  # noqa: ANN001
    for _ in range(2):
        client = app.test_client()
        answer = through_platform(client, platform, id_number=NEWCOMER_ID, name="赵六")
        assert answer.status_code == 302
    with read_only(govflow.db) as session:
        [user] = session.query(User).filter(User.id_number == NEWCOMER_ID).all()
        assert user.roles == ["applicant"] and user.display_name == "赵六"
        assert NEWCOMER_ID not in user.username  # usernames go into trails; ID numbers not
    created = [e.details["account_created"] for e in sign_in_events(govflow)]
    assert created == [True, False]


def _nobody_signed_in(client, govflow, answer) -> None:  # noqa: ANN001
    assert answer.status_code == 401
    assert 'data-test="login-error"' in answer.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert sign_in_events(govflow) == []


@pytest.mark.parametrize(
    ("tampering", "reason"),
    [
        ({"state": "forged-state"}, "state"),
        ({"nonce": "a-nonce-from-another-sign-in"}, "'nonce'"),
        ({"exp": "an hour ago"}, "expired"),
        ({"aud": "another-client"}, "'aud'"),
        # naming us as the authorized party does not make a token issued to another ours
        ({"aud": "another-client", "azp": CLIENT_ID}, "'aud'"),
        ({"iss": "https://elsewhere.example.com"}, "'iss'"),
    ],
    ids=[
        "bad state",
        "bad nonce",
        "expired",
        "wrong audience",
        "azp but wrong aud",
        "wrong issuer",
    ],
)
def test_an_answer_that_does_not_verify_signs_nobody_in(
    app, govflow, platform, monkeypatch, tampering, reason
):  # noqa: ANN001
    import web.pages.identity_platform as adapter

    refusals: list[str] = []
    monkeypatch.setattr(
        adapter.log, "warning", lambda message, exc: refusals.append(f"{type(exc)}: {exc}")
    )
    client = app.test_client()
    if tampering.get("exp"):  # now, not when the module was collected
        tampering = {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}
    answer = through_platform(client, platform, preferred_username="clerk_tax", **tampering)
    _nobody_signed_in(client, govflow, answer)
    assert len(refusals) == 1 and reason in refusals[0]  # for that reason, not another


def test_a_token_signed_with_another_key_signs_nobody_in(app, govflow, platform):  # noqa: ANN001
    platform.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    client = app.test_client()
    _nobody_signed_in(
        client, govflow, through_platform(client, platform, preferred_username="clerk_tax")
    )


def test_someone_the_directory_does_not_know_is_refused(app, govflow, platform):  # noqa: ANN001
    client = app.test_client()
    # a staff claim naming nobody, and an applicant's username given as a staff claim
    for claims in ({"preferred_username": "nobody"}, {"preferred_username": "zhangsan"}):
        _nobody_signed_in(client, govflow, through_platform(client, platform, **claims))


def test_newcomers_are_refused_when_the_operator_creates_no_accounts(
    app, govflow, platform, monkeypatch
):  # noqa: ANN001
    from dataclasses import replace

    monkeypatch.setattr(
        govflow, "settings", replace(govflow.settings, oidc_create_applicants=False)
    )
    client = app.test_client()
    answer = through_platform(client, platform, id_number=NEWCOMER_ID, name="赵六")
    _nobody_signed_in(client, govflow, answer)
    with read_only(govflow.db) as session:
        assert session.query(User).filter(User.id_number == NEWCOMER_ID).count() == 0


def test_a_deactivated_user_is_refused(app, api, govflow, platform):  # noqa: ANN001
    off = api.client.put(
        "/api/v1/users/clerk_tax", headers=api.headers("admin"), json={"active": False}
    )
    assert off.status_code == 200, off.get_json()
    client = app.test_client()
    _nobody_signed_in(
        client, govflow, through_platform(client, platform, preferred_username="clerk_tax")
    )


def test_local_passwords_can_be_switched_off_for_staff(app, api, govflow, monkeypatch):  # noqa: ANN001
    from dataclasses import replace

    monkeypatch.setattr(govflow, "settings", replace(govflow.settings, password_roles=("admin",)))
    refused = api.client.post(
        "/api/v1/auth/token", json={"username": "clerk_tax", "password": "govflow-demo"}
    )
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "password_sign_in_off"
    page = app.test_client().post(
        "/login", data={"username": "clerk_tax", "password": "govflow-demo"}
    )
    assert page.status_code in (400, 401)  # refused (CSRF or the switch): never signed in
    # A wrong password still reads as a wrong password: the switch tells nobody anything.
    wrong = api.client.post("/api/v1/auth/token", json={"username": "clerk_tax", "password": "x"})
    assert wrong.get_json()["error"]["code"] == "unauthorized"
    # The break-glass administrator keeps a local password.
    admin = api.client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "govflow-demo"}
    )
    assert admin.status_code == 200


def test_without_configuration_there_is_no_platform_sign_in(tmp_path, database_url):  # noqa: ANN001
    from web import create_app

    app = create_app(Settings(data_dir=tmp_path / "d", database_url=database_url), TESTING=True)
    client = app.test_client()
    assert client.get("/login/platform").status_code == 404
    assert client.get("/login/platform/callback?code=x&state=y").status_code == 404
    app.extensions["govflow"].close()


def test_logout_ends_the_platforms_session_too(app, platform):  # noqa: ANN001
    import re

    client = app.test_client()
    assert through_platform(client, platform, preferred_username="clerk_tax").status_code == 302
    page = client.get("/worklist").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302
    target = urlsplit(out.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{ISSUER}/logout"
    asked = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert asked["id_token_hint"].count(".") == 2 and asked["client_id"] == CLIENT_ID
    assert asked["post_logout_redirect_uri"].endswith("/login")
    assert "https://idp.example.gov.cn" in out.headers["Content-Security-Policy"]
    assert signed_in_as(client) is None  # our side ended at once


def test_a_password_sign_in_logs_out_locally_only(app):  # noqa: ANN001
    from tests.test_pages import Browser

    browser = Browser(app, "clerk_tax")
    browser.get("/worklist")
    out = browser.post("/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/login"
