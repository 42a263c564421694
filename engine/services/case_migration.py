"""Moving a matter's running cases to a corrected version (instance migration).

``POST /api/v1/process-definitions/{key}/migrations``: a dry run lists, per case,
whether it can move and what changes for it; the real run moves the movable ones in
batches, each case in its own transaction with a ``case_migrated`` audit event, and
leaves a case that cannot move where it was, with the reason.  Only the key's current
(approved) version is a target: a version nobody has approved runs no citizen's case.
The workflow side (aligning elements, re-predicting what is ahead) is
``runtime.migration``; here are the choice of cases, the worklist rows and deadlines
that follow the new version, and the verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..context import Govflow
from ..definitions import approval
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Case, ProcessDefinition, TaskRow
from ..principal import Principal
from ..runtime import migration, projection
from ..runtime.executor import (
    CaseReading,
    CommandContext,
    deployed_definition,
    execute,
    parsed_definition,
    read,
)
from ..uow import read_only
from .access import require_role

#: Cases moved per batch: the list is read once per batch, each case moves on its own.
BATCH = 50
#: A case whose work is over has nothing to move.
CLOSED = ("completed", "terminated")
#: What a step's entry in the definition's metadata says that a clerk or a deadline sees.
_STEP_FIELDS = ("name", "departments", "form_key", "time_limit", "due_date")


@dataclass(frozen=True)
class MigrationRequest:
    to_version: int
    case_ids: list[int] | None = None
    from_version: int | None = None
    mapping: dict[str, str] | None = None
    dry_run: bool = True


class _Refused(Exception):
    """A case stays where it is (the command's transaction is rolled back)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def migrate_cases(
    govflow: Govflow, actor: Principal, key: str, request: MigrationRequest
) -> dict[str, Any]:
    """The verdict for each chosen case and, unless a dry run, how many moved."""
    require_role(actor, "admin", "designer")
    mapping = dict(request.mapping or {})
    with read_only(govflow.db) as session:
        target = _target(session, key, request.to_version)
        _check_mapping(session, key, target, mapping)
        chosen = _chosen_cases(session, key, target, request)
    items: list[dict[str, Any]] = []
    for start in range(0, len(chosen), BATCH):
        for case_id in chosen[start : start + BATCH]:
            if request.dry_run:
                items.append(_dry_run(govflow, actor, case_id, target.id, mapping))
            else:
                items.append(_move(govflow, actor, case_id, target.id, mapping))
    migrated = 0 if request.dry_run else sum(1 for i in items if i["migratable"])
    return {"items": items, "migrated": migrated, "dry_run": request.dry_run}


def _target(session: Session, key: str, version: int) -> ProcessDefinition:
    if session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key)) is None:
        raise NotFound(f"no process definition '{key}'")
    target = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version
        )
    )
    if target is None:
        raise Conflict(f"'{key}' has no version {version}", code="unknown_version")
    if target.status != approval.CURRENT:
        raise Conflict(
            f"version {version} of '{key}' is {target.status}: only the current (approved) "
            "version is a target",
            code="version_not_current",
            status=target.status,
        )
    return target


def _check_mapping(
    session: Session, key: str, target: ProcessDefinition, mapping: dict[str, str]
) -> None:
    """Each old id must name an element of some version of the key, each new id one of
    the target version (422 naming the ones that do not)."""
    if not mapping:
        return
    known: set[str] = set()
    for definition in session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key)
    ):
        known |= migration.element_ids(parsed_definition(definition))
    in_target = migration.element_ids(parsed_definition(target))
    fields: dict[str, list[str]] = {}
    for old, new in mapping.items():
        problems = []
        if old not in known:
            problems.append(f"'{old}' is no element of any version of '{key}'")
        if new not in in_target:
            problems.append(f"'{new}' is no element of version {target.version}")
        if problems:
            fields[f"mapping.{old}"] = problems
    if fields:
        raise ValidationFailed("the mapping names elements that do not exist", fields=fields)


def _chosen_cases(
    session: Session, key: str, target: ProcessDefinition, request: MigrationRequest
) -> list[int]:
    """Named cases as named (each gets a verdict, even a stranger's); else the open cases
    of ``from_version``, or of every version but the target."""
    if request.case_ids is not None:
        return list(dict.fromkeys(request.case_ids))
    query = select(Case.id).where(
        Case.process_key == key, Case.status.not_in(CLOSED), Case.definition_id != target.id
    )
    if request.from_version is not None:
        query = query.where(Case.version == request.from_version)
    return list(session.scalars(query.order_by(Case.id)))


def _refusal(case: Case, key: str, target: ProcessDefinition) -> str | None:
    if case.process_key != key:
        return f"the case is not a case of '{key}'"
    if case.definition_id == target.id:
        return f"the case is already on version {target.version}"
    if case.status in CLOSED:
        return "the case is closed"
    if case.suspended:
        return "the case is suspended; move it after it resumes"
    return None


