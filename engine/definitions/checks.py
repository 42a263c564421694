"""Deploy-time checks: a definition that would strand work at run time is refused.

Each check returns ``(element id, message)`` pairs; deploy answers 422 with all of them at
once, so a designer fixes a model in one round.  On success the resolved metadata (user
tasks with their departments and forms) is what run time uses.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..bounds import Bounds
from ..forms import FormRegistry
from .bound_checks import bound_problems
from .countersign_mode import parse_mode
from .limits import parse_limit
from .links import link_problems
from .messages import message_problems, non_interrupting_event_sub_processes
from .metadata import NS, properties, read_process
from .thrown_errors import SHARED_DATA_UNAVAILABLE

Problem = tuple[str, str]


@dataclass
class CheckResult:
    meta: dict[str, Any]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def resolve_departments(
    task: dict[str, Any], departments: dict[str, dict[str, str]]
) -> tuple[list[str], list[str]]:
    """Department codes of a user task from candidateGroups, else its lane; plus unknowns."""
    by_name = {names["zh"]: code for code, names in departments.items()}
    by_name.update({names["en"].lower(): code for code, names in departments.items()})
    wanted = task["candidate_groups"] or ([task["lane"]] if task["lane"] else [])
    codes, unknown = [], []
    for group in wanted:
        code = group if group in departments else by_name.get(group.lower(), by_name.get(group))
        if code:
            if code not in codes:
                codes.append(code)
        else:
            unknown.append(group)
    return codes, unknown


def _check_user_task(
    task: dict[str, Any], departments: dict[str, dict[str, str]], forms: FormRegistry
) -> list[Problem]:
    problems: list[Problem] = []
    tid = task["id"]
    codes, unknown = resolve_departments(task, departments)
    task["departments"] = codes
    problems.extend(_check_countersign(task, unknown))
    if task.get("department_variable"):
        unknown = [g for g in unknown if g != "${" + task["department_variable"] + "}"]
    for group in unknown:
        if "${" in group or "#{" in group:
            problems.append((tid, f"candidate group '{group}' is an expression; name departments"))
        else:
            problems.append((tid, f"'{group}' is not a known department code or name"))
    if (
        not codes
        and not task["assignee"]
        and not task["candidate_users"]
        and not unknown
        and not task.get("department_variable")
    ):
        problems.append(
            (
                tid,
                "nobody can receive this task (it waits for a person): put it in a "
                "department lane or give camunda:candidateGroups, camunda:candidateUsers "
                "or camunda:assignee",
            )
        )
    if task["assignee"] and "${" in task["assignee"]:
        problems.append((tid, "camunda:assignee expressions are not supported; name a user"))
    form_key = task["form_key"]
    if form_key and form_key not in forms:
        problems.append(
            (
                tid,
                f"form '{form_key}' (camunda:formKey) is not a known form{_hint(form_key, forms)}",
            )
        )
    try:
        limit = parse_limit(task["properties"].get("time_limit"))
        task["time_limit"] = limit.to_dict() if limit else None
    except ValueError as exc:
        problems.append((tid, str(exc)))
    return problems


def _check_countersign(task: dict[str, Any], unknown: list[str]) -> list[Problem]:
    """会签: a multi-instance task may route each instance by its element variable
    (``camunda:candidateGroups="${department}"``), resolved per instance at run time;
    its ``countersign`` property must be all, any or quorum:N."""
    problems: list[Problem] = []
    loop = task.get("multi_instance") or {}
    variable = loop.get("element_variable")
    if variable and "${" + variable + "}" in unknown:
        task["department_variable"] = variable
    mode = task["properties"].get("countersign")
    if mode is not None:
        if not loop.get("collection"):
            problems.append(
                (task["id"], "'countersign' needs a multi-instance loop over a collection")
            )
        if loop.get("completion_condition"):
            problems.append(
                (task["id"], "give either 'countersign' or a completionCondition, not both")
            )
        try:
            parse_mode(mode)
        except ValueError as exc:
            problems.append((task["id"], str(exc)))
    return problems


def _hint(form_key: str, forms: FormRegistry) -> str:
    """A likely meant form key (a typo, a missing matter prefix), or nothing."""
    close = difflib.get_close_matches(form_key, list(forms), n=1, cutoff=0.6)
    if not close:
        suffix = [key for key in forms if key.endswith("/" + form_key)]
        close = suffix[:1]
    return f"; did you mean '{close[0]}'?" if close else ""


def _check_service_task(
    task: dict[str, Any], providers: set[str]
) -> tuple[list[Problem], list[Problem]]:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    tid = task["id"]
    wanted = task["shared_data"] + ([task["issue"]] if task["issue"] else [])
    for provider in wanted:
        if provider not in providers:
            errors.append((tid, f"shared-data provider '{provider}' does not exist"))
    if wanted and not task["subject"]:
        errors.append((tid, "a shared-data service task needs the 'subject' property"))
    if not wanted:
        warnings.append((tid, "service task without 'shared_data' or 'issue' does nothing"))
    return errors, warnings


def _timers_without_value(process: Any) -> list[Problem]:
    """Timers with no date, duration or cycle (drawn, never filled in).

    SpiffWorkflow refuses them too, but only one at a time and as "Unknown Time
    Specification"; saying so here names every such event in one round.
    """
    problems: list[Problem] = []
    for definition in process.xpath(".//bpmn:timerEventDefinition", namespaces=NS):
        values = definition.xpath(
            "./bpmn:timeDate | ./bpmn:timeDuration | ./bpmn:timeCycle", namespaces=NS
        )
        if not any((value.text or "").strip() for value in values):
            event = definition.getparent()
            problems.append(
                (
                    event.get("id") or definition.get("id") or "definitions",
                    "timer without a value: give it a date, a duration (e.g. P3D) or a cycle",
                )
            )
    return problems


def _conditional_events(process: Any) -> list[Problem]:
    """Conditional events (start, intermediate, boundary, event sub-process start).

    BPMN fires them when their condition becomes true, re-evaluated whenever the case's
    data changes; SpiffWorkflow evaluates the condition once, when the event is reached
    (and fails on a variable not set yet), so a case would strand or stop with an error.
    Refused, with what to draw instead.
    """
    return [
        (
            definition.getparent().get("id") or definition.get("id") or "definitions",
            "conditional events are not run by govflow: use an exclusive gateway after "
            "the step that sets the data, or a timer",
        )
        for definition in process.xpath(".//bpmn:conditionalEventDefinition", namespaces=NS)
    ]


def _compensation(process: Any) -> list[Problem]:
    """Compensation (a compensation boundary, handler or throw).

    What undoes a department's work in government service is a decision recorded by
    people — a return (退回) or a step for the department — not a hidden handler running on
    its own; govflow does not run compensation.  Refused, with what to draw instead.
    """
    found = process.xpath(
        ".//bpmn:compensateEventDefinition/.. | .//*[@isForCompensation='true']",
        namespaces=NS,
    )
    return [
        (
            element.get("id") or "definitions",
            "compensation is not run by govflow: draw the undoing as a step for the "
            "department (or return the case to the step to redo)",
        )
        for element in found
    ]


def _error_boundaries_never_caught(process: Any) -> list[Problem]:
    """Warnings for error boundary events on a shared-data pull that wait for another
    error: a pull throws only ``shared_data_unavailable`` (``thrown_errors``)."""
    root = process.getroottree().getroot()
    codes = {e.get("id"): e.get("errorCode") for e in root.xpath(".//bpmn:error", namespaces=NS)}
    pulls = {
        task.get("id")
        for task in process.xpath(".//bpmn:serviceTask", namespaces=NS)
        if properties(task).get("shared_data")
    }
    warnings: list[Problem] = []
    for definition in process.xpath(
        ".//bpmn:boundaryEvent/bpmn:errorEventDefinition[@errorRef]", namespaces=NS
    ):
        event = definition.getparent()
        code = codes.get(definition.get("errorRef"))
        if event.get("attachedToRef") in pulls and code and code != SHARED_DATA_UNAVAILABLE:
            warnings.append(
                (
                    event.get("id") or "definitions",
                    f"this boundary never fires: a shared-data pull throws the error code "
                    f"'{SHARED_DATA_UNAVAILABLE}', not '{code}'",
                )
            )
    return warnings


#: What nothing in govflow ever delivers to a case (messages arrive through
#: ``POST /messages``: see ``messages.message_problems``).
_UNDELIVERED = {"signalEventDefinition": "signal"}


def _local_name(element: Any) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _waits_for_the_undelivered(process: Any) -> tuple[list[Problem], list[Problem]]:
    """Events that wait for a signal: (errors, warnings).

    Nothing sends a case signals: the applicant answers a 补正 through the API, a
    department acts in its worklist, and an integration sends a message.  A case
    reaching a signal catch event would wait forever, unseen, and a process starting on
    one never starts through ``POST /cases``.  A boundary event or an event sub-process
    of that kind only never fires, and a thrown one reaches nobody: the designer hears
    it as a warning.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for local, kind in _UNDELIVERED.items():
        for definition in process.xpath(f".//bpmn:{local}", namespaces=NS):
            event = definition.getparent()
            where = event.get("id") or "definitions"
            tag = _local_name(event)
            in_event_sub_process = event.getparent().get("triggeredByEvent") == "true"
            if tag == "intermediateCatchEvent":
                errors.append(
                    (
                        where,
                        f"a case would wait here forever: nothing sends a case {kind}s; "
                        "let a department act in a user task, or wait with a timer",
                    )
                )
            elif tag == "startEvent" and not in_event_sub_process:
                errors.append(
                    (
                        where,
                        f"a {kind} start event never starts a case: cases start through "
                        "the API; use a plain start event",
                    )
                )
            elif tag in ("boundaryEvent", "startEvent"):
                warnings.append((where, f"this {kind} event never fires: nothing sends {kind}s"))
            else:  # thrown by an intermediate or end event
                warnings.append((where, f"this {kind} reaches nobody: nothing catches {kind}s"))
    return errors, warnings


