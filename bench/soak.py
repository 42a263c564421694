"""Soak and failure runs (issue 14, item 6): not in CI; bounded in time; loopback only.

    python -m bench.soak --minutes 20        # steady: 20 minutes of mixed load, no faults
    python -m bench.soak kills --minutes 5   # kill -9 a web worker, then the scheduler
    python -m bench.soak pg-restart --minutes 4   # PostgreSQL restarted mid-load

The server is started as ``make run`` starts it: ``scripts/serve`` (database upgrade, demo
seed, the scheduler under its supervisor, gunicorn) with ``WORKERS=2`` on 127.0.0.1; on the
default SQLite set-up for ``steady`` and ``kills``, on a private PostgreSQL cluster
(``scripts/pg-throwaway`` on port 55433, its own data directory, removed afterwards) for
``pg-restart``.  Client threads send the mixed load of ``bench/soak_load.py`` at a steady
rate (``--rate``, requests per second over all clients).  Worker memory (RSS) is sampled
every minute.  At the end every case is checked (``bench/soak_checks.py``): workflow, task
rows, deadlines and audit trail agree, and every timer due has fired once.

Failing figures (any 5xx outside a database outage, a torn case, a timer that never
fired, a command during the outage answered other than done/409/503) make the exit
status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from .common import ROOT, percentile_ms, say
from .servers import free_port
from .soak_checks import Findings, check
from .soak_load import DROPPED, TIMER_PROCESS, Load

#: The private cluster of ``pg-restart`` (never the shared server on 55432).
PG_PORT = os.environ.get("SOAK_PG_PORT", "55433")


# ---- processes ---------------------------------------------------------------------------


def _proc(pid: int, name: str) -> str:
    with suppress(OSError):
        return (Path("/proc") / str(pid) / name).read_text()
    return ""


def _children(pid: int) -> list[int]:
    return [
        int(p.name)
        for p in Path("/proc").glob("[0-9]*")
        if f"\nPPid:\t{pid}\n" in _proc(int(p.name), "status")
    ]


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        found += kids
        todo += kids
    return found


def _argv(pid: int) -> list[str]:
    return _proc(pid, "cmdline").split("\0")


def _serving(pids: list[int], port: int) -> int | None:
    """The worker holding an accepted connection on ``port``: one with a request in hand
    (the listening socket is shared by all; an accepted one lives in one worker only)."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in _proc_file(table).splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == "01":
                established.add(fields[9])
    for pid in pids:
        with suppress(OSError):
            for fd in (Path("/proc") / str(pid) / "fd").iterdir():
                with suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in established:
                        return pid
    return None


def _proc_file(path: str) -> str:
    with suppress(OSError):
        return Path(path).read_text()
    return ""


def _mid_command(server: Served, load: Load, patience: float = 20.0) -> tuple[int, bool]:
    """A worker to kill, preferably one with a command in hand: (pid, whether it had)."""
    port = int(server.base.rpartition(":")[2])
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if load.tally.commands_in_flight:
            serving = _serving(server.workers(), port)
            if serving is not None:
                return serving, True
        time.sleep(0.002)
    return server.workers()[0], False


