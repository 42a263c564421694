"""Deploy-time check of every expression and every script hook in a BPMN or DMN document.

:func:`check_document` walks an uploaded document and returns ``(element id, message)``
for each problem, so the upload can be refused with element-level errors instead of the
case failing later.  It checks what SpiffWorkflow will evaluate, exactly the way it will
evaluate it (see :mod:`engine.script_engine`):

* expressions: sequence-flow conditions, conditional-event conditions, loop and
  completion conditions, multi-instance cardinalities, timer values (unquoted ISO 8601 is
  fine), message payload expressions and correlation expressions;
* DMN decision tables: input expressions, input entries combined with their input as
  SpiffWorkflow's DMN engine combines them, output entries;
* script-like content, always refused: script tasks, ``camunda:script``, execution and
  task listeners, connectors, ``camunda:class`` / ``delegateExpression`` / ``expression``
  (Java hooks), SpiffWorkflow pre-/post-scripts.

Expression languages: an expression without a ``language`` (what Camunda Modeler writes
for conditions), ``juel`` or ``python`` is accepted, and FEEL for DMN (its simple cells
are what we evaluate).  Any other language (``javascript``, ``groovy`` ...) means a
script and is refused.
"""

from __future__ import annotations

import re
from typing import Any

from .expressions import ExpressionError, ExpressionSyntaxError, iso8601_kind, validate

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
)

SCRIPT_TASK = "script tasks are not accepted: decisions belong in DMN tables or gateway conditions"
SCRIPT = "scripts are not accepted: decisions belong in DMN tables or gateway conditions"

# BPMN elements whose text SpiffWorkflow evaluates, with the name used in messages.
_BPMN_EXPRESSIONS = {
    "conditionExpression": "condition",
    "condition": "conditional event condition",
    "loopCondition": "loop condition",
    "completionCondition": "completion condition",
    "loopCardinality": "multi-instance cardinality",
    "timeDate": "timer date",
    "timeDuration": "timer duration",
    "timeCycle": "timer cycle",
    "messagePath": "correlation expression",
}
_ACCEPTED_LANGUAGES = {"", "juel", "python"}

_LISTENERS = {"executionListener", "taskListener"}
_JAVA_HOOKS = {
    "class": "camunda:class",
    "delegateExpression": "camunda:delegateExpression",
    "expression": "camunda:expression",
}
JAVA_HOOK = (
    "{attr} is a Java hook that govflow cannot run; use a service task with the "
    "shared_data extension property, a user task, or a DMN table"
)

# SpiffWorkflow's DMN engine turns '?' outside quotes into this variable (DMNEngine.evaluate).
_DMN_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^\'\"]|[\'\"][^\'\"]*[\'\"])*$)")
_FEEL_NEGATION = re.compile(r"not\s*\(")


def _split(tag: Any) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments and processing instructions
        return "", ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


def _owner_id(element: Any) -> str:
    """Id of the model element a designer would click for ``element``.

    Expression and definition wrappers (timerEventDefinition, loop characteristics,
    extension elements) are skipped so a timer problem names its event, a cardinality
    problem its task.
    """
    node = element
    while node is not None:
        ns, local = _split(node.tag)
        skip = (
            local in _BPMN_EXPRESSIONS
            or local.endswith(("EventDefinition", "LoopCharacteristics", "Expression"))
            or local in ("extensionElements", "script")
            or ns not in (BPMN_NS, *DMN_NAMESPACES)
        )
        if node.get("id") and not skip:
            return node.get("id")
        node = node.getparent()
    return "definitions"


def _language_problem(element: Any, *attributes: str) -> str | None:
    for attribute in attributes:
        language = (element.get(attribute) or "").strip()
        lowered = language.lower()
        if lowered in _ACCEPTED_LANGUAGES or "feel" in lowered:
            continue
        return (
            f"expression language '{language}' is not accepted: write a plain expression "
            "(JUEL ${...} or Python syntax) without a language; scripts are not run"
        )
    return None


