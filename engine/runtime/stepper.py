"""Advancing a workflow until it needs a person (or a timer).

SpiffWorkflow runs every READY non-manual task in ``do_engine_steps``.  Service tasks in
it do nothing and stop in STARTED; govflow gives them their meaning (pull from or publish
to shared data) just before they run and completes them just after — or, when the
handler names a BPMN error that a boundary event of the task catches, throws it instead
(``bpmn_errors``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .. import bounds
from ..errors import FactMissing, WorkflowFailure
from ..expressions import MissingFact
from . import bpmn_errors, event_sub_processes
from .workflow import GovflowWorkflow

#: Called with (spiff task, its service-task metadata) before the task runs; answers the
#: code of a BPMN error the task throws, or None when it completes.
ServiceHandler = Callable[[Any, dict[str, Any]], str | None]

#: What a handler answers when the task must wait for a job (records being fetched): the
#: task stays STARTED, and the job's answer completes it in a later command.
WAIT = "govflow:wait"


def advance(
    workflow: GovflowWorkflow,
    service_tasks: dict[str, dict[str, Any]],
    on_service_task: ServiceHandler,
) -> None:
    """Run automatic steps; raise ``WorkflowFailure`` if the model fails at run time."""
    budget = bounds.current().max_engine_steps  # a runaway loop of automatic steps stops
    steps = 0
    errors: dict[Any, str] = {}  # service task id → the BPMN error it throws

    def before(task: Any) -> None:
        nonlocal steps
        steps += 1
        if steps > budget:
            raise WorkflowFailure(
                f"the process ran more than {budget:,} automatic steps in one command; "
                "it loops (GOVFLOW_MAX_ENGINE_STEPS)",
                element=getattr(task.task_spec, "bpmn_id", None),
            )
        if isinstance(task.task_spec, ServiceTask):
            meta = service_tasks.get(task.task_spec.bpmn_id)
            code = on_service_task(task, meta) if meta else None
            if code:
                errors[task.id] = code

    def after(task: Any) -> None:
        if isinstance(task.task_spec, ServiceTask) and task.state == TaskState.STARTED:
            code = errors.pop(task.id, None)
            if code == WAIT:
                return
            if code and bpmn_errors.caught_by_boundary(task, code):
                bpmn_errors.throw(task, code)
            else:
                task.complete()

    try:
        workflow.refresh_timers()
        workflow.do_engine_steps(will_complete_task=before, did_complete_task=after)
        while event_sub_processes.interrupt(workflow) or event_sub_processes.close_idle(workflow):
            workflow.do_engine_steps(will_complete_task=before, did_complete_task=after)
    except WorkflowFailure:
        raise
    except SpiffWorkflowException as exc:
        missing = _missing_fact(exc)
        if missing is not None:
            raise FactMissing(
                str(missing),
                record=missing.record,
                fact=missing.fact,
                element=getattr(getattr(exc, "task_spec", None), "bpmn_id", None),
            ) from None
        raise WorkflowFailure(
            _describe(exc),
            element=getattr(exc, "task_spec", None) and getattr(exc.task_spec, "bpmn_id", None),
        ) from None
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        # SpiffWorkflow raises plain exceptions from some specs (a malformed timer value is
        # a bare Exception('Invalid duration')); the model is at fault, not the server.
        raise WorkflowFailure(_describe(exc)) from None
    except Exception as exc:  # noqa: BLE001 - see above; the transaction rolls back
        if type(exc) is not Exception:
            raise
        raise WorkflowFailure(_describe(exc)) from None
    errored = [t for t in workflow.all_tasks() if t.state == TaskState.ERROR]
    if errored:
        raise WorkflowFailure(
            f"step '{errored[0].task_spec.bpmn_id}' failed", element=errored[0].task_spec.bpmn_id
        )


def _missing_fact(exc: BaseException) -> MissingFact | None:
    """The ``MissingFact`` behind a SpiffWorkflow error (it wraps what the script engine
    raised, sometimes twice: a DMN rule inside a business rule task)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, MissingFact):
            return current
        seen.add(id(current))
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return None


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
