"""The real scheduler process against a real database: a timer a few seconds out fires
once, with two schedulers started by mistake, and after the active one is killed.

The processes are watched through what they write: the audit trail (a timer fired) and
their heartbeats (a tick happened, and which process is the active one)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, SchedulerHeartbeat, TaskRow
from engine.uow import read_only
from tests.support import Api

FIXTURE = Path(__file__).parent / "fixtures" / "bpmn" / "short_timer.bpmn"
ROOT = Path(__file__).resolve().parents[1]
INTERVAL = 0.5


def start_scheduler(settings) -> subprocess.Popen:  # noqa: ANN001
    env = {
        **os.environ,
        "GOVFLOW_DATABASE_URL": settings.database_url,
        "GOVFLOW_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "web.cli", "scheduler", "--interval", str(INTERVAL)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=10)
    return output.decode("utf-8", "replace")


def wait_for(condition, timeout: float = 30.0) -> bool:  # noqa: ANN001
    """A bounded wait for the other process; never an assertion about speed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def fired(govflow, case_id: int) -> list[AuditEvent]:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.case_id == case_id, AuditEvent.action == "timer_fired"
                )
            )
        )


def after_notice_ready(govflow, case_id: int) -> bool:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return (
            session.scalar(
                select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.bpmn_id == "after_notice")
            )
            is not None
        )


def heartbeats(govflow) -> dict[int, datetime]:  # noqa: ANN001
    """The last tick of each scheduler process that ever ticked, by its pid."""
    with read_only(govflow.db) as session:
        return {
            int(row.process.rpartition(":")[2]): row.ticked_at
            for row in session.scalars(select(SchedulerHeartbeat))
        }


def ticked_since(govflow, moment: datetime) -> bool:  # noqa: ANN001
    """Some scheduler started a tick a whole interval after ``moment``: the tick before it,
    already after ``moment``, has finished (ticks never overlap)."""
    return any(t > moment + timedelta(seconds=INTERVAL) for t in heartbeats(govflow).values())


@pytest.fixture
def short_timer(api: Api) -> None:
    response = api.post(
        "/api/v1/process-definitions",
        "designer",
        data={"file": (FIXTURE.open("rb"), "short_timer.bpmn")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()


def test_real_scheduler_processes_fire_a_timer_once_and_survive_a_kill(
    api: Api, govflow, settings, short_timer
):
    schedulers = {p.pid: p for p in (start_scheduler(settings), start_scheduler(settings))}
    try:
        case = api.start_case("short_timer", {})
        assert wait_for(lambda: after_notice_ready(govflow, case["id"])), "".join(
            stop(p) for p in schedulers.values()
        )
        fired_at = fired(govflow, case["id"])[0].at
        # A would-be second firing happens on a later tick: wait until one has run.
        assert wait_for(lambda: ticked_since(govflow, fired_at))
        events = fired(govflow, case["id"])
        assert len(events) == 1
        print(f"timer due {events[0].details['due_at']}, fired at {fired_at.isoformat()}")
        # One active scheduler: the stand-by never ticked.
        (active,) = heartbeats(govflow)
        assert active in schedulers

        # Kill the active one: the stand-by takes over; nothing is lost.
        stop(schedulers[active])
        (standby,) = set(schedulers) - {active}
        assert wait_for(lambda: standby in heartbeats(govflow))
        later = api.start_case("short_timer", {})
        assert wait_for(lambda: after_notice_ready(govflow, later["id"]))
        assert len(fired(govflow, later["id"])) == 1
    finally:
        logs = "".join(stop(p) for p in schedulers.values())
    assert "Traceback" not in logs, logs