def _expression_problem(kind: str, text: str) -> str | None:
    try:
        validate(text)
    except ExpressionError as exc:
        return f"{kind} '{_short(text)}': {exc}"
    return None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def report(self, element: Any, message: str | None) -> None:
        if message is None:
            return
        problem = (_owner_id(element), message)
        if problem not in self.problems:
            self.problems.append(problem)

    # -- BPMN

    def bpmn_element(self, element: Any, local: str) -> None:
        if local in ("scriptTask", "globalScriptTask"):
            self.report(element, SCRIPT_TASK)
        elif local in _BPMN_EXPRESSIONS:
            self.expression_element(element, _BPMN_EXPRESSIONS[local])
        elif local == "formalExpression" and _split(element.getparent().tag)[1] == (
            "correlationPropertyRetrievalExpression"
        ):
            # SpiffWorkflow renames this to messagePath and evaluates it
            self.expression_element(element, "correlation expression")
        elif local == "messageEventDefinition":
            payload = element.get(f"{{{CAMUNDA_NS}}}expression")
            if payload is not None:
                # SpiffWorkflow's Camunda parser evaluates it as the message payload
                self.report(element, _expression_problem("message payload expression", payload))
        self.java_hooks(element, local)

    def expression_element(self, element: Any, kind: str) -> None:
        self.report(element, _language_problem(element, "language"))
        if element.get(f"{{{CAMUNDA_NS}}}resource") is not None:
            self.report(element, f"{kind}: external script resources are not accepted")
        text = element.text
        if text is None:
            return  # SpiffWorkflow treats a missing expression as no condition
        self.report(element, _expression_problem(kind, text) or _timer_kind_problem(kind, text))

    def java_hooks(self, element: Any, local: str) -> None:
        for attribute, name in _JAVA_HOOKS.items():
            if attribute == "expression" and local == "messageEventDefinition":
                continue  # the payload expression, validated above
            if element.get(f"{{{CAMUNDA_NS}}}{attribute}") is not None:
                self.report(element, JAVA_HOOK.format(attr=name))

    # -- Camunda and SpiffWorkflow extensions

    def camunda_element(self, element: Any, local: str) -> None:
        if local in _LISTENERS:
            self.report(
                element,
                f"camunda:{local} is not accepted: govflow runs no Java or script hooks; "
                "model the work as a task of the process",
            )
        elif local == "script" and not _inside(element, CAMUNDA_NS, _LISTENERS):
            self.report(element, f"camunda:script is not accepted: {SCRIPT}")
        elif local == "connector":
            self.report(
                element,
                "camunda:connector is not accepted: govflow cannot run Camunda connectors; "
                "use a service task with the shared_data extension property",
            )

    def spiff_element(self, element: Any, local: str) -> None:
        if "script" in local.lower():
            self.report(element, f"spiffworkflow:{local} is not accepted: {SCRIPT}")

    # -- DMN

    def decision_table(self, table: Any, ns: str) -> None:
        inputs: list[str | None] = []
        for column in table.findall(f"{{{ns}}}input"):
            expression = column.find(f"{{{ns}}}inputExpression")
            text = _dmn_text(expression, ns) if expression is not None else None
            if expression is not None:
                self.report(expression, _language_problem(expression, "expressionLanguage"))
            if text is None:
                # SpiffWorkflow would fall back to repr() of the data named by the label
                label = column.get("label") or column.get("id")
                self.report(column, f"DMN input '{label}' has no input expression")
            else:
                problem = _expression_problem("DMN input expression", text)
                self.report(column, problem)
                # entries of a broken column would only repeat its problem
                text = None if problem else text
            inputs.append(text)
        for number, rule in enumerate(table.findall(f"{{{ns}}}rule"), start=1):
            self.rule(rule, number, inputs, ns)

    def rule(self, rule: Any, number: int, inputs: list[str | None], ns: str) -> None:
        for index, entry in enumerate(rule.findall(f"{{{ns}}}inputEntry")):
            self.report(entry, _language_problem(entry, "expressionLanguage"))
            if index >= len(inputs):
                self.report(entry, f"DMN rule {number} has more input entries than inputs")
                continue
            input_expr = inputs[index]
            if input_expr is not None:
                message = _input_entry_problem(input_expr, _dmn_text(entry, ns))
                if message:
                    self.report(entry, f"DMN input entry (rule {number}): {message}")
        for entry in rule.findall(f"{{{ns}}}outputEntry"):
            self.report(entry, _language_problem(entry, "expressionLanguage"))
            text = _dmn_text(entry, ns)
            if text:  # SpiffWorkflow skips None and '' (an empty output)
                self.report(entry, _expression_problem(f"DMN output entry (rule {number})", text))


