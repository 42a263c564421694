"""The first set-up: import departments or users from a CSV file, all or nothing.

Every row is checked as the API checks a request (``engine.directory``), in one
transaction; when any row is wrong nothing is written and the answer lists every wrong
row by its line number, so the operator fixes the file once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from ..context import Govflow
from ..directory import csv_import
from ..directory import departments as department_rules
from ..directory import users as user_rules
from ..errors import BadRequest, Conflict, NotFound, ValidationFailed
from ..principal import Principal
from ..uow import run_in_transaction
from .access import require_role


def import_departments(
    govflow: Govflow, actor: Principal, text: bytes, lang: str = "zh"
) -> list[csv_import.Row]:
    return _import(govflow, actor, text, csv_import.departments, department_rules.create, lang)


def import_users(
    govflow: Govflow, actor: Principal, text: bytes, lang: str = "zh"
) -> list[csv_import.Row]:
    """The imported users; ``generated_password`` is set on those the file gave none."""
    return _import(govflow, actor, text, csv_import.users, user_rules.create, lang)


def _import(
    govflow: Govflow,
    actor: Principal,
    text: bytes,
    parse: Callable[[bytes], list[csv_import.Row]],
    create: Callable[[Session, Principal, dict[str, Any], str], Any],
    lang: str,
) -> list[csv_import.Row]:
    require_role(actor, "admin")
    try:
        rows = parse(text)
    except csv_import.CsvProblem as exc:
        raise BadRequest(str(exc)) from None
    if not rows:
        raise BadRequest("the file has no rows below its header")

    parse_problems = [dict(row.problems) for row in rows]

    def work(session: Session) -> list[csv_import.Row]:
        for row, problems in zip(rows, parse_problems, strict=True):
            row.problems = dict(problems)  # afresh when the transaction is retried
        for row in rows:
            if not row.problems:
                try:
                    create(session, actor, row.payload, lang)
                except ValidationFailed as exc:
                    row.problems.update(exc.details.get("fields", {}))
                except (Conflict, NotFound) as exc:
                    row.problems.setdefault("_row", []).append(exc.message)
        wrong = [{"line": r.line, "fields": r.problems} for r in rows if r.problems]
        if wrong:
            raise ValidationFailed(f"{len(wrong)} rows are invalid; nothing imported", rows=wrong)
        return rows

    return run_in_transaction(govflow.db, work)
