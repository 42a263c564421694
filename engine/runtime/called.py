"""Called processes: the other deployed definitions a case's call activities run.

A call activity names another definition by key (``calledElement``).  The version it
runs is the key's current (approved) version *at the moment of the call*; from then on
the case keeps it, so approving a new version of a single matter never changes a call in
flight.  The pins are recorded in the case's data under ``called_processes`` (key →
version and definition id) — on the case row (``cases.called_versions``, what run time
trusts) and, for display, in the case's data — and in the audit trail (``call_started``).

Loading a case joins the specs of the called versions (pinned ones; the current version
of the keys not called yet) into the workflow's sub-process specs, and their task
metadata (departments, forms, time limits) into the case's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..definitions.approval import current_definition
from ..definitions.specs import ParsedProcess
from ..models import Case, ProcessDefinition

#: The case data key holding the pinned versions.
CALLED = "called_processes"


@dataclass
class CallTree:
    """The specs a case runs (its own and its called ones) and the called definitions."""

    parsed: ParsedProcess
    definitions: dict[str, ProcessDefinition] = field(default_factory=dict)


_MERGED: dict[tuple[Any, ...], ParsedProcess] = {}


def join(
    session: Session,
    parsed: ParsedProcess,
    pins: dict[str, Any],
    *,
    load_definition: Callable[[Session, int], ProcessDefinition],
    parse: Callable[[ProcessDefinition], ParsedProcess],
) -> CallTree:
    """The case's specs with those of every process it calls (and they call) joined."""
    if not parsed.external_calls:
        return CallTree(parsed)
    definitions: dict[str, ProcessDefinition] = {}
    pending = sorted(parsed.external_calls)
    while pending:
        key = pending.pop(0)
        if key in definitions:
            continue
        pin = pins.get(key)
        found = (
            load_definition(session, int(pin["definition_id"]))
            if isinstance(pin, dict) and pin.get("definition_id")
            else current_definition(session, key)
        )
        if found is not None and found.key != key:
            found = None  # a pin never runs another key's process
        if found is None:
            continue  # undeployed since: the call fails as "not found" when reached
        definitions[key] = found
        pending.extend(sorted(parse(found).external_calls))
    # by content, not row id: a worker may serve several databases (tests do)
    cache_key = (id(parsed), *sorted((k, d.sha256) for k, d in definitions.items()))
    merged = _MERGED.get(cache_key)
    if merged is None:
        specs = dict(parsed.subprocess_specs)
        for key, definition in definitions.items():
            called = parse(definition)
            for name, spec in called.subprocess_specs.items():
                specs.setdefault(name, spec)
            specs[key] = called.spec
        merged = ParsedProcess(parsed.spec, specs, parsed.external_calls)
        if len(_MERGED) > 256:
            _MERGED.clear()
        _MERGED[cache_key] = merged
    return CallTree(merged, definitions)


def pin_new_calls(case: Case, workflow: Any, tree: CallTree, audit: Callable[..., None]) -> None:
    """Record the version of each called definition a call started with just now."""
    if not tree.definitions:
        return
    pins = dict(case.called_versions or {})
    for parent_id in list(workflow.subprocesses):
        task = workflow.get_task_from_id(parent_id)
        key = getattr(task.task_spec, "spec", None)
        definition = tree.definitions.get(key)
        if definition is None or key in pins:
            continue
        pins[key] = {"version": definition.version, "definition_id": definition.id}
        case.called_versions = dict(pins)  # a new dict: the JSON column sees the change
        workflow.data[CALLED] = dict(pins)
        audit(
            "call_started",
            bpmn_id=task.task_spec.bpmn_id,
            name=f"{task.task_spec.bpmn_name or key} ({key} v{definition.version})",
            called_key=key,
            called_version=definition.version,
        )


def merged_meta(
    own: ProcessDefinition, called: dict[str, ProcessDefinition], name: str
) -> dict[str, dict[str, Any]]:
    """``user_tasks`` or ``service_tasks`` of the case by BPMN id: the called ones', then
    its own over them."""
    found: dict[str, dict[str, Any]] = {}
    for definition in (*called.values(), own):
        found.update({t["id"]: t for t in definition.meta.get(name, [])})
    return found
