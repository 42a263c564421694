"""Browser tests: Playwright driving Debian's chromium against one live govflow server.

One server per session (a seeded SQLite database in a temporary directory, served by
Werkzeug in a thread on a free 127.0.0.1 port) and one browser; each test gets a fresh
browser context (its own cookies) per user.  Every page a test visits is screenshotted into
``test-artifacts/screenshots/`` and checked for horizontal overflow, internal errors and
stack traces.

Skipped, with the reason, when chromium or the Playwright package is missing (``make
browser-deps`` installs chromium and the CJK fonts; ``.ci/run`` does so in CI).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GOVFLOW_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("GOVFLOW_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
)
PASSWORD = "govflow-demo"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: What must never be on a page: a Python traceback or an internal error page.
LEAKS = re.compile(r"Traceback \(most recent call last\)|werkzeug|sqlalchemy\.|File \"/")


def _require_browser() -> None:
    if os.environ.get("GOVFLOW_TEST_DATABASE_URL"):
        pytest.skip("the browser walks run once, in the SQLite leg (their server is SQLite)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (Debian chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is missing: pip install -e '.[dev]'")


@contextmanager
def serving(data_dir: Path) -> Iterator[dict]:
    """The app with the demo seeded in ``data_dir``, served on 127.0.0.1:<free port> in a
    thread: ``{"url", "app"}``."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from engine.config import Settings
    from engine.principal import SYSTEM
    from engine.services.demo import seed_demo
    from web import create_app

    app = create_app(Settings(data_dir=data_dir, demo=True))
    with app.app_context():
        upgrade()
    seed_demo(app.extensions["govflow"], SYSTEM)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["govflow"].close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The app with the demo seeded, served on 127.0.0.1:<free port> in a thread."""
    _require_browser()
    with serving(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="session")
def browser(live_server: dict) -> Iterator:
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # last run's; tolerate a concurrent run
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Walk:
    """One user's browser session: sign in, visit, check and screenshot every page."""

    def __init__(self, browser, base_url: str, name: str, viewport: dict) -> None:  # noqa: ANN001
        self.base_url = base_url
        self.name = name
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.step = 0
        self.console_errors: list[str] = []
        self.page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )

    def goto(self, path: str, shot: str | None = None, status: int | None = 200):  # noqa: ANN201
        response = self.page.goto(self.base_url + path)
        if status is not None:
            assert response is not None and response.status == status, (path, response.status)
        self.check(shot or path.strip("/").replace("/", "_") or "home")
        return response

    def login(self, username: str) -> None:
        self.goto("/login", "login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, self.page.url
        self.check("home")

    def check(self, label: str) -> None:
        """No overflow, no leak, and a screenshot (after diagrams and charts settle)."""
        page = self.page
        page.wait_for_load_state("load")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.diagram')]"
            ".every(n => !window.BpmnJS || n.dataset.rendered)"
            " && [...document.querySelectorAll('[data-chart]')]"
            ".every(n => !window.echarts || n.dataset.rendered)"
        )
        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        self.step += 1
        safe = re.sub(r"[^A-Za-z0-9_-]+", "-", label)[:60]
        page.screenshot(
            path=str(SCREENSHOTS / f"{self.name}-{self.step:02d}-{safe}.png"), full_page=True
        )
        assert overflow[0] <= overflow[1], f"{label}: horizontal overflow {overflow}"
        text = page.inner_text("body")
        assert not LEAKS.search(text), f"{label}: internal detail on the page"
        error_page = page.query_selector("[data-test=error-page]")
        assert error_page is None or error_page.get_attribute("data-status") != "500", label

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def walk(browser, live_server):  # noqa: ANN001, ANN201
    """``walk(name, viewport=DESKTOP)`` → a fresh Walk; all closed after the test."""
    opened: list[Walk] = []

    def make(name: str, viewport: dict = DESKTOP) -> Walk:
        w = Walk(browser, live_server["url"], name, viewport)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.close()