def rss_mb(pid: int) -> float:
    for line in _proc(pid, "status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Served:
    """``scripts/serve`` and what it started."""

    process: subprocess.Popen
    base: str
    log: Path

    def _gunicorn_master(self) -> int | None:
        for pid in _children(self.process.pid):
            if any("gunicorn" in a for a in _argv(pid)):
                return pid
        return None

    def workers(self) -> list[int]:
        master = self._gunicorn_master()
        return sorted(_children(master)) if master else []

    def scheduler(self) -> int | None:
        for pid in _descendants(self.process.pid):
            argv = _argv(pid)
            if len(argv) > 2 and argv[1].endswith("govflow") and argv[2] == "scheduler":
                return pid
        return None


@contextmanager
def served(data_dir: Path, database_url: str | None, workers: int = 2) -> Iterator[Served]:
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": str(workers),
        "SEED": "always",
        "GOVFLOW_DATA_DIR": str(data_dir),
    }
    env.pop("GOVFLOW_DATABASE_URL", None)
    if database_url:
        env["GOVFLOW_DATABASE_URL"] = database_url
    log = data_dir.parent / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Served(process, f"http://127.0.0.1:{port}", log)
        try:
            _wait_until_up(server)
            yield server
        finally:
            with suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)  # serve stops gunicorn and the scheduler
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_up(server: Served, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"scripts/serve exited: {server.log.read_text()[-2000:]}")
        with suppress(OSError):
            urllib.request.urlopen(f"{server.base}/api/health", timeout=5).read()
            return
        time.sleep(0.5)
    raise RuntimeError("the server did not come up")


def health(server: Served) -> dict:
    try:
        with urllib.request.urlopen(f"{server.base}/api/health", timeout=10) as answer:
            return json.loads(answer.read())
    except (OSError, ValueError):
        return {}


def _deploy_timer_process(server: Served) -> None:
    """The bench's timer process, deployed by the demo designer through the API."""
    boundary = "soak-boundary"
    token = _token(server, "designer")
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{TIMER_PROCESS.name}"\r\nContent-Type: application/xml\r\n\r\n'
        ).encode()
        + TIMER_PROCESS.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{server.base}/api/v1/process-definitions",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 201, answer.read()


