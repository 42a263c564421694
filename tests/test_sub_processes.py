"""People and timers inside sub-processes (issue 12, item 2): one small model per
construct, run through the API, with the path and the worklists after each step.

SpiffWorkflow runs an embedded, event or called sub-process as a child workflow; its
tasks live apart from the main process's, and govflow finds them there.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from engine import scheduler
from tests.bpmn_support import deploy, deployed, model, open_tasks, refused_elements
from tests.support import Api

BEIJING = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def flow(fid: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'


#: A shipped form with a boolean ``accepted`` and a text ``opinion``: the data of the steps.
FORM = "property_transfer/acceptance"


def user_task(eid: str, group: str = "tax") -> str:
    return (
        f'<bpmn:userTask id="{eid}" name="{eid}" camunda:candidateGroups="{group}" '
        f'camunda:formKey="{FORM}"/>'
    )


def timer(eid: str, attached: str, duration: str, *, interrupting: bool = True) -> str:
    cancel = "true" if interrupting else "false"
    return (
        f'<bpmn:boundaryEvent id="{eid}" attachedToRef="{attached}" cancelActivity="{cancel}">'
        f"<bpmn:timerEventDefinition><bpmn:timeDuration>{duration}</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )


def chain(*nodes: str, prefix: str = "f") -> str:
    """Start event, the given nodes (user task ids or raw XML with an id), end event."""
    parts = [f'<bpmn:startEvent id="{prefix}_start"/>']
    ids = [f"{prefix}_start"]
    for node in nodes:
        if node.startswith("<"):
            parts.append(node)
            ids.append(node.split('id="', 1)[1].split('"', 1)[0])
        else:
            parts.append(user_task(node))
            ids.append(node)
    parts.append(f'<bpmn:endEvent id="{prefix}_end"/>')
    ids.append(f"{prefix}_end")
    parts += [flow(f"{prefix}{i}", a, b) for i, (a, b) in enumerate(itertools.pairwise(ids))]
    return "\n".join(parts)


def sub_process(eid: str, body: str, extra: str = "") -> str:
    return f'<bpmn:subProcess id="{eid}" name="{eid}">{body}{extra}</bpmn:subProcess>'


def worklist(api: Api, user: str = "clerk_tax") -> list[str]:
    """BPMN ids of the user's open tasks."""
    return sorted(t["bpmn_id"] for t in api.worklist(user) if t["status"] in ("ready", "claimed"))


def events(api: Api, case_id: int, action: str) -> list[dict]:
    items = api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]
    return [e for e in items if e["action"] == action]


EMBEDDED = model(
    "sub_embedded",
    chain(
        "intake",
        sub_process(
            "check",
            chain("inner_a", "inner_b", prefix="i"),
            timer("inner_late", "inner_a", "PT2H", interrupting=False)
            + user_task("inner_urge", "service_center")
            + '<bpmn:endEvent id="inner_urged"/>'
            + flow("iu1", "inner_late", "inner_urge")
            + flow("iu2", "inner_urge", "inner_urged"),
        ),
        "archive",
    ),
)


def test_a_task_inside_an_embedded_sub_process_reaches_the_worklist(api: Api):
    deployed(api, EMBEDDED)
    case = api.start_case("sub_embedded", {})
    assert open_tasks(case) == ["intake"]

    inside = api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    assert open_tasks(inside) == ["inner_a"]
    assert worklist(api) == ["inner_a"]
    second = api.claim_and_complete(
        "clerk_tax", case["id"], "inner_a", {"accepted": False, "opinion": "y"}
    )
    assert open_tasks(second) == ["inner_b"]
    after = api.claim_and_complete("clerk_tax", case["id"], "inner_b", {"accepted": True})
    assert open_tasks(after) == ["archive"]
    assert after["data"]["opinion"] == "y"  # the child's data comes back out
    done = api.claim_and_complete("clerk_tax", case["id"], "archive", {"accepted": True})
    assert done["status"] == "completed"
    created = [e["details"]["bpmn_id"] for e in events(api, case["id"], "task_created")]
    assert created == ["intake", "inner_a", "inner_b", "archive"]


