"""Browser tests: Playwright driving Debian's chromium against one live govflow server.

One server per session (a seeded SQLite database in a temporary directory, served by
Werkzeug in a thread on a free 127.0.0.1 port) and one browser; each test gets a fresh
browser context (its own cookies) per user.  Every page a test visits is screenshotted into
``test-artifacts/screenshots/`` and checked for horizontal overflow, internal errors, stack
traces and browser console errors; a page with a diagram or a chart must have drawn it
(bpmn-js and ECharts are required: ``make node-deps``).  Navigations are awaited
explicitly (``Walk.follow``, ``wait_for_url``), never through a click's own waiting, which
Playwright releases change.

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
        #: (message, url) of console messages of type error and of uncaught exceptions.
        self._errors: list[tuple[str, str]] = []
        #: Addresses the tab navigated to: their own status is the test's to check.
        self._documents: set[str] = set()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self._errors.append((f"page error: {error}", "")))
        self.page.on("response", self._on_response)
        #: How many of them a ``check`` has already failed the test for.
        self.reported = 0

    def _on_console(self, message) -> None:  # noqa: ANN001
        if message.type == "error":
            self._errors.append((f"console error: {message.text}", message.location.get("url", "")))

    def _on_response(self, response) -> None:  # noqa: ANN001
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self._documents.add(response.url)

    @property
    def console_errors(self) -> list[str]:
        """Every console error and uncaught exception, except Chrome's note that a page
        itself answered with an error status: a refused form (422) or a forbidden page
        (403) is what the test asked for; ``goto`` checks the status, ``check`` the page."""
        return [
            f"{text} ({url})" if url else text
            for text, url in self._errors
            if not (
                text.startswith("console error: Failed to load resource") and url in self._documents
            )
        ]

    def goto(self, path: str, shot: str | None = None, status: int | None = 200):  # noqa: ANN201
        response = self.page.goto(self.base_url + path)
        if status is not None:
            assert response is not None and response.status == status, (path, response.status)
        self.check(shot or path.strip("/").replace("/", "_") or "home")
        return response

    def follow(self, target, url=None):  # noqa: ANN001, ANN201
        """Click ``target`` (a selector or a locator) and wait until the page it leads to
        has loaded (a form posted back to the same address counts: it is a navigation)."""
        with self.page.expect_navigation(url=url) as navigation:
            if isinstance(target, str):
                self.page.click(target)
            else:
                target.click()
        return navigation.value

    def login(self, username: str) -> None:
        self.goto("/login", "login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.follow("button[type=submit]")
        assert "/login" not in self.page.url, self.page.url
        self.check("home")

    def check(self, label: str) -> None:
        """Diagrams and charts drawn, no overflow, no leak, no console error, and a
        screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        self._drawn(label, ".diagram", "BpmnJS", ("true",))
        self._drawn(label, "[data-chart]", "echarts", ("true", "empty"))
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
        errors, self.reported = self.console_errors, len(self.console_errors)
        assert not errors, f"{label}: {errors}"

    def _drawn(self, label: str, selector: str, library: str, done: tuple[str, ...]) -> None:
        """Every ``selector`` element on the page was drawn by ``library``: a missing
        library (``make node-deps`` not run) or a failed drawing fails the test."""
        if not self.page.locator(selector).count():
            return
        assert self.page.evaluate(f"() => !!window.{library}"), (
            f"{label}: {library} is not loaded (run `make node-deps`)"
        )
        self.page.wait_for_function(
            f"() => [...document.querySelectorAll({selector!r})].every(n => n.dataset.rendered)"
        )
        states = self.page.eval_on_selector_all(
            selector, "nodes => nodes.map(n => n.dataset.rendered)"
        )
        assert all(state in done for state in states), f"{label}: {selector} drawn as {states}"

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
    errors = [f"{w.name}: {e}" for w in opened for e in w.console_errors[w.reported :]]
    for w in opened:
        w.close()
    assert not errors, errors  # those that came after the test's last check
