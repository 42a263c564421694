"""Scale-out: two app processes on one PostgreSQL database, hammered on the same cases.
No lost update, no duplicate completion, no deadlock left hanging (PostgreSQL leg only)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import Api, property_application

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not os.environ.get("GOVFLOW_TEST_DATABASE_URL"),
    reason="scale-out runs against PostgreSQL (make test's second leg)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(
    base: str, method: str, path: str, token: str, body: dict | None = None
) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def two_servers(app, settings):  # noqa: ANN001, ANN201
    env = {
        **os.environ,
        "GOVFLOW_DATABASE_URL": settings.database_url,
        "GOVFLOW_DATA_DIR": str(settings.data_dir),
    }
    processes, bases = [], []
    for _ in range(2):
        port = _free_port()
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-w",
                    "1",
                    "--threads",
                    "4",
                    "-b",
                    f"127.0.0.1:{port}",
                    "web:create_app()",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/api/openapi.json", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        yield bases
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_two_app_processes_hammering_the_same_cases_lose_nothing(api: Api, two_servers):
    first, second = two_servers
    window, tax, registry = (
        api.token(u) for u in ("clerk_service_center", "clerk_tax", "clerk_registry")
    )
    cases = [api.start_case("property_transfer", property_application())["id"] for _ in range(6)]
    acceptance = {c: api.open_task("clerk_service_center", c, "acceptance")["id"] for c in cases}

    with ThreadPoolExecutor(max_workers=12) as pool:
        # The same acceptance completed through both processes at once: exactly one wins.
        futures = [
            (
                c,
                pool.submit(
                    _call,
                    base,
                    "POST",
                    f"/api/v1/tasks/{acceptance[c]}/complete",
                    window,
                    {"data": {"accepted": True}},
                ),
            )
            for c in cases
            for base in (first, second)
        ]
        outcomes: dict[int, list[int]] = {}
        for case_id, future in futures:
            outcomes.setdefault(case_id, []).append(future.result(timeout=120)[0])
    assert all(sorted(codes) == [200, 409] for codes in outcomes.values()), outcomes

    branches = {
        c: (
            api.open_task("clerk_tax", c, "collect_tax")["id"],
            api.open_task("clerk_registry", c, "registry_review")["id"],
        )
        for c in cases
    }
    with ThreadPoolExecutor(max_workers=12) as pool:
        # The two parallel branches of each case, one through each process, at once.
        results = [
            pool.submit(
                _call,
                first,
                "POST",
                f"/api/v1/tasks/{t}/complete",
                tax,
                {"data": {"tax_amount": 100, "paid": True}},
            )
            for t, _ in branches.values()
        ]
        results += [
            pool.submit(
                _call,
                second,
                "POST",
                f"/api/v1/tasks/{r}/complete",
                registry,
                {"data": {"approved": True}},
            )
            for _, r in branches.values()
        ]
        codes = [f.result(timeout=120)[0] for f in results]
    assert codes == [200] * len(codes)

    for case_id in cases:
        case = api.get(f"/api/v1/cases/{case_id}", "supervisor").get_json()
        done = [t["bpmn_id"] for t in case["tasks"] if t["status"] == "completed"]
        assert sorted(done) == ["acceptance", "collect_tax", "registry_review"]
        assert [t["bpmn_id"] for t in case["tasks"] if t["status"] in ("ready", "claimed")] == [
            "record_register"
        ]
        assert case["data"]["paid"] is True and case["data"]["approved"] is True
        events = api.get(f"/api/v1/cases/{case_id}/events", "supervisor").get_json()["items"]
        assert [e["action"] for e in events].count("task_completed") == 3