def test_a_boundary_timer_inside_a_sub_process_fires(api: Api, govflow):
    deployed(api, EMBEDDED)
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):
        case = api.start_case("sub_embedded", {})
        api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    with time_machine.travel(at("2026-11-19T12:30:00"), tick=False):
        assert scheduler.tick(govflow).timers == 1
        assert scheduler.tick(govflow).timers == 0
    assert worklist(api, "clerk_service_center") == ["inner_urge"]
    assert worklist(api) == ["inner_a"]  # non-interrupting: the step stays
    assert events(api, case["id"], "timer_fired")


def call(eid: str, key: str, inputs: str = "", outputs: str = "") -> str:
    """A call activity; ``inputs``/``outputs``: "source:target,..." camunda mappings."""

    def mappings(tag: str, text: str) -> str:
        pairs = [p.split(":") for p in text.split(",") if p]
        return "".join(f'<camunda:{tag} source="{a}" target="{b}"/>' for a, b in pairs)

    extensions = mappings("in", inputs) + mappings("out", outputs)
    body = f"<bpmn:extensionElements>{extensions}</bpmn:extensionElements>" if extensions else ""
    return f'<bpmn:callActivity id="{eid}" name="{eid}" calledElement="{key}">{body}</bpmn:callActivity>'


CHILD = model("single_matter", chain("child_review", "child_sign", prefix="c"))
PARENT = model(
    "package",
    chain(
        "intake",
        call(
            "do_matter",
            "single_matter",
            inputs="opinion:intake_opinion",
            outputs="opinion:matter_opinion",
        ),
        "archive",
    ),
)


def test_a_call_activity_runs_another_deployed_definition_with_its_mappings(api: Api):
    child = deployed(api, CHILD)
    deployed(api, PARENT)
    case = api.start_case("package", {})

    called = api.claim_and_complete(
        "clerk_tax", case["id"], "intake", {"accepted": True, "opinion": "从窗口"}
    )
    assert open_tasks(called) == ["child_review"]
    assert worklist(api) == ["child_review"]
    assert called["data"]["called_processes"]["single_matter"]["version"] == child["version"]
    started = events(api, case["id"], "call_started")
    assert [e["details"]["called_key"] for e in started] == ["single_matter"]
    task = api.open_task("clerk_tax", case["id"], "child_review")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "clerk_tax").get_json()
    assert detail["process_key"] == "package"

    api.claim_and_complete("clerk_tax", case["id"], "child_review", {"accepted": True})
    back = api.claim_and_complete(
        "clerk_tax", case["id"], "child_sign", {"accepted": True, "opinion": "准予"}
    )
    assert open_tasks(back) == ["archive"]
    assert back["data"]["matter_opinion"] == "准予"  # camunda:out, renamed
    assert back["data"]["opinion"] == "从窗口"  # the caller's own, untouched by the child
    done = api.claim_and_complete("clerk_tax", case["id"], "archive", {"accepted": True})
    assert done["status"] == "completed"


def test_only_the_mapped_variables_come_back_from_the_call(api: Api):
    deployed(api, CHILD)
    deployed(api, PARENT)
    case = api.start_case("package", {})
    api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True, "opinion": "x"})
    api.claim_and_complete("clerk_tax", case["id"], "child_review", {"accepted": False})
    back = api.claim_and_complete(
        "clerk_tax", case["id"], "child_sign", {"accepted": False, "opinion": "y"}
    )
    # camunda:out maps opinion only: the child's 'accepted' stays inside it
    assert back["data"]["accepted"] is True
    assert back["data"]["matter_opinion"] == "y" and back["data"]["opinion"] == "x"


