"""Reading the first set-up of departments and users from CSV files.

One row is one department or one user, with a header row naming the columns (UTF-8, a
spreadsheet's byte-order mark allowed):

* departments: ``code,name_zh,name_en[,kind,parent,division,active]`` — a parent comes
  before its children in the file, or exists already;
* users: ``username,display_name,roles[,department,password,id_number,phone]`` — roles
  separated by ``;`` (``clerk;supervisor``); a blank password gets a generated one.

Rows become the same payloads the API takes, so a row is checked exactly as a request
is.  Imported users choose their own password at the first sign-in.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from .passwords import weaknesses

DEPARTMENT_COLUMNS = ("code", "name_zh", "name_en", "kind", "parent", "division", "active")
DEPARTMENT_REQUIRED = ("code", "name_zh", "name_en")
USER_COLUMNS = ("username", "display_name", "roles", "department", "password", "id_number", "phone")
USER_REQUIRED = ("username", "display_name", "roles")

_TRUE, _FALSE = {"", "true", "yes", "1", "是"}, {"false", "no", "0", "否"}


class CsvProblem(ValueError):
    """The file itself is unusable (not UTF-8, no header, unknown columns)."""


@dataclass
class Row:
    line: int
    payload: dict[str, Any]
    #: Set when the file gave no password and one was generated for the user.
    generated_password: str | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)


def _records(text: bytes, columns: tuple[str, ...], required: tuple[str, ...]) -> list[tuple]:
    try:
        decoded = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvProblem("the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(decoded))
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise CsvProblem("the file has no header row")
    unknown = [name for name in header if name not in columns]
    missing = [name for name in required if name not in header]
    if unknown or missing:
        raise CsvProblem(
            f"columns must be {', '.join(columns)} (required: {', '.join(required)}); "
            + "; ".join(
                part
                for part in (
                    f"unknown: {', '.join(unknown)}" if unknown else "",
                    f"missing: {', '.join(missing)}" if missing else "",
                )
                if part
            )
        )
    reader.fieldnames = header
    records = []
    for record in reader:
        values = {k: (v or "").strip() for k, v in record.items() if k is not None}
        if any(values.values()):
            records.append((reader.line_num, values))
    return records


def _blank_is_none(value: str) -> str | None:
    return value or None


def _flag(value: str, row: Row) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered not in _FALSE:
        row.problems.setdefault("active", []).append("must be true or false")
    return False


def departments(text: bytes) -> list[Row]:
    rows = []
    for line, values in _records(text, DEPARTMENT_COLUMNS, DEPARTMENT_REQUIRED):
        row = Row(line, {})
        row.payload = {
            "code": values.get("code", ""),
            "name": {"zh": values.get("name_zh", ""), "en": values.get("name_en", "")},
            "kind": _blank_is_none(values.get("kind", "")),
            "parent": _blank_is_none(values.get("parent", "")),
            "division": _blank_is_none(values.get("division", "")),
            "active": _flag(values.get("active", ""), row),
        }
        rows.append(row)
    return rows


def generate_password(username: str) -> str:
    """A one-time password for a user the file gave none (they replace it at sign-in)."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if not weaknesses(candidate, username):
            return candidate


def users(text: bytes) -> list[Row]:
    rows = []
    for line, values in _records(text, USER_COLUMNS, USER_REQUIRED):
        row = Row(line, {})
        password = values.get("password", "")
        if not password:
            password = row.generated_password = generate_password(values.get("username", ""))
        roles = [r for r in re.split(r"[;|\s]+", values.get("roles", "")) if r]
        row.payload = {
            "username": values.get("username", ""),
            "display_name": values.get("display_name", ""),
            "roles": roles or None,
            "department": _blank_is_none(values.get("department", "")),
            "password": password,
            "id_number": _blank_is_none(values.get("id_number", "")),
            "phone": _blank_is_none(values.get("phone", "")),
            "must_change_password": True,
        }
        rows.append(row)
    return rows
