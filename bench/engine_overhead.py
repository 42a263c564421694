"""1. Engine overhead: completing the user tasks of property_transfer cases through the
engine command (SQLite, in process) versus raw SpiffWorkflow doing the same steps with a
JSON round trip and no database — the median over every step of many cases."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .common import Verdict, median_ms, say, scale, seeded_app
from .http_load import STEPS

#: What govflow's service tasks would have pulled, so the raw run's DMN sees the same data.
PULLED = {
    "property": {"area": 89.5, "certificate_no": "BJ2024-0012345"},
    "identity": {},
    "marriage": {},
    "contract_filing": {},
    "tax_record": {"paid": True},
}


def _application() -> dict:
    from engine.demo import property_application

    return property_application()


def _raw_serializer():  # noqa: ANN202
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
    from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
    from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

    # SpiffWorkflow's Camunda serializer config does not know the plain ServiceTask spec;
    # registering the generic task-spec converter is the least a raw user must add.
    return BpmnWorkflowSerializer(
        BpmnWorkflowSerializer.configure({**CAMUNDA_CONFIG, ServiceTask: BpmnTaskSpecConverter})
    )


def _run_automatic(workflow) -> None:  # noqa: ANN001
    """Engine steps; plain service tasks stop in STARTED and are completed by hand."""
    from SpiffWorkflow.util.task import TaskState

    workflow.do_engine_steps()
    while started := workflow.get_tasks(state=TaskState.STARTED):
        for task in started:
            task.complete()
        workflow.do_engine_steps()


def raw_spiff_case() -> Callable[[], list[float]]:
    """A function running one case's user steps in raw SpiffWorkflow; the step times."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from engine.definitions.specs import parse_process
    from engine.definitions.xml_safety import parse_bpmn, parse_dmn
    from engine.script_engine import GovflowScriptEngine
    from processes.catalogue import get_matter

    matter = get_matter("property_transfer")
    parsed = parse_process(
        parse_bpmn(matter.bpmn_path.read_bytes(), max_bytes=10**7),
        [parse_dmn(p.read_bytes(), max_bytes=10**7) for p in matter.dmn_paths],
        "property_transfer",
    )
    serializer, engine = _raw_serializer(), GovflowScriptEngine()

    def one_case() -> list[float]:
        samples = []
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=engine)
        next(iter(workflow.tasks.values())).data.update({**_application(), **PULLED})
        _run_automatic(workflow)
        state = serializer.serialize_json(workflow)
        for _user, bpmn_id, data in STEPS:
            start = time.perf_counter()
            workflow = serializer.deserialize_json(state)
            workflow.script_engine = engine
            task = next(
                t
                for t in workflow.get_tasks(state=TaskState.READY)
                if t.task_spec.bpmn_id == bpmn_id
            )
            task.data.update(data)
            task.run()
            _run_automatic(workflow)
            state = serializer.serialize_json(workflow)
            samples.append(time.perf_counter() - start)
        return samples

    return one_case


def engine_case(app: Any) -> Callable[[], list[float]]:
    """A function running one case's user steps through the engine command (each its
    own transaction); the step times."""
    from sqlalchemy import select

    from engine.models import TaskRow
    from engine.services import cases as case_service
    from engine.services import parties, tasks
    from engine.services.auth import get_user, principal_of
    from engine.uow import read_only

    govflow = app.extensions["govflow"]
    people = {
        u: principal_of(get_user(govflow, u)) for u in {s[0] for s in STEPS} | {"zhangsan", "lisi"}
    }

    def one_case() -> list[float]:
        samples = []
        case_id = case_service.start_case(
            govflow, people["zhangsan"], "property_transfer", None, _application()
        )
        parties.confirm(govflow, people["lisi"], case_id)  # the seller consents
        for user, bpmn_id, data in STEPS:
            with read_only(govflow.db) as session:
                task_id = session.scalar(
                    select(TaskRow.id).where(
                        TaskRow.case_id == case_id,
                        TaskRow.bpmn_id == bpmn_id,
                        TaskRow.status == "ready",
                    )
                )
            start = time.perf_counter()
            tasks.complete(govflow, people[user], task_id, data)
            samples.append(time.perf_counter() - start)
        return samples

    return one_case


def run() -> Verdict:
    cases = scale(60, 12)
    raw_samples: list[float] = []
    engine_samples: list[float] = []
    with seeded_app() as app:
        raw_case, our_case = raw_spiff_case(), engine_case(app)
        # Case by case, one of each in turn: both sides see the same machine (a shared
        # VM's speed drifts by ±20% over a minute), so the ratio compares like with like.
        for _ in range(cases):
            raw_samples += raw_case()
            engine_samples += our_case()
    raw, ours = median_ms(raw_samples), median_ms(engine_samples)
    ratio = ours / raw
    steps = cases * len(STEPS)
    say(f"   raw SpiffWorkflow step with JSON round trip: median {raw:.2f} ms over {steps} steps")
    say(
        f"   govflow engine command (SQLite, one transaction): median {ours:.2f} ms over {steps} steps"
    )
    return Verdict(
        1,
        "engine overhead, engine command vs raw SpiffWorkflow step",
        f"{ratio:.2f}x ({ours:.1f} ms vs {raw:.1f} ms)",
        "<= 3x",
        ratio <= 3.0,
    )