def test_the_version_current_at_the_call_is_kept_for_the_whole_call(api: Api):
    deployed(api, CHILD)
    deployed(api, PARENT)
    case = api.start_case("package", {})
    api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    # a second version of the single matter: one more step, current at once? No: the key
    # has no cases of its own, so it becomes current; the call in flight keeps version 1.
    newer = deployed(api, model("single_matter", chain("child_review", prefix="c2")))
    assert newer["version"] == 2
    api.claim_and_complete("clerk_tax", case["id"], "child_review", {"accepted": True})
    after = api.claim_and_complete("clerk_tax", case["id"], "child_sign", {"accepted": True})
    assert open_tasks(after) == ["archive"]
    assert after["data"]["called_processes"]["single_matter"]["version"] == 1

    later = api.start_case("package", {})
    api.claim_and_complete("clerk_tax", later["id"], "intake", {"accepted": True})
    steps = api.claim_and_complete("clerk_tax", later["id"], "child_review", {"accepted": True})
    assert open_tasks(steps) == ["archive"]  # version 2 has one step only
    assert steps["data"]["called_processes"]["single_matter"]["version"] == 2


def test_a_call_to_a_key_that_is_not_deployed_is_refused(api: Api):
    before = api.get("/api/v1/process-definitions", "designer").get_json()

    elements = refused_elements(deploy(api, PARENT))

    assert list(elements) == ["do_matter"]
    assert "'single_matter'" in elements["do_matter"] and "not deployed" in elements["do_matter"]
    assert api.get("/api/v1/process-definitions", "designer").get_json() == before


def test_a_call_cycle_deploys_with_a_warning(api: Api):
    deployed(api, CHILD)
    deployed(api, PARENT)  # package → single_matter
    back = model("single_matter", chain(call("again", "package"), prefix="c3"))

    response = deployed(api, back)  # single_matter → package → single_matter

    warnings = {w["id"]: w["message"] for w in response["warnings"]}
    assert "call cycle" in warnings["again"], warnings


def test_a_process_calling_itself_is_warned_about(api: Api):
    xml = model("selfish", chain("a", call("me_again", "selfish")))
    warnings = {w["id"]: w["message"] for w in deployed(api, xml)["warnings"]}
    assert "call cycle" in warnings["me_again"]


def test_a_mapping_by_expression_is_refused(api: Api):
    deployed(api, CHILD)
    xml = PARENT.replace(
        b'<camunda:in source="opinion" target="intake_opinion"/>',
        b'<camunda:in sourceExpression="${opinion}" target="intake_opinion"/>',
    )
    elements = refused_elements(deploy(api, xml))
    assert "sourceExpression" in elements["do_matter"]


def event_sub_process(eid: str, start_timer: str, body: str, *, interrupting: bool) -> str:
    kind = "timeCycle" if start_timer.startswith("R") else "timeDuration"
    flag = "true" if interrupting else "false"
    return (
        f'<bpmn:subProcess id="{eid}" name="{eid}" triggeredByEvent="true">'
        f'<bpmn:startEvent id="{eid}_start" isInterrupting="{flag}">'
        f"<bpmn:timerEventDefinition><bpmn:{kind}>{start_timer}</bpmn:{kind}>"
        f"</bpmn:timerEventDefinition></bpmn:startEvent>{body}</bpmn:subProcess>"
    )


URGING = model(
    "sub_urging",
    chain("review")
    + event_sub_process(
        "urging",
        "R10/P2D",
        user_task("urge", "service_center")
        + f'<bpmn:endEvent id="urged"/>{flow("u1", "urging_start", "urge")}'
        + flow("u2", "urge", "urged"),
        interrupting=False,
    ),
)