def _token(server: Served, user: str) -> str:
    request = urllib.request.Request(
        f"{server.base}/api/v1/auth/token",
        data=json.dumps({"username": user, "password": "govflow-demo"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["token"]


def _pg(command: str, fresh: bool = False) -> str:
    env = {**os.environ, "PG_THROWAWAY_PORT": PG_PORT, "PG_THROWAWAY_DB": "govflow_soak"}
    args = [str(ROOT / "scripts" / "pg-throwaway"), command] + (["--fresh"] if fresh else [])
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout.strip()


# ---- the runs ----------------------------------------------------------------------------


@dataclass
class FaultLog:
    """What the faults did, for the report."""

    notes: list[str] = field(default_factory=list)
    #: (killed at, ticking again at) as epoch seconds, when the scheduler was killed
    scheduler_down: tuple[float, float] | None = None


@dataclass
class Run:
    name: str
    seconds: float
    rate: float
    clients: int
    database: str
    #: (minute, MB): the largest worker at each sample; the first (minute 0) before the load
    rss: list[tuple[float, float]]
    tally: object
    findings: Findings
    faults: FaultLog
    allowed_window: str | None = None


def _sample(server: Served, began: float, rss: list[tuple[float, float]]) -> None:
    sizes = [rss_mb(pid) for pid in server.workers()]
    rss.append(((time.monotonic() - began) / 60, max(sizes, default=0.0)))


def _drive(server: Served, args: argparse.Namespace, faults) -> tuple[Load, list, FaultLog]:  # noqa: ANN001
    """Run the load for the whole duration; ``faults`` (a generator) is advanced at its
    instants: it yields the seconds into the run at which it wants to go on next."""
    _deploy_timer_process(server)
    load = Load(server.base, args.clients, args.rate)
    seconds = args.minutes * 60
    rss: list[tuple[float, float]] = []
    log = FaultLog()
    began = time.monotonic()
    load.start()
    next_sample = 0.0
    next_fault = next(faults, None) if faults else None
    while (elapsed := time.monotonic() - began) < seconds:
        if elapsed >= next_sample:
            _sample(server, began, rss)
            say(f"   {elapsed / 60:4.1f} min: {load.tally.requests()} requests, worker RSS "
                f"{rss[-1][1]:.0f} MB, statuses {dict(sorted(load.tally.by_status.items()))}")  # fmt: skip
            next_sample += 60
        if next_fault is not None and elapsed >= next_fault:
            next_fault = faults.send((load, began, log))
        time.sleep(0.5)
    _sample(server, began, rss)
    load.stop()
    return load, rss, log


def _fault_kills(server: Served, seconds: float):  # noqa: ANN201
    """At a sixth, a quarter and a third of the way in: kill -9 a web worker while a command
    is in flight, the one holding a request (gunicorn starts another); halfway: kill -9 the
    scheduler just before three timers fall due, and wait for the supervisor to bring it
    back."""
    for share in (6, 4, 3):
        load, began, log = yield seconds / share
        victim, busy = _mid_command(server, load)
        os.kill(victim, signal.SIGKILL)
        log.notes.append(
            f"kill -9 of web worker {victim} at {time.monotonic() - began:.0f} s, "
            + ("holding a request while a command was in flight" if busy else "idle")
        )
        say(f"   {log.notes[-1]}")

    load, began, log = yield seconds / 2 - 9
    # Three timer cases due 10 s from now, i.e. about 1 s after the scheduler is killed.
    token = _token(server, "zhangsan")
    for _ in range(3):
        _post(server, "/api/v1/cases", token, {"process_key": "soak_timer", "data": {}})
    load, began, log = yield seconds / 2
    scheduler = server.scheduler()
    killed_at, killed_in_run = time.time(), time.monotonic() - began
    say(f"   {killed_in_run:5.0f} s: kill -9 the scheduler {scheduler}")
    os.kill(scheduler, signal.SIGKILL)
    back = None
    while time.time() - killed_at < 120:
        tick = health(server).get("scheduler", {}).get("last_tick_at")
        if tick and _epoch(tick) > killed_at + 0.5:
            back = _epoch(tick) - killed_at  # its first tick after the kill
            break
        time.sleep(0.5)
    new = server.scheduler()
    log.notes.append(
        f"kill -9 of the scheduler {scheduler} at {killed_in_run:.0f} s: "
        + (f"ticking again {back:.1f} s later (pid {new})" if back else "NOT back within 120 s")
    )
    if back:
        log.scheduler_down = (killed_at, killed_at + back)
    say(f"   {log.notes[-1]}")
    yield None


def _fault_pg_restart(server: Served, seconds: float):  # noqa: ANN201
    """Halfway: stop PostgreSQL (fast: every connection cut), start it again 5 s later.
    The window in which 503 is the right answer closes 10 s after it accepts again."""
    load, began, log = yield seconds / 2
    workers = server.workers()
    say(f"   {time.monotonic() - began:5.0f} s: stop PostgreSQL")
    load.tally.open_window = "restart"
    _pg("stop")
    time.sleep(5)
    _pg("start")
    say(f"   {time.monotonic() - began:5.0f} s: PostgreSQL accepts again")
    load, began, log = yield time.monotonic() - began + 10
    load.tally.open_window = "after"
    restarted = sorted(set(workers) - set(server.workers()))
    log.notes.append(f"web workers replaced during the outage: {len(restarted)}")
    yield None


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def _post(server: Served, path: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        f"{server.base}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def run(args: argparse.Namespace) -> Run:
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="govflow-soak-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        url = _pg("start", fresh=True) if args.run == "pg-restart" else None
        try:
            with served(data_dir, url) as server:
                faults = {
                    "steady": None,
                    "kills": _fault_kills(server, seconds),
                    "pg-restart": _fault_pg_restart(server, seconds),
                }[args.run]
                say(
                    f"soak {args.run}: {args.minutes:g} min, {args.clients} clients at "
                    f"{args.rate:g} requests/s in all, {'PostgreSQL' if url else 'SQLite'}, "
                    f"scripts/serve with 2 workers on {server.base}"
                )
                load, rss, faults_log = _drive(server, args, faults)
                # Let the last timers fall due and fire before the check.
                time.sleep(15)
                say("   checking every case ...")
                findings = check(
                    url or f"sqlite:///{data_dir / 'govflow.sqlite3'}", data_dir, grace=20
                )
                server_log = server.log.read_text(errors="replace")
                kept = Path(tempfile.gettempdir()) / f"govflow-soak-{args.run}.log"
                kept.write_text(server_log)
        finally:
            if url:
                with suppress(subprocess.CalledProcessError):
                    _pg("destroy")
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        faults_log.notes.append(f"{tracebacks} tracebacks in the server log ({kept})")
        say(server_log[server_log.index("Traceback") :][:3000])
    return Run(
        args.run, seconds, args.rate, args.clients, "PostgreSQL" if url else "SQLite", rss,
        load.tally, findings, faults_log, "restart" if args.run == "pg-restart" else None,
    )  # fmt: skip


def _slope_per_10_min(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 10 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


def report(result: Run) -> bool:
    tally, found = result.tally, result.findings
    idle, under_load = result.rss[0][1], result.rss[1:]
    rss = [mb for _, mb in under_load]
    five = tally.server_errors(result.allowed_window)
    p50, p95 = percentile_ms(tally.latencies, 0.5), percentile_ms(tally.latencies, 0.95)
    later = [p for p in under_load if p[0] >= 5]
    delays = sorted(found.timer_delays)
    say("")
    for note in result.faults.notes:
        say(f"   {note}")
    say(
        f"   answers by status: {dict(sorted(tally.by_status.items()))}"
        + (f" ({DROPPED}: connections cut by a kill)" if tally.by_status[DROPPED] else "")
    )
    for window, counts in tally.windows.items():
        say(f"   answered during '{window}': {dict(sorted(counts.items()))}")
    if tally.samples:
        say("   first 5xx answers: " + " | ".join(tally.samples))
    say(
        f"   worker RSS (largest worker) before the load {idle:.0f} MB, then every minute: "
        + " ".join(f"{mb:.0f}" for mb in rss)
    )
    say(
        f"   slope {_slope_per_10_min(under_load):+.1f} MB per 10 min under load"
        + (f", {_slope_per_10_min(later):+.1f} after the first 5 minutes" if len(later) > 2 else "")
    )
    if delays:
        say(
            f"   timers fired {found.timers_fired}, delay after due p50 {statistics.median(delays):.1f} s, "
            f"max {delays[-1]:.1f} s"
        )
    if result.faults.scheduler_down:
        down, up = result.faults.scheduler_down
        meanwhile = [(d, f) for d, f in found.timer_instants if down <= d <= up]
        say(
            f"   timers due while the scheduler was down ({up - down:.1f} s): {len(meanwhile)}, "
            f"fired at most {max((f - up for _, f in meanwhile), default=0):.1f} s after its "
            "first tick"
        )
    for torn in found.torn[:20]:
        say(f"   torn: {torn}")
    say("")
    say(
        f"soak {result.name} ({result.database}): {result.seconds / 60:g} min at "
        f"{result.rate:g} requests/s, {tally.requests()} requests, 5xx {five}, "
        f"p50/p95 {p50:.0f}/{p95:.0f} ms, worker RSS first/last/max "
        f"{rss[0]:.0f}/{rss[-1]:.0f}/{max(rss):.0f} MB, torn cases {len(found.torn)} of "
        f"{found.cases} ({found.running} running)"
    )
    ok = five == 0 and not found.torn and not tally.unclear
    if tally.unclear:
        say(f"   commands during the outage answered other than done/409/503: {tally.unclear[:10]}")
    say("PASSED" if ok else "FAILED")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "run", nargs="?", default="steady", choices=("steady", "kills", "pg-restart")
    )
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--rate", type=float, default=6.0, help="requests per second, all clients")
    parser.add_argument("--clients", type=int, default=3)
    args = parser.parse_args(argv)
    if args.minutes is None:
        args.minutes = {"steady": 20, "kills": 5, "pg-restart": 4}[args.run]
    return 0 if report(run(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
