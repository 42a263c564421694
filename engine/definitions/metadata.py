"""What govflow reads from a BPMN file beyond what SpiffWorkflow keeps.

SpiffWorkflow's Camunda parser drops ``candidateGroups``, ``candidateUsers``, ``assignee``
and ``dueDate``.  Rather than subclass its parsers, deploy reads these straight from the
XML into a plain dict stored with the definition (``ProcessDefinition.meta``); run time
looks tasks up by BPMN id.  The dict is JSON, so it is cheap to keep and to show.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .xml_safety import BPMN_NS, CAMUNDA_NS

NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def properties(element: etree._Element) -> dict[str, str]:
    """Camunda extension properties directly under ``element``."""
    found: dict[str, str] = {}
    for prop in element.xpath(
        "./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS
    ):
        name = prop.get("name")
        if name:
            found[name] = prop.get("value", "")
    return found


def _camunda(element: etree._Element, name: str) -> str | None:
    return element.get(f"{{{CAMUNDA_NS}}}{name}")


def lanes_by_node(process: etree._Element) -> dict[str, str]:
    """BPMN id of each flow node → the name of the innermost lane holding it."""
    lanes: dict[str, str] = {}
    for ref in process.xpath(".//bpmn:lane/bpmn:flowNodeRef", namespaces=NS):
        if ref.text:
            lanes[ref.text.strip()] = (ref.getparent().get("name") or "").strip()
    return lanes


def executable_processes(root: etree._Element) -> list[etree._Element]:
    return [
        p for p in root.xpath("./bpmn:process", namespaces=NS) if p.get("isExecutable") == "true"
    ]


def called_processes(root: etree._Element, process: etree._Element) -> list[etree._Element]:
    """The processes of this document that ``process`` calls, directly or not.

    A call activity runs the called process inside the same case, so its tasks need
    departments and checks just like the main process's own.
    """
    by_id = {p.get("id"): p for p in root.xpath("./bpmn:process", namespaces=NS) if p.get("id")}
    seen = {process.get("id")}
    found: list[etree._Element] = []
    pending = [process]
    while pending:
        for call in pending.pop().xpath(".//bpmn:callActivity", namespaces=NS):
            target = by_id.get(call.get("calledElement"))
            if target is not None and target.get("id") not in seen:
                seen.add(target.get("id"))
                found.append(target)
                pending.append(target)
    return found


def user_task_meta(task: etree._Element, lane: str | None) -> dict[str, Any]:
    return {
        "id": task.get("id"),
        "name": task.get("name") or task.get("id"),
        "lane": lane,
        "candidate_groups": _split(_camunda(task, "candidateGroups")),
        "candidate_users": _split(_camunda(task, "candidateUsers")),
        "assignee": _camunda(task, "assignee"),
        "form_key": _camunda(task, "formKey"),
        "due_date": _camunda(task, "dueDate"),
        "properties": properties(task),
        "multi_instance": _multi_instance(task),
    }


def _multi_instance(task: etree._Element) -> dict[str, Any] | None:
    """A multi-instance task's loop (会签 when it runs over departments), else None."""
    loops = task.xpath("./bpmn:multiInstanceLoopCharacteristics", namespaces=NS)
    if not loops:
        return None
    loop = loops[0]
    condition = loop.xpath("./bpmn:completionCondition", namespaces=NS)
    return {
        "collection": _camunda(loop, "collection"),
        "element_variable": _camunda(loop, "elementVariable"),
        "sequential": loop.get("isSequential") == "true",
        "completion_condition": (condition[0].text or "").strip() if condition else None,
    }


def service_task_meta(task: etree._Element) -> dict[str, Any]:
    props = properties(task)
    return {
        "id": task.get("id"),
        "name": task.get("name") or task.get("id"),
        "shared_data": _split(props.get("shared_data")),
        "issue": props.get("issue", "").strip() or None,
        "subject": _split(props.get("subject")),
        "properties": props,
    }


#: Flow nodes SpiffWorkflow stops at until a person completes them (its specs with
#: ``manual = True``): a plain ``bpmn:task`` is one too, and Camunda Modeler draws a new
#: activity as exactly that.  Each needs a department, so each is read as a user task.
HUMAN_TASKS = ".//bpmn:userTask | .//bpmn:manualTask | .//bpmn:task"


def _lane_of(node: etree._Element, lanes: dict[str, str]) -> str | None:
    """The lane of ``node``, else of the embedded sub-process around it: lanes reference
    the sub-process, not the tasks drawn inside it."""
    while node is not None:
        lane = lanes.get(node.get("id") or "")
        if lane is not None:
            return lane
        node = node.getparent()
    return None


def read_process(process: etree._Element) -> dict[str, Any]:
    """The raw govflow view of one executable process (departments not yet resolved)."""
    lanes = lanes_by_node(process)
    start_events = process.xpath("./bpmn:startEvent", namespaces=NS)
    start_form = next(
        (_camunda(s, "formKey") for s in start_events if _camunda(s, "formKey")), None
    )
    return {
        "key": process.get("id"),
        "name": process.get("name") or process.get("id"),
        "properties": properties(process),
        "start_form": start_form,
        "user_tasks": [
            user_task_meta(t, _lane_of(t, lanes)) for t in process.xpath(HUMAN_TASKS, namespaces=NS)
        ],
        "service_tasks": [
            service_task_meta(t) for t in process.xpath(".//bpmn:serviceTask", namespaces=NS)
        ],
        "end_events": {
            e.get("id"): properties(e) for e in process.xpath(".//bpmn:endEvent", namespaces=NS)
        },
    }
