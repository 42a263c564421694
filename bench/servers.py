"""Starting what the HTTP benchmarks measure: a throw-away PostgreSQL, a seeded database,
gunicorn with N workers and the scheduler process — all on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .common import ROOT

BENCH_PG_PORT = "55441"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres() -> Iterator[str | None]:
    """A fresh throw-away cluster for the benchmark, or None when PostgreSQL is missing."""
    env = {**os.environ, "PG_THROWAWAY_PORT": BENCH_PG_PORT, "PG_THROWAWAY_DB": "govflow_bench"}
    script = ROOT / "scripts" / "pg-throwaway"
    try:
        url = subprocess.run(
            [str(script), "start", "--fresh"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"   PostgreSQL not available for the benchmark: {exc}")
        yield None
        return
    try:
        yield url
    finally:
        subprocess.run([str(script), "destroy"], env=env, capture_output=True)


def _env(database_url: str, data_dir: Path) -> dict[str, str]:
    # As the README's production set-up: glibc's per-thread malloc arenas otherwise grow a
    # threaded worker's resident memory by half again for nothing.
    return {
        **os.environ,
        "GOVFLOW_DATABASE_URL": database_url,
        "GOVFLOW_DATA_DIR": str(data_dir),
        "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
    }


def prepare_database(database_url: str, data_dir: Path) -> None:
    govflow = [sys.executable, "-m", "web.cli"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            govflow + command,
            cwd=ROOT,
            env=_env(database_url, data_dir),
            check=True,
            capture_output=True,
        )


@contextmanager
def gunicorn(
    database_url: str, data_dir: Path, workers: int, threads: int = 4, scheduler: bool = False
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix="govflow-bench-ready-"))
    env = {**_env(database_url, data_dir), "BENCH_READY_DIR": str(ready)}
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:bench.gunicorn_ready",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "web:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    sched = None
    if scheduler:
        sched = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "scheduler"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        _wait_for_workers(ready, workers)
        yield base, web
    finally:
        for process in (web, sched):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(ready, ignore_errors=True)


def _wait_until_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/openapi.json", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not come up")


def _wait_for_workers(ready: Path, workers: int, timeout: float = 60) -> None:
    """Until every worker has loaded the app (``bench/gunicorn_ready.py``)."""
    deadline = time.monotonic() + timeout
    while len(list(ready.iterdir())) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{workers} workers did not all come up")
        time.sleep(0.1)


def worker_peak_rss_mb(master: subprocess.Popen) -> float:
    """The largest peak resident set (VmHWM) among the master's worker processes."""
    peaks = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master.pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return max(peaks, default=0.0)
