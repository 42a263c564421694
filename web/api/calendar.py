from __future__ import annotations

from flask import Blueprint

from engine.services import calendar as service

from ..schemas.calendar import AddWorkingDaysQuery, WorkingDaysEnd, Year, YearSchedule
from .common import authenticated, caller, engine
from .operation import body, operation, query

bp = Blueprint("calendar", __name__)


@bp.get("/calendar/add-working-days")
@authenticated
@operation(
    "The day a limit of N working days ends, counted from the day after 'from'",
    tag="calendar",
    query=AddWorkingDaysQuery,
    answer=WorkingDaysEnd,
    errors=(422,),
)
def add_working_days():  # noqa: ANN201
    asked = query()
    return service.add_working_days(engine(), asked["from_"], asked["days"])


@bp.get("/calendar/<year:year>")
@authenticated
@operation("A year's holidays and adjusted workdays", tag="calendar", answer=Year)
def get_year(year: int):  # noqa: ANN201
    return service.get_year(engine(), year)


@bp.put("/calendar/<year:year>")
@authenticated
@operation(
    "Load or correct a year's official schedule (admin)",
    tag="calendar",
    body=YearSchedule,
    answer=Year,
    errors=(403, 422),
)
def put_year(year: int):  # noqa: ANN201
    return service.put_year(engine(), caller(), year, body())
