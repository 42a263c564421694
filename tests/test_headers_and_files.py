"""No cache keeps personal data, no browser sniffs a type, no server announces its
version, and nobody but govflow's own user reads its files."""

from __future__ import annotations

import os
import stat
import threading
import urllib.request
from pathlib import Path

import pytest

from engine.config import Settings
from tests.shared_data_support import upload
from tests.support import Api, business_application
from tests.test_pages import Browser


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_private_headers(response, what: str) -> None:  # noqa: ANN001
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert "no-store" in response.headers.get("Cache-Control", ""), what
    assert "Server" not in response.headers, what


def test_every_api_answer_is_nosniff_and_no_store(api: Api):
    case = api.start_case("business_startup", business_application())
    assert upload(api, case["id"], "articles_of_association", "zhangsan").status_code == 201
    answers = {
        "token": api.client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}),
        "me": api.get("/api/v1/me", "zhangsan"),
        "list": api.get("/api/v1/cases", "zhangsan"),
        "case": api.get(f"/api/v1/cases/{case['id']}", "zhangsan"),
        "events": api.get(f"/api/v1/cases/{case['id']}/events", "zhangsan"),
        "file": api.get(
            f"/api/v1/cases/{case['id']}/materials/articles_of_association/file", "zhangsan"
        ),
        "tasks": api.get("/api/v1/tasks", "clerk_service_center"),
        "log": api.get("/api/v1/me/data-access", "zhangsan"),
        "401": api.get("/api/v1/cases"),
        "404": api.get("/api/v1/cases/999999", "zhangsan"),
        "no route": api.get("/api/v1/nothing-here", "zhangsan"),
        "openapi": api.get("/api/openapi.json"),
        "docs": api.get("/api/docs"),
    }
    assert answers["file"].status_code == 200
    for what, response in answers.items():
        _assert_private_headers(response, what)


def test_pages_of_a_signed_in_user_are_not_stored(app):  # noqa: ANN001
    browser = Browser(app, "zhangsan")
    for path in ("/applicant", "/apply/property_transfer", "/cases"):
        response = browser.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_development_server_names_no_version(app):  # noqa: ANN001
    from werkzeug.serving import make_server

    from web.headers import QuietRequestHandler

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{server.server_port}/api/openapi.json"
        ) as answer:
            assert answer.headers.get_all("Server") == ["govflow"]
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_govflow_serve_uses_the_quiet_handler(settings, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001
    import werkzeug.serving
    from click.testing import CliRunner

    from web.cli import main
    from web.headers import QuietRequestHandler

    monkeypatch.setenv("GOVFLOW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(settings.data_dir))
    seen = {}
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **kw: seen.update(kw))
    result = CliRunner().invoke(main, ["serve", "--port", "0"], catch_exceptions=False)
    assert result.exit_code == 0
    assert seen["request_handler"] is QuietRequestHandler


@pytest.fixture
def loose_umask():  # noqa: ANN201
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_data_directory_and_database_are_created_private(tmp_path: Path, loose_umask):  # noqa: ANN001
    from engine.bootstrap import create_govflow

    data_dir = tmp_path / "fresh" / "data"
    govflow = create_govflow(Settings(data_dir=data_dir))
    try:
        with govflow.db.write_engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert _mode(data_dir) == 0o700
        database = data_dir / "govflow.sqlite3"
        assert _mode(database) == 0o600
        for extra in ("govflow.sqlite3-wal", "govflow.sqlite3-shm"):
            if (data_dir / extra).exists():
                assert _mode(data_dir / extra) == 0o600, extra
    finally:
        govflow.close()


def test_files_an_earlier_version_left_readable_are_tightened(tmp_path: Path, loose_umask):  # noqa: ANN001
    from engine.bootstrap import create_govflow

    data_dir = tmp_path / "old"
    data_dir.mkdir(mode=0o755)
    database = data_dir / "govflow.sqlite3"
    database.touch(mode=0o644)
    os.chmod(data_dir, 0o755)
    os.chmod(database, 0o644)
    govflow = create_govflow(Settings(data_dir=data_dir))
    govflow.close()
    assert _mode(data_dir) == 0o700 and _mode(database) == 0o600
