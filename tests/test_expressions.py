"""The hardened expression environment: translation, evaluation, refusals, and SpiffWorkflow.

Every hostile expression is tried at four levels: ``evaluate``, ``validate``, a real
SpiffWorkflow run (gateway condition, timer, multi-instance cardinality, DMN cell) and the
deploy-time ``check_document``; none may touch the sentinel file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn_expressions import check_document
from engine.expressions import (
    ExpressionError,
    ExpressionSyntaxError,
    evaluate,
    is_iso8601_literal,
    translate,
    validate,
)
from engine.script_engine import GovflowScriptEngine

# --- translation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("${approved}", "approved"),
        ("  ${approved}  ", "approved"),
        ("#{approved}", "approved"),
        ("${area > 140 && first_home}", "area > 140 and first_home"),
        ("${!accepted}", "not accepted"),
        ("${a || b}", "a or b"),
        ("${a&&!b}", "a and not b"),
        ("${x != null}", "x != None"),
        ("${flag == true || flag == false}", "flag == True or flag == False"),
        ("${a eq 1 and b ne 2 or c lt 3}", "a == 1 and b != 2 or c < 3"),
        ("${a gt 1 && a le 9 && a ge 2}", "a > 1 and a <= 9 and a >= 2"),
        ("${empty docs}", "is_empty(docs)"),
        ("${not empty applicant.docs}", "not is_empty(applicant.docs)"),
        ("${empty(docs)}", "is_empty(docs)"),
        ("${applicant.name}", "applicant.name"),
        ("${record.eq}", "record.eq"),  # a field name is not an operator
        ("approved == True", "approved == True"),
        ("status in ['a', 'b']", "status in ['a', 'b']"),
        ("${a} && ${b}", "(a) and (b)"),
        ("${m == {'k': 1}}", "m == {'k': 1}"),
        ("${面积 > 140}", "面积 > 140"),
        ("1e5 < x", "1e5 < x"),
    ],
)
def test_translate(source: str, python: str) -> None:
    assert translate(source) == python


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("${note == 'a && b || !c true null'}", "note == 'a && b || !c true null'"),
        ('x == "${not a wrapper}"', 'x == "${not a wrapper}"'),
        ('"eq ne lt gt le ge empty" == x', '"eq ne lt gt le ge empty" == x'),
        ("'''a && b''' == x", "'''a && b''' == x"),
        (r"'it\'s && x' == y", r"'it\'s && x' == y"),
        ("${x == '}'}", "x == '}'"),
    ],
)
def test_translate_leaves_string_literals_alone(source: str, python: str) -> None:
    assert translate(source) == python
    validate(source)


# --- evaluation of ordinary conditions -------------------------------------------------

CASE = {
    "approved": True,
    "accepted": False,
    "area": 150,
    "first_home": True,
    "status": "accepted",
    "applicant": {"name": "张三", "id_number": "110101199001011234", "docs": []},
    "owners": [{"name": "甲"}, {"name": "乙"}],
    "spouse": None,
    "面积": 141,
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${approved}", True),
        ("${!accepted}", True),
        ("${accepted}", False),
        ("${area > 140 && first_home}", True),
        ("${area <= 140 || !first_home}", False),
        ("approved == True", True),
        ("${status == 'accepted'}", True),
        ("${applicant.name}", "张三"),
        ("applicant['name']", "张三"),
        ("${applicant.id_number[0:6]}", "110101"),
        ("${spouse == null}", True),
        ("spouse is None", True),
        ("${empty applicant.docs}", True),
        ("${not empty owners}", True),
        ("len(owners) == 2", True),
        ("owners[1].name", "乙"),
        ("status in ('accepted', 'supplement')", True),
        ("'x' not in status", True),
        ("100 < area < 200", True),
        ("area * 2 + 1", 301),
        ("area / 4", 37.5),
        ("area // 4", 37),
        ("area % 7", 3),
        ("-area", -150),
        ("2 ** 10", 1024),
        ("round(area * 0.015, 2)", 2.25),
        ("'rate ' + str(area)", "rate 150"),
        ("max(area, 200)", 200),
        ("min([3, 1, 2])", 1),
        ("sum([1, 2, 3])", 6),
        ("sorted([3, 1, 2], reverse=True)", [3, 2, 1]),
        ("any([False, approved])", True),
        ("all([approved, first_home])", True),
        ("'high' if area > 140 else 'low'", "high"),
        ("startswith(applicant.id_number, '1101')", True),
        ("upper('abc')", "ABC"),
        ("${面积 > 140}", True),
        ("{'a': 1}['a']", 1),
        ("{1, 2} == {2, 1}", True),
        ("int('42') + int(float('1.5'))", 43),
    ],
)
def test_evaluate_conditions(expression: str, expected: Any) -> None:
    assert evaluate(expression, CASE) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("${unknown_flag}", "unknown variable 'unknown_flag'"),
        ("${applicant.age}", "no field 'age'"),
        ("${status.length}", "only read a field of a record"),
        ("area / 0", "division by zero"),
        ("area + 'x'", "unsupported operand"),
        ("owners[5]", "out of range"),
        ("", "empty"),
    ],
)
def test_evaluation_errors_are_expression_errors(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        evaluate(expression, CASE)


# --- ISO 8601 timer literals -----------------------------------------------------------


@pytest.mark.parametrize(
    "literal",
    [
        "P3D",
        "PT4H",
        "P1DT2H",
        "PT0.5H",
        "P2W",
        "P1Y2M",
        "R3/PT10M",
        "R/P1D",
        "R5/2026-12-01T09:00:00+08:00/P1D",
        "2026-12-01T09:00:00+08:00",
        "2026-12-01T09:00:00Z",
        "2026-12-01",
        " P3D ",
    ],
)
def test_iso8601_literals_pass_through(literal: str) -> None:
    assert is_iso8601_literal(literal)
    validate(literal)
    assert evaluate(literal, {}) == literal.strip()


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "approved", "'P3D'", "3D", "p3d", "2026-1-1"])
def test_not_iso8601_literals(text: str) -> None:
    assert not is_iso8601_literal(text)


def test_quoted_and_computed_timer_values() -> None:
    assert evaluate("'P3D'", {}) == "P3D"
    assert evaluate("${'P' + str(days) + 'D'}", {"days": 3}) == "P3D"


@pytest.mark.parametrize("literal", ["P99999999Y", "R/P5000M", "2026-13-45"])
def test_unreasonable_timer_values_are_refused(literal: str) -> None:
    with pytest.raises(ExpressionError):
        validate(literal)
    with pytest.raises(ExpressionError):
        evaluate("'P' + str(n) + 'Y'", {"n": 99999999})


# --- hostile expressions ---------------------------------------------------------------

# {sentinel} is replaced by a file in tmp_path that must never come to exist.
HOSTILE = [
    "__import__('os').system('touch {sentinel}')",
    "open('{sentinel}', 'w')",
    "().__class__.__base__.__subclasses__()",
    "x.__class__",
    "getattr(x, 'y')",
    "globals()",
    "eval('1')",
    "9**9**9",
    "'a'*10**9",
    "[1]*10**9",
    "10**10**10",
    "lambda: open('{sentinel}', 'w')",
    "[c for c in 'abc']",
    "(y := 1)",
    "${__import__('os').system('touch {sentinel}')}",
    "${x.__class__}",
    "str([[1] * 1000] * 1000)",
    "f'{x}'",
    "'%0999999999d' % 1",
    "1 << 100000",
    "x.keys()",
]


def hostile(template: str, sentinel: Path) -> str:
    return template.replace("{sentinel}", str(sentinel))


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    return tmp_path / "pwned"


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_refused_by_evaluate_and_validate(template: str, sentinel: Path) -> None:
    expression = hostile(template, sentinel)
    with pytest.raises(ExpressionError):
        validate(expression)
    with pytest.raises(ExpressionError):
        evaluate(expression, {"x": {"y": 1}})
    assert not sentinel.exists()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("x.__class__", "attribute access to '__class__' is not allowed"),
        ("open('/tmp/x', 'w')", "function 'open' is not allowed"),
        ("__import__('os')", "name '__import__' is not allowed"),
        ("getattr(x, 'a')", "function 'getattr' is not allowed"),
        ("lambda: 1", "lambda"),
        ("[c for c in 'abc']", "comprehensions"),
        ("(y := 1)", ":="),
        ("9**9**9", "exponent is too large"),
        ("'a'*10**9", "too large"),
        ("x.upper()", "method calls"),
    ],
)
def test_refusals_name_the_problem(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace("*", r"\*")):
        validate(expression)


@pytest.mark.parametrize(
    "expression",
    ["'a' * n", "[0] * n", "'ab' + s", "n ** 1000", "big * big * big", "str(nested)"],
)
def test_limits_apply_to_data_at_evaluation(expression: str) -> None:
    validate(expression)  # nothing is wrong with the text itself
    context = {"n": 10**6, "s": "x" * 100_000, "big": 10**60, "nested": [["x"] * 1000] * 1000}
    with pytest.raises(ExpressionError):
        evaluate(expression, context)


def test_size_limits() -> None:
    with pytest.raises(ExpressionError, match="too long"):
        validate("a" * 4001)
    with pytest.raises(ExpressionError, match="too complex"):
        validate(" + ".join(["1"] * 400))
    with pytest.raises(ExpressionError):
        validate("-" * 3000 + "1")
    with pytest.raises(ExpressionError):
        validate("(" * 300 + "1" + ")" * 300)
    assert evaluate("10**100", {}) == 10**100
    with pytest.raises(ExpressionError, match="too large"):
        evaluate("10**100 * 10", {})


def test_validate_separates_syntax_errors() -> None:
    with pytest.raises(ExpressionSyntaxError):
        validate("> 140")
    with pytest.raises(ExpressionSyntaxError, match=r"1 <= \? <= 5"):
        validate("[1..5]")
    with pytest.raises(ExpressionSyntaxError, match="if c else"):
        validate("${a ? b : c}")
    with pytest.raises(ExpressionError, match="comma-separated") as refused:
        validate('"a","b"')
    assert not isinstance(refused.value, ExpressionSyntaxError)


# --- the SpiffWorkflow script engine ---------------------------------------------------


def test_script_engine_validate_raises_syntax_error_for_dmn_operators() -> None:
    engine = GovflowScriptEngine()
    with pytest.raises(SyntaxError):
        engine.validate("> 140")
    engine.validate("v > 140")
    engine.validate('"first_home"')
    with pytest.raises(ExpressionError):
        engine.validate("open('x')")


def test_script_engine_environment_is_hardened(sentinel: Path) -> None:
    # SpiffWorkflow calls script_engine.environment.evaluate directly in places.
    environment = GovflowScriptEngine().environment
    assert environment.evaluate("a + b", {"a": 1}, {"b": 2}) == 3
    assert environment.evaluate("a", {"a": 1}, {"a": 2}) == 2  # external context wins
    with pytest.raises(ExpressionError):
        environment.evaluate(f"open('{sentinel}', 'w')", {})
    with pytest.raises(ExpressionError):
        environment.execute(f"open('{sentinel}', 'w')", {})
    assert not sentinel.exists()


BPMN_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="Definitions_test" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def process(body: str) -> str:
    return f'{BPMN_HEADER}<bpmn:process id="proc" isExecutable="true">{body}</bpmn:process>\n</bpmn:definitions>'


def gateway_bpmn(condition: str) -> str:
    return process(
        f"""
    <bpmn:startEvent id="start"><bpmn:outgoing>f_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f_no">
      <bpmn:incoming>f_start</bpmn:incoming>
      <bpmn:outgoing>f_yes</bpmn:outgoing>
      <bpmn:outgoing>f_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="end_yes">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no" />
    <bpmn:endEvent id="end_yes"><bpmn:incoming>f_yes</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no"><bpmn:incoming>f_no</bpmn:incoming></bpmn:endEvent>"""
    )


