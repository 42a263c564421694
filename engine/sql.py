"""SQL constructs that need a different spelling per database.

``json_array_contains(column, value)``: does the JSON array in ``column`` hold ``value``?
On PostgreSQL it is ``column @> '["value"]'``, which a GIN index answers; on SQLite a
quoted LIKE on the text, exact because codes and usernames cannot contain quotes.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, String, cast, literal
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
