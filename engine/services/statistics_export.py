"""The statistics as a file (``GET /api/v1/statistics/export``): xlsx with a summary
sheet (the whole, each matter, each department) and a sheet of the cases behind the
figures; CSV with the same two tables one after the other, a blank line between."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from ..context import Govflow
from ..errors import BadRequest
from ..models import Case
from ..principal import Principal
from ..statistics.figures import FIGURES
from ..statistics.models import CaseFigures
from ..uow import read_only
from .statistics import Scope, _drill_query, case_row, summary

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
#: The case sheet lists at most this many cases (the latest first); the summary counts all.
CASE_LIMIT = 10_000
CASE_COLUMNS = (
    "case_id",
    "process_key",
    "applicant",
    "departments",
    "started_on",
    "accepted_on",
    "refused_on",
    "concluded_on",
    "within_promised",
    "within_statutory",
    "working_days",
    "supplemented",
    "returned",
    "materials_required",
    "materials_shared",
    "materials_uploaded",
    "trips",
    "rating",
)


def summary_rows(figures: dict[str, Any]) -> list[list[Any]]:
    """The summary table: one row for the whole, each matter and each department."""
    rows: list[list[Any]] = [["scope", "name", *FIGURES]]
    rows.append(["total", "", *(figures[f] for f in FIGURES)])
    for item in figures["by_process"]:
        rows.append(["process", item["process_key"], *(item[f] for f in FIGURES)])
    for item in figures["by_department"]:
        rows.append(["department", item["department"], *(item[f] for f in FIGURES)])
    return rows


def _cases(session: Any, scope: Scope) -> list[list[Any]]:
    """Cases started, concluded or refused in the period (in scope), latest first."""
    counted = [_drill_query(scope, f)[0].whereclause for f in ("started", "completed", "refused")]
    listing = (
        select(CaseFigures, Case.applicant_name)
        .join(Case, Case.id == CaseFigures.case_id)
        .where(or_(*counted))
        .order_by(CaseFigures.case_id.desc())
        .limit(CASE_LIMIT)
    )
    rows: list[list[Any]] = [list(CASE_COLUMNS)]
    for figures_row, name in session.execute(listing):
        item = case_row(figures_row, name)
        item["departments"] = " ".join(item["departments"])
        rows.append([item[c] for c in CASE_COLUMNS])
    return rows


def export(
    govflow: Govflow, actor: Principal, scope: Scope, file_format: str, *, cases: bool = True
) -> tuple[bytes, str, str]:
    """The file's bytes, its media type and its name; without ``cases``, the summary
    alone (quick at any volume: the case sheet reads up to ``CASE_LIMIT`` cases)."""
    if file_format not in FORMATS:
        raise BadRequest("unknown format", fields={"format": sorted(FORMATS)})
    with read_only(govflow.db, report=True) as session:
        figures = summary(session, scope)
        tables = {"summary": summary_rows(figures)}
        if cases:
            tables["cases"] = _cases(session, scope)
    name = f"statistics_{scope.first.isoformat()}_{scope.last.isoformat()}.{file_format}"
    body = _xlsx(tables) if file_format == "xlsx" else _csv(tables)
    return body, FORMATS[file_format], name


def _xlsx(tables: dict[str, list[list[Any]]]) -> bytes:
    # openpyxl (~12 MB) loads with the first export, not with every worker
    # (tests/test_lazy_imports.py)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)  # streams rows: the case sheet stays small in memory
    bold = Font(bold=True)
    for title, rows in tables.items():
        sheet = book.create_sheet(title)
        header, *body = rows
        sheet.append([_bold(sheet, cell, bold) for cell in header])
        for row in body:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold(sheet: Any, value: Any, font: Font) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def _csv(tables: dict[str, list[list[Any]]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for number, rows in enumerate(tables.values()):
        if number:
            writer.writerow([])
        writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    # A byte-order mark, so that spreadsheet programs read the Chinese names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
