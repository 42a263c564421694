"""Messages (API.md "Messages (integrations)"): one small model per construct that waits
for a message, driven through the API as an integration would, with the path taken and
the worklist after each step; and every way a delivery is refused changing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine

from engine import clock, scheduler
from tests.bpmn_support import deployed, model, open_tasks
from tests.support import Api

MESSAGES = "/api/v1/messages"
PAID = '<bpmn:message id="Msg_paid" name="tax_paid"/>'


def task(eid: str) -> str:
    return f'<bpmn:userTask id="{eid}" name="{eid}" camunda:candidateGroups="tax"/>'


def flow(fid: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'


def message_model(key: str, body: str) -> bytes:
    """A model whose ``bpmn:message`` ``tax_paid`` is declared beside the process."""
    return model(key, body).replace(b"</bpmn:definitions>", PAID.encode() + b"</bpmn:definitions>")


def catch(eid: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{eid}">'
        f'<bpmn:messageEventDefinition id="{eid}_def" messageRef="Msg_paid"/>'
        "</bpmn:intermediateCatchEvent>"
    )


def send(
    api: Api, case_id: int, name: str = "tax_paid", data: Any = None, as_: str = "integration"
):
    return api.post(MESSAGES, as_, json={"name": name, "case_id": case_id, "data": data or {}})


def delivered(api: Api, case_id: int, name: str = "tax_paid", data: Any = None) -> dict:
    response = send(api, case_id, name, data)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def worklist(api: Api, username: str = "clerk_tax") -> list[str]:
    """The BPMN ids of the open tasks in ``username``'s worklist."""
    return sorted(
        t["bpmn_id"] for t in api.worklist(username) if t["status"] in ("ready", "claimed")
    )


def as_admin(api: Api, case_id: int) -> dict:
    return api.get(f"/api/v1/cases/{case_id}", "admin").get_json()


CATCH_EVENT = message_model(
    "msg_catch",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f1", "start", "prepare"),
            task("prepare"),
            flow("f2", "prepare", "wait_paid"),
            catch("wait_paid"),
            flow("f3", "wait_paid", "issue"),
            task("issue"),
            flow("f4", "issue", "end"),
            '<bpmn:endEvent id="end"/>',
        ]
    ),
)


def test_a_catch_event_waits_for_its_message_and_takes_its_data(api: Api):
    deployed(api, CATCH_EVENT)
    case = api.start_case("msg_catch", {})
    assert open_tasks(case) == ["prepare"]
    early = send(api, case["id"])
    assert early.status_code == 409, early.get_json()  # not waiting yet
    assert early.get_json()["error"]["code"] == "not_waiting"

    waiting = api.claim_and_complete("clerk_tax", case["id"], "prepare", {})
    assert waiting["status"] == "running"
    assert open_tasks(waiting) == []  # nobody's work: the bank's

    after = delivered(api, case["id"], data={"receipt_no": "R-1", "amount": 3000})

    assert open_tasks(after) == ["issue"]
    seen = as_admin(api, case["id"])
    assert seen["data"]["receipt_no"] == "R-1"
    assert seen["data"]["amount"] == 3000
    again = send(api, case["id"])
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "not_waiting"
    done = api.claim_and_complete("clerk_tax", case["id"], "issue", {})
    assert done["status"] == "completed"


RECEIVE_TASK = message_model(
    "msg_receive",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f1", "start", "receipt"),
            '<bpmn:receiveTask id="receipt" name="接收缴税回执" messageRef="Msg_paid"/>',
            flow("f2", "receipt", "issue"),
            task("issue"),
            flow("f3", "issue", "end"),
            '<bpmn:endEvent id="end"/>',
        ]
    ),
)


def test_a_receive_task_waits_for_its_message(api: Api):
    deployed(api, RECEIVE_TASK)
    case = api.start_case("msg_receive", {})
    assert open_tasks(case) == []
    assert worklist(api) == []  # a receive task is nobody's work

    wrong = send(api, case["id"], "tax_refunded")
    assert wrong.status_code == 409
    assert wrong.get_json()["error"]["code"] == "not_waiting"
    after = delivered(api, case["id"], data={"receipt_no": "R-2"})

    assert open_tasks(after) == ["issue"]
    assert as_admin(api, case["id"])["data"]["receipt_no"] == "R-2"


def boundary_model(key: str, interrupting: bool) -> bytes:
    cancel = "true" if interrupting else "false"
    return message_model(
        key,
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "review"),
                task("review"),
                flow("f2", "review", "end"),
                '<bpmn:endEvent id="end"/>',
                f'<bpmn:boundaryEvent id="paid" attachedToRef="review" cancelActivity="{cancel}">'
                '<bpmn:messageEventDefinition id="paid_def" messageRef="Msg_paid"/>'
                "</bpmn:boundaryEvent>",
                flow("f3", "paid", "record"),
                task("record"),
                flow("f4", "record", "end_paid"),
                '<bpmn:endEvent id="end_paid"/>',
            ]
        ),
    )