def _item(case_id: int, version: int | None, reason: str | None, changes: list) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "from_version": version,
        "migratable": reason is None,
        "reason": reason,
        "changes": changes,
    }


def _dry_run(
    govflow: Govflow, actor: Principal, case_id: int, target_id: int, mapping: dict[str, str]
) -> dict[str, Any]:
    def query(reading: CaseReading) -> dict[str, Any]:
        target = deployed_definition(reading.session, target_id)
        case = reading.case
        reason = _refusal(case, target.key, target)
        if reason:
            return _item(case.id, case.version, reason, [])
        try:
            move = migration.migrate(reading.workflow, parsed_definition(target), mapping)
        except migration.Unmovable as exc:
            return _item(case.id, case.version, exc.reason, [])
        return _item(case.id, case.version, None, step_changes(reading.definition, target, move))

    try:
        return read(govflow, case_id, actor, query)
    except NotFound:
        return _item(case_id, None, "no such case", [])


def _move(
    govflow: Govflow, actor: Principal, case_id: int, target_id: int, mapping: dict[str, str]
) -> dict[str, Any]:
    def command(ctx: CommandContext) -> dict[str, Any]:
        target = deployed_definition(ctx.session, target_id)
        case, old = ctx.case, ctx.definition
        reason = _refusal(case, target.key, target)
        if reason:
            raise _Refused(reason)
        try:
            move = migration.migrate(ctx.workflow, parsed_definition(target), mapping)
        except migration.Unmovable as exc:
            raise _Refused(exc.reason) from None
        changes = step_changes(old, target, move)
        ctx.definition = target
        case.definition_id, case.version = target.id, target.version
        clocks = ctx.clocks()
        rows = clocks.tracked_task_rows()
        _follow_rows(ctx, rows)
        changes += clocks.follow_definition(rows)
        ctx.audit(
            "case_migrated",
            from_version=old.version,
            to_version=target.version,
            mapping=mapping,
            changes=changes,
        )
        return _item(case.id, old.version, None, changes)

    try:
        return execute(govflow, case_id, actor, command)
    except _Refused as refused:
        return _item(case_id, _version_of(govflow, case_id), refused.reason, [])
    except NotFound:
        return _item(case_id, None, "no such case", [])


def _version_of(govflow: Govflow, case_id: int) -> int | None:
    with read_only(govflow.db) as session:
        return session.scalar(select(Case.version).where(Case.id == case_id))


def _follow_rows(ctx: CommandContext, rows: list[TaskRow]) -> None:
    """Open worklist rows of steps still ready take the new version's department, name and
    form; rows of steps the move dropped are cancelled when the case is saved."""
    tasks = {str(t.id): t for t in projection.ready_human_tasks(ctx.workflow)}
    for row in rows:
        task = tasks.get(row.id)
        if row.kind == "bpmn" and row.status in projection.OPEN and task is not None:
            meta = ctx.user_tasks.get(task.task_spec.bpmn_id)
            projection.restate(ctx.session, ctx.case, row, task, meta)


def step_changes(
    old: ProcessDefinition, new: ProcessDefinition, move: migration.Move
) -> list[dict[str, Any]]:
    """What changes for a case moving from ``old`` to ``new``: its active steps that move
    to another element, and the human steps added, removed or changed (department, form,
    time limit), and the case's own limits."""
    changes: list[dict[str, Any]] = [
        {"change": "moved", "from": frm, "to": to} for frm, to in move.active
    ]
    before = {t["id"]: t for t in old.meta.get("user_tasks", [])}
    after = {t["id"]: t for t in new.meta.get("user_tasks", [])}
    moved_from = {frm for frm, _ in move.active}
    moved_to = {to for _, to in move.active}
    for step in sorted(after.keys() - before.keys() - moved_to):
        changes.append(_step("step_added", after[step]))
    for step in sorted(before.keys() - after.keys() - moved_from):
        changes.append(_step("step_removed", before[step]))
    for step in sorted(before.keys() & after.keys()):
        differ = {
            f: {"from": before[step].get(f), "to": after[step].get(f)}
            for f in _STEP_FIELDS
            if before[step].get(f) != after[step].get(f)
        }
        if differ:
            changes.append({**_step("step_changed", after[step]), "fields": differ})
    old_props, new_props = old.meta.get("properties", {}), new.meta.get("properties", {})
    for limit in ("statutory_limit", "promised_limit"):
        if old_props.get(limit) != new_props.get(limit):
            changes.append(
                {
                    "change": "limit_changed",
                    "limit": limit.removesuffix("_limit"),
                    "from": old_props.get(limit),
                    "to": new_props.get(limit),
                }
            )
    return changes


def _step(change: str, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "change": change,
        "element": meta["id"],
        "name": meta.get("name"),
        "departments": meta.get("departments") or [],
    }
