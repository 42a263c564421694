"""Inserting many rows at once: PostgreSQL's COPY, SQLite's executemany.

The scheduler's sweep may record tens of thousands of transitions in one go; COPY moves
them in one round trip where row-by-row inserts would take seconds.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    json_columns = {
        c.name
        for c in table.columns
        if "JSON" in type(c.type).__name__.upper() or "JSON" in repr(c.type).upper()
    }
    cursor = connection.connection.driver_connection.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                    for c in columns
                ]
            )
