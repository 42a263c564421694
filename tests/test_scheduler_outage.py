"""The scheduler through a database outage: every tick while the database refuses
connections fails step by step without raising, each step says so in one line (no
traceback for every second of a restart), and the next tick simply tries again."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine import scheduler
from engine.bootstrap import create_govflow
from engine.config import Settings

#: Nothing listens on port 9 (discard): every connection is refused at once.
REFUSED = "postgresql+psycopg://govflow@127.0.0.1:9/govflow?connect_timeout=5"


def test_a_tick_with_the_database_down_fails_each_step_in_one_line_and_raises_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    govflow = create_govflow(Settings(data_dir=tmp_path, database_url=REFUSED))
    try:
        with caplog.at_level(logging.INFO, logger="govflow.scheduler"):
            report = scheduler.tick(govflow)
            scheduler.run_jobs(govflow)
    finally:
        govflow.close()

    assert report.errors == 4 and report.timers == 0
    records = [r for r in caplog.records if r.name == "govflow.scheduler"]
    failed = [r.getMessage().partition(": database unreachable: ")[0] for r in records]
    assert failed == [
        "heartbeat failed",
        "deadline sweep failed",
        "deferred materials sweep failed",
        "reading the due timers failed",
        "timers fired: 0, deadline transitions announced: 0, errors: 4",
        "job run failed",
    ]
    outage = [r for r in records if "database unreachable" in r.getMessage()]
    assert len(outage) == 5
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in outage)
