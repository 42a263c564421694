"""`make bench`: every measure of the performance targets, each printed as a figure and,
where stated, a ratio taken in the same run; the last lines are the verdicts.

BENCH_QUICK=1 runs a smaller version (a few minutes) with the same shape.
``python -m bench 7 8`` runs only the measures whose numbers it names;
``python -m bench statistics`` runs measure 9 (statistics at volume) alone.
"""

from __future__ import annotations

import platform
import sys
import time
import traceback

from . import engine_overhead, growth, http_load, living, slow_provider, statistics, volume
from .common import QUICK, Verdict, say


def _machine() -> str:
    import os

    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            memory = f", {int(handle.readline().split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"
    )


def main() -> None:
    say(f"govflow benchmarks ({'quick' if QUICK else 'full'}) on {_machine()}")
    verdicts: list[Verdict] = []
    steps = (
        ("1. engine overhead", lambda: [engine_overhead.run()]),
        ("2/6. HTTP end to end and worker memory", http_load.run),
        ("3. cost as a case grows", lambda: [growth.run()]),
        ("4/5. worklist, dashboard and timers at volume", volume.run),
        ("7. cost of a step in a long rework loop", lambda: [living.run_loop()]),
        ("8. bytes per closed case, before and after retention", lambda: [living.run_retention()]),
        ("9. statistics at volume", statistics.run),
        ("10. other cases behind a slow exchange platform", lambda: [slow_provider.run()]),
    )
    # Measure numbers, or a name: ``statistics`` is measure 9.
    wanted = {"9" if arg == "statistics" else arg for arg in sys.argv[1:]}
    for title, step in steps:
        if wanted and not wanted & set(title.split(".")[0].split("/")):
            continue
        say(f"-- {title}")
        started = time.perf_counter()
        try:
            verdicts.extend(step())
        except Exception:  # noqa: BLE001 - one broken measure must not hide the others
            traceback.print_exc()
            verdicts.append(Verdict(0, title, "failed to run", "-", None))
        say(f"   ({time.perf_counter() - started:.0f} s)")
    say("")
    for verdict in sorted(verdicts, key=lambda v: v.number):
        say(verdict.line())


if __name__ == "__main__":
    main()
