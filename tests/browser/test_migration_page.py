"""The page that moves running cases to a corrected version (issue 19), in a real browser:
a designer chooses the version, reads the dry run, migrates and sees the result; choosing
a superseded version is refused on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.deploy import DeployRequest, Upload
from engine.services import auth, cases
from engine.services import definitions as definitions_service

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "window_review.bpmn"
KEY = "window_review_moving"


def _principal(app, username: str):  # noqa: ANN001, ANN202
    return auth.principal_of(auth.get_user(app.extensions["govflow"], username))


def _versions() -> tuple[bytes, bytes]:
    """v1, and v2 with a legal check by the tax office between acceptance and review."""
    v1 = FIXTURE.read_text(encoding="utf-8").replace('"window_review"', f'"{KEY}"')
    v2 = v1.replace(
        "<bpmn:incoming>Flow_accepted</bpmn:incoming>",
        "<bpmn:incoming>Flow_legal__review</bpmn:incoming>",
    ).replace(
        'sourceRef="gateway_accepted" targetRef="review">',
        'sourceRef="gateway_accepted" targetRef="legal_check">',
    )
    v2 = v2.replace(
        "</bpmn:process>",
        '<bpmn:userTask id="legal_check" name="合法性审查" camunda:candidateGroups="tax">'
        "<bpmn:incoming>Flow_accepted</bpmn:incoming>"
        "<bpmn:outgoing>Flow_legal__review</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="Flow_legal__review" sourceRef="legal_check" '
        'targetRef="review" /></bpmn:process>',
    )
    v2 = v2.replace(  # drawn between acceptance and review, so the diagram shows it
        "</bpmndi:BPMNPlane>",
        '<bpmndi:BPMNShape id="legal_check_di" bpmnElement="legal_check">'
        '<dc:Bounds x="320" y="265" width="100" height="80" /></bpmndi:BPMNShape>'
        '<bpmndi:BPMNEdge id="Flow_legal__review_di" bpmnElement="Flow_legal__review">'
        '<di:waypoint x="420" y="305" /><di:waypoint x="450" y="305" /></bpmndi:BPMNEdge>'
        "</bpmndi:BPMNPlane>",
    )
    return v1.encode(), v2.encode()


def test_designer_dry_runs_and_migrates_a_running_case(walk, live_server):  # noqa: ANN001
    app = live_server["app"]
    govflow = app.extensions["govflow"]
    v1, v2 = _versions()
    designer = _principal(app, "designer")
    definitions_service.deploy(govflow, designer, DeployRequest(Upload("v1.bpmn", v1), [], []))
    case_id = cases.start_case(govflow, _principal(app, "zhangsan"), KEY, None, {})
    definitions_service.deploy(govflow, designer, DeployRequest(Upload("v2.bpmn", v2), [], []))
    definitions_service.approve(govflow, _principal(app, "admin"), KEY, 2)

    w = walk("migration")
    page = w.page
    w.login("designer")
    w.goto(f"/designer/definitions/{KEY}", "definition")
    w.follow("[data-test=migration-link]")
    w.check("migration-form")

    w.follow("[data-test=dry-run]")
    w.check("migration-dry-run")
    row = page.locator(f"[data-test=migration-item][data-case='{case_id}']")
    assert "legal_check" in row.inner_text()
    assert cases.get_case(govflow, _principal(app, "admin"), case_id).version == 1

    w.follow("[data-test=migrate]")
    w.check("migration-done")
    assert "1" in page.inner_text("[data-test=migration-summary]")
    assert cases.get_case(govflow, _principal(app, "admin"), case_id).version == 2

    # Failure path: the superseded version is no target; the page says why.
    page.select_option("#to_version", "1")
    w.follow("[data-test=dry-run]")
    w.check("migration-refused")
    assert page.locator("[data-test=migration-error]").count() == 1