def timer_bpmn(value: str, kind: str = "timeDuration") -> str:
    return process(
        f"""
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_def">
        <bpmn:{kind} xsi:type="bpmn:tFormalExpression">{escape(value)}</bpmn:{kind}>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
    )


def multi_instance_bpmn(cardinality: str) -> str:
    return process(
        f"""
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sign" />
    <bpmn:task id="sign">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics id="sign_loop">
        <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">{escape(cardinality)}</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:task>
    <bpmn:sequenceFlow id="f2" sourceRef="sign" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
    )


BUSINESS_RULE_BPMN = process(
    """
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide_tax" />
    <bpmn:businessRuleTask id="decide_tax" camunda:decisionRef="deed_tax">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="decide_tax" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
)


def dmn(rules: list[tuple[str, str, str]], area_expression: str = "property['area']") -> str:
    """A deed-tax table: (first_home cell, area cell, rate output) per rule."""
    body = "".join(
        f"""
      <rule id="rule_{n}">
        <inputEntry id="rule_{n}_home"><text>{escape(home)}</text></inputEntry>
        <inputEntry id="rule_{n}_area"><text>{escape(area)}</text></inputEntry>
        <outputEntry id="rule_{n}_rate"><text>{escape(rate)}</text></outputEntry>
      </rule>"""
        for n, (home, area, rate) in enumerate(rules, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_defs" name="t"
    namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="deed_tax" name="deed tax">
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="input_home" label="first home">
        <inputExpression id="input_home_expr" typeRef="string"><text>home</text></inputExpression>
      </input>
      <input id="input_area" label="area">
        <inputExpression id="input_area_expr" typeRef="number"><text>{escape(area_expression)}</text></inputExpression>
      </input>
      <output id="output_rate" label="rate" name="rate" typeRef="number" />{body}
    </decisionTable>
  </decision>
</definitions>"""


def run(bpmn: str, data: dict[str, Any], dmn_xml: str | None = None) -> BpmnWorkflow:
    parser = CamundaParser()
    parser.add_bpmn_str(bpmn.encode())
    if dmn_xml is not None:
        parser.add_dmn_str(dmn_xml.encode())
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=GovflowScriptEngine())
    workflow.get_next_task(state=TaskState.READY).data.update(data)
    workflow.do_engine_steps()
    workflow.refresh_waiting_tasks()
    workflow.do_engine_steps()
    return workflow


