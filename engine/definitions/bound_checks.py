"""Deploy-time bounds: literal cardinalities and timer cycles over the limits of
``engine.bounds`` are refused with the element and the reason."""

from __future__ import annotations

from typing import Any

from ..bounds import Bounds, cardinality_problem, cycle_problem
from .metadata import NS

Problem = tuple[str, str]


def _is_expression(text: str) -> bool:
    return "${" in text or "#{" in text


def bound_problems(process: Any, bounds: Bounds) -> list[Problem]:
    """Literal cardinalities and timer cycles of ``process`` that break the bounds."""
    problems: list[Problem] = []
    for cardinality in process.xpath(
        ".//bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", namespaces=NS
    ):
        text = (cardinality.text or "").strip()
        if not text or _is_expression(text):
            continue  # computed: checked when evaluated
        try:
            value: Any = int(text)
        except ValueError:
            continue  # an expression without ${}: evaluated (and checked) at run time
        problem = cardinality_problem(value, bounds)
        if problem:
            activity = cardinality.getparent().getparent()
            problems.append((activity.get("id") or "definitions", problem))
    for cycle in process.xpath(".//bpmn:timerEventDefinition/bpmn:timeCycle", namespaces=NS):
        text = (cycle.text or "").strip()
        if not text or _is_expression(text):
            continue
        problem = cycle_problem(text.strip("\"'"), bounds)
        if problem:
            event = cycle.getparent().getparent()
            problems.append((event.get("id") or "definitions", problem))
    return problems
