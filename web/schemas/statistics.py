"""Statistics: a period's figures, their trend, the cases behind them, the export, the
re-engineering report, and the window's record of the applicant's visits."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from engine.services.statistics import DRILLS, GRANULARITIES
from engine.services.statistics_export import FORMATS
from engine.statistics.figures import FIGURES

from .base import (
    KEY_LENGTH,
    REASON_LENGTH,
    Answer,
    Paging,
    Request,
    choice,
    day,
    i,
    label,
    many,
    matching,
    nested,
    obj,
    required_text,
    s,
    strings,
    when,
)

_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,40}")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}")
_RATES = {name for name in FIGURES if name.endswith("_rate") or name.endswith("_days")}


class Period(Schema):
    """``from`` and ``to``: calendar days (YYYY-MM-DD, Beijing), both included."""

    class Meta:
        unknown = EXCLUDE

    from_ = fields.Date(
        required=True, data_key="from", format="%Y-%m-%d", metadata={"example": "2026-01-01"}
    )
    to = fields.Date(required=True, format="%Y-%m-%d", metadata={"example": "2026-12-31"})
    process_key = matching(_KEY, "a process key", metadata={"maxLength": KEY_LENGTH})
    department = matching(_CODE, "a department code")

    @validates_schema
    def _ordered(self, data: dict, **kwargs: object) -> None:
        if "from_" in data and "to" in data and data["to"] < data["from_"]:
            raise ValidationError("on or after 'from'", field_name="to")


class Trend(Period):
    granularity = choice(GRANULARITIES, load_default="month")


class Export(Period):
    format = choice(tuple(FORMATS), load_default="xlsx")
    cases = fields.Boolean(
        load_default=True,
        truthy={"true", "1"},
        falsy={"false", "0"},
        metadata={"description": "false: the summary alone, without the sheet of cases"},
    )


class Drill(Period, Paging):
    figure = choice(tuple(sorted(DRILLS)), required=True)


class ReengineeringPeriod(Schema):
    class Meta:
        unknown = EXCLUDE

    from_ = fields.Date(required=True, data_key="from", format="%Y-%m-%d")
    to = fields.Date(required=True, format="%Y-%m-%d")

    @validates_schema
    def _ordered(self, data: dict, **kwargs: object) -> None:
        if "from_" in data and "to" in data and data["to"] < data["from_"]:
            raise ValidationError("on or after 'from'", field_name="to")


def _figure(name: str) -> fields.Field:
    return fields.Float(allow_none=True) if name in _RATES or "per_case" in name else i()


_FIGURES = {name: _figure(name) for name in FIGURES}

ProcessFigures = Answer.from_dict({"process_key": s(), **_FIGURES}, name="ProcessFigures")
DepartmentFigures = Answer.from_dict(
    {"department": s(), "name": label(), **_FIGURES}, name="DepartmentFigures"
)
Statistics = Answer.from_dict(
    {
        "from": day(),
        "to": day(),
        "process_key": s(),
        "department": s(),
        **_FIGURES,
        "by_process": many(fields.Nested(ProcessFigures)),
        "by_department": many(fields.Nested(DepartmentFigures)),
    },
    name="Statistics",
)
PeriodFigures = Answer.from_dict(
    {"period": s(), "from": day(), "to": day(), **_FIGURES}, name="PeriodFigures"
)
TrendAnswer = Answer.from_dict(
    {
        "from": day(),
        "to": day(),
        "granularity": s(),
        "periods": many(fields.Nested(PeriodFigures)),
        "by_department": many(fields.Nested(DepartmentFigures)),
    },
    name="StatisticsTrend",
)


class CaseBehind(Answer):
    case_id = i()
    process_key = s()
    applicant = s(metadata={"description": "masked"})
    departments = strings()
    started_on = day()
    accepted_on = day()
    refused_on = day()
    concluded_on = day()
    within_promised = fields.Boolean(allow_none=True)
    within_statutory = fields.Boolean(allow_none=True)
    working_days = i()
    supplemented = fields.Boolean(allow_none=True)
    returned = fields.Boolean(allow_none=True)
    materials_required = i()
    materials_shared = i()
    materials_uploaded = i()
    trips = i()
    rating = i()


class Before(Answer):
    single_matters = many(fields.Dict())
    departments_visited = i()
    departments = strings()
    materials = i()
    trips = i()
    working_days = fields.Float(allow_none=True)
    statutory_working_days = i()
    source = obj()


class Reengineering(Answer):
    key = s()
    name = s()
    from_ = day(data_key="from")
    to = day()
    before = nested(Before)
    after = obj(metadata={"description": "measured on the matter's cases concluded in the period"})
    saved = obj(metadata={"description": "before minus after"})


class RecordVisit(Request):
    purpose = required_text(REASON_LENGTH, metadata={"example": "递交补正材料"})


class Visit(Answer):
    id = i()
    case_id = i()
    at = when()
    recorded_by = s()
    purpose = s()


VisitList = Answer.from_dict({"items": many(fields.Nested(Visit))}, name="VisitList")