def check_process(
    process: Any,
    *,
    departments: dict[str, dict[str, str]],
    forms: FormRegistry,
    providers: set[str],
    called: Sequence[Any] = (),
    bounds: Bounds | None = None,
) -> CheckResult:
    """Read and check one executable ``bpmn:process`` element.

    ``called`` are the processes its call activities run: their tasks become tasks of the
    same cases, so they are read and checked with it (run time looks them up by id too).
    """
    meta = read_process(process)
    for sub in called:
        sub_meta = read_process(sub)
        meta["user_tasks"].extend(sub_meta["user_tasks"])
        meta["service_tasks"].extend(sub_meta["service_tasks"])
    result = CheckResult(meta)
    for owner in (process, *called):
        result.errors.extend(_timers_without_value(owner))
        result.errors.extend(bound_problems(owner, bounds or Bounds()))
        result.errors.extend(link_problems(owner))
        result.errors.extend(_conditional_events(owner))
        result.errors.extend(_compensation(owner))
        messages = message_problems(owner, main=owner is process)
        for found in (_waits_for_the_undelivered(owner), messages):
            result.errors.extend(found[0])
            result.warnings.extend(found[1])
        result.warnings.extend(_error_boundaries_never_caught(owner))
    for task in meta["user_tasks"]:
        result.errors.extend(_check_user_task(task, departments, forms))
    for task in meta["service_tasks"]:
        errors, warnings = _check_service_task(task, providers)
        result.errors.extend(errors)
        result.warnings.extend(warnings)
    if meta["start_form"] and meta["start_form"] not in forms:
        result.errors.append(
            (meta["key"], f"start form '{meta['start_form']}' is not a known form")
        )
    for name in ("statutory_limit", "promised_limit"):
        try:
            limit = parse_limit(meta["properties"].get(name))
            meta[name] = limit.to_dict() if limit else None
        except ValueError as exc:
            result.errors.append((meta["key"], f"{name}: {exc}"))
    meta["non_interrupting_event_sub_processes"] = non_interrupting_event_sub_processes(process)
    meta["departments"] = sorted({c for t in meta["user_tasks"] for c in t.get("departments", [])})
    return result
