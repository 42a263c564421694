"""4 and 5. At volume in PostgreSQL: 100,000 open tasks (a department worklist page and the
supervisor overview), and 100,000 open deadlines (a timer a few seconds out fires on time;
when every deadline turns yellow at once, how long until the dashboard shows it, and how
long the scheduler takes to announce every transition)."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from .common import ROOT, Verdict, percentile_ms, say, scale
from .http_load import Client
from .servers import gunicorn, postgres, prepare_database

DEPARTMENTS = (
    "service_center",
    "housing",
    "tax",
    "registry",
    "civil_affairs",
    "public_security",
    "market",
    "hrss",
    "housing_fund",
    "utilities",
)
TASKS_PER_CASE = 5


def _fill(url: str, open_tasks: int) -> None:
    """Synthetic open work, inserted in bulk (the workflows themselves are never loaded)."""
    from sqlalchemy import create_engine, insert, select

    from engine import clock
    from engine.deadlines.models import DeadlineRow
    from engine.models import Case, ProcessDefinition, TaskRow

    engine = create_engine(url)
    now = clock.now()
    rng = random.Random(7)
    with engine.begin() as conn:
        definition_id = conn.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.key == "property_transfer")
        )
        cases_needed = open_tasks // TASKS_PER_CASE
        case_rows = [
            {
                "definition_id": definition_id,
                "process_key": "property_transfer",
                "version": 1,
                "status": "running",
                "applicant_id_number": "110105199003071239",
                "applicant_name": "张三",
                "started_by": "zhangsan",
                "data": {},
                "sources": {},
                "workflow_state": "",
                "lock_version": 1,
                "created_at": now,
                "updated_at": now,
                "deadline_state": "ok",
                "due_at": now + timedelta(days=30),
                "warning_at": now + timedelta(days=rng.randint(1, 29)),
            }
            for _ in range(cases_needed)
        ]
        case_ids = []
        for i in range(0, len(case_rows), 5000):
            result = conn.execute(insert(Case).returning(Case.id), case_rows[i : i + 5000])
            case_ids.extend(result.scalars())
        tasks, deadlines = [], []
        for case_id in case_ids:
            for n in range(TASKS_PER_CASE):
                department = DEPARTMENTS[(case_id + n) % len(DEPARTMENTS)]
                task_id = str(uuid.uuid4())
                due = now + timedelta(hours=rng.randint(2, 24 * 30))
                warning = due - timedelta(hours=1)
                tasks.append(
                    {
                        "id": task_id,
                        "kind": "bpmn",
                        "case_id": case_id,
                        "process_key": "property_transfer",
                        "bpmn_id": f"step_{n}",
                        "name": f"步骤{n}",
                        "department_code": department,
                        "candidate_groups": [department],
                        "candidate_users": [],
                        "status": "ready",
                        "created_at": now,
                        "due_at": due,
                        "warning_at": warning,
                        "deadline_state": "ok",
                    }
                )
                deadlines.append(
                    {
                        "case_id": case_id,
                        "task_id": task_id,
                        "name": "task",
                        "unit": "working_days",
                        "amount": 1.0,
                        "started_at": now,
                        "due_at": due,
                        "warning_at": warning,
                        "state": "ok",
                        "official": True,
                        "paused_days": 0.0,
                        "department_code": department,
                        "warning_fraction": 0.25,
                        "warning_days": 1.0,
                    }
                )
        for i in range(0, len(tasks), 5000):
            conn.execute(insert(TaskRow), tasks[i : i + 5000])
            conn.execute(insert(DeadlineRow), deadlines[i : i + 5000])
    # What autovacuum does on its own shortly after a bulk load: statistics for the planner
    # and the visibility map that lets counts read the index alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def _page_latencies(client: Client, user: str, path: str, count: int) -> list[float]:
    client.call("GET", path, user)  # warm-up
    client.latencies.clear()
    for _ in range(count):
        client.call("GET", path, user)
    return list(client.latencies)


def _timer_delay(base: str, url: str, data_dir: Path) -> float | None:
    """Start a case whose timer is due 3 s later; how late did the scheduler fire it?"""
    from sqlalchemy import create_engine, select

    from engine.models import AuditEvent

    env_cmd = [sys.executable, "-m", "web.cli"]
    import os

    env = {**os.environ, "GOVFLOW_DATABASE_URL": url, "GOVFLOW_DATA_DIR": str(data_dir)}
    subprocess.run(
        env_cmd + ["deploy", str(ROOT / "tests/fixtures/bpmn/short_timer.bpmn")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    scheduler = subprocess.Popen(
        env_cmd + ["scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(2)
        client = Client(base)
        case = client.call(
            "POST", "/api/v1/cases", "zhangsan", {"process_key": "short_timer", "data": {}}
        )
        engine = create_engine(url)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                event = conn.execute(
                    select(AuditEvent.at, AuditEvent.details).where(
                        AuditEvent.case_id == case["id"], AuditEvent.action == "timer_fired"
                    )
                ).first()
            if event is not None:
                from datetime import datetime

                due = datetime.fromisoformat(event.details["due_at"])
                engine.dispose()
                return (event.at - due).total_seconds()
            time.sleep(0.2)
        engine.dispose()
        return None
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=20)


def _turn_yellow(url: str, limit: int | None) -> int:
    """Set-up, not measured: ``limit`` open task deadlines (all when None) reach their
    warning instant now, as when a whole office's limits fall on one working day."""
    from sqlalchemy import create_engine, select, update

    from engine import clock
    from engine.deadlines.models import DeadlineRow
    from engine.models import TaskRow

    passed = clock.now() - timedelta(minutes=1)
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = list(
            conn.scalars(
                select(DeadlineRow.task_id)
                .where(DeadlineRow.state == "ok", DeadlineRow.warning_at > passed)
                .limit(limit)
            )
        )
        for i in range(0, len(ids), 10_000):
            chunk = ids[i : i + 10_000]
            for table in (DeadlineRow, TaskRow):
                key = table.task_id if table is DeadlineRow else table.id
                conn.execute(update(table).where(key.in_(chunk)).values(warning_at=passed))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return len(ids)


