"""A web worker does not carry the heavy libraries only some requests use (measure 6 of
bench/README.md: peak worker memory).  fpdf2 and fontTools render a notice's PDF when it
is downloaded, openpyxl writes the statistics export, Authlib and requests sign in through
the identity platform when one is configured: each loads on first use, not when the app
starts or serves an ordinary request.

Each check runs in a fresh interpreter: this test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Top-level packages a worker must not import before they are needed (~61 MB together).
LAZY = ("fpdf", "fontTools", "PIL", "openpyxl", "authlib", "joserfc", "requests")

SCRIPT = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path

    from flask_migrate import upgrade

    from engine.config import Settings
    from web import create_app

    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        data_dir=tmp / "data", database_url=f"sqlite:///{tmp}/govflow.sqlite3", **OPTIONS
    )
    app = create_app(settings, TESTING=True)
    with app.app_context():
        upgrade()
    after_start = sorted({m.split(".")[0] for m in sys.modules})
    client = app.test_client()
    paths = ("/login", "/api/openapi.json", "/api/v1/tasks", "/api/v1/statistics")
    answers = [client.get(path).status_code for path in paths]
    after_requests = sorted({m.split(".")[0] for m in sys.modules})
    print(json.dumps([after_start, after_requests, answers]))
    """
)


def _loaded(**options: str) -> tuple[set[str], set[str], list[int]]:
    script = SCRIPT.replace("**OPTIONS", ", ".join(f"{k}={v!r}" for k, v in options.items()))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    after_start, after_requests, answers = json.loads(done.stdout.splitlines()[-1])
    return set(after_start), set(after_requests), answers


def test_the_worker_starts_and_serves_without_pdf_spreadsheet_or_oauth_libraries() -> None:
    after_start, after_requests, answers = _loaded()
    assert "sqlalchemy" in after_start and "SpiffWorkflow" in after_start  # it did start
    assert all(status < 500 for status in answers), answers
    assert after_start.isdisjoint(LAZY), sorted(after_start & set(LAZY))
    assert after_requests.isdisjoint(LAZY), sorted(after_requests & set(LAZY))


def test_a_configured_identity_platform_loads_authlib_but_not_the_rest() -> None:
    after_start, _, _ = _loaded(
        oidc_issuer="https://idp.example.gov.cn/oidc", oidc_client_id="govflow"
    )
    assert "authlib" in after_start  # the platform's client is registered at start
    assert after_start.isdisjoint({"fpdf", "fontTools", "openpyxl"})


def test_the_heavy_libraries_still_load_when_used() -> None:
    """What was made lazy still works: a notice's PDF and an xlsx export."""
    from engine.notices import pdf
    from engine.services import statistics_export

    body = statistics_export._xlsx({"summary": [["figure", "value"], ["started", 3]]})
    assert body[:2] == b"PK"  # a zip: an xlsx workbook
    try:
        font = pdf.notice_font()
    except pdf.NoticeFontMissing:
        return  # no CJK font on this machine: tests/test_notices.py says so
    assert font.path
    rendered = pdf.render(
        pdf.Page("测试局", "〔2026〕第000001号", "通知书", ["您好："], "2026年1月1日")
    )
    assert rendered.startswith(b"%PDF")
