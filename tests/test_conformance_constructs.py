"""The conformance suite's gateways and events (issue 12, item 1): one small model per
construct, run through the API, with the worklist after each step — inclusive gateways
(split and join), a terminate end event, an error end event caught on its sub-process,
escalation, timers by date and by cycle.  Each runs as BPMN 2.0 says.  Messages, link and
conditional events, sub-processes and call activities have their own modules."""

from __future__ import annotations

import time_machine

from engine import scheduler
from tests.bpmn_support import deployed, model, open_tasks
from tests.support import Api
from tests.test_sub_processes import at, flow, sub_process, user_task, worklist

DONE = {"accepted": True}


def _complete(api: Api, case_id: int, bpmn_id: str, data: dict | None = None) -> dict:
    return api.claim_and_complete("clerk_tax", case_id, bpmn_id, data or DONE)


INCLUSIVE = model(
    "conf_inclusive",
    "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            user_task("decide"),
            '<bpmn:inclusiveGateway id="split" default="to_c"/>',
            user_task("a"),
            user_task("b"),
            user_task("c"),
            '<bpmn:inclusiveGateway id="join"/>',
            user_task("after"),
            '<bpmn:endEvent id="e"/>',
            flow("f0", "s", "decide"),
            flow("f1", "decide", "split"),
            '<bpmn:sequenceFlow id="to_a" sourceRef="split" targetRef="a">'
            "<bpmn:conditionExpression>accepted == True</bpmn:conditionExpression>"
            "</bpmn:sequenceFlow>",
            '<bpmn:sequenceFlow id="to_b" sourceRef="split" targetRef="b">'
            '<bpmn:conditionExpression>opinion == "both"</bpmn:conditionExpression>'
            "</bpmn:sequenceFlow>",
            flow("to_c", "split", "c"),
            flow("a_j", "a", "join"),
            flow("b_j", "b", "join"),
            flow("c_j", "c", "join"),
            flow("j_after", "join", "after"),
            flow("f9", "after", "e"),
        ]
    ),
)


def test_an_inclusive_gateway_takes_every_true_branch_and_joins_them(api: Api):
    deployed(api, INCLUSIVE)
    case = api.start_case("conf_inclusive", {})
    both = _complete(api, case["id"], "decide", {"accepted": True, "opinion": "both"})
    assert open_tasks(both) == ["a", "b"]
    one_left = _complete(api, case["id"], "a")
    assert open_tasks(one_left) == ["b"]  # the join waits for every branch taken
    joined = _complete(api, case["id"], "b")
    assert open_tasks(joined) == ["after"]


def test_an_inclusive_gateway_with_no_true_branch_takes_its_default(api: Api):
    deployed(api, INCLUSIVE)
    case = api.start_case("conf_inclusive", {})
    default = _complete(api, case["id"], "decide", {"accepted": False, "opinion": "x"})
    assert open_tasks(default) == ["c"]
    assert open_tasks(_complete(api, case["id"], "c")) == ["after"]


TERMINATE = model(
    "conf_terminate",
    "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            '<bpmn:parallelGateway id="fork"/>',
            user_task("quick"),
            user_task("slow", "service_center"),
            '<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>',
            '<bpmn:endEvent id="e"/>',
            flow("f0", "s", "fork"),
            flow("f1", "fork", "quick"),
            flow("f2", "fork", "slow"),
            flow("f3", "quick", "stop"),
            flow("f4", "slow", "e"),
        ]
    ),
)


def test_a_terminate_end_event_ends_the_case_and_withdraws_the_other_branch(api: Api):
    deployed(api, TERMINATE)
    case = api.start_case("conf_terminate", {})
    assert open_tasks(case) == ["quick", "slow"]
    ended = _complete(api, case["id"], "quick")
    assert ended["status"] == "completed" and open_tasks(ended) == []
    assert worklist(api, "clerk_service_center") == []  # 'slow' left the worklist


ERROR_END = model(
    "conf_error_end",
    "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            sub_process(
                "check",
                '<bpmn:startEvent id="cs"/>'
                + user_task("inspect")
                + '<bpmn:exclusiveGateway id="ok" default="fine"/>'
                + '<bpmn:endEvent id="failed"><bpmn:errorEventDefinition errorRef="err"/>'
                "</bpmn:endEvent>"
                + '<bpmn:endEvent id="passed"/>'
                + flow("c0", "cs", "inspect")
                + flow("c1", "inspect", "ok")
                + '<bpmn:sequenceFlow id="bad" sourceRef="ok" targetRef="failed">'
                "<bpmn:conditionExpression>accepted == False</bpmn:conditionExpression>"
                "</bpmn:sequenceFlow>" + flow("fine", "ok", "passed"),
            ),
            '<bpmn:boundaryEvent id="caught" attachedToRef="check">'
            '<bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>',
            user_task("remedy", "service_center"),
            user_task("next_step"),
            '<bpmn:endEvent id="e1"/>',
            '<bpmn:endEvent id="e2"/>',
            flow("f0", "s", "check"),
            flow("f1", "check", "next_step"),
            flow("f2", "next_step", "e1"),
            flow("f3", "caught", "remedy"),
            flow("f4", "remedy", "e2"),
        ]
    ),
).replace(
    b"<bpmn:process ",
    b'<bpmn:error id="err" name="inspection failed" errorCode="inspection_failed"/>\n'
    b"<bpmn:process ",
)