def test_a_non_interrupting_timer_event_sub_process_urges_every_two_days(api: Api, govflow):
    deployed(api, URGING)
    with time_machine.travel(at("2026-11-16T10:00:00"), tick=False):
        case = api.start_case("sub_urging", {})
        assert worklist(api) == ["review"]
        assert worklist(api, "clerk_service_center") == []
    with time_machine.travel(at("2026-11-18T10:30:00"), tick=False):
        assert scheduler.tick(govflow).timers == 1
        assert worklist(api, "clerk_service_center") == ["urge"]
        assert worklist(api) == ["review"]  # non-interrupting: the review goes on
        api.claim_and_complete("clerk_service_center", case["id"], "urge", {"accepted": True})
        assert scheduler.tick(govflow).timers == 0
    with time_machine.travel(at("2026-11-20T11:00:00"), tick=False):
        assert scheduler.tick(govflow).timers == 1
        assert worklist(api, "clerk_service_center") == ["urge"]  # the second 催办
        reviewed = api.claim_and_complete("clerk_tax", case["id"], "review", {"accepted": True})
        # BPMN: a process ends when its running event sub-process instances end too
        assert reviewed["status"] == "running" and open_tasks(reviewed) == ["urge"]
        done = api.claim_and_complete(
            "clerk_service_center", case["id"], "urge", {"accepted": True}
        )
    assert done["status"] == "completed"
    with time_machine.travel(at("2026-11-30T11:00:00"), tick=False):
        assert scheduler.tick(govflow).timers == 0  # the case ended: no more urging
    created = [e["details"]["bpmn_id"] for e in events(api, case["id"], "task_created")]
    assert created == ["review", "urge", "urge"]


TAKEOVER = model(
    "sub_takeover",
    chain("review")
    + event_sub_process(
        "takeover",
        "P5D",
        user_task("supervise", "service_center")
        + f'<bpmn:endEvent id="taken_over"/>{flow("t1", "takeover_start", "supervise")}'
        + flow("t2", "supervise", "taken_over"),
        interrupting=True,
    ),
)


def test_an_interrupting_timer_event_sub_process_takes_the_case_over(api: Api, govflow):
    deployed(api, TAKEOVER)
    with time_machine.travel(at("2026-11-16T10:00:00"), tick=False):
        case = api.start_case("sub_takeover", {})
    with time_machine.travel(at("2026-11-21T10:30:00"), tick=False):
        assert scheduler.tick(govflow).timers == 1
    assert worklist(api) == []  # the review was interrupted
    assert worklist(api, "clerk_service_center") == ["supervise"]
    view = api.get(f"/api/v1/cases/{case['id']}", "admin").get_json()
    assert open_tasks(view) == ["supervise"]
    done = api.claim_and_complete(
        "clerk_service_center", case["id"], "supervise", {"accepted": True}
    )
    assert done["status"] == "completed"


def test_a_case_done_before_its_event_sub_process_fires_completes(api: Api, govflow):
    deployed(api, TAKEOVER)
    with time_machine.travel(at("2026-11-16T10:00:00"), tick=False):
        case = api.start_case("sub_takeover", {})
        done = api.claim_and_complete("clerk_tax", case["id"], "review", {"accepted": True})
    assert done["status"] == "completed"  # the listener stops with its process
    with time_machine.travel(at("2026-11-23T10:30:00"), tick=False):
        assert scheduler.tick(govflow).timers == 0
    assert worklist(api, "clerk_service_center") == []


def open_task_id(api: Api, user: str, case_id: int, bpmn_id: str) -> str:
    return api.open_task(user, case_id, bpmn_id)["id"]


def return_to(api: Api, case_id: int, bpmn_id: str, target: str) -> object:
    task_id = open_task_id(api, "clerk_tax", case_id, bpmn_id)
    api.post(f"/api/v1/tasks/{task_id}/claim", "clerk_tax")
    return api.post(
        f"/api/v1/tasks/{task_id}/return",
        "clerk_tax",
        json={"target": target, "reason": "材料不全"},
    )


