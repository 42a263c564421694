"""The rollup kept right: a case's contribution to ``DailyFigures`` and
``DailyDurations``, and moving the difference between two versions of its figures.

A case counts on the day each thing happened to it — started, accepted, refused,
concluded, rated — once for the case as a whole (``WHOLE``) and once for each department
that worked on it.  Changing a case's figures subtracts its old contribution and adds the
new one: a return that reopens nothing changes nothing, a case concluded moves into the
concluded counts, a rating moves into the ratings of the day it was given.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import COUNTERS, WHOLE, DailyDurations, DailyFigures

#: A rating of this level or better is good (好评: 满意, 非常满意).
GOOD = 4

Key = tuple[date, str, str]
Contribution = tuple[dict[Key, Counter[str]], Counter[tuple[date, str, str, int]]]


def contribution(figures: dict[str, Any] | None) -> Contribution:
    """What a case with these figures adds to the daily rows and the duration histogram."""
    daily: dict[Key, Counter[str]] = defaultdict(Counter)
    durations: Counter[tuple[date, str, str, int]] = Counter()
    if not figures:
        return daily, durations
    key = figures["process_key"]
    for department in (WHOLE, *figures["departments"]):
        if figures["started_on"]:
            daily[(figures["started_on"], key, department)]["started"] += 1
        if figures["accepted_on"]:
            daily[(figures["accepted_on"], key, department)]["accepted"] += 1
        if figures["refused_on"]:
            daily[(figures["refused_on"], key, department)]["refused"] += 1
        concluded = figures["concluded_on"]
        if concluded:
            day = daily[(concluded, key, department)]
            day["concluded"] += 1
            day["within_promised"] += figures["within_promised"] or 0
            day["within_statutory"] += figures["within_statutory"] or 0
            if figures["working_days"] is not None:
                day["timed"] += 1
                day["working_days"] += figures["working_days"]
                day["same_day"] += int(figures["working_days"] == 0)
                durations[(concluded, key, department, figures["working_days"])] += 1
            for name in (
                "supplemented",
                "returned",
                "materials_required",
                "materials_shared",
                "materials_uploaded",
                "trips",
            ):
                day[name] += figures[name]
        if figures["rated_on"]:
            day = daily[(figures["rated_on"], key, department)]
            day["rated"] += 1
            day["rated_good"] += int(figures["rating"] >= GOOD)
            day["rectifications"] += figures["rectifications"]
            day["rectified_in_time"] += figures["rectified_in_time"]
    return daily, durations


def apply_change(session: Session, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
    """Move the rollup from a case's ``old`` figures to its ``new`` ones."""
    old_daily, old_durations = contribution(old)
    new_daily, new_durations = contribution(new)
    daily: dict[Key, dict[str, int]] = {}
    for key in set(old_daily) | set(new_daily):
        delta = {
            name: new_daily[key][name] - old_daily[key][name]
            for name in COUNTERS
            if new_daily[key][name] != old_daily[key][name]
        }
        if delta:
            daily[key] = delta
    durations = {
        key: new_durations[key] - old_durations[key]
        for key in set(old_durations) | set(new_durations)
        if new_durations[key] != old_durations[key]
    }
    add(session, daily, durations)


def add(
    session: Session,
    daily: dict[Key, dict[str, int]],
    durations: dict[tuple[date, str, str, int], int],
) -> None:
    """Add these amounts to the rollup rows, creating those missing.  Keys go in sorted
    order so that two commands touching the same days lock the rows in the same order.
    The upserts touch only the rollup, which no command holds as objects: they run
    without flushing the command's other changes first."""
    if daily:
        rows = [
            {
                "day": day,
                "process_key": key,
                "department": department,
                **{name: amounts.get(name, 0) for name in COUNTERS},
            }
            for (day, key, department), amounts in sorted(daily.items())
        ]
        with session.no_autoflush:
            session.execute(_upsert(session, DailyFigures, COUNTERS), rows)
    if durations:
        rows = [
            {
                "day": day,
                "process_key": key,
                "department": department,
                "working_days": days,
                "cases": amount,
            }
            for (day, key, department, days), amount in sorted(durations.items())
        ]
        with session.no_autoflush:
            session.execute(_upsert(session, DailyDurations, ("cases",)), rows)


def _upsert(session: Session, model: Any, summed: tuple[str, ...]) -> Any:
    """``INSERT … ON CONFLICT (primary key) DO UPDATE SET n = n + excluded.n``."""
    return _upsert_statement(session.get_bind().dialect.name, model, summed)


@cache
def _upsert_statement(dialect_name: str, model: Any, summed: tuple[str, ...]) -> Any:
    # Built once per dialect and table: SQL expressions are immutable, and building this
    # one (a sum per counter) cost more than running it in every command that moves the
    # rollup.
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = model.__table__
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={name: table.c[name] + statement.excluded[name] for name in summed},
    )
