"""The working-day calendar: counting working days, and a year's official schedule."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .base import Answer, Request, WholeNumber, b, day, s, text

MAX_DAYS = 3650


class AddWorkingDaysQuery(Schema):
    from_ = fields.Date(required=True, data_key="from", metadata={"description": "YYYY-MM-DD"})
    days = WholeNumber(0, MAX_DAYS, required=True)


class WorkingDaysEnd(Answer):
    from_ = day(data_key="from")
    days = fields.Integer(required=True)
    date = day(required=True)
    official = fields.Boolean(required=True)


class YearSchedule(Request):
    """A year as the State Council notice gives it (``year`` may be left out)."""

    year = fields.Integer(allow_none=True, strict=True)
    official = fields.Boolean(allow_none=True)
    source = text(200, metadata={"description": "where the schedule comes from"})
    holidays = fields.List(
        fields.String(validate=validate.Length(max=10), metadata={"format": "date"}),
        validate=validate.Length(max=366),
    )
    workdays = fields.List(
        fields.String(validate=validate.Length(max=10), metadata={"format": "date"}),
        validate=validate.Length(max=366),
    )


class Year(Answer):
    year = fields.Integer(required=True)
    official = b()
    holidays = fields.List(fields.String(metadata={"format": "date"}))
    workdays = fields.List(fields.String(metadata={"format": "date"}))
    source = s()