def into_the_sub_process(api: Api) -> int:
    deployed(api, EMBEDDED)
    case = api.start_case("sub_embedded", {})
    api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    return case["id"]


def test_a_return_within_the_sub_process(api: Api):
    case_id = into_the_sub_process(api)
    api.claim_and_complete("clerk_tax", case_id, "inner_a", {"accepted": True})

    response = return_to(api, case_id, "inner_b", "inner_a")

    assert response.status_code == 200, response.get_json()
    assert open_tasks(response.get_json()) == ["inner_a"]
    again = api.claim_and_complete("clerk_tax", case_id, "inner_a", {"accepted": True})
    assert open_tasks(again) == ["inner_b"]


def test_a_return_out_of_the_sub_process_to_the_step_before_it(api: Api):
    case_id = into_the_sub_process(api)

    response = return_to(api, case_id, "inner_a", "intake")

    assert response.status_code == 200, response.get_json()
    assert open_tasks(response.get_json()) == ["intake"]
    assert worklist(api) == ["intake"]
    again = api.claim_and_complete("clerk_tax", case_id, "intake", {"accepted": True})
    assert open_tasks(again) == ["inner_a"]  # a fresh run of the sub-process


def test_a_return_from_after_the_sub_process_into_it(api: Api):
    case_id = into_the_sub_process(api)
    api.claim_and_complete("clerk_tax", case_id, "inner_a", {"accepted": True})
    api.claim_and_complete("clerk_tax", case_id, "inner_b", {"accepted": True})
    targets = api.get(
        f"/api/v1/tasks/{open_task_id(api, 'clerk_tax', case_id, 'archive')}/return-targets",
        "clerk_tax",
    )
    assert targets.status_code == 200, targets.get_json()
    assert [t["bpmn_id"] for t in targets.get_json()["items"]] == ["inner_b", "inner_a", "intake"]

    response = return_to(api, case_id, "archive", "inner_b")

    assert response.status_code == 200, response.get_json()
    assert open_tasks(response.get_json()) == ["inner_b"]
    after = api.claim_and_complete("clerk_tax", case_id, "inner_b", {"accepted": True})
    assert open_tasks(after) == ["archive"]
    done = api.claim_and_complete("clerk_tax", case_id, "archive", {"accepted": True})
    assert done["status"] == "completed"


def test_a_return_to_a_step_not_on_the_way_is_refused_and_changes_nothing(api: Api):
    case_id = into_the_sub_process(api)
    before = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()

    response = return_to(api, case_id, "inner_a", "archive")

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "target" in error["details"]["fields"]
    after = api.get(f"/api/v1/cases/{case_id}", "admin").get_json()
    assert open_tasks(after) == open_tasks(before) == ["inner_a"]


def test_withdrawing_the_last_step_of_a_sub_process(api: Api):
    case_id = into_the_sub_process(api)
    api.claim_and_complete("clerk_tax", case_id, "inner_a", {"accepted": True})
    done = api.claim_and_complete("clerk_tax", case_id, "inner_b", {"accepted": True})
    inner_b = next(t for t in done["tasks"] if t["bpmn_id"] == "inner_b")

    response = api.post(f"/api/v1/tasks/{inner_b['id']}/withdraw", "clerk_tax", json={})

    assert response.status_code == 200, response.get_json()
    assert open_tasks(response.get_json()) == ["inner_b"]  # archive is gone again


def test_withdrawing_is_refused_once_the_step_after_the_sub_process_is_taken(api: Api):
    case_id = into_the_sub_process(api)
    api.claim_and_complete("clerk_tax", case_id, "inner_a", {"accepted": True})
    done = api.claim_and_complete("clerk_tax", case_id, "inner_b", {"accepted": True})
    inner_b = next(t for t in done["tasks"] if t["bpmn_id"] == "inner_b")
    api.post(
        f"/api/v1/tasks/{open_task_id(api, 'clerk_tax', case_id, 'archive')}/claim", "clerk_tax"
    )

    response = api.post(f"/api/v1/tasks/{inner_b['id']}/withdraw", "clerk_tax", json={})

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "next_task_touched"


