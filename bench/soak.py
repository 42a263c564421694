"""Soak and failure run (issue 14, item 6): not in CI; bounded in time; loopback only.

    python -m bench.soak                 # 20 minutes (SOAK_SECONDS=1200)
    SOAK_SECONDS=150 python -m bench.soak   # the short version

On a private throw-away PostgreSQL (port 55442) with `gunicorn -w 2` and the scheduler:
client threads send a mixed load at a steady rate (whole property transfers through every
step, case reads, worklists) and count every answer by status.  A third of the way in one
web worker is killed with SIGKILL (gunicorn starts another), halfway the scheduler is
(and started again), at two thirds PostgreSQL is restarted.  Worker memory (RSS) is
sampled throughout.  At the end every case is checked for tearing: its open task rows
must be exactly the user tasks its stored workflow waits in.

Printed: requests by status, 5xx (target 0), answers during the PostgreSQL restart other
than done/409/503, the worker RSS first/last/max, torn cases (target 0).
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

from .common import ROOT, say
from .http_load import STEPS
from .servers import _env, _wait_until_up, free_port, prepare_database

SECONDS = float(os.environ.get("SOAK_SECONDS", "1200"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "3"))
#: Requests per second all clients together aim at (a steady rate, not as fast as possible).
RATE = float(os.environ.get("SOAK_RATE", "8"))
PG_PORT = "55442"


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_status: collections.Counter[str] = collections.Counter()
        self.during_restart: collections.Counter[str] = collections.Counter()
        self.restarting = False

    def count(self, status: str) -> None:
        with self.lock:
            self.by_status[status] += 1
            if self.restarting:
                self.during_restart[status] += 1


class Client:
    def __init__(self, base: str, tally: Tally) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.tally = tally
        self.tokens: dict[str, str] = {}

    def call(self, method: str, path: str, user: str | None = None, body=None):  # noqa: ANN001, ANN201
        headers = {"Content-Type": "application/json"}
        if user:
            token = self.token(user)
            if token is None:
                return None, None
            headers["Authorization"] = f"Bearer {token}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(
                method, path, body=json.dumps(body) if body is not None else None, headers=headers
            )
            response = connection.getresponse()
            raw = response.read()
        except OSError as exc:  # a worker killed mid-request: the connection drops
            self.tally.count(f"connection error ({type(exc).__name__})")
            return None, None
        finally:
            connection.close()
        self.tally.count(str(response.status))
        try:
            return response.status, json.loads(raw or b"{}")
        except ValueError:
            return response.status, None

    def token(self, user: str) -> str | None:
        if user not in self.tokens:
            status, answer = self.call(
                "POST", "/api/v1/auth/token", None, {"username": user, "password": "govflow-demo"}
            )
            if status != 200:
                return None
            self.tokens[user] = answer["token"]
        return self.tokens[user]

    def one_case(self, pace) -> None:  # noqa: ANN001
        from engine.demo import property_application

        pace()
        status, case = self.call(
            "POST",
            "/api/v1/cases",
            "zhangsan",
            {"process_key": "property_transfer", "data": property_application()},
        )
        if status != 201:
            return
        pace()
        self.call("POST", f"/api/v1/cases/{case['id']}/confirmations", "lisi", {})
        for user, bpmn_id, data in STEPS:
            pace()
            self.call("GET", "/api/v1/tasks?status=ready", user)
            pace()
            status, case = self.call("GET", f"/api/v1/cases/{case['id']}", user)
            if status != 200:
                return
            task = next(
                (t for t in case["tasks"] if t["bpmn_id"] == bpmn_id and t["status"] == "ready"),
                None,
            )
            if task is None:
                return
            pace()
            self.call("POST", f"/api/v1/tasks/{task['id']}/claim", user, {})
            pace()
            self.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, {"data": data})


def _pg(command: str, fresh: bool = False) -> str:
    env = {**os.environ, "PG_THROWAWAY_PORT": PG_PORT, "PG_THROWAWAY_DB": "govflow_soak"}
    args = [str(ROOT / "scripts" / "pg-throwaway"), command] + (["--fresh"] if fresh else [])
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _children(pid: int) -> list[int]:
    found = []
    for child in Path("/proc").glob("[0-9]*"):
        with suppress(OSError):
            status = (child / "status").read_text()
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(child.name))
    return found


def _rss_mb(pid: int) -> float:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _start_scheduler(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "web.cli", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def torn_cases(database_url: str, data_dir: Path) -> tuple[int, int]:
    """(cases checked, torn ones): a torn case's open task rows differ from the user tasks
    its stored workflow waits in."""
    from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
    from SpiffWorkflow.util.task import TaskState
    from sqlalchemy import select

    from engine.bootstrap import create_govflow
    from engine.config import Settings
    from engine.models import Case, TaskRow
    from engine.runtime.executor import deployed_definition, parsed_definition
    from engine.runtime.workflow import load
    from engine.uow import read_only

    govflow = create_govflow(Settings(data_dir=data_dir, database_url=database_url))
    checked = torn = 0
    try:
        with read_only(govflow.db) as session:
            for case in session.scalars(select(Case).where(Case.status == "running")):
                definition = deployed_definition(session, case.definition_id)
                workflow = load(case.workflow_state, parsed_definition(definition))
                waiting = sorted(
                    t.task_spec.bpmn_id
                    for t in workflow.tasks.values()
                    if isinstance(t.task_spec, UserTask) and t.state == TaskState.READY
                )
                rows = sorted(
                    session.scalars(
                        select(TaskRow.bpmn_id).where(
                            TaskRow.case_id == case.id,
                            TaskRow.status.in_(("ready", "claimed")),
                            TaskRow.kind == "bpmn",
                        )
                    )
                )
                checked += 1
                if waiting != rows:
                    torn += 1
                    say(f"   torn case {case.id}: workflow waits in {waiting}, rows {rows}")
    finally:
        govflow.close()
    return checked, torn


def main() -> None:
    say(f"soak: {SECONDS:.0f} s, {CLIENTS} clients at {RATE:g} requests/s in all, loopback")
    url = _pg("start", fresh=True)
    data_dir = Path(tempfile.mkdtemp(prefix="govflow-soak-"))
    try:
        prepare_database(url, data_dir)
        env = _env(url, data_dir)
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "web:create_app()"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        scheduler = _start_scheduler(env)
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base)
        tally = Tally()
        stop = threading.Event()
        interval = CLIENTS / RATE

        def client() -> None:
            me = Client(base, tally)
            next_at = time.monotonic()

            def pace() -> None:
                nonlocal next_at
                next_at += interval
                stop.wait(max(0.0, next_at - time.monotonic()))
                if stop.is_set():
                    raise SystemExit

            with suppress(SystemExit):
                while not stop.is_set():
                    me.one_case(pace)

        threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        began = time.monotonic()
        rss: list[float] = []
        events = [
            (SECONDS / 3, "kill -9 a web worker"),
            (SECONDS / 2, "kill -9 the scheduler"),
            (2 * SECONDS / 3, "restart PostgreSQL"),
        ]
        while time.monotonic() - began < SECONDS:
            elapsed = time.monotonic() - began
            if events and elapsed >= events[0][0]:
                _, what = events.pop(0)
                say(f"   {elapsed:5.0f} s: {what}")
                if what.endswith("web worker"):
                    os.kill(_children(web.pid)[0], signal.SIGKILL)
                elif what.endswith("scheduler"):
                    os.killpg(scheduler.pid, signal.SIGKILL)
                    scheduler.wait()
                    time.sleep(2)
                    scheduler = _start_scheduler(env)
                else:
                    tally.restarting = True
                    _pg("stop")
                    time.sleep(3)
                    _pg("start")
                    time.sleep(5)
                    tally.restarting = False
            rss.append(max((_rss_mb(pid) for pid in _children(web.pid)), default=0.0))
            time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(40)
        for process in (web, scheduler):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
        checked, torn = torn_cases(url, data_dir)
    finally:
        with suppress(subprocess.CalledProcessError):
            _pg("destroy")
    # 503 while PostgreSQL is down is the documented answer; any other 5xx is a failure.
    five = sum(
        n - (tally.during_restart[status] if status == "503" else 0)
        for status, n in tally.by_status.items()
        if status.startswith("5")
    )
    unclear = {
        status: n
        for status, n in tally.during_restart.items()
        if not (status.startswith("2") or status in ("409", "503", "404"))
    }
    say(f"   answers by status: {dict(sorted(tally.by_status.items()))}")
    say(f"   during the PostgreSQL restart: {dict(sorted(tally.during_restart.items()))}")
    say(
        f"   worker RSS (max over workers): first {rss[0]:.0f} MB, last {rss[-1]:.0f} MB, "
        f"max {max(rss):.0f} MB"
    )
    say(f"5xx outside the restart: {five}; during the restart, other than done/409/503: {unclear}")
    say(f"torn cases: {torn} of {checked} running")


if __name__ == "__main__":
    main()
