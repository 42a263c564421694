"""Reading a request: the one place where bytes from the network become Python values.

Every JSON body, query string and path id of the API passes through here, so the hostile
shapes a fuzzer finds are refused once, before any engine code sees them:

- JSON that is not UTF-8, holds a lone UTF-16 surrogate (``"\\ud800"``: it cannot be stored
  or sent back), ``NaN``/``Infinity`` (not JSON; stored, it poisons every later answer) or
  nests deeper than any real document (the decoder would recurse until it fails) → 400;
- a body or query string that its marshmallow schema (web/schemas) refuses → 422 for a
  body (``details.fields``, as form validation does), 400 for a query string;
- a multipart upload without its file field → 400 (``uploaded_file``);
- a path id that is not ASCII digits or does not fit its INTEGER column → 404 (it names
  nothing), by the ``id`` URL converter.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from werkzeug.datastructures import FileStorage
from werkzeug.routing import BaseConverter, ValidationError

from engine.errors import BadRequest, ValidationFailed

MAX_DEPTH = 32  # the deepest real body (form data inside a case body) is well below this
# The ids a path names (cases, models, pauses) live in INTEGER columns: PostgreSQL
# refuses a larger number in a comparison with one (500), SQLite overflows past 2^63-1.
MAX_ROW_ID = 2**31 - 1


def _refuse_constant(name: str) -> Any:
    raise BadRequest(f"'{name}' is not a JSON number")


def _checked(value: Any) -> Any:
    """Walk ``value`` (without recursion) refusing lone surrogates and deep nesting."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"the JSON nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            for key, inner in item.items():
                _valid_text(key)
                pending.append((inner, depth + 1))
        elif isinstance(item, list):
            pending.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            _valid_text(item)
    return value


def _valid_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("the JSON holds invalid Unicode (a lone surrogate)") from None


def parse_json(raw: bytes | str) -> Any:
    """Decode one JSON document strictly (see the module docstring); 400 when it is not."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the body is not valid UTF-8 JSON") from None
    except RecursionError:
        raise BadRequest(f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    return _checked(value)


def json_object(raw: bytes | str) -> dict[str, Any]:
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise BadRequest("the body must be a JSON object")
    return value


def request_json() -> dict[str, Any]:
    """The request's JSON object body; ``{}`` when there is none."""
    raw = request.get_data(cache=True)
    return json_object(raw) if raw.strip() else {}


def uploaded_file(field: str = "file") -> FileStorage:
    """The document sent as multipart form field ``field``; 400 when there is none (the
    engine's upload service reads and checks its bytes: size, type)."""
    file = request.files.get(field)
    if file is None:
        raise BadRequest(f"send the document as multipart form field '{field}'")
    return file


def _flat(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as API.md's ``details.fields``: a field's path
    (``applicant.name``, ``reasons[0].code``) → its messages; a bad item of a list of
    plain values is reported on the list (``purposes``: ``["[0] …"]``)."""
    if not isinstance(messages, dict):
        texts = messages if isinstance(messages, list) else [messages]
        return {prefix or "body": [str(m) for m in texts]}
    flat: dict[str, list[str]] = {}
    for key, inner in messages.items():
        if isinstance(key, int) and not isinstance(inner, dict):
            flat.setdefault(prefix or "body", []).extend(
                f"[{key}] {m}" for m in _flat(inner)["body"]
            )
            continue
        if key == "_schema":  # marshmallow's name for "the value itself"
            name = prefix or "body"
        elif isinstance(key, int):
            name = f"{prefix}[{key}]"
        else:
            name = f"{prefix}.{key}" if prefix else key
        for path, texts in _flat(inner, name).items():
            flat.setdefault(path, []).extend(texts)
    return flat


def load_body(schema: Schema) -> dict[str, Any]:
    """The JSON body loaded through ``schema``: 400 when not JSON, 422 when not valid."""
    return load_object(schema, request_json())


def load_object(schema: Schema, value: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(value)
    except SchemaError as exc:
        raise ValidationFailed("the request is invalid", fields=_flat(exc.messages)) from None


def load_query(schema: Schema) -> dict[str, Any]:
    """The query string loaded through ``schema``: 400 ``bad_request`` when not valid."""
    try:
        return schema.load(request.args.to_dict())
    except SchemaError as exc:
        fields = _flat(exc.messages)
        names = ", ".join(f"'{name}'" for name in fields)
        raise BadRequest(f"invalid query parameter {names}", fields=fields) from None


class IdConverter(BaseConverter):
    """``<id:case_id>``: a row id, ASCII digits that fit an INTEGER column; else 404."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ROW_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class YearConverter(BaseConverter):
    """``<year:year>``: a calendar year the date type can hold (1–9999); else 404."""

    regex = r"[0-9]{1,4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if year < 1:
            raise ValidationError()
        return year

    def to_url(self, value: Any) -> str:
        return str(int(value))
