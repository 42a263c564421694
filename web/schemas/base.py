"""What every schema module shares: field types, the error body, paging and pages."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, ValidationError, fields, validate

MAX_ID = 2**63 - 1
MAX_ROW_ID = 2**31 - 1  # ids and versions live in INTEGER columns (web/api/parsing.py)
MAX_PAGE = 2**31  # (page - 1) × per_page must fit an SQL OFFSET
MAX_PER_PAGE = 100

# Free text a person types: long enough for any real opinion, never megabytes.
NAME_LENGTH = 100
REASON_LENGTH = 1000
NOTE_LENGTH = 2000
KEY_LENGTH = 200

_DIGITS = re.compile(r"[0-9]{1,19}")


class Request(Schema):
    """A request body: fields not declared are ignored (API.md: more may be added)."""

    class Meta:
        unknown = EXCLUDE


class Answer(Schema):
    """An answer: documents what the API sends (the document's source, not a filter).
    More keys may be added (API.md: clients ignore what they don't know)."""

    class Meta:
        unknown = INCLUDE


class WholeNumber(fields.Integer):
    """An integer from a query string: ASCII digits only (``int("٣")`` is 3, and ``³``
    must not reach ``int``), within ``minimum``..``maximum`` (64 bits at most)."""

    def __init__(self, minimum: int = 0, maximum: int = MAX_ID, **kwargs: Any) -> None:
        super().__init__(validate=validate.Range(minimum, maximum), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = value if isinstance(value, str) else str(value)
        if isinstance(value, bool) or not _DIGITS.fullmatch(text):
            raise ValidationError("a whole number written in the digits 0-9")
        return int(text)


def text(max_length: int, **kwargs: Any) -> fields.String:
    """A free-text field of a request, bounded (an empty string means none)."""
    return fields.String(validate=validate.Length(max=max_length), allow_none=True, **kwargs)


def required_text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)


def choice(values: tuple[str, ...], **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(values), **kwargs)


def json_object(**kwargs: Any) -> fields.Dict:
    """A JSON object of any content (form data, case data)."""
    return fields.Dict(keys=fields.String(), **kwargs)


# --- answers: most values may be null while a case is young or a row is partial --------
def s(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, **kwargs)


def i(**kwargs: Any) -> fields.Integer:
    return fields.Integer(allow_none=True, **kwargs)


def b(**kwargs: Any) -> fields.Boolean:
    return fields.Boolean(allow_none=True, **kwargs)


def when(**kwargs: Any) -> fields.String:
    """A time, ISO 8601 with offset (a string: the answer is written, not parsed)."""
    metadata = {"format": "date-time", **kwargs.pop("metadata", {})}
    return fields.String(allow_none=True, metadata=metadata, **kwargs)


def day(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, metadata={"format": "date"}, **kwargs)


def obj(**kwargs: Any) -> fields.Dict:
    return fields.Dict(allow_none=True, **kwargs)


def many(field: fields.Field, **kwargs: Any) -> fields.List:
    return fields.List(field, allow_none=True, **kwargs)


def nested(schema: type[Schema], **kwargs: Any) -> fields.Nested:
    return fields.Nested(schema, allow_none=True, **kwargs)


def strings(**kwargs: Any) -> fields.List:
    return many(fields.String(), **kwargs)


class Label(Answer):
    """A name in both languages."""

    zh = s()
    en = s()


def label(**kwargs: Any) -> fields.Nested:
    return fields.Nested(Label, allow_none=True, **kwargs)


# --- errors, paging, pages -------------------------------------------------------------
class ErrorDetail(Answer):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class Error(Answer):
    """Every error: ``{"error": {"code", "message", "details"}}`` (API.md)."""

    error = fields.Nested(ErrorDetail, required=True)


class Paging(Schema):
    """``page`` from 1, ``per_page`` 1–100 (default 20; more is read as 100)."""

    class Meta:
        unknown = EXCLUDE

    page = WholeNumber(1, MAX_PAGE, load_default=1)
    per_page = WholeNumber(1, MAX_ID, load_default=20)


def clamp(paging: dict[str, Any]) -> tuple[int, int]:
    return paging["page"], min(paging["per_page"], MAX_PER_PAGE)


_pages: dict[type[Schema], type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The list answer ``{"items": [item], "total", "page", "per_page"}`` of ``item``."""
    if item not in _pages:
        name = item.__name__.removesuffix("Schema")
        _pages[item] = Schema.from_dict(
            {
                "items": fields.List(fields.Nested(item), required=True),
                "total": fields.Integer(required=True),
                "page": fields.Integer(required=True),
                "per_page": fields.Integer(required=True),
            },
            name=f"{name}Page",
        )
    return _pages[item]


class FullMatch(validate.Validator):
    """The whole value matches ``regex`` (``validate.Regexp`` anchors only the start);
    give the field ``metadata={"pattern": ...}`` with the same expression between ^ and $
    so that the document says what is refused."""

    def __init__(self, regex: re.Pattern[str], error: str) -> None:
        self.regex, self.error = regex, error

    def __call__(self, value: str) -> str:
        if not self.regex.fullmatch(value):
            raise ValidationError(self.error)
        return value


def matching(regex: re.Pattern[str], error: str, **kwargs: Any) -> fields.String:
    """A request string that matches ``regex`` whole, the pattern documented."""
    metadata = {"pattern": f"^{regex.pattern}$", **kwargs.pop("metadata", {})}
    return fields.String(validate=FullMatch(regex, error), metadata=metadata, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON ``true`` or ``false`` only (marshmallow would read "yes", 1 or "on" too)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("true or false")
        return value


class Strict(Schema):
    """A request body whose unknown keys are refused, each named (422): a misspelt key
    would otherwise be dropped and the old value silently kept."""

    class Meta:
        unknown = RAISE
