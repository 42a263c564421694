"""1. Engine overhead: one user-task completion through the engine command (SQLite, in
process) versus raw SpiffWorkflow doing the same step with a JSON round trip."""

from __future__ import annotations

import time

from .common import Verdict, median_ms, say, scale, seeded_app


def _application() -> dict:
    from engine.demo import property_application

    return property_application()


def raw_spiff_steps(count: int) -> list[float]:
    """Deserialize, complete the acceptance task, run engine steps, serialize — plain
    SpiffWorkflow with its own serializer (the spec travels with the state)."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
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
    # SpiffWorkflow's Camunda serializer config does not know the plain ServiceTask spec;
    # registering the generic task-spec converter is the least a raw user must add.
    from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
    from SpiffWorkflow.bpmn.specs.defaults import ServiceTask

    serializer = BpmnWorkflowSerializer(
        BpmnWorkflowSerializer.configure({**CAMUNDA_CONFIG, ServiceTask: BpmnTaskSpecConverter})
    )
    engine = GovflowScriptEngine()

    def at_acceptance() -> str:
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=engine)
        # What govflow's service tasks would have pulled, so the DMN sees the same data.
        pulled = {
            "property": {"area": 89.5, "certificate_no": "BJ2024-0012345"},
            "identity": {},
            "marriage": {},
            "contract_filing": {},
        }
        next(iter(workflow.tasks.values())).data.update({**_application(), **pulled})
        workflow.do_engine_steps()
        for task in workflow.get_tasks(state=TaskState.STARTED):  # service tasks: done
            task.complete()
        workflow.do_engine_steps()
        for task in workflow.get_tasks(state=TaskState.STARTED):
            task.complete()
        workflow.do_engine_steps()
        for task in workflow.get_tasks(state=TaskState.STARTED):
            task.complete()
        workflow.do_engine_steps()
        return serializer.serialize_json(workflow)

    states = [at_acceptance() for _ in range(count)]
    samples = []
    for state in states:
        start = time.perf_counter()
        workflow = serializer.deserialize_json(state)
        workflow.script_engine = engine
        task = next(t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual)
        task.data.update({"accepted": True, "opinion": "予以受理"})
        task.run()
        workflow.do_engine_steps()
        serializer.serialize_json(workflow)
        samples.append(time.perf_counter() - start)
    return samples


def engine_steps(count: int) -> list[float]:
    from engine.services import cases, tasks
    from engine.services.auth import get_user, principal_of

    with seeded_app() as app:
        govflow = app.extensions["govflow"]
        applicant = principal_of(get_user(govflow, "zhangsan"))
        clerk = principal_of(get_user(govflow, "clerk_service_center"))
        task_ids = []
        for _ in range(count):
            cases.start_case(govflow, applicant, "property_transfer", None, _application())
        rows, _total = tasks.list_tasks(govflow, clerk, status="ready", per_page=100)
        task_ids = [r.id for r in rows]
        while len(task_ids) < count:
            more, _ = tasks.list_tasks(
                govflow, clerk, status="ready", page=len(task_ids) // 100 + 1, per_page=100
            )
            task_ids.extend(r.id for r in more if r.id not in task_ids)
        samples = []
        for task_id in task_ids[:count]:
            start = time.perf_counter()
            tasks.complete(govflow, clerk, task_id, {"accepted": True, "opinion": "予以受理"})
            samples.append(time.perf_counter() - start)
        return samples


def run() -> Verdict:
    count = scale(200, 40)
    raw = median_ms(raw_spiff_steps(count))
    ours = median_ms(engine_steps(count))
    ratio = ours / raw
    say(f"   raw SpiffWorkflow step with JSON round trip: median {raw:.2f} ms over {count}")
    say(f"   govflow engine command (SQLite, one transaction): median {ours:.2f} ms over {count}")
    return Verdict(
        1,
        "engine overhead, engine command vs raw SpiffWorkflow step",
        f"{ratio:.2f}x ({ours:.1f} ms vs {raw:.1f} ms)",
        "<= 3x",
        ratio <= 3.0,
    )
