"""Incidents (API.md): a step the scheduler runs that fails is retried with a growing pause,
then kept as an incident with the case in ``error``, until an administrator retries it —
with a data fix if need be.  A request that makes a step fail answers 422 instead."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from engine import clock, scheduler
from engine.incidents.models import Incident
from engine.models import AuditEvent, Case
from engine.uow import read_only
from tests.bpmn_support import deployed, model, open_tasks
from tests.support import Api


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def task(eid: str) -> str:
    return f'<bpmn:userTask id="{eid}" name="{eid}" camunda:candidateGroups="tax"/>'


#: After an hour's wait, a gateway reads ``amount``, which nobody sets: it fails each time.
GATEWAY = [
    '<bpmn:exclusiveGateway id="check" name="金额核查" default="f_low"/>',
    flow("f_high", "check", "high", "${amount &gt; 3}"),
    flow("f_low", "check", "low"),
    task("high"),
    task("low"),
    flow("f5", "high", "end"),
    flow("f6", "low", "end2"),
    '<bpmn:endEvent id="end"/>',
    '<bpmn:endEvent id="end2"/>',
]
TIMER_THEN_GATEWAY = model(
    "timer_then_gateway",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f1", "start", "wait"),
            '<bpmn:intermediateCatchEvent id="wait" name="等待一小时">'
            "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
            flow("f2", "wait", "check"),
            *GATEWAY,
        ]
    ),
)
#: A clerk's task, then the same failing gateway: the failure is the clerk's request's.
TASK_THEN_GATEWAY = model(
    "task_then_gateway",
    "\n".join(
        ['<bpmn:startEvent id="start"/>', flow("f1", "start", "a"), task("a")]
        + [flow("f2", "a", "check"), *GATEWAY]
    ),
)
HOUR = timedelta(hours=1)


def incidents(api: Api, as_: str = "admin", **filters: object) -> list[dict]:
    response = api.get("/api/v1/incidents", as_, query_string=filters)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def case_of(api: Api, case_id: int) -> dict:
    return api.get(f"/api/v1/cases/{case_id}", "admin").get_json()


def actions(govflow, case_id: int) -> list[str]:  # noqa: ANN001
    with read_only(govflow.db) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.case_id == case_id)
                .order_by(AuditEvent.id)
            )
        )


def failing_case(api: Api) -> tuple[int, datetime]:
    deployed(api, TIMER_THEN_GATEWAY)
    case = api.start_case("timer_then_gateway", {})
    return case["id"], clock.now() + HOUR


def into_incident(api: Api, govflow, case_id: int, due: datetime) -> datetime:  # noqa: ANN001
    """Let the scheduler try the failing step three times; answers the last attempt's time."""
    for offset in (0, 15, 45):  # the default pauses: 15 s, then 30 s
        at = due + timedelta(seconds=offset)
        with time_machine.travel(at, tick=False):
            assert scheduler.tick(govflow).errors == 1
    return at


def test_a_failing_timer_continuation_is_retried_with_pauses_then_becomes_an_incident(
    api: Api, govflow
):
    case_id, due = failing_case(api)

    with time_machine.travel(due, tick=False):
        first = scheduler.tick(govflow)
        assert (first.timers, first.errors) == (1, 1)
        assert scheduler.tick(govflow).timers == 0  # not picked again before its pause
        assert case_of(api, case_id)["status"] == "running"  # still being retried
        assert incidents(api) == []  # not an incident yet
    with time_machine.travel(due + timedelta(seconds=14), tick=False):
        assert scheduler.tick(govflow).timers == 0
    with time_machine.travel(due + timedelta(seconds=15), tick=False):
        assert scheduler.tick(govflow).errors == 1  # the second attempt
    with time_machine.travel(due + timedelta(seconds=44), tick=False):
        assert scheduler.tick(govflow).timers == 0
    with time_machine.travel(due + timedelta(seconds=45), tick=False):
        assert scheduler.tick(govflow).errors == 1  # the third and last

    case = case_of(api, case_id)
    assert case["status"] == "error"
    (incident,) = incidents(api)
    assert incident["case_id"] == case_id and incident["process_key"] == "timer_then_gateway"
    assert incident["element_id"] == "check" and incident["element_name"] == "金额核查"
    assert "amount" in incident["message"]
    assert incident["attempts"] == 3 and incident["status"] == "open"
    assert incident["resolved_at"] is None
    assert incidents(api, "supervisor", status="open", case_id=case_id) == [incident]
    assert incidents(api, status="resolved") == []
    assert actions(govflow, case_id).count("step_failed") == 2
    assert actions(govflow, case_id)[-1] == "incident_opened"
    # A case in error is never picked again, however long it waits.
    with time_machine.travel(due + timedelta(days=3), tick=False):
        assert scheduler.tick(govflow).timers == 0


