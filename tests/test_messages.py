"""Messages (API.md "Messages (integrations)"): one small model per construct that waits
for a message, driven through the API as an integration would, with the path taken and
the worklist after each step; and every way a delivery is refused changing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from engine import clock, scheduler
from engine.demo import ZHANGSAN_ID
from tests.bpmn_support import deploy, deployed, model, open_tasks, refused_elements
from tests.support import Api
from tests.test_pages import Browser

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


# --- refused deliveries: a clear error, and nothing changes ---------------------------------


def events(api: Api, case_id: int) -> list[dict]:
    return api.get(f"/api/v1/cases/{case_id}/events", "admin").get_json()["items"]


@pytest.fixture
def waiting_case(api: Api) -> dict:
    """A case of RECEIVE_TASK, waiting for ``tax_paid``."""
    deployed(api, RECEIVE_TASK)
    return api.start_case("msg_receive", {})


def unchanged(api: Api, case: dict) -> None:
    """The case still waits as it did: no step taken, no event recorded."""
    now = as_admin(api, case["id"])
    assert (now["status"], open_tasks(now), now["updated_at"]) == (
        "running",
        [],
        case["updated_at"],
    )
    assert not [e for e in events(api, case["id"]) if e["action"] == "message_received"]


def test_a_delivery_is_an_audit_event_naming_the_message_and_its_sender(api: Api, waiting_case):
    delivered(api, waiting_case["id"], data={"receipt_no": "R-9"})

    received = [e for e in events(api, waiting_case["id"]) if e["action"] == "message_received"]
    assert len(received) == 1
    assert received[0]["actor"] == "integration"
    assert received[0]["details"]["message"] == "tax_paid"
    assert received[0]["details"]["elements"] == ["receipt"]


def test_an_admin_may_deliver_a_message_too(api: Api, waiting_case):
    response = send(api, waiting_case["id"], as_="admin")
    assert response.status_code == 200, response.get_json()
    assert open_tasks(response.get_json()) == ["issue"]


@pytest.mark.parametrize("who", ["clerk_tax", "supervisor", "designer", "zhangsan"])
def test_only_an_integration_or_an_admin_delivers_messages(api: Api, waiting_case, who: str):
    response = send(api, waiting_case["id"], as_=who)

    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "forbidden"
    unchanged(api, waiting_case)


def test_a_message_without_a_token_is_unauthorized(api: Api, waiting_case):
    response = api.post(MESSAGES, None, json={"name": "tax_paid", "case_id": waiting_case["id"]})
    assert response.status_code == 401
    unchanged(api, waiting_case)


def test_a_message_to_an_unknown_case_is_not_found(api: Api, waiting_case):
    response = send(api, waiting_case["id"] + 1000)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"case_id": 1},
        {"name": "", "case_id": 1},
        {"name": "tax_paid"},
        {"name": "tax_paid", "case_id": "1"},
        {"name": "tax_paid", "case_id": 0},
        {"name": "tax_paid", "case_id": 1, "data": ["not", "an", "object"]},
        {"name": 7, "case_id": 1},
    ],
)
def test_a_malformed_message_is_refused_with_its_fields(api: Api, waiting_case, body: dict):
    response = api.post(MESSAGES, "integration", json=body)

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"
    assert response.get_json()["error"]["details"]["fields"]
    unchanged(api, waiting_case)


def test_a_message_to_a_completed_case_is_refused(api: Api):
    deployed(api, CATCH_EVENT)
    case = api.start_case("msg_catch", {})
    api.claim_and_complete("clerk_tax", case["id"], "prepare", {})
    delivered(api, case["id"])
    done = api.claim_and_complete("clerk_tax", case["id"], "issue", {})
    assert done["status"] == "completed"

    response = send(api, case["id"])

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_waiting"
    assert as_admin(api, case["id"])["updated_at"] == done["updated_at"]


def test_a_message_to_a_suspended_case_waits_until_it_is_resumed(api: Api, waiting_case):
    case_id = waiting_case["id"]
    suspended = api.post(
        f"/api/v1/cases/{case_id}/suspend", "supervisor", json={"reason": "司法查封"}
    )
    assert suspended.status_code == 200, suspended.get_json()

    response = send(api, case_id)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "case_suspended"
    resumed = api.post(f"/api/v1/cases/{case_id}/resume", "supervisor", json={})
    assert resumed.status_code == 200, resumed.get_json()
    assert open_tasks(delivered(api, case_id)) == ["issue"]


# --- the integration account sees nothing else ----------------------------------------------


def test_the_integration_account_sees_no_worklist_and_no_case(api: Api, waiting_case):
    case_id = waiting_case["id"]
    delivered(api, case_id)  # a task is open now: nobody's but the tax clerks'

    tasks = api.get("/api/v1/tasks", "integration")
    assert tasks.status_code in (200, 403)
    assert tasks.status_code == 403 or tasks.get_json()["items"] == []
    cases = api.get("/api/v1/cases", "integration")
    assert cases.status_code == 403 or cases.get_json()["items"] == []
    assert api.get(f"/api/v1/cases/{case_id}", "integration").status_code == 404
    assert api.get(f"/api/v1/cases/{case_id}/events", "integration").status_code == 404
    started = api.post(
        "/api/v1/cases", "integration", json={"process_key": "msg_receive", "data": {}}
    )
    assert started.status_code == 403
    assert api.get("/api/v1/incidents", "integration").status_code == 403
    assert api.get("/api/v1/users", "integration").status_code == 403


def test_the_answer_to_the_integration_shows_no_identity_in_clear(api: Api, waiting_case):
    assert waiting_case["applicant"]["id_number"] == ZHANGSAN_ID  # his own view, in clear

    answer = delivered(api, waiting_case["id"])

    assert ZHANGSAN_ID not in str(answer)


def test_the_integration_account_has_no_pages(app):  # noqa: ANN001
    browser = Browser(app)

    response = browser.login("integration")

    assert response.status_code == 403
    assert "API" in response.get_data(as_text=True)
    assert browser.get("/worklist").status_code == 302  # not signed in: to the login page


def test_an_event_sub_process_message_start_inside_a_sub_process_is_refused(api: Api):
    inner = event_sub_process_model("x", interrupting=True).decode()
    nested = inner[inner.index('<bpmn:subProcess id="on_paid"') : inner.index("</bpmn:process>")]
    xml = message_model(
        "msg_nested_esp",
        "\n".join(
            [
                '<bpmn:startEvent id="start"/>',
                flow("f1", "start", "outer"),
                '<bpmn:subProcess id="outer"><bpmn:startEvent id="outer_start"/>',
                flow("o1", "outer_start", "outer_end"),
                '<bpmn:endEvent id="outer_end"/>',
                nested,
                "</bpmn:subProcess>",
                flow("f2", "outer", "end"),
                '<bpmn:endEvent id="end"/>',
            ]
        ),
    )

    elements = refused_elements(deploy(api, xml))

    assert "top level of the main process" in elements["paid"]


def test_an_administrator_creates_another_integration_account_that_delivers(api: Api, waiting_case):
    created = api.post(
        "/api/v1/users",
        "admin",
        json={
            "username": "courier_ems",
            "display_name": "邮政速递回执",
            "roles": ["integration"],
            "password": "Courier-receipts-2026",
        },
    )
    assert created.status_code == 201, created.get_json()
    listed = api.get("/api/v1/users", "admin", query_string={"per_page": 100}).get_json()
    assert {"courier_ems": ["integration"], "integration": ["integration"]}.items() <= {
        u["username"]: u["roles"] for u in listed["items"]
    }.items()
    signed_in = api.client.post(
        "/api/v1/auth/token",
        json={"username": "courier_ems", "password": "Courier-receipts-2026"},
    )
    assert signed_in.get_json()["user"]["roles"] == ["integration"]
    token = signed_in.get_json()["token"]

    response = api.client.post(
        MESSAGES,
        json={"name": "tax_paid", "case_id": waiting_case["id"]},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200, response.get_json()
    received = [e for e in events(api, waiting_case["id"]) if e["action"] == "message_received"]
    assert [e["actor"] for e in received] == ["courier_ems"]
