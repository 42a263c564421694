"""SQL constructs shared by several parts of the engine.

``json_array_contains(column, value)``: does the JSON array in ``column`` hold ``value``?
On PostgreSQL it is ``column @> '["value"]'``, which a GIN index answers; on SQLite a
quoted LIKE on the text, exact because codes and usernames cannot contain quotes.

``table_state(model)``: how many rows a small settings table holds and when one last
changed, the key under which a worker keeps what it built from the table.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, String, cast, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class json_array_contains(ColumnElement[bool]):  # noqa: N801 - reads like a SQL function
    type = Boolean()
    inherit_cache = True
    # Both parts belong to the statement cache key: a cached query for one department must
    # never serve another.
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("value", InternalTraversal.dp_string),
    ]

    def __init__(self, column: Any, value: str) -> None:
        self.column = column
        self.value = value


@compiles(json_array_contains)
def _generic(element: json_array_contains, compiler: Any, **kw: Any) -> str:
    pattern = literal(f'%"{element.value}"%')
    return compiler.process(cast(element.column, String).like(pattern), **kw)


@compiles(json_array_contains, "postgresql")
def _postgresql(element: json_array_contains, compiler: Any, **kw: Any) -> str:
    wanted = cast(literal(json.dumps([element.value])), JSONB)
    return f"({compiler.process(element.column, **kw)} @> {compiler.process(wanted, **kw)})"


def table_state(model: Any) -> tuple[Any, Any]:
    """SQL: the row count and the last ``updated_at`` of ``model``'s table, as two scalar
    subqueries a statement reads beside its own columns."""
    return (
        select(func.count()).select_from(model).scalar_subquery(),
        select(func.max(model.updated_at)).scalar_subquery(),
    )