def completed(workflow: BpmnWorkflow) -> set[str]:
    return {task.task_spec.name for task in workflow.get_tasks(state=TaskState.COMPLETED)}


def last_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    return workflow.get_tasks(spec_name="end")[0].data


@pytest.mark.parametrize(
    ("condition", "data", "taken"),
    [
        ("${approved}", {"approved": True}, "end_yes"),
        ("${approved}", {"approved": False}, "end_no"),
        ("${area > 140 && first_home}", {"area": 150, "first_home": True}, "end_yes"),
        ("${area > 140 && first_home}", {"area": 150, "first_home": False}, "end_no"),
        ("${!accepted}", {"accepted": False}, "end_yes"),
        ("approved == True", {"approved": True}, "end_yes"),
        ("${applicant.married}", {"applicant": {"married": True}}, "end_yes"),
    ],
)
def test_gateway_routes_with_govflow_engine(condition: str, data: dict, taken: str) -> None:
    workflow = run(gateway_bpmn(condition), data)
    assert workflow.is_completed()
    assert taken in completed(workflow)
    assert ({"end_yes", "end_no"} - {taken}).isdisjoint(completed(workflow))


def test_gateway_with_unknown_variable_fails_the_step() -> None:
    with pytest.raises(SpiffWorkflowException, match="unknown variable 'approved'"):
        run(gateway_bpmn("${approved}"), {})


