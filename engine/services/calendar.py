"""The calendar as users reach it: add working days, read and load a year."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import audit
from ..context import Govflow
from ..deadlines.calendar_store import load_calendar, store_year, year_view
from ..errors import BadRequest, ValidationFailed
from ..principal import Principal
from ..uow import read_only, run_in_transaction
from .access import require_role

MAX_DAYS = 3650


def add_working_days(govflow: Govflow, day: date, count: int) -> dict[str, Any]:
    """The end of a limit of ``count`` working days from ``day`` (0–``MAX_DAYS``)."""
    if not 0 <= count <= MAX_DAYS:
        raise BadRequest(f"'days' must be between 0 and {MAX_DAYS}")
    with read_only(govflow.db) as session:
        try:
            result = load_calendar(session).add_working_days(day, count)
        except OverflowError:  # counting past 9999-12-31, the last day a date can hold
            raise ValidationFailed(
                "the limit ends after the last day the calendar can hold",
                fields={"from": ["too late: the count would pass 9999-12-31"]},
            ) from None
    return {
        "from": day.isoformat(),
        "days": count,
        "date": result.date.isoformat(),
        "official": result.official,
    }


def get_year(govflow: Govflow, year: int) -> dict[str, Any]:
    with read_only(govflow.db) as session:
        return year_view(load_calendar(session), year)


def list_years(govflow: Govflow) -> list[dict[str, Any]]:
    """Every year with a schedule: whether it is official, where it comes from, how many
    holidays and adjusted workdays it has (the administrator's calendar page)."""
    with read_only(govflow.db) as session:
        calendar = load_calendar(session)
    views = [year_view(calendar, year) for year in calendar.known_years()]
    return [
        {
            "year": v["year"],
            "official": v["official"],
            "source": v["source"],
            "holidays": len(v["holidays"]),
            "workdays": len(v["workdays"]),
        }
        for v in views
    ]


def put_year(govflow: Govflow, actor: Principal, year: int, payload: Any) -> dict[str, Any]:
    require_role(actor, "admin")
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")

    def work(session) -> dict[str, Any]:  # noqa: ANN001
        store_year(session, year, payload, actor.username)
        audit.record(
            session,
            actor,
            "calendar_year_loaded",
            year=year,
            holidays=len(payload.get("holidays") or []),
            workdays=len(payload.get("workdays") or []),
        )
        session.flush()
        return year_view(load_calendar(session), year)

    return run_in_transaction(govflow.db, work)
