"""Call activities: what a call hands to the called process and takes back from it.

A call activity (``calledElement``) runs another process as a child of the same case.
Camunda draws what crosses the boundary as ``camunda:in`` / ``camunda:out`` mappings
(``source`` → ``target`` variable names, or ``variables="all"``); SpiffWorkflow reads
none of them and copies every variable both ways.  ``MappedCallActivity`` does what the
drawing says: with mappings, only the named variables cross (renamed as drawn); without
any, every variable does, as before.

The called process is found by key: in the same document, or another deployed
definition (the latest approved version at the moment of the call; ``runtime/called``).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.camunda.parser.task_spec import CallActivityParser

from .metadata import NS


@dataclass(frozen=True)
class Mappings:
    """The variables a call hands in and takes out; ``None``: every variable."""

    inputs: tuple[tuple[str, str], ...] | None
    outputs: tuple[tuple[str, str], ...] | None


def read_mappings(call: etree._Element) -> Mappings:
    """``camunda:in`` / ``camunda:out`` of a call activity element."""

    def read(tag: str) -> tuple[tuple[str, str], ...] | None:
        nodes = call.xpath(f"./bpmn:extensionElements/camunda:{tag}", namespaces=NS)
        if not nodes or any(n.get("variables") == "all" for n in nodes):
            return None
        return tuple(
            (n.get("source"), n.get("target") or n.get("source")) for n in nodes if n.get("source")
        )

    return Mappings(read("in"), read("out"))


def mapping_problems(call: etree._Element) -> list[tuple[str, str]]:
    """Mappings govflow cannot run: expressions and local/business-key forms."""
    problems = []
    for tag in ("in", "out"):
        for node in call.xpath(f"./bpmn:extensionElements/camunda:{tag}", namespaces=NS):
            if node.get("sourceExpression") or node.get("businessKey") is not None:
                problems.append(
                    (
                        call.get("id") or "definitions",
                        f"camunda:{tag} with sourceExpression or businessKey is not supported: "
                        'map variables by name (source, target) or give variables="all"',
                    )
                )
            elif node.get("variables") != "all" and not node.get("source"):
                problems.append(
                    (
                        call.get("id") or "definitions",
                        f'camunda:{tag} needs a source variable (or variables="all")',
                    )
                )
    return problems


def _copy(pairs: tuple[tuple[str, str], ...], source: dict[str, Any]) -> dict[str, Any]:
    return {target: deepcopy(source[name]) for name, target in pairs if name in source}


class MappedCallActivity(CallActivity):
    """A call activity that honours its ``camunda:in`` / ``camunda:out`` mappings."""

    mappings = Mappings(None, None)

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        if self.mappings.inputs is None:
            super().copy_data(my_task, subworkflow)
            return
        start = subworkflow.get_next_task(
            subworkflow.task_tree, skip_subprocesses=True, spec_name="Start"
        )
        start.set_data(**_copy(self.mappings.inputs, my_task.data))

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        if self.mappings.outputs is None:
            # Every variable of the called process comes back, over the caller's own.
            my_task.data = {**my_task.data, **deepcopy(subworkflow.last_task.data)}
            return
        my_task.data.update(_copy(self.mappings.outputs, subworkflow.last_task.data))


class MappedCallActivityParser(CallActivityParser):
    def create_task(self) -> Any:
        task = super().create_task()
        task.mappings = read_mappings(self.node)
        return task


def _calls_of(process: etree._Element) -> list[etree._Element]:
    return process.xpath(".//bpmn:callActivity", namespaces=NS)


def check_calls(
    process: etree._Element,
    called: list[etree._Element],
    deployed_calls: Callable[[str], list[str] | None],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """The call activities of ``process`` (and of the processes of its document it calls):
    (errors, warnings, keys of the other deployed definitions they call).

    ``deployed_calls(key)`` answers the keys the current version of ``key`` calls itself,
    or None when ``key`` is not deployed.  A call to a key neither in the document nor
    deployed is refused: the case would fail when it got there.  A call that leads back
    to this process (directly or through other definitions) deploys with a warning:
    each round starts another child, and a case could go round for ever.
    """
    own = process.get("id")
    in_document = {p.get("id") for p in called} | {own}
    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    external: list[str] = []
    for owner in (process, *called):
        for call in _calls_of(owner):
            cid = call.get("id") or "definitions"
            errors.extend(mapping_problems(call))
            key = (call.get("calledElement") or "").strip()
            if not key:
                errors.append((cid, "a call activity needs calledElement: the key it calls"))
                continue
            if key == own or (key in in_document and _reaches(key, own, called)):
                warnings.append((cid, f"call cycle: '{key}' leads back to '{own}'"))
                continue
            if key in in_document:
                continue
            found = deployed_calls(key)
            if found is None:
                errors.append(
                    (
                        cid,
                        f"calls '{key}', which is not deployed: deploy that process first "
                        "(or draw it in this file)",
                    )
                )
                continue
            if key not in external:
                external.append(key)
            path = _cycle_through_deployed(key, own, deployed_calls)
            if path:
                warnings.append(
                    (cid, "call cycle: " + " → ".join([own, *path]) + " calls it again")
                )
    return errors, warnings, external


def _reaches(start: str, target: str, processes: list[etree._Element]) -> bool:
    by_id = {p.get("id"): p for p in processes}
    seen, pending = set(), [start]
    while pending:
        key = pending.pop()
        if key == target:
            return True
        if key in seen or key not in by_id:
            continue
        seen.add(key)
        pending.extend(c.get("calledElement") for c in _calls_of(by_id[key]))
    return False


def _cycle_through_deployed(
    start: str, target: str, deployed_calls: Callable[[str], list[str] | None]
) -> list[str] | None:
    """The chain of deployed keys from ``start`` that calls ``target`` again, if any."""
    seen: set[str] = set()
    pending: list[list[str]] = [[start]]
    while pending:
        path = pending.pop(0)
        key = path[-1]
        if key in seen:
            continue
        seen.add(key)
        for callee in deployed_calls(key) or []:
            if callee == target:
                return path
            pending.append([*path, callee])
    return None