@pytest.mark.parametrize(
    ("value", "kind", "data"),
    [
        ("PT1H", "timeDuration", {}),
        ("${wait}", "timeDuration", {"wait": "P3D"}),
        ("2099-01-01", "timeDate", {}),
        ("2099-01-01T09:00:00+08:00", "timeDate", {}),
        ("R3/PT1H", "timeCycle", {}),  # at least an hour apart (engine.bounds)
    ],
)
def test_timer_literal_and_expression_work(value: str, kind: str, data: dict) -> None:
    document = timer_bpmn(value, kind)
    assert check_document(etree.fromstring(document.encode())) == []
    workflow = run(document, data)
    assert not workflow.is_completed()


def test_timer_in_the_past_fires() -> None:
    assert run(timer_bpmn("2020-01-01T00:00:00Z", "timeDate"), {}).is_completed()


@pytest.mark.parametrize(
    ("value", "kind"),
    [("2099-01-01", "timeDuration"), ("P3D", "timeDate"), ("P3D", "timeCycle")],
)
def test_timer_literal_of_the_wrong_kind_is_reported(value: str, kind: str) -> None:
    problems = check_document(etree.fromstring(timer_bpmn(value, kind).encode()))
    assert [e for e, _ in problems] == ["wait"]


def test_multi_instance_cardinality_works() -> None:
    workflow = run(multi_instance_bpmn("${len(signers)}"), {"signers": ["a", "b", "c"]})
    # a bpmn:task is manual in SpiffWorkflow: one READY instance per signer waits
    instances = workflow.get_tasks(state=TaskState.READY)
    assert [t.task_spec.name for t in instances] == ["sign [child]"] * 3