def test_the_retry_policy_is_configurable(api: Api, govflow):
    govflow.settings = dataclasses.replace(govflow.settings, step_attempts=1)
    case_id, due = failing_case(api)
    with time_machine.travel(due, tick=False):
        scheduler.tick(govflow)
    assert case_of(api, case_id)["status"] == "error"
    assert incidents(api)[0]["attempts"] == 1


def test_a_retry_with_a_data_fix_resolves_the_incident_and_the_case_runs_on(api: Api, govflow):
    case_id, due = failing_case(api)
    last = into_incident(api, govflow, case_id, due)
    (incident,) = incidents(api)

    with time_machine.travel(last + timedelta(minutes=5), tick=False):
        response = api.post(
            f"/api/v1/incidents/{incident['id']}/retry", "admin", json={"data": {"amount": 5}}
        )

    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    assert case["id"] == case_id and case["status"] == "running"
    assert open_tasks(case) == ["high"]  # the gateway read the fixed amount
    assert case["data"]["amount"] == 5
    (resolved,) = incidents(api, status="resolved")
    assert resolved["id"] == incident["id"] and resolved["resolved_at"]
    assert incidents(api, status="open") == []
    assert "incident_resolved" in actions(govflow, case_id)


def test_a_retry_that_fails_again_keeps_the_incident_open_with_the_new_attempt(api: Api, govflow):
    case_id, due = failing_case(api)
    last = into_incident(api, govflow, case_id, due)
    (incident,) = incidents(api)

    with time_machine.travel(last + timedelta(minutes=5), tick=False):
        response = api.post(f"/api/v1/incidents/{incident['id']}/retry", "admin")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "error"
    (still,) = incidents(api, status="open")
    assert still["id"] == incident["id"] and still["attempts"] == 4
    assert "amount" in still["message"]
    assert open_tasks(case_of(api, case_id)) == []
    assert actions(govflow, case_id)[-1] == "incident_retry_failed"


@pytest.mark.parametrize(
    ("as_", "body", "status"),
    [
        ("supervisor", {}, 403),  # supervisors see incidents, only admins retry them
        ("clerk_tax", {}, 403),
        ("admin", {"data": ["amount", 5]}, 422),  # Retry schema: data is an object
    ],
)
def test_a_refused_retry_changes_nothing(api: Api, govflow, as_: str, body: dict, status: int):
    case_id, due = failing_case(api)
    into_incident(api, govflow, case_id, due)
    (incident,) = incidents(api)

    response = api.post(f"/api/v1/incidents/{incident['id']}/retry", as_, json=body)

    assert response.status_code == status, response.get_json()
    assert set(response.get_json()["error"]) >= {"code", "message", "details"}
    assert incidents(api) == [incident]
    assert case_of(api, case_id)["status"] == "error"


