"""The case page of a case that called another deployed definition: the called process
opens as its own diagram, with its open step marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.deploy import DeployRequest, Upload
from engine.services import definitions
from tests.browser.test_walks import _do, _principal, _start

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"


def _deploy(app, name: str) -> None:  # noqa: ANN001
    path = FIXTURES / name
    request = DeployRequest(Upload(path.name, path.read_bytes()))
    definitions.deploy(app.extensions["govflow"], _principal(app, "designer"), request)


def test_the_called_process_opens_as_its_own_diagram(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    _deploy(app, "called_seal_only_demo.bpmn")
    _deploy(app, "calling_startup_package.bpmn")
    case_id = _start(app, "startup_package", {})
    _do(app, "clerk_service_center", case_id, "pkg_intake", {"accepted": True, "opinion": "齐全"})

    w = walk("called-diagram")
    w.login("clerk_public_security")
    w.goto(f"/cases/{case_id}", "case-with-called-process")
    page = w.page
    called = page.locator("[data-test=called-seal_only_demo] [data-test=diagram]")
    assert called.get_attribute("data-rendered") == "true"
    # the open step of the called process is marked in its own diagram
    assert page.locator("[data-test=called-seal_only_demo] .djs-element.gf-waiting").count() == 1
    assert "seal_only_demo" in page.inner_text("[data-test=called-seal_only_demo] summary")