DEED_TAX_RULES = [
    ("True", "<= 140", "0.01"),
    ("True", "> 140", "0.015"),
    ('"no"', "-", "0.03"),
    ("False", "", "0.02"),
]


@pytest.mark.parametrize(
    ("home", "area", "rate"),
    [(True, 90, 0.01), (True, 150, 0.015), (False, 150, 0.02), ("no", 10, 0.03)],
)
def test_dmn_decision_table_runs_with_govflow_engine(home: Any, area: int, rate: float) -> None:
    dmn_xml = dmn([(h, a, r) for h, a, r in DEED_TAX_RULES])
    assert check_document(etree.fromstring(dmn_xml.encode())) == []
    workflow = run(BUSINESS_RULE_BPMN, {"home": home, "property": {"area": area}}, dmn_xml)
    assert workflow.is_completed()
    assert last_data(workflow)["rate"] == rate


def test_dmn_question_mark_ranges_work() -> None:
    dmn_xml = dmn([("-", "1 <= ? <= 140", "0.01"), ("-", "? > 140", "0.02")])
    assert check_document(etree.fromstring(dmn_xml.encode())) == []
    workflow = run(BUSINESS_RULE_BPMN, {"home": True, "property": {"area": 140}}, dmn_xml)
    assert last_data(workflow)["rate"] == 0.01


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("[1..140]", "ranges like"),
        ('"a","b"', "comma-separated"),
        ('not("a")', "FEEL negation"),
        (" - ", "only spaces"),
    ],
)
def test_unsupported_dmn_cells_are_reported(cell: str, message: str) -> None:
    problems = check_document(etree.fromstring(dmn([(cell, "-", "1")]).encode()))
    assert [element for element, _ in problems] == ["rule_1_home"]
    assert message in problems[0][1]


def test_shipped_processes_pass_check_document() -> None:
    root = Path(__file__).resolve().parents[1] / "processes"
    documents = sorted(root.glob("*/*.bpmn")) + sorted(root.glob("*/*.dmn"))
    assert documents
    for path in documents:
        assert check_document(etree.parse(str(path))) == [], path


# --- hostile expressions inside real workflows -----------------------------------------

Location = tuple[str, Callable[[str], tuple[str, str | None]], str, dict[str, Any]]


def _in_gateway(expression: str) -> tuple[str, str | None]:
    return gateway_bpmn(expression), None


def _in_timer(expression: str) -> tuple[str, str | None]:
    return timer_bpmn(expression), None


def _in_cardinality(expression: str) -> tuple[str, str | None]:
    return multi_instance_bpmn(expression), None


def _in_dmn_cell(expression: str) -> tuple[str, str | None]:
    return BUSINESS_RULE_BPMN, dmn([(expression, "-", "1")])


LOCATIONS = {
    "gateway condition": (_in_gateway, "f_yes"),
    "timer": (_in_timer, "wait"),
    "multi-instance cardinality": (_in_cardinality, "sign"),
    "DMN cell": (_in_dmn_cell, "rule_1_home"),
}


