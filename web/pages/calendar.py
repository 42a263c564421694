"""The administrator's calendar page: the years with a schedule (which are official), one
year as a month grid of holidays and adjusted workdays, and the form that loads or
corrects it — the payload of ``PUT /api/v1/calendar/{year}``, to the same service."""

from __future__ import annotations

import calendar as month_tables
import re
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from engine import clock
from engine.errors import ValidationFailed
from engine.services import calendar as service

from .common import engine, login_required, principal

bp = Blueprint("calendar_admin", __name__)

#: Dates in the form's boxes: one per line, or separated by commas or spaces.
_SEPARATORS = re.compile(r"[\s,，;；]+")
#: More dates than a year has days is not a year (the API's schema says the same).
MAX_DATES = 366


#: The calendar's problems (engine.workcalendar.schedule, in English) as the page says
#: them: each pattern with its message's msgid.
_PROBLEMS = [
    (
        re.compile(r"^(?P<day>\S+) is listed both as a holiday and as a workday$"),
        lazy_gettext("%(day)s is listed both as a holiday and as an adjusted workday."),
    ),
    (
        re.compile(r"^workday (?P<day>\S+) is a \w+: only a Saturday or Sunday"),
        lazy_gettext("%(day)s is a weekday: only a Saturday or Sunday can be an adjusted workday."),
    ),
    (
        re.compile(r"^\w+\[\d+\]: '(?P<day>.*)' is not a date of the form YYYY-MM-DD$"),
        lazy_gettext("%(day)s is not a date of the form YYYY-MM-DD."),
    ),
    (
        re.compile(r"^\w+: (?P<day>\S+) is not in (?P<year>\d+)$"),
        lazy_gettext("%(day)s is not in %(year)s."),
    ),
    (
        re.compile(r"^(?P<n>\d+) holidays listed; a year has at most (?P<most>\d+) days off$"),
        lazy_gettext("%(n)s holidays listed; a year has at most %(most)s days off."),
    ),
    (
        re.compile(r"^year (?P<year>\d+) is outside"),
        lazy_gettext("The year %(year)s is outside the years a calendar may hold."),
    ),
]


def _in_page_language(problem: str) -> str:
    for pattern, said in _PROBLEMS:
        if found := pattern.search(problem):
            return str(said) % found.groupdict()
    return problem


def _year_arg() -> int:
    raw = request.args.get("year", "")
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 9999:
        return int(raw)
    return clock.local(clock.now()).year


def _months(view: dict) -> list[dict]:
    """Twelve month grids (weeks from Monday), each day marked holiday / workday /
    weekend / plain."""
    year = view["year"]
    holidays, workdays = set(view["holidays"]), set(view["workdays"])
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_tables.Calendar(firstweekday=0).monthdayscalendar(year, month):
            days = []
            for weekday, number in enumerate(week):
                if not number:
                    days.append(None)
                    continue
                iso = date(year, month, number).isoformat()
                kind = (
                    "holiday"
                    if iso in holidays
                    else "workday"
                    if iso in workdays
                    else "weekend"
                    if weekday >= 5
                    else ""
                )
                days.append({"day": number, "kind": kind, "iso": iso})
            weeks.append(days)
        months.append({"month": month, "weeks": weeks})
    return months


def _page(
    year: int, form: dict | None = None, problems: list[str] | None = None, status: int = 200
):  # noqa: ANN202
    view = service.get_year(engine(), year)
    form = form or {
        "official": view["official"] or not view["holidays"],
        "source": view["source"] if view["holidays"] or view["workdays"] else "",
        "holidays": "\n".join(view["holidays"]),
        "workdays": "\n".join(view["workdays"]),
    }
    page = render_template(
        "admin/calendar.html",
        view=view,
        months=_months(view),
        years=service.list_years(engine()),
        form=form,
        problems=problems or [],
    )
    return page, status


@bp.get("/admin/calendar")
@login_required("admin")
def calendar_page():  # noqa: ANN201
    return _page(_year_arg())


def _dates(text: str) -> list[str]:
    return [d for d in _SEPARATORS.split(text.strip()) if d]


@bp.post("/admin/calendar/<year:year>")
@login_required("admin")
def load_year(year: int):  # noqa: ANN201
    form = {
        "official": request.form.get("official") == "on",
        "source": request.form.get("source", "").strip(),
        "holidays": request.form.get("holidays", ""),
        "workdays": request.form.get("workdays", ""),
    }
    holidays, workdays = _dates(form["holidays"]), _dates(form["workdays"])
    too_many = [
        _("More than %(n)s dates in %(box)s.", n=MAX_DATES, box=box)
        for box, dates in ((_("Holidays"), holidays), (_("Adjusted workdays"), workdays))
        if len(dates) > MAX_DATES
    ]
    if too_many:
        return _page(year, form, too_many, 422)
    payload = {
        "year": year,
        "official": form["official"],
        "source": form["source"][:200],
        "holidays": holidays,
        "workdays": workdays,
    }
    try:
        service.put_year(engine(), principal(), year, payload)
    except ValidationFailed as exc:
        problems = [
            _in_page_language(str(p)) for ps in exc.details.get("fields", {}).values() for p in ps
        ]
        return _page(year, form, problems or [exc.message], 422)
    flash(
        _("The calendar of %(year)s is saved; limits count on it from now on.", year=year),
        "success",
    )
    return redirect(url_for(".calendar_page", year=year))
