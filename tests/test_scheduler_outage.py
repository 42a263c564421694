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


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_tick_with_the_database_down_fails_each_step_in_one_line_and_raises_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Listened to directly: a CLI test may have configured logging (and disabled or
    # detached this logger) earlier in the same session.
    logger = logging.getLogger("govflow.scheduler")
    handler = _Records()
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(handler)
    govflow = create_govflow(Settings(data_dir=tmp_path, database_url=REFUSED))
    try:
        report = scheduler.tick(govflow)
        scheduler.run_jobs(govflow)
    finally:
        govflow.close()
        logger.removeHandler(handler)

    assert report.errors == 5 and report.timers == 0
    records = handler.records
    failed = [r.getMessage().partition(": database unreachable: ")[0] for r in records]
    assert failed == [
        "heartbeat failed",
        "deadline sweep failed",
        "deferred materials sweep failed",
        "extension sweep failed",
        "reading the due timers failed",
        "timers fired: 0, deadline transitions announced: 0, errors: 5",
        "job run failed",
    ]
    outage = [r for r in records if "database unreachable" in r.getMessage()]
    assert len(outage) == 6
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in outage)