@pytest.mark.parametrize("location", list(LOCATIONS))
@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_expression_in_workflow(template: str, location: str, sentinel: Path) -> None:
    build, element_id = LOCATIONS[location]
    bpmn, dmn_xml = build(hostile(template, sentinel))

    document = dmn_xml if dmn_xml is not None else bpmn
    problems = check_document(etree.fromstring(document.encode()))
    assert element_id in [element for element, _ in problems], problems

    with pytest.raises(ExpressionError) as refusal:
        validate(hostile(template, sentinel))
    data = {"x": {"y": 1}, "home": True, "property": {"area": 1}}
    with pytest.raises(SpiffWorkflowException) as failure:
        run(bpmn, data, dmn_xml)
    assert str(refusal.value) in str(failure.value)  # refused by our evaluator, not by luck
    assert not sentinel.exists()


# --- scripts and Java hooks at deploy ---------------------------------------------------

SCRIPTED_BPMN = process(
    """
    <bpmn:startEvent id="start">
      <bpmn:extensionElements>
        <camunda:executionListener event="start" class="org.example.Hook" />
      </bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:scriptTask id="compute" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>open('/tmp/pwned', 'w')</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="notify" />
    <bpmn:serviceTask id="notify" camunda:class="org.example.Notify">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="review" />
    <bpmn:userTask id="review">
      <bpmn:extensionElements>
        <camunda:taskListener event="create" expression="${bean.hook()}" />
        <camunda:inputOutput>
          <camunda:inputParameter name="x"><camunda:script scriptFormat="groovy">1</camunda:script></camunda:inputParameter>
        </camunda:inputOutput>
        <spiffworkflow:preScript>open('/tmp/pwned', 'w')</spiffworkflow:preScript>
      </bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="bill" />
    <bpmn:serviceTask id="bill" camunda:delegateExpression="${billing}">
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f5" sourceRef="bill" targetRef="send" />
    <bpmn:serviceTask id="send" camunda:expression="${mailer.send()}">
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f6" sourceRef="send" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f_no">
      <bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f_js</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_js" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">true</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f_js</bpmn:incoming><bpmn:incoming>f_no</bpmn:incoming></bpmn:endEvent>"""
)


def test_check_document_reports_scripts_and_hooks() -> None:
    problems = check_document(etree.fromstring(SCRIPTED_BPMN.encode()))
    by_element: dict[str, list[str]] = {}
    for element, message in problems:
        by_element.setdefault(element, []).append(message)

    assert any("script tasks are not accepted" in m for m in by_element["compute"])
    assert any("camunda:executionListener" in m for m in by_element["start"])
    review = " | ".join(by_element["review"])
    assert "camunda:taskListener" in review
    assert "camunda:script" in review
    assert "spiffworkflow:preScript" in review
    assert any("camunda:class is a Java hook" in m for m in by_element["notify"])
    assert any("camunda:delegateExpression" in m for m in by_element["bill"])
    assert any("camunda:expression" in m for m in by_element["send"])
    assert any("language 'javascript'" in m for m in by_element["f_js"])


def test_script_task_is_refused_at_run_time_too(sentinel: Path) -> None:
    bpmn = process(
        f"""
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:scriptTask id="compute">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>open('{sentinel}', 'w')</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>"""
    )
    assert [e for e, _ in check_document(etree.fromstring(bpmn.encode()))] == ["compute"]
    with pytest.raises(SpiffWorkflowException, match="scripts are not accepted"):
        run(bpmn, {})
    assert not sentinel.exists()


def test_check_document_accepts_clean_expressions() -> None:
    for document in (
        gateway_bpmn("${area > 140 && first_home}"),
        timer_bpmn("P3D"),
        timer_bpmn("${wait}"),
        multi_instance_bpmn("3"),
    ):
        assert check_document(etree.fromstring(document.encode())) == []


def test_check_document_reports_timer_and_cardinality_by_owner() -> None:
    problems = check_document(etree.fromstring(timer_bpmn("every monday").encode()))
    assert [e for e, _ in problems] == ["wait"]
    assert problems[0][1].startswith("timer duration 'every monday'")
    problems = check_document(etree.fromstring(multi_instance_bpmn("9**9**9").encode()))
    assert problems == [
        ("sign", "multi-instance cardinality '9**9**9': exponent is too large (at most 100)")
    ]