def multi_instance_task(eid: str, *, sequential: bool) -> str:
    """会签 over the departments named in the case data, one instance each."""
    flag = "true" if sequential else "false"
    return (
        f'<bpmn:userTask id="{eid}" name="{eid}" camunda:candidateGroups="${{department}}" '
        f'camunda:formKey="{FORM}">'
        f'<bpmn:multiInstanceLoopCharacteristics isSequential="{flag}" '
        'camunda:collection="departments" camunda:elementVariable="department"/>'
        "</bpmn:userTask>"
    )


def multi_instance_model(key: str, *, sequential: bool) -> bytes:
    inner = chain(multi_instance_task("sign", sequential=sequential), prefix="m")
    return model(key, chain("intake", sub_process("joint", inner), "archive"))


def test_a_parallel_countersign_inside_a_sub_process(api: Api):
    deployed(api, multi_instance_model("sub_mi_parallel", sequential=False))
    case = api.start_case("sub_mi_parallel", {"departments": ["tax", "registry"]})
    inside = api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})

    assert open_tasks(inside) == ["sign", "sign"]  # one instance per department at once
    assert worklist(api) == ["sign"] and worklist(api, "clerk_registry") == ["sign"]
    one = api.claim_and_complete("clerk_registry", case["id"], "sign", {"accepted": True})
    assert open_tasks(one) == ["sign"]
    both = api.claim_and_complete("clerk_tax", case["id"], "sign", {"accepted": True})
    assert open_tasks(both) == ["archive"]


def test_a_sequential_countersign_inside_a_sub_process(api: Api):
    deployed(api, multi_instance_model("sub_mi_sequential", sequential=True))
    case = api.start_case("sub_mi_sequential", {"departments": ["registry", "tax"]})
    inside = api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})

    assert open_tasks(inside) == ["sign"]  # one department after the other
    assert worklist(api, "clerk_registry") == ["sign"] and worklist(api) == []
    first = api.claim_and_complete("clerk_registry", case["id"], "sign", {"accepted": True})
    assert open_tasks(first) == ["sign"] and worklist(api) == ["sign"]
    second = api.claim_and_complete("clerk_tax", case["id"], "sign", {"accepted": True})
    assert open_tasks(second) == ["archive"]


def test_the_case_page_opens_the_called_process_as_its_own_diagram(app, api: Api):  # noqa: ANN001
    from tests.test_pages import Browser

    deployed(api, CHILD)
    deployed(api, PARENT)
    case = api.start_case("package", {})
    api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    clerk = Browser(app, "clerk_tax")

    page = clerk.get(f"/cases/{case['id']}")

    html = page.get_data(as_text=True)
    assert f'data-diagram-url="/cases/{case["id"]}/called/single_matter.xml"' in html
    drawn = clerk.get(f"/cases/{case['id']}/called/single_matter.xml")
    assert drawn.status_code == 200 and b'id="single_matter"' in drawn.get_data()
    assert clerk.get(f"/cases/{case['id']}/called/nothing_called.xml").status_code == 404
    marks = html.split('class="diagram-state">', 1)[1].split("</script>", 1)[0]
    assert "child_review" in marks  # the called process's open step is marked


