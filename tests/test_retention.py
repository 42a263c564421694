"""Retention (issue 19): a closed case drops its serialized workflow after the retention
period and keeps everything else; its API, tasks, diagram and trail answer the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import clock
from engine.errors import Conflict
from engine.models import Case, DataAccess
from engine.principal import SYSTEM
from engine.runtime.executor import execute
from engine.services import retention
from engine.uow import transaction
from tests.support import Api
from tests.test_cli import run  # noqa: F401
from tests.test_deploy import WINDOW_REVIEW, deploy, settings  # noqa: F401
from web.pages.case_display import diagram_state

LATER = timedelta(days=365)


def _closed_case(api: Api) -> int:
    """A window_review case taken from acceptance through review and the tax check."""
    assert deploy(api, WINDOW_REVIEW).status_code == 201
    case_id = api.start_case("window_review", {})["id"]
    api.claim_and_complete(
        "clerk_service_center", case_id, "acceptance", {"accepted": True, "opinion": "受理"}
    )
    api.claim_and_complete("clerk_registry", case_id, "review", {"approved": True})
    api.claim_and_complete("clerk_tax", case_id, "tax_check", {"opinion": "无欠税"})
    return case_id


def _seen(api: Api, case_id: int) -> dict:
    """Everything a person or a client reads of the case."""
    seen = {}
    for who in ("admin", "zhangsan", "clerk_tax"):
        case = api.get(f"/api/v1/cases/{case_id}", who).get_json()
        events = api.get(f"/api/v1/cases/{case_id}/events", who).get_json()
        tasks = [api.get(f"/api/v1/tasks/{t['id']}", who).get_json() for t in case["tasks"]]
        seen[who] = {
            "case": case,
            "events": events,
            "tasks": tasks,
            "diagram": diagram_state(case, events["items"]),
        }
    return seen


def _stored(govflow, case_id: int) -> Case:  # noqa: ANN001
    with transaction(govflow.db) as session:
        case = session.get(Case, case_id)
        session.expunge(case)
        return case


def test_a_closed_case_answers_the_same_before_and_after_its_workflow_is_dropped(api, govflow):
    case_id = _closed_case(api)
    assert _stored(govflow, case_id).status == "completed"
    before = _seen(api, case_id)
    assert [t["status"] for t in before["admin"]["tasks"]] == ["completed"] * 3
    assert before["admin"]["diagram"]["done"]
    with transaction(govflow.db) as session:
        logged = session.scalar(select(func.count()).where(DataAccess.case_id == case_id))

    report = retention.run(govflow, now=clock.now() + LATER)

    assert report.cases == 1 and report.bytes_dropped > 1000
    stored = _stored(govflow, case_id)
    assert stored.workflow_state == "" and stored.workflow_dropped_at is not None
    assert _seen(api, case_id) == before
    with transaction(govflow.db) as session:
        # The access log keeps every entry (and the views just made are added to it).
        assert session.scalar(select(func.count()).where(DataAccess.case_id == case_id)) >= logged


def test_open_and_recently_closed_cases_keep_their_workflow_and_a_second_run_drops_nothing(
    api, govflow
):
    closed = _closed_case(api)
    running = api.start_case("window_review", {})["id"]
    assert retention.run(govflow).cases == 0  # closed today: within the period
    assert retention.run(govflow, now=clock.now() + LATER).cases == 1
    again = retention.run(govflow, now=clock.now() + LATER)
    assert (again.cases, again.bytes_dropped) == (0, 0)
    assert _stored(govflow, running).workflow_state
    assert _stored(govflow, closed).workflow_state == ""
    # The open case runs on.
    api.claim_and_complete(
        "clerk_service_center", running, "acceptance", {"accepted": True, "opinion": "受理"}
    )


def test_a_command_on_a_case_whose_workflow_was_dropped_is_refused(api, govflow):
    case_id = _closed_case(api)
    retention.run(govflow, now=clock.now() + LATER)
    with pytest.raises(Conflict) as refused:
        execute(govflow, case_id, SYSTEM, lambda ctx: None)
    assert refused.value.code == "case_closed"


def test_the_command_line_runs_retention(run, api, govflow):  # noqa: F811
    case_id = _closed_case(api)
    with transaction(govflow.db) as session:
        session.get(Case, case_id).completed_at = clock.now() - timedelta(days=400)
    result = run("retention", "run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 closed cases:")
    assert _stored(govflow, case_id).workflow_state == ""