_TIMER_KINDS = {
    "timer duration": ("duration", "an ISO 8601 duration such as P3D or PT4H"),
    "timer date": ("date", "an ISO 8601 date/time such as 2026-12-01T09:00:00+08:00"),
    "timer cycle": ("cycle", "an ISO 8601 repeating interval such as R3/PT10M"),
}


def _timer_kind_problem(kind: str, text: str) -> str | None:
    """A literal of the wrong kind fails inside SpiffWorkflow with a bare Exception."""
    found = iso8601_kind(text)
    if kind not in _TIMER_KINDS or found is None:
        return None
    expected, example = _TIMER_KINDS[kind]
    if found == expected:
        return None
    return f"{kind} '{_short(text)}' must be {example}"


def _inside(element: Any, ns: str, locals_: set[str]) -> bool:
    node = element.getparent()
    while node is not None:
        node_ns, local = _split(node.tag)
        if node_ns == ns and local in locals_:
            return True
        node = node.getparent()
    return False


def _dmn_text(element: Any, ns: str) -> str | None:
    text = element.find(f"{{{ns}}}text")
    return None if text is None else text.text


def _input_entry_problem(input_expr: str, text: str | None) -> str | None:
    """Check a DMN input entry the way SpiffWorkflow's DMNEngine.evaluate will run it.

    The engine leaves None and exactly '-' as "any"; a cell using '?' is evaluated on its
    own with dmninputexpr bound to the input; otherwise a cell that parses is compared
    with ``(input) == (cell)`` and one that does not (``> 140``) is appended to the input.
    """
    if text is None or text == "-":
        return None
    if text.strip() in ("", "-"):
        return "a cell with only spaces is not 'any': leave it empty or write exactly '-'"
    match = _DMN_QUESTION_MARK.sub("dmninputexpr", text)
    try:
        if "dmninputexpr" in match:
            validate(match)
            return None
        if _FEEL_NEGATION.match(match.strip()):
            return (
                f"'{_short(text)}': FEEL negation not(...) is not supported; "
                'write != "a" or ? not in ["a", "b"]'
            )
        try:
            validate(match)
            combined = f"({input_expr}) == ({match})"
        except ExpressionSyntaxError:
            validate(f"v {match}")  # what the engine tries next; its error is the one to show
            combined = input_expr + match
        validate(combined)
    except ExpressionError as exc:
        return f"'{_short(text)}': {exc}"
    return None


def check_document(root: Any) -> list[tuple[str, str]]:
    """Return ``(element id, message)`` for every refused expression or script hook.

    ``root`` is the lxml root element (or tree) of a BPMN or a DMN document.  An empty
    list means everything SpiffWorkflow will evaluate passes the hardened evaluator.
    """
    if hasattr(root, "getroot"):
        root = root.getroot()
    checker = _Checker()
    for element in root.iter():
        ns, local = _split(element.tag)
        if ns == BPMN_NS:
            checker.bpmn_element(element, local)
        elif ns == CAMUNDA_NS:
            checker.camunda_element(element, local)
        elif ns == SPIFF_NS:
            checker.spiff_element(element, local)
        elif ns in DMN_NAMESPACES:
            if local == "decisionTable":
                checker.decision_table(element, ns)
            elif local == "definitions":
                checker.report(element, _language_problem(element, "expressionLanguage"))
    return checker.problems
