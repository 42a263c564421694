"""The soak runs' load: client threads sending a mixed load at a steady rate, and the tally
of what came back.

Each client, over and over: a whole property transfer as the demo users do it (start, the
seller's confirmation, then for each of the five steps the clerk's worklist, the case, claim,
complete), a supervisor's overview, and a case of the bench's timer process (a 10-second
公示期 fired by the scheduler) whose task it completes once the timer has fired.  Every
request waits for its slot (``rate`` requests per second over all clients), so a slow
answer does not become a burst of load afterwards, only a shorter pause.
"""

from __future__ import annotations

import collections
import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .http_load import STEPS

TIMER_PROCESS = Path(__file__).with_name("soak_timer.bpmn")
TIMER_KEY = "soak_timer"
#: The timer process's 公示期 (its BPMN says PT10S).
TIMER_SECONDS = 10.0
#: A dropped connection (the killed worker's requests) is counted under this status.
DROPPED = "dropped"


@dataclass
class Tally:
    """Every answer by status, with its latency; and, while a fault is under way, the same
    again under that fault's name."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_status: collections.Counter[str] = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)
    #: status counts of the requests answered while each fault window was open
    windows: dict[str, collections.Counter[str]] = field(default_factory=dict)
    #: commands (POST) answered neither 2xx nor 409/503 while a fault window was open
    unclear: list[str] = field(default_factory=list)
    open_window: str | None = None
    #: the first 5xx answers' bodies (what went wrong), at most a few
    samples: list[str] = field(default_factory=list)
    #: commands (POST) sent and not yet answered: a kill then cuts one off mid-way
    commands_in_flight: int = 0

    def command_sent(self, change: int) -> None:
        with self.lock:
            self.commands_in_flight += change

    def count(self, method: str, path: str, status: str, seconds: float, body: bytes) -> None:
        with self.lock:
            self.by_status[status] += 1
            if status != DROPPED:
                self.latencies.append(seconds)
            if self.open_window is not None:
                self.windows.setdefault(self.open_window, collections.Counter())[status] += 1
                settled = status.startswith("2") or status in ("409", "503")
                if method == "POST" and not settled and status != DROPPED:
                    self.unclear.append(f"{method} {path} -> {status}")
            if status.startswith("5") and len(self.samples) < 5:
                self.samples.append(f"{method} {path} -> {status} {body[:300]!r}")

    def requests(self) -> int:
        return sum(self.by_status.values())

    def server_errors(self, allowed_window: str | None = None) -> int:
        """5xx answers, leaving out the 503s answered inside ``allowed_window`` (the
        documented answer while the database is down)."""
        allowed = self.windows.get(allowed_window or "", collections.Counter())["503"]
        return sum(n for s, n in self.by_status.items() if s.startswith("5")) - allowed


class Client:
    """One user agent: a token per demo user, one connection per request (a killed worker
    then costs only the requests it held)."""

    def __init__(self, base: str, tally: Tally, pace: Callable[[], None]) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.tally = tally
        self.pace = pace
        self.tokens: dict[str, str] = {}
        self.timer_cases: list[tuple[float, int]] = []  # (started at, case id)

    def call(self, method: str, path: str, user: str | None = None, body=None):  # noqa: ANN001, ANN201
        """(status, parsed answer); status None when no token could be had or the
        connection dropped."""
        self.pace()
        headers = {"Content-Type": "application/json"}
        if user:
            token = self.token(user)
            if token is None:
                return None, None
            headers["Authorization"] = f"Bearer {token}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        started = time.perf_counter()
        command = method == "POST"
        self.tally.command_sent(command)
        try:
            connection.request(
                method, path, body=json.dumps(body) if body is not None else None, headers=headers
            )
            response = connection.getresponse()
            raw = response.read()
        except OSError:
            self.tally.count(method, path, DROPPED, 0.0, b"")
            return None, None
        finally:
            self.tally.command_sent(-command)
            connection.close()
        self.tally.count(method, path, str(response.status), time.perf_counter() - started, raw)
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

    def ready_task(self, case_id: int, user: str, bpmn_id: str, tries: int = 8) -> str | None:
        """The ready task ``bpmn_id`` of the case, read as ``user`` until it shows (the
        records the acceptance waits for arrive through jobs, after the start committed)."""
        for _ in range(tries):
            status, case = self.call("GET", f"/api/v1/cases/{case_id}", user)
            if status == 200 and case:
                for task in case["tasks"]:
                    if task["bpmn_id"] == bpmn_id and task["status"] == "ready":
                        return task["id"]
                if case["status"] != "running":
                    return None
        return None

    def property_transfer(self) -> None:
        from engine.demo import property_application

        status, case = self.call(
            "POST",
            "/api/v1/cases",
            "zhangsan",
            {"process_key": "property_transfer", "data": property_application()},
        )
        if status != 201:
            return
        self.call("POST", f"/api/v1/cases/{case['id']}/confirmations", "lisi", {})
        for user, bpmn_id, data in STEPS:
            self.call("GET", "/api/v1/tasks?status=ready", user)
            task = self.ready_task(case["id"], user, bpmn_id)
            if task is None:
                return
            self.call("POST", f"/api/v1/tasks/{task}/claim", user, {})
            self.call("POST", f"/api/v1/tasks/{task}/complete", user, {"data": data})

    def timer_case(self) -> None:
        """Start a timer case; finish those whose 公示期 is long over."""
        status, case = self.call(
            "POST", "/api/v1/cases", "zhangsan", {"process_key": TIMER_KEY, "data": {}}
        )
        if status == 201:
            self.timer_cases.append((time.monotonic(), case["id"]))
        while self.timer_cases and time.monotonic() - self.timer_cases[0][0] > 3 * TIMER_SECONDS:
            _, case_id = self.timer_cases.pop(0)
            task = self.ready_task(case_id, "clerk_registry", "after_notice", tries=2)
            if task is not None:
                self.call("POST", f"/api/v1/tasks/{task}/claim", "clerk_registry", {})
                self.call("POST", f"/api/v1/tasks/{task}/complete", "clerk_registry", {"data": {}})

    def round(self) -> None:
        self.property_transfer()
        self.call("GET", "/api/v1/supervision/overview", "supervisor")
        self.timer_case()


class Load:
    """``clients`` threads sharing ``rate`` requests per second, until ``stop``."""

    def __init__(self, base: str, clients: int, rate: float) -> None:
        self.base = base
        self.tally = Tally()
        self.interval = clients / rate
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def start(self) -> None:
        for index, thread in enumerate(self.threads):
            thread.start()
            time.sleep(self.interval / len(self.threads) * (index + 1))

    def stop(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(90)

    def _client(self) -> None:
        next_at = time.monotonic()

        def pace() -> None:
            nonlocal next_at
            next_at = max(next_at + self.interval, time.monotonic() - 5 * self.interval)
            self.done.wait(max(0.0, next_at - time.monotonic()))
            if self.done.is_set():
                raise _Stopped

        me = Client(self.base, self.tally, pace)
        try:
            while not self.done.is_set():
                me.round()
        except _Stopped:
            pass


class _Stopped(Exception):
    """The run is over: the client leaves at its next request slot."""