def test_a_task_of_a_called_definition_uses_the_form_uploaded_with_it(api: Api):
    import io
    import json

    form = {
        "key": "single_matter/seal",
        "title": {"zh": "印章备案", "en": "Seal filing"},
        "fields": [
            {
                "name": "seal_no",
                "type": "string",
                "required": True,
                "label": {"zh": "印章编号", "en": "Seal no."},
            }
        ],
    }
    child = model(
        "single_matter",
        chain(
            '<bpmn:userTask id="seal" name="seal" camunda:candidateGroups="tax" '
            'camunda:formKey="single_matter/seal"/>',
            prefix="s",
        ),
    )
    uploaded = api.post(
        "/api/v1/process-definitions",
        "designer",
        data={
            "file": (io.BytesIO(child), "child.bpmn"),
            "form": (io.BytesIO(json.dumps(form).encode()), "seal.json"),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    deployed(api, PARENT)
    case = api.start_case("package", {})
    api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    task_id = open_task_id(api, "clerk_tax", case["id"], "seal")

    detail = api.get(f"/api/v1/tasks/{task_id}", "clerk_tax").get_json()
    assert detail["form_definition"]["key"] == "single_matter/seal"
    api.post(f"/api/v1/tasks/{task_id}/claim", "clerk_tax")
    refused = api.complete("clerk_tax", task_id, {})
    assert (
        refused.status_code == 422 and "seal_no" in refused.get_json()["error"]["details"]["fields"]
    )
    done = api.complete("clerk_tax", task_id, {"seal_no": "A-1"})
    assert done.status_code == 200 and open_tasks(done.get_json()) == ["archive"]


def test_a_step_inside_a_sub_process_carries_its_time_limit(api: Api):
    limited = (
        '<bpmn:userTask id="inner_limited" name="inner_limited" camunda:candidateGroups="tax" '
        f'camunda:formKey="{FORM}"><bpmn:extensionElements><camunda:properties>'
        '<camunda:property name="time_limit" value="2wd"/></camunda:properties>'
        "</bpmn:extensionElements></bpmn:userTask>"
    )
    deployed(api, model("sub_limit", chain(sub_process("inner", chain(limited, prefix="l")))))
    with time_machine.travel(at("2026-11-16T10:00:00"), tick=False):  # a Monday
        case = api.start_case("sub_limit", {})
        (task,) = [t for t in api.worklist("clerk_tax") if t["case_id"] == case["id"]]
    assert task["bpmn_id"] == "inner_limited"
    assert task["due_at"] is not None and task["due_at"].startswith("2026-11-18")


def test_the_steps_of_a_called_definition_carry_their_time_limits(api: Api):
    limited = (
        '<bpmn:userTask id="called_limited" name="called_limited" camunda:candidateGroups="tax" '
        f'camunda:formKey="{FORM}"><bpmn:extensionElements><camunda:properties>'
        '<camunda:property name="time_limit" value="1wd"/></camunda:properties>'
        "</bpmn:extensionElements></bpmn:userTask>"
    )
    deployed(api, model("single_matter", chain(limited, prefix="l")))
    deployed(api, model("caller", chain(call("run_it", "single_matter"))))
    with time_machine.travel(at("2026-11-16T10:00:00"), tick=False):
        case = api.start_case("caller", {})
        (task,) = [t for t in api.worklist("clerk_tax") if t["case_id"] == case["id"]]
    assert task["bpmn_id"] == "called_limited"
    assert task["due_at"] is not None and task["due_at"].startswith("2026-11-17")


def test_an_interrupting_timer_on_the_sub_process_leaves_it(api: Api, govflow):
    xml = model(
        "sub_deadline",
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                sub_process("check", chain("inner_a", prefix="i")),
                timer("too_late", "check", "P3D"),
                user_task("escalate", "service_center"),
                '<bpmn:endEvent id="end"/>',
                '<bpmn:endEvent id="escalated"/>',
                flow("f1", "start", "check"),
                flow("f2", "check", "end"),
                flow("f3", "too_late", "escalate"),
                flow("f4", "escalate", "escalated"),
            ]
        ),
    )
    deployed(api, xml)
    with time_machine.travel(at("2026-11-16T10:00:00"), tick=False):
        case = api.start_case("sub_deadline", {})
        assert worklist(api) == ["inner_a"]
    with time_machine.travel(at("2026-11-19T10:30:00"), tick=False):
        assert scheduler.tick(govflow).timers == 1
        assert worklist(api) == []  # the whole sub-process was left
        assert worklist(api, "clerk_service_center") == ["escalate"]
        done = api.claim_and_complete(
            "clerk_service_center", case["id"], "escalate", {"accepted": True}
        )
    assert done["status"] == "completed"


