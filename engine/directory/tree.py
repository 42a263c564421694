"""Regions (属地/跨层级): the department tree read for routing and for scope.

Two hierarchies meet here.  Departments hang from their ``parent`` (province → city →
county): supervision and statistics follow that tree — a city's supervisor sees the city's
departments and every county's below them (``codes_under``).  Work is routed by the
administrative division (行政区划代码) a case is handled in: a task naming a department
*kind* (``registry``) goes to the department of that kind serving the case's division, or
failing one there, the nearest one above it (``route``).  Divisions nest by their digits
(GB/T 2260): 110105 lies in 110100, which lies in 110000; township codes (9 digits) and
village codes (12) lie in their county's.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Row, Select, bindparam, literal, or_, select
from sqlalchemy.orm import Session

from ..models import Department


def division_chain(division: str | None) -> list[str]:
    """``division`` and the divisions it lies in, nearest first (110105 → 110105, 110100,
    110000).  Nothing for no division."""
    if not division:
        return []
    chain = [division]
    if len(division) == 12:
        chain.append(division[:9])
    if len(division) >= 9:
        chain.append(division[:6])
    county = division[:6]
    for parent in (county[:4] + "00", county[:2] + "0000"):
        if parent not in chain:
            chain.append(parent)
    return chain


@lru_cache(maxsize=1024)
def subtree(code: str) -> Select:
    """SELECT of the codes of ``code`` and every department below it (a recursive CTE, so
    it composes into a query as ``column.in_(subtree(code))``).  One object per code: a
    query that uses it twice (tasks and cases of a region) then holds one CTE, not two of
    the same name."""
    tree = (
        select(Department.code.label("code"))
        .where(Department.code == literal(code))
        .cte(f"subtree_{code}", recursive=True)
    )
    tree = tree.union(select(Department.code).where(Department.parent_code == tree.c.code))
    return select(tree.c.code)


def codes_under(session: Session, code: str) -> set[str]:
    """The department ids under ``code`` (itself included): what a supervisor of ``code``
    oversees, and what statistics for ``code`` count."""
    return set(session.scalars(subtree(code)))


@lru_cache(maxsize=1)
def _candidates() -> Select:
    """The departments a list of groups may name, by kind or by code; built once (SQL
    expressions are immutable), the groups bound at each run."""
    return select(Department.code, Department.kind, Department.division, Department.active).where(
        or_(
            Department.kind.in_(bindparam("kinds", expanding=True)),
            Department.code.in_(bindparam("codes", expanding=True)),
        )
    )


def candidates(session: Session, groups: Iterable[str]) -> list[Row]:
    """What ``route`` reads of the departments ``groups`` may name, in one statement: read
    it once for every task a command opens and hand it to each ``route``."""
    wanted = list(dict.fromkeys(groups))
    if not wanted:
        return []
    # Through the connection: plain columns need none of the ORM's work on a statement,
    # nor a flush first (a command that opens tasks does not change departments, and the
    # command's rows are flushed once, at commit: ``engine.unflushed``).
    connection = session.connection()
    return list(connection.execute(_candidates(), {"kinds": wanted, "codes": wanted}).all())


def route(
    session: Session,
    groups: Iterable[str],
    division: str | None,
    known: list[Row] | None = None,
) -> tuple[list[str], list[str]]:
    """The department codes a task's candidate groups name for a case handled in
    ``division``: ``(codes, unroutable)``.

    A group that is a kind goes to the active department of that kind whose division is
    the case's, else the nearest one up; among several at one level, the first by code.
    A group that no department serving the case has as its kind is an exact department
    code, as before regions (so cases without a division route as they always did).  A
    kind with no department serving the case and no department of that code is
    ``unroutable``.  ``known``: ``candidates`` read for these groups (or more) already.
    """
    wanted = list(dict.fromkeys(groups))
    if not wanted:
        return [], []
    chain = division_chain(division)
    nearest: dict[str, tuple[int, str]] = {}
    known_kinds: set[str] = set()
    exact: set[str] = set()
    rows = known if known is not None else candidates(session, wanted)
    for code, kind, where, active in rows:
        if code in wanted:
            exact.add(code)
        if kind not in wanted:
            continue
        known_kinds.add(kind)
        if active and where in chain:
            rank = (chain.index(where), code)
            if kind not in nearest or rank < nearest[kind]:
                nearest[kind] = rank
    codes: list[str] = []
    unroutable: list[str] = []
    for group in wanted:
        if group in nearest:
            codes.append(nearest[group][1])
        elif group in exact or group not in known_kinds:
            codes.append(group)
        else:
            unroutable.append(group)
    return list(dict.fromkeys(codes)), unroutable


def known_divisions(session: Session) -> set[str]:
    """Every division an active department serves: where a case may be handled."""
    return set(
        session.scalars(
            select(Department.division).where(
                Department.active.is_(True), Department.division.is_not(None)
            )
        )
    )
