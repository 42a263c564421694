"""SpiffWorkflow script engine that evaluates through :mod:`engine.expressions` only.

SpiffWorkflow's ``PythonScriptEngine`` runs every condition, timer value, cardinality and
DMN cell through ``eval()`` and every script through ``exec()`` with full builtins.  This
subclass replaces both entry points:

* ``evaluate`` / ``validate`` use the hardened evaluator;
* ``execute`` (script tasks, pre/post scripts) and ``call_service`` always refuse; uploads
  with scripts are rejected at deploy (``engine.bpmn_expressions``), this is the backstop.

SpiffWorkflow also calls ``script_engine.environment.evaluate`` directly in a few places
(ad-hoc sub-process completion conditions, message correlation), so the environment is
replaced as well.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from . import bounds, expressions
from .expressions import ExpressionError, ExpressionSyntaxError

SCRIPTS_REFUSED = "scripts are not accepted: decisions belong in DMN tables or gateway conditions"
SERVICE_CALLS_REFUSED = "service calls through the script engine are not accepted"


def _context(
    data: Mapping[str, Any], external_context: Mapping[str, Any] | None
) -> Mapping[str, Any]:
    # External context (DMN's dmninputexpr, data objects) wins over task data.  A ChainMap
    # avoids copying the case data on every evaluation.
    return ChainMap(dict(external_context or {}), data)


class GovflowEnvironment(BasePythonScriptEngineEnvironment):
    """The environment SpiffWorkflow reaches through ``script_engine.environment``."""

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        return expressions.evaluate(expression, _context(context, external_context))

    def execute(
        self,
        script: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        raise ExpressionError(SCRIPTS_REFUSED)

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        raise ExpressionError(SERVICE_CALLS_REFUSED)


def _out_of_bounds(task: Any, expression: str, value: Any) -> str | None:
    """A computed cardinality or timer cycle over the bounds (``engine.bounds``): checked
    here, before SpiffWorkflow creates the instances or schedules the timer."""
    spec = getattr(task, "task_spec", None)
    if spec is None:
        return None
    if isinstance(spec, MultiInstanceTask) and expression == spec.cardinality:
        return bounds.cardinality_problem(value, bounds.current())
    event = getattr(spec, "event_definition", None)
    if isinstance(event, CycleTimerEventDefinition) and expression == event.expression:
        if not isinstance(value, str):
            return None  # SpiffWorkflow refuses it as an invalid cycle
        return bounds.cycle_problem(value, bounds.current())
    return None


class GovflowScriptEngine(PythonScriptEngine):
    """Drop-in script engine for ``BpmnWorkflow(spec, script_engine=GovflowScriptEngine())``.

    Stateless, so one instance can serve every workflow of a process.
    """

    def __init__(self, environment: Any = None) -> None:
        # Any environment passed in is ignored on purpose: the hardened one is the only one.
        super().__init__(environment=GovflowEnvironment())

    def validate(self, expression: str) -> None:
        """Check ``expression``; unparsable text raises ``SyntaxError``.

        SpiffWorkflow's ``DMNEngine.needs_eq`` relies on the ``SyntaxError`` to detect DMN
        cells such as ``> 140`` (it then retries with a variable in front).  Refused but
        parsable expressions raise :class:`ExpressionError`.
        """
        try:
            expressions.validate(expression)
        except ExpressionSyntaxError as exc:
            raise SyntaxError(str(exc)) from exc

    def evaluate(
        self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None
    ) -> Any:
        data = task.data if task is not None else {}
        try:
            value = expressions.evaluate(expression, _context(data, external_context))
        except ExpressionError as exc:
            if task is None:
                raise
            raise WorkflowTaskException(
                str(exc), task=task, exception=exc, error_line=str(expression)[:200]
            ) from exc
        problem = _out_of_bounds(task, expression, value)
        if problem:
            raise WorkflowTaskException(problem, task=task, error_line=str(expression)[:200])
        return value

    def execute(
        self, task: Any, script: str, external_context: Mapping[str, Any] | None = None
    ) -> bool:
        raise WorkflowTaskException(SCRIPTS_REFUSED, task=task)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise WorkflowTaskException(SERVICE_CALLS_REFUSED, task=task)