def test_a_return_from_a_called_definition_to_the_step_before_the_call(api: Api):
    deployed(api, CHILD)
    deployed(api, PARENT)
    case = api.start_case("package", {})
    api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    api.claim_and_complete("clerk_tax", case["id"], "child_review", {"accepted": True})

    response = return_to(api, case["id"], "child_sign", "intake")

    assert response.status_code == 200, response.get_json()
    assert open_tasks(response.get_json()) == ["intake"]
    again = api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})
    assert open_tasks(again) == ["child_review"]  # the call starts afresh
    assert [e["action"] for e in events(api, case["id"], "call_started")] == ["call_started"]


# --- 一件事 as a package of single matters (processes/business_startup) -------------------


SINGLE_MATTERS = {
    "company_registration": "market_registration",
    "seal_engraving": "seal_filing",
    "tax_invoicing": "tax_registration",
    "social_insurance_enrolment": "social_insurance",
    "housing_fund_enrolment": "housing_fund_registration",
}


def test_business_startup_calls_its_single_matters_each_deployed_on_its_own(api: Api):
    from tests.support import business_application

    listed = {
        d["key"]: d for d in api.get("/api/v1/process-definitions", "designer").get_json()["items"]
    }
    assert set(SINGLE_MATTERS) <= set(listed)
    case = api.start_case("business_startup", business_application())
    api.claim_and_complete("clerk_service_center", case["id"], "acceptance", {"accepted": True})
    after = api.claim_and_complete(
        "clerk_market",
        case["id"],
        "market_registration",
        {"approved": True, "credit_code": "91110108MA01XYK12Q"},
    )
    called = after["data"]["called_processes"]
    assert set(called) == set(SINGLE_MATTERS)  # the four in parallel have started too
    assert all(called[k]["version"] == listed[k]["version"] for k in SINGLE_MATTERS)


def test_a_single_matter_is_startable_on_its_own(api: Api):
    from tests.support import business_application

    case = api.start_case("company_registration", business_application())
    assert open_tasks(case) == ["market_registration"]
    done = api.claim_and_complete(
        "clerk_market",
        case["id"],
        "market_registration",
        {"approved": True, "credit_code": "91110108MA01XYK12Q"},
    )
    assert done["status"] == "completed"
    assert done["data"]["issued"]["e_license"]["credit_code"] == "91110108MA01XYK12Q"
    seal = api.start_case("seal_engraving", business_application())
    assert open_tasks(seal) == ["seal_filing"]


def test_an_application_cannot_choose_the_version_a_call_runs(api: Api, govflow):
    import sqlalchemy as sa

    from engine.models import ProcessDefinition
    from engine.uow import read_only

    deployed(api, CHILD)
    deployed(api, model("single_matter", chain("child_review", prefix="c2")))  # version 2
    deployed(api, PARENT)
    with read_only(govflow.db) as session:
        first = session.scalar(
            sa.select(ProcessDefinition.id).where(
                ProcessDefinition.key == "single_matter", ProcessDefinition.version == 1
            )
        )
    forged = {"single_matter": {"version": 1, "definition_id": first}}
    case = api.start_case("package", {"called_processes": forged})
    api.claim_and_complete("clerk_tax", case["id"], "intake", {"accepted": True})

    after = api.claim_and_complete("clerk_tax", case["id"], "child_review", {"accepted": True})

    assert open_tasks(after) == ["archive"]  # version 2: one step only
    assert after["data"]["called_processes"]["single_matter"]["version"] == 2
