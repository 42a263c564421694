"""Due work is picked fairly: cases whose step keeps failing — more than a tick's batch of
them — never delay another case's timer (DESIGN.md "Failures are visible, never silent").

The scheduler's batch and its retry budget are scaled down with the number of failing
cases: a hundred cases against batches of 40 go through the same steps as a thousand
against batches of 500 (more cases than one tick takes, retries cut off by the budget),
at a tenth of the cost.  The budget is measured on a clock that moves a fixed step each
time the scheduler reads it, so where the budget cuts a wave off does not depend on the
machine's speed; the tick's real duration is still measured and bounded."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta
from types import SimpleNamespace

import time_machine
from sqlalchemy import func, insert, select

from engine import clock, scheduler
from engine.models import Case
from engine.services import timers
from engine.uow import read_only, transaction
from tests.bpmn_support import deployed, model, open_tasks
from tests.support import Api
from tests.test_incidents import HOUR, TIMER_THEN_GATEWAY

FAILING = 100
#: Due cases one tick takes (the scheduler's is 500 for its thousands).
BATCH = 40
#: Each reading of the scheduler's clock moves it on so much: a retry budget of one second
#: lets exactly seven retries run in a tick (an exact binary fraction: no rounding).
CLOCK_STEP = 0.125

HEALTHY = model(
    "healthy_timer",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>',
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>PT5S</bpmn:timeDuration></bpmn:timerEventDefinition>"
            "</bpmn:intermediateCatchEvent>",
            '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after"/>',
            '<bpmn:userTask id="after" name="after" camunda:candidateGroups="tax"/>',
            '<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end"/>',
            '<bpmn:endEvent id="end"/>',
        ]
    ),
)


def clone(govflow, case_id: int, copies: int) -> None:  # noqa: ANN001
    """``copies`` more cases in exactly the state of ``case_id`` (one bulk insert)."""
    with transaction(govflow.db) as session:
        case = session.get(Case, case_id)
        row = {c.key: getattr(case, c.key) for c in Case.__table__.columns if c.key != "id"}
        session.execute(insert(Case.__table__), [row] * copies)


def statuses(govflow) -> dict[str, int]:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())


def tick_until_quiet(govflow) -> int:  # noqa: ANN001
    """Tick until nothing more is due now (a tick takes at most ``BATCH`` cases); a case
    picked again and again fails the test instead of ticking forever."""
    attempts = 0
    while (report := scheduler.tick(govflow)).timers:
        attempts += report.timers
        assert attempts <= 2 * FAILING, "due cases are picked again and again"
    return attempts


def healthy_timer_fires_at_once(api: Api, govflow, started_at) -> scheduler.TickReport:  # noqa: ANN001
    """Start a healthy case at ``started_at``; its timer fires in the first tick after it
    falls due, and that tick takes less than 2 s."""
    with time_machine.travel(started_at, tick=False):
        healthy = api.start_case("healthy_timer", {})
    with time_machine.travel(started_at + timedelta(seconds=6), tick=False):
        began = time.monotonic()
        report = scheduler.tick(govflow)
        took = time.monotonic() - began
    assert took < 2.0
    assert open_tasks(api.get(f"/api/v1/cases/{healthy['id']}", "admin").get_json()) == ["after"]
    return report


def stepping_clock() -> SimpleNamespace:
    """A stand-in for the scheduler's ``time`` module: ``monotonic`` moves ``CLOCK_STEP``
    on each reading."""
    readings = iter(range(1, 10**9))
    return SimpleNamespace(monotonic=lambda: next(readings) * CLOCK_STEP)


def test_failing_cases_beyond_a_batch_never_delay_another_cases_timer(
    api: Api,
    govflow,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
):
    monkeypatch.setattr(timers, "BATCH", BATCH)
    monkeypatch.setattr(scheduler, "time", stepping_clock())
    # Two attempts instead of three: the same two phases (paused, then in error) at two
    # thirds of the cost (each failed attempt is a rolled-back command and a record of it).
    govflow.settings = dataclasses.replace(govflow.settings, step_attempts=2)
    deployed(api, TIMER_THEN_GATEWAY)
    deployed(api, HEALTHY)
    first = api.start_case("timer_then_gateway", {})
    due = clock.now() + HOUR
    clone(govflow, first["id"], FAILING - 1)

    # Everything falls due at once: each failing case is tried once, then waits its pause.
    with time_machine.travel(due, tick=False):
        assert tick_until_quiet(govflow) == FAILING  # in several ticks: FAILING > BATCH
    assert statuses(govflow) == {"running": FAILING}
    # While all of them wait out their pause, only the healthy case is picked.
    report = healthy_timer_fires_at_once(api, govflow, due)
    assert (report.timers, report.errors) == (1, 0)

    # Their second attempts fall due together with another healthy timer: it is fired
    # first, and the tick stops retrying after its budget.
    wave = healthy_timer_fires_at_once(api, govflow, due + timedelta(seconds=10))
    assert 1 < wave.timers < FAILING and wave.errors == wave.timers - 1
    assert wave.errors == scheduler.RETRY_BUDGET / CLOCK_STEP - 1  # the budget cut it off
    with time_machine.travel(due + timedelta(seconds=16), tick=False):
        assert tick_until_quiet(govflow) == FAILING - wave.errors
    assert statuses(govflow) == {"error": FAILING, "running": 2}

    # In error, they are never picked again.
    report = healthy_timer_fires_at_once(api, govflow, due + timedelta(minutes=1))
    assert (report.timers, report.errors) == (1, 0)
    listed = api.get("/api/v1/incidents", "supervisor", query_string={"status": "open"})
    assert listed.get_json()["total"] == FAILING
