from __future__ import annotations

from flask import Blueprint, request

from engine.services import calendar as service

from .common import authenticated, caller, engine, json_body

bp = Blueprint("calendar", __name__)


@bp.get("/calendar/add-working-days")
@authenticated
def add_working_days():  # noqa: ANN201
    return service.add_working_days(engine(), request.args.get("from"), request.args.get("days"))


@bp.get("/calendar/<int:year>")
@authenticated
def get_year(year: int):  # noqa: ANN201
    return service.get_year(engine(), year)


@bp.put("/calendar/<int:year>")
@authenticated
def put_year(year: int):  # noqa: ANN201
    return service.put_year(engine(), caller(), year, json_body())
