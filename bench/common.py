"""What the benchmarks share: quick mode, a seeded app, timing, the verdict lines."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROOT = Path(__file__).resolve().parents[1]


def scale(full: int, quick: int) -> int:
    return quick if QUICK else full


@dataclass
class Verdict:
    number: int
    measure: str
    figure: str
    target: str
    met: bool | None  # None: could not be measured here

    def line(self) -> str:
        verdict = {True: "met", False: "missed", None: "not measured"}[self.met]
        return f"{self.number}. {self.measure}: {self.figure} (target {self.target}) {verdict}"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index] * 1000


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@contextmanager
def seeded_app(database_url: str | None = None) -> Iterator[Any]:
    """A migrated, demo-seeded app (SQLite in a temp dir unless a URL is given)."""
    from flask_migrate import upgrade

    from engine.config import Settings
    from engine.principal import SYSTEM
    from engine.services.demo import seed_demo
    from web import create_app

    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as tmp:
        url = database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(Settings(data_dir=Path(tmp) / "data", database_url=url, demo=True))
        with app.app_context():
            upgrade()
        seed_demo(app.extensions["govflow"], SYSTEM)
        try:
            yield app
        finally:
            app.extensions["govflow"].close()


def say(text: str) -> None:
    print(text, flush=True)