def test_an_interrupting_message_boundary_event_cancels_its_task(api: Api):
    deployed(api, boundary_model("msg_boundary", interrupting=True))
    case = api.start_case("msg_boundary", {})
    assert open_tasks(case) == ["review"]

    after = delivered(api, case["id"])

    assert open_tasks(after) == ["record"]
    assert worklist(api) == ["record"]
    assert send(api, case["id"]).status_code == 409  # the boundary left with its task
    done = api.claim_and_complete("clerk_tax", case["id"], "record", {})
    assert done["status"] == "completed"


def test_a_non_interrupting_message_boundary_event_adds_work_beside_its_task(api: Api):
    deployed(api, boundary_model("msg_boundary_ni", interrupting=False))
    case = api.start_case("msg_boundary_ni", {})

    after = delivered(api, case["id"], data={"note": "paid at the bank"})

    assert open_tasks(after) == ["record", "review"]
    after_record = api.claim_and_complete("clerk_tax", case["id"], "record", {})
    assert after_record["status"] == "running"
    assert open_tasks(after_record) == ["review"]
    done = api.claim_and_complete("clerk_tax", case["id"], "review", {})
    assert done["status"] == "completed"
    assert as_admin(api, case["id"])["data"]["note"] == "paid at the bank"


def event_sub_process_model(key: str, interrupting: bool) -> bytes:
    flag = "true" if interrupting else "false"
    return message_model(
        key,
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "review"),
                task("review"),
                flow("f2", "review", "end"),
                '<bpmn:endEvent id="end"/>',
                '<bpmn:subProcess id="on_paid" triggeredByEvent="true">',
                f'<bpmn:startEvent id="paid" isInterrupting="{flag}">'
                '<bpmn:messageEventDefinition id="paid_def" messageRef="Msg_paid"/>'
                "</bpmn:startEvent>",
                flow("s1", "paid", "paid_end"),
                '<bpmn:endEvent id="paid_end"/>',
                "</bpmn:subProcess>",
            ]
        ),
    )


def test_an_interrupting_event_sub_process_ends_the_rest_of_the_case(api: Api):
    deployed(api, event_sub_process_model("msg_esp", interrupting=True))
    case = api.start_case("msg_esp", {})
    assert open_tasks(case) == ["review"]

    after = delivered(api, case["id"], data={"receipt_no": "R-3"})

    assert after["status"] == "completed"
    assert open_tasks(after) == []
    assert worklist(api) == []
    assert as_admin(api, case["id"])["data"]["receipt_no"] == "R-3"
    assert send(api, case["id"]).status_code == 409


def test_a_non_interrupting_event_sub_process_runs_beside_the_case(api: Api):
    deployed(api, event_sub_process_model("msg_esp_ni", interrupting=False))
    case = api.start_case("msg_esp_ni", {})

    after = delivered(api, case["id"], data={"receipt_no": "R-4"})

    assert after["status"] == "running"
    assert open_tasks(after) == ["review"]
    assert as_admin(api, case["id"])["data"]["receipt_no"] == "R-4"
    done = api.claim_and_complete("clerk_tax", case["id"], "review", {})
    assert done["status"] == "completed"
    # a later case of the same definition does not run the event sub-process at its start
    other = api.start_case("msg_esp_ni", {})
    assert open_tasks(other) == ["review"]
    assert api.claim_and_complete("clerk_tax", other["id"], "review", {})["status"] == "completed"


RACE = message_model(
    "msg_race",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f1", "start", "race"),
            '<bpmn:eventBasedGateway id="race"/>',
            flow("f2", "race", "wait_paid"),
            flow("f3", "race", "five_days"),
            catch("wait_paid"),
            '<bpmn:intermediateCatchEvent id="five_days">'
            "<bpmn:timerEventDefinition><bpmn:timeDuration>P5D</bpmn:timeDuration>"
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
            flow("f4", "wait_paid", "issue"),
            flow("f5", "five_days", "escalate"),
            task("issue"),
            task("escalate"),
            flow("f6", "issue", "end"),
            flow("f7", "escalate", "end_late"),
            '<bpmn:endEvent id="end"/>',
            '<bpmn:endEvent id="end_late"/>',
        ]
    ),
)


def test_event_based_gateway_the_message_wins_and_the_timer_is_cancelled(api: Api, govflow):
    deployed(api, RACE)
    case = api.start_case("msg_race", {})
    assert open_tasks(case) == []

    after = delivered(api, case["id"])

    assert open_tasks(after) == ["issue"]
    with time_machine.travel(clock.now() + timedelta(days=6), tick=False):
        assert scheduler.tick(govflow).timers == 0  # the losing timer no longer wakes it
    assert open_tasks(as_admin(api, case["id"])) == ["issue"]


def test_event_based_gateway_the_timer_wins_and_the_message_is_refused(api: Api, govflow):
    deployed(api, RACE)
    case = api.start_case("msg_race", {})
    with time_machine.travel(clock.now() + timedelta(days=6), tick=False):
        assert scheduler.tick(govflow).timers == 1
    late = as_admin(api, case["id"])
    assert open_tasks(late) == ["escalate"]

    refused = send(api, case["id"])

    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "not_waiting"
    assert open_tasks(as_admin(api, case["id"])) == ["escalate"]