def test_an_error_end_event_is_caught_by_the_boundary_of_its_sub_process(api: Api):
    deployed(api, ERROR_END)
    failing = api.start_case("conf_error_end", {})
    caught = _complete(api, failing["id"], "inspect", {"accepted": False})
    assert open_tasks(caught) == ["remedy"]  # the sub-process was left through the boundary
    passing = api.start_case("conf_error_end", {})
    onward = _complete(api, passing["id"], "inspect", {"accepted": True})
    assert open_tasks(onward) == ["next_step"]


ESCALATION = model(
    "conf_escalation",
    "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            sub_process(
                "review",
                '<bpmn:startEvent id="rs"/>' + '<bpmn:intermediateThrowEvent id="raise">'
                '<bpmn:escalationEventDefinition escalationRef="esc"/>'
                "</bpmn:intermediateThrowEvent>"
                + user_task("work")
                + '<bpmn:endEvent id="re"/>'
                + flow("r0", "rs", "raise")
                + flow("r1", "raise", "work")
                + flow("r2", "work", "re"),
            ),
            '<bpmn:boundaryEvent id="told" attachedToRef="review" cancelActivity="false">'
            '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>',
            user_task("supervise", "service_center"),
            '<bpmn:endEvent id="e1"/>',
            '<bpmn:endEvent id="e2"/>',
            flow("f0", "s", "review"),
            flow("f1", "review", "e1"),
            flow("f2", "told", "supervise"),
            flow("f3", "supervise", "e2"),
        ]
    ),
).replace(
    b"<bpmn:process ",
    b'<bpmn:escalation id="esc" name="needs a supervisor" escalationCode="supervise"/>\n'
    b"<bpmn:process ",
)


def test_an_escalation_reaches_its_non_interrupting_boundary(api: Api):
    deployed(api, ESCALATION)
    case = api.start_case("conf_escalation", {})
    assert worklist(api) == ["work"]  # the work goes on ...
    assert worklist(api, "clerk_service_center") == ["supervise"]  # ... and is escalated
    assert _complete(api, case["id"], "work")["status"] == "running"  # 'supervise' open


TIMER_DATE = model(
    "conf_timer_date",
    "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            '<bpmn:intermediateCatchEvent id="until"><bpmn:timerEventDefinition>'
            "<bpmn:timeDate>2026-12-01T09:00:00+08:00</bpmn:timeDate>"
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
            user_task("then"),
            '<bpmn:endEvent id="e"/>',
            flow("f0", "s", "until"),
            flow("f1", "until", "then"),
            flow("f2", "then", "e"),
        ]
    ),
)


def test_a_timer_by_date_waits_until_that_instant(api: Api, govflow):
    deployed(api, TIMER_DATE)
    with time_machine.travel(at("2026-11-30T10:00:00"), tick=False):
        case = api.start_case("conf_timer_date", {})
        assert open_tasks(case) == []
        scheduler.tick(govflow)
        assert worklist(api) == []
    with time_machine.travel(at("2026-12-01T09:00:01"), tick=False):
        assert scheduler.tick(govflow).timers == 1
    assert worklist(api) == ["then"]


TIMER_CYCLE = model(
    "conf_timer_cycle",
    "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            user_task("slow_work"),
            '<bpmn:boundaryEvent id="nudge" attachedToRef="slow_work" cancelActivity="false">'
            "<bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT2H</bpmn:timeCycle>"
            "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
            user_task("remind", "service_center"),
            '<bpmn:endEvent id="e1"/>',
            '<bpmn:endEvent id="e2"/>',
            flow("f0", "s", "slow_work"),
            flow("f1", "slow_work", "e1"),
            flow("f2", "nudge", "remind"),
            flow("f3", "remind", "e2"),
        ]
    ),
)


def test_a_cycle_timer_fires_its_repetitions_and_no_more(api: Api, govflow):
    deployed(api, TIMER_CYCLE)
    with time_machine.travel(at("2026-11-19T10:00:00"), tick=False):
        case = api.start_case("conf_timer_cycle", {})
    fired = []
    for hour in ("12:00:01", "14:00:02", "16:00:03", "18:00:04"):
        with time_machine.travel(at(f"2026-11-19T{hour}"), tick=False):
            fired.append(scheduler.tick(govflow).timers)
    reminders = [t for t in api.worklist("clerk_service_center") if t["case_id"] == case["id"]]
    assert len(reminders) == 2  # R2: two reminders, then the cycle is spent
    assert worklist(api) == ["slow_work"]  # non-interrupting: the work stays
    assert sum(fired) >= 2


COMPENSATION = model(
    "conf_compensation",
    "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            user_task("pay"),
            '<bpmn:boundaryEvent id="undo_pay" attachedToRef="pay">'
            "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>",
            '<bpmn:userTask id="refund" name="refund" isForCompensation="true" '
            'camunda:candidateGroups="tax"/>',
            '<bpmn:intermediateThrowEvent id="roll_back">'
            "<bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>",
            '<bpmn:endEvent id="e"/>',
            flow("f0", "s", "pay"),
            flow("f1", "pay", "roll_back"),
            flow("f2", "roll_back", "e"),
            '<bpmn:association id="a1" sourceRef="undo_pay" targetRef="refund"/>',
        ]
    ),
)


def test_compensation_is_refused_at_deploy_with_each_element_named(api: Api):
    from tests.bpmn_support import DEPLOY, deploy, refused_elements

    before = api.get(DEPLOY, "designer").get_json()["total"]
    elements = refused_elements(deploy(api, COMPENSATION))
    assert {"undo_pay", "refund", "roll_back"} <= set(elements)
    assert "compensation is not run by govflow" in elements["refund"]
    assert api.get(DEPLOY, "designer").get_json()["total"] == before  # nothing deployed