def test_retrying_a_resolved_or_unknown_incident_is_refused(api: Api, govflow):
    case_id, due = failing_case(api)
    last = into_incident(api, govflow, case_id, due)
    (incident,) = incidents(api)
    fixed = {"data": {"amount": 1}}
    retry = f"/api/v1/incidents/{incident['id']}/retry"
    with time_machine.travel(last + timedelta(minutes=5), tick=False):
        assert api.post(retry, "admin", json=fixed).status_code == 200
        again = api.post(retry, "admin", json=fixed)
        unknown = api.post("/api/v1/incidents/99999/retry", "admin")

    assert again.status_code == 409 and unknown.status_code == 404
    assert open_tasks(case_of(api, case_id)) == ["low"]


def test_only_administrators_and_supervisors_list_incidents(api: Api):
    assert api.get("/api/v1/incidents", "clerk_tax").status_code == 403
    assert api.get("/api/v1/incidents", "zhangsan").status_code == 403
    assert api.get("/api/v1/incidents").status_code == 401
    assert api.get("/api/v1/incidents", "admin", query_string={"status": "lost"}).status_code == 400
    assert api.get("/api/v1/incidents", "admin", query_string={"case_id": "x"}).status_code == 400
    listed = api.get("/api/v1/incidents", "supervisor").get_json()
    assert listed == {"items": [], "total": 0, "page": 1, "per_page": 20}


def test_a_request_that_makes_a_step_fail_answers_422_and_changes_nothing(api: Api, govflow):
    deployed(api, TASK_THEN_GATEWAY)
    case = api.start_case("task_then_gateway", {})
    task_row = api.open_task("clerk_tax", case["id"], "a")
    assert api.post(f"/api/v1/tasks/{task_row['id']}/claim", "clerk_tax").status_code == 200
    before = case_of(api, case["id"])

    response = api.complete("clerk_tax", task_row["id"], {})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "workflow_error" and error["details"]["element"] == "check"
    after = case_of(api, case["id"])
    assert after["status"] == "running" and after["tasks"] == before["tasks"]
    assert incidents(api) == []  # the clerk heard about it; nothing was left failing


def test_a_failed_attempt_is_forgotten_once_the_step_passes(api: Api, govflow):
    """The step passing on a later attempt (here: the database was fixed by hand) leaves
    no incident behind, and a later failure counts from one again."""
    case_id, due = failing_case(api)
    with time_machine.travel(due, tick=False):
        scheduler.tick(govflow)
    with read_only(govflow.db) as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
    _set_amount(govflow, case_id, 1)
    with time_machine.travel(due + timedelta(seconds=15), tick=False):
        assert scheduler.tick(govflow).errors == 0
    assert open_tasks(case_of(api, case_id)) == ["low"]
    with read_only(govflow.db) as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 0
    assert incidents(api) == []


def _set_amount(govflow, case_id: int, amount: int) -> None:  # noqa: ANN001
    """Put ``amount`` into the waiting timer's data, as a fix outside govflow would."""
    from engine.principal import SYSTEM
    from engine.runtime.executor import execute

    def command(cs) -> None:  # noqa: ANN001
        for t in cs.workflow.tasks.values():
            if t.task_spec.bpmn_id == "wait":
                t.data["amount"] = amount

    execute(govflow, case_id, SYSTEM, command)  # before the timer is due: it does not fire
    with read_only(govflow.db) as session:
        assert session.get(Case, case_id).status == "running"


def test_an_incident_of_a_terminated_case_is_not_run_again(api: Api, govflow):
    case_id, due = failing_case(api)
    last = into_incident(api, govflow, case_id, due)
    (incident,) = incidents(api)
    with time_machine.travel(last + timedelta(minutes=5), tick=False):
        ended = api.post(
            f"/api/v1/cases/{case_id}/terminate", "supervisor", json={"reason": "申请人撤回申请"}
        )
        assert ended.status_code == 200, ended.get_json()
        response = api.post(
            f"/api/v1/incidents/{incident['id']}/retry", "admin", json={"data": {"amount": 5}}
        )

    assert response.status_code == 409
    assert case_of(api, case_id)["status"] == "terminated"
    assert open_tasks(case_of(api, case_id)) == []


