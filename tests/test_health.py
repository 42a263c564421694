"""A scheduler you can see: ``GET /api/health`` (API.md "Health") reads the scheduler's
heartbeat and the database, and the supervisors' and administrators' pages turn red when
the scheduler has not ticked for a minute.  The last test kills a real scheduler process."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from engine import clock, scheduler
from engine.config import Settings
from tests.test_pages import Browser
from tests.test_scheduler_process import ROOT, stop, wait_for

BANNER = 'data-test="scheduler-down"'


def health(api) -> tuple[int, dict]:  # noqa: ANN001
    response = api.get("/api/health")  # no token: a load balancer has none
    return response.status_code, response.get_json()


def test_health_is_degraded_until_a_scheduler_ticks_then_ok(api, govflow):  # noqa: ANN001
    status, body = health(api)
    assert status == 200
    assert body == {
        "status": "degraded",
        "database": "ok",
        "scheduler": {"alive": False, "last_tick_at": None},
    }

    scheduler.tick(govflow)

    status, body = health(api)
    assert (status, body["status"], body["database"]) == (200, "ok", "ok")
    assert body["scheduler"]["alive"] is True
    ticked = datetime.fromisoformat(body["scheduler"]["last_tick_at"])
    assert ticked.utcoffset() == timedelta(hours=8)  # API.md: times carry +08:00
    assert abs(clock.now() - ticked) < timedelta(seconds=30)


def test_a_scheduler_silent_for_over_a_minute_is_dead_but_the_web_answers(api, govflow):  # noqa: ANN001
    start = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        scheduler.tick(govflow)
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        assert health(api)[1]["scheduler"]["alive"] is True  # a minute is still alive
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        status, body = health(api)
    assert status == 200  # degraded, not down: the web side serves
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["scheduler"] == {
        "alive": False,
        "last_tick_at": clock.isoformat(start),  # when it was last seen, for the operator
    }


def test_the_latest_of_several_scheduler_processes_counts(api, govflow):  # noqa: ANN001
    start = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    old = scheduler.Identity("host-a:100", start)
    new = scheduler.Identity("host-b:200", start + timedelta(minutes=5))
    with time_machine.travel(start, tick=False):
        scheduler.tick(govflow, old)  # killed right after this tick
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        scheduler.tick(govflow, new)  # the restarted one
        assert health(api)[1]["scheduler"] == {
            "alive": True,
            "last_tick_at": clock.isoformat(start + timedelta(minutes=5)),
        }


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-govflow-dir/govflow.sqlite3",  # cannot be opened
        "postgresql+psycopg://govflow@127.0.0.1:9/govflow?connect_timeout=5",  # refused
    ],
    ids=["sqlite", "postgresql"],
)
def test_a_database_that_does_not_answer_is_503_database_down(tmp_path, database_url):  # noqa: ANN001
    from web import create_app

    app = create_app(Settings(data_dir=tmp_path, database_url=database_url), TESTING=True)
    try:
        response = app.test_client().get("/api/health")
    finally:
        app.extensions["govflow"].close()
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "degraded",
        "database": "down",
        "scheduler": {"alive": False, "last_tick_at": None},
    }


@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_supervisors_and_admins_see_a_red_banner_while_it_is_down(app, govflow, username):  # noqa: ANN001
    browser = Browser(app, username)
    dashboard = browser.get("/supervisor").get_data(as_text=True)
    assert BANNER in dashboard
    assert "定时调度服务未运行" in dashboard and "从未运行" in dashboard  # Chinese first
    english = browser.get("/supervisor?lang=en").get_data(as_text=True)
    assert "The scheduler is not running." in english and "never" in english
    assert BANNER in browser.get("/supervisor/overdue").get_data(as_text=True)

    scheduler.tick(govflow)

    assert BANNER not in browser.get("/supervisor").get_data(as_text=True)


def test_the_banner_names_the_last_tick_in_beijing_time(app, govflow):  # noqa: ANN001
    start = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        scheduler.tick(govflow)
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        page = Browser(app, "supervisor").get("/supervisor").get_data(as_text=True)
    assert BANNER in page and "2026-11-30 10:00" in page


def test_clerks_and_applicants_are_not_shown_the_banner(app):  # noqa: ANN001
    assert BANNER not in Browser(app, "clerk_service_center").get("/worklist").get_data(
        as_text=True
    )
    assert BANNER not in Browser(app, "zhangsan").get("/applicant").get_data(as_text=True)


def test_govflow_health_exits_non_zero_until_a_scheduler_ticks(settings, govflow, monkeypatch):  # noqa: ANN001
    """What a container health check of the scheduler runs (README, production)."""
    from click.testing import CliRunner

    from web.cli import main

    monkeypatch.setenv("GOVFLOW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(settings.data_dir))
    silent = CliRunner().invoke(main, ["health"])
    assert silent.exit_code == 1 and '"status": "degraded"' in silent.output

    scheduler.tick(govflow)

    ticking = CliRunner().invoke(main, ["health"])
    assert ticking.exit_code == 0 and '"alive": true' in ticking.output


# --- the real process ---------------------------------------------------------------------

STALE_SECONDS = 3.0


class TestTheRealSchedulerProcess:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """Stale after 3 s instead of a minute, so the kill shows without a long wait."""
        return dataclasses.replace(settings, scheduler_stale_seconds=STALE_SECONDS)

    def test_health_flips_when_the_scheduler_is_killed(self, api, settings):  # noqa: ANN001
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "scheduler", "--interval", "0.5"],
            cwd=ROOT,
            env={
                **os.environ,
                "GOVFLOW_DATABASE_URL": settings.database_url,
                "GOVFLOW_DATA_DIR": str(settings.data_dir),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            assert wait_for(lambda: health(api)[1]["status"] == "ok"), stop(process)
            status, body = health(api)
            assert status == 200 and body["scheduler"]["alive"] is True

            os.killpg(process.pid, signal.SIGKILL)  # no goodbye: only the silence tells
            assert process.wait(timeout=10) == -signal.SIGKILL

            assert wait_for(lambda: health(api)[1]["scheduler"]["alive"] is False)
            status, body = health(api)
            assert (status, body["status"], body["database"]) == (200, "degraded", "ok")
            last = datetime.fromisoformat(body["scheduler"]["last_tick_at"])
            assert clock.now() - last > timedelta(seconds=STALE_SECONDS)
        finally:
            logs = stop(process)
        assert "Traceback" not in logs, logs
