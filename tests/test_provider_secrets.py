"""A provider endpoint cannot be made to carry govflow's own secrets, or citizens' data,
anywhere the operator did not list: credential variables only from the exchange family,
URLs only to GOVFLOW_EXCHANGE_HOSTS, no redirects followed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.shared_data_support import FakePlatform, configure, materials
from tests.support import Api, property_application

PROPERTY_MATERIALS = ("property_certificate", "parcel_map", "floor_plan")


def _refused(response, field: str) -> str:  # noqa: ANN001
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    return " ".join(error["details"]["fields"][field])


def _transport(api: Api, provider: str = "property") -> str:
    listed = api.get("/api/v1/shared-data/providers", "admin").get_json()["items"]
    return next(p for p in listed if p["name"] == provider)["transport"]


@pytest.mark.parametrize(
    "variable",
    [
        "GOVFLOW_SECRET_KEY",
        "GOVFLOW_DATABASE_URL",
        "GOVFLOW_TEST_DATABASE_URL",
        "GOVFLOW_EXCHANGE_HOSTS",
        "PATH",
        "AWS_SECRET_ACCESS_KEY",
        "PGPASSWORD",
        "GOVFLOW_DEMO",
    ],
)
def test_a_credential_is_read_only_from_an_exchange_variable(
    api: Api, monkeypatch: pytest.MonkeyPatch, variable: str
):
    monkeypatch.setenv("GOVFLOW_SECRET_KEY", "the-key-that-signs-every-session")
    platform = FakePlatform()
    with platform.running():
        response = configure(
            api, "property", kind="http", url=platform.url, credential_env=variable
        )
        assert "GOVFLOW_EXCHANGE_" in _refused(response, "credential_env")
        assert _transport(api) == "database"  # nothing stored
        api.start_case("property_transfer", property_application())
    assert platform.requests == []


def test_an_exchange_variable_is_accepted(api: Api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GOVFLOW_EXCHANGE_REGISTRY_TOKEN", "t0ken")
    platform = FakePlatform()
    with platform.running():
        response = configure(
            api,
            "property",
            kind="http",
            url=platform.url,
            credential_env="GOVFLOW_EXCHANGE_REGISTRY_TOKEN",
        )
        assert response.status_code == 200, response.get_json()
        api.start_case("property_transfer", property_application())
    assert platform.requests[0]["authorization"] == "Bearer t0ken"


@pytest.mark.parametrize(
    ("hosts", "url"),
    [
        ("127.0.0.1,localhost", "http://203.0.113.9/exchange"),
        ("127.0.0.1,localhost", "https://listener.example.com/steal"),
        ("127.0.0.1,localhost", "http://127.0.0.1.nip.io/exchange"),
        ("127.0.0.1:8443", "http://127.0.0.1:9000/exchange"),
        ("127.0.0.1:8443", "http://127.0.0.1/exchange"),
        ("exchange.gov.cn:443", "http://exchange.gov.cn/api"),
        ("", "http://127.0.0.1/exchange"),
        ("127.0.0.1", "http://user:pw@127.0.0.1/exchange"),
    ],
)
def test_a_url_must_name_a_host_the_operator_listed(
    api: Api, monkeypatch: pytest.MonkeyPatch, hosts: str, url: str
):
    monkeypatch.setenv("GOVFLOW_EXCHANGE_HOSTS", hosts)
    _refused(configure(api, "property", kind="http", url=url), "url")
    assert _transport(api) == "database"


@pytest.mark.parametrize(
    ("hosts", "url"),
    [
        ("127.0.0.1,localhost", "http://LOCALHOST:8080/x"),
        ("127.0.0.1:8443", "https://127.0.0.1:8443/x"),
        ("exchange.gov.cn:443", "https://exchange.gov.cn/api"),
        (" exchange.gov.cn , 10.1.2.3:8080 ", "http://10.1.2.3:8080/api"),
    ],
)
def test_listed_hosts_and_ports_are_accepted(
    api: Api, monkeypatch: pytest.MonkeyPatch, hosts: str, url: str
):
    monkeypatch.setenv("GOVFLOW_EXCHANGE_HOSTS", hosts)
    response = configure(api, "property", kind="http", url=url)
    assert response.status_code == 200, response.get_json()


def test_the_refusal_says_why_in_the_error_details(api: Api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GOVFLOW_EXCHANGE_HOSTS", "127.0.0.1")
    response = configure(
        api,
        "property",
        kind="http",
        url="http://evil.example/",
        credential_env="GOVFLOW_SECRET_KEY",
    )
    fields = response.get_json()["error"]["details"]["fields"]
    assert "evil.example" in fields["url"][0] and "GOVFLOW_EXCHANGE_HOSTS" in fields["url"][0]
    assert "credential_env" in fields


def test_an_endpoint_stored_before_the_list_was_narrowed_is_not_asked(
    api: Api, monkeypatch: pytest.MonkeyPatch
):
    platform = FakePlatform()
    with platform.running():
        assert configure(api, "property", kind="http", url=platform.url).status_code == 200
        monkeypatch.setenv("GOVFLOW_EXCHANGE_HOSTS", "exchange.gov.cn")
        case = api.start_case("property_transfer", property_application())
    assert platform.requests == []
    mats = materials(case)
    for code in PROPERTY_MATERIALS:
        assert mats[code]["status"] == "missing"
        assert mats[code]["source"]["outcome"] == "error"
        assert "GOVFLOW_EXCHANGE_HOSTS" in mats[code]["reason"]


class _Listener:
    """Somewhere a redirect might send govflow: records whatever reaches it."""

    def __init__(self) -> None:
        self.hits: list[dict] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                listener.hits.append({"authorization": self.headers.get("Authorization")})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = _record  # noqa: N815

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/steal"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_redirect_is_not_followed_and_the_token_does_not_travel(
    api: Api, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GOVFLOW_EXCHANGE_REGISTRY_TOKEN", "t0ken")
    listener = _Listener()
    target = listener.url

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.send_response(307)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    redirector = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=redirector.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{redirector.server_address[1]}/exchange"
        response = configure(
            api, "property", kind="http", url=url, credential_env="GOVFLOW_EXCHANGE_REGISTRY_TOKEN"
        )
        assert response.status_code == 200
        case = api.start_case("property_transfer", property_application())
    finally:
        redirector.shutdown()
        redirector.server_close()
        listener.close()
    assert listener.hits == []
    assert materials(case)["property_certificate"]["source"]["outcome"] == "error"