def test_an_application_whose_first_step_fails_answers_422_and_starts_no_case(api: Api):
    deployed(
        api,
        model(
            "gateway_first",
            "\n".join(['<bpmn:startEvent id="start"/>', flow("f1", "start", "check"), *GATEWAY]),
        ),
    )

    response = api.post("/api/v1/cases", "zhangsan", json={"process_key": "gateway_first"})

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "workflow_error"
    assert api.get("/api/v1/cases", "admin").get_json()["total"] == 0
    assert incidents(api) == []


#: A clerk's task in a branch beside the failing timer continuation.
PARALLEL = model(
    "parallel_with_failing_timer",
    "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f0", "start", "split"),
            '<bpmn:parallelGateway id="split"/>',
            flow("f1", "split", "wait"),
            flow("f_side", "split", "side"),
            task("side"),
            flow("f_side_end", "side", "side_end"),
            '<bpmn:endEvent id="side_end"/>',
            '<bpmn:intermediateCatchEvent id="wait" name="等待一小时">'
            "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
            flow("f2", "wait", "check"),
            *GATEWAY,
        ]
    ),
)


def test_a_case_in_error_waits_for_the_retry_before_its_tasks_are_completed(api: Api, govflow):
    deployed(api, PARALLEL)
    case_id = api.start_case("parallel_with_failing_timer", {})["id"]
    last = into_incident(api, govflow, case_id, clock.now() + HOUR)
    side = api.open_task("clerk_tax", case_id, "side")

    with time_machine.travel(last + timedelta(minutes=5), tick=False):
        claimed = api.post(f"/api/v1/tasks/{side['id']}/claim", "clerk_tax")
        refused = api.complete("clerk_tax", side["id"], {})
        assert claimed.status_code == 200  # taking it up changes nothing in the process
        assert refused.status_code == 409
        assert refused.get_json()["error"]["code"] == "case_in_error"
        assert api.open_task("clerk_tax", case_id, "side")["status"] == "claimed"

        (incident,) = incidents(api)
        fixed = api.post(
            f"/api/v1/incidents/{incident['id']}/retry", "admin", json={"data": {"amount": 1}}
        )
        assert fixed.status_code == 200
        assert open_tasks(fixed.get_json()) == ["low", "side"]
        assert api.complete("clerk_tax", side["id"], {}).status_code == 200


def test_a_fix_that_gets_further_names_the_step_that_now_fails(api: Api, govflow):
    """amount fixed, the case passes the first check and fails at a second one, which
    reads 'rate' (nobody sets it either): the incident now names that one."""
    second_check = [
        '<bpmn:exclusiveGateway id="check2" name="税率核查" default="f_plain"/>',
        flow("f_rate", "check2", "end", "${rate &gt; 1}"),
        flow("f_plain", "check2", "end"),
    ]
    body = "\n".join(
        [
            '<bpmn:startEvent id="start"/>',
            flow("f1", "start", "wait"),
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
            "</bpmn:intermediateCatchEvent>",
            flow("f2", "wait", "check"),
            '<bpmn:exclusiveGateway id="check" name="金额核查" default="f_low"/>',
            flow("f_high", "check", "check2", "${amount &gt; 3}"),
            flow("f_low", "check", "end"),
            *second_check,
            '<bpmn:endEvent id="end"/>',
        ]
    )
    deployed(api, model("two_checks", body))
    case_id = api.start_case("two_checks", {})["id"]
    last = into_incident(api, govflow, case_id, clock.now() + HOUR)
    (incident,) = incidents(api)
    assert incident["element_id"] == "check"

    with time_machine.travel(last + timedelta(minutes=5), tick=False):
        response = api.post(
            f"/api/v1/incidents/{incident['id']}/retry", "admin", json={"data": {"amount": 5}}
        )

    assert response.status_code == 200 and response.get_json()["status"] == "error"
    (still,) = incidents(api, status="open")
    assert still["element_id"] == "check2" and still["element_name"] == "税率核查"
    assert "rate" in still["message"] and still["attempts"] == 4