def _shown_at_once(client: Client, expected: int) -> tuple[float, int]:
    """Right after the instants passed: how long the supervisor's overview takes to answer,
    and how many warnings it shows (all of them, with no sweep having run)."""
    client.close()  # idle for a while: the server has dropped keep-alive
    start = time.perf_counter()
    overview = client.call("GET", "/api/v1/supervision/overview", "supervisor")
    seconds = time.perf_counter() - start
    warnings = overview["totals"]["warning"]
    if warnings < expected:
        say(f"   the overview shows {warnings:,} warnings, expected {expected:,}")
    return seconds, warnings


def _sweeps(
    url: str, data_dir: Path, open_tasks: int, client: Client
) -> tuple[dict[str, tuple[float, int]], tuple[float, int, int]]:
    """The scheduler announcing transitions: when nothing is due (what it does every
    second), when 1% turn yellow at once, and when all the rest do (until every one of
    them is announced, a batch per transaction).  Before the last, what the supervisor
    sees the moment all the rest turned yellow: (seconds, warnings shown, turned)."""
    from engine.bootstrap import create_govflow
    from engine.config import Settings
    from engine.services.timers import sweep_deadlines

    govflow = create_govflow(Settings(data_dir=data_dir, database_url=url))

    def announce_all() -> tuple[float, int]:
        start, moved = time.perf_counter(), 0
        while batch := sweep_deadlines(govflow, budget=0):
            moved += batch
        return time.perf_counter() - start, moved

    results = {"nothing due": announce_all()}
    _turn_yellow(url, open_tasks // 100)
    results["1% due"] = announce_all()
    turned = _turn_yellow(url, None)
    shown_s, shown = _shown_at_once(client, turned + open_tasks // 100)
    results["all the rest due"] = announce_all()
    govflow.close()
    return results, (shown_s, shown, turned + open_tasks // 100)


def run() -> list[Verdict]:
    open_tasks = scale(100_000, 20_000)
    with postgres() as url, tempfile.TemporaryDirectory(prefix="govflow-bench-vol-") as tmp:
        if url is None:
            return [
                Verdict(
                    4,
                    "worklist and dashboard at volume",
                    "no PostgreSQL",
                    "p50 <= 30 ms / 200 ms",
                    None,
                ),
                Verdict(5, "timers at volume", "no PostgreSQL", "<= 2 s", None),
            ]
        data_dir = Path(tmp)
        prepare_database(url, data_dir)
        start = time.perf_counter()
        _fill(url, open_tasks)
        say(
            f"   {open_tasks:,} open tasks and deadlines inserted in {time.perf_counter() - start:.0f} s"
        )
        with gunicorn(url, data_dir, 1) as (base, _master):
            client = Client(base)
            worklist = _page_latencies(
                client, "clerk_tax", "/api/v1/tasks?status=ready&per_page=20", 50
            )
            overview = _page_latencies(client, "supervisor", "/api/v1/supervision/overview", 20)
            delay = _timer_delay(base, url, data_dir)
            sweeps, (shown_s, shown, turned) = _sweeps(url, data_dir, open_tasks, client)
    w50, o50 = percentile_ms(worklist, 0.5), percentile_ms(overview, 0.5)
    say(
        f"   worklist page p50 {w50:.1f} ms, p95 {percentile_ms(worklist, 0.95):.1f} ms; "
        f"overview p50 {o50:.1f} ms"
    )
    say(f"   timer fired {f'{delay:.2f} s after due' if delay is not None else 'never'}")
    say(
        f"   {turned:,} deadlines turned yellow at once: the overview showed {shown:,} "
        f"warnings {shown_s:.3f} s later, with nothing rewritten"
    )
    for label, (seconds, moved) in sweeps.items():
        say(f"   scheduler announcements, {label}: {moved:,} announced in {seconds:.3f} s")
    timer_ok = delay is not None and delay <= 2.0
    states_ok = shown >= turned and shown_s <= 2.0
    announce_s = sweeps["all the rest due"][0]
    return [
        Verdict(
            4,
            f"department worklist / supervisor overview with {open_tasks:,} open tasks (p50)",
            f"{w50:.1f} ms / {o50:.1f} ms",
            "<= 30 ms / <= 200 ms",
            w50 <= 30 and o50 <= 200,
        ),
        Verdict(
            5,
            f"timers with {open_tasks:,} open deadlines: fire delay / all turned yellow "
            f"shown after (announced in {announce_s:.1f} s)",
            f"{f'{delay:.2f} s' if delay is not None else 'never'} / {shown_s:.2f} s",
            "<= 2 s / <= 2 s",
            timer_ok and states_ok,
        ),
    ]
