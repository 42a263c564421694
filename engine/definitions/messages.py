"""Deploy-time checks of message events: which of them govflow runs, and which it refuses.

A message reaches a case through ``POST /api/v1/messages`` (an integration: the bank
confirming a tax payment, the exchange platform's callback), naming the case and the
message.  So a case may wait for one wherever BPMN lets it: an intermediate catch event,
a receive task, a boundary event (interrupting or not), the start event of an event
sub-process, a branch of an event-based gateway.  What it cannot do:

* start a case: cases start through ``POST /cases``, for an applicant;
* wait for a message without a name: the integration names the message it sends;
* send a message out of the case: govflow has no outbound channel, so a thrown message
  reaches only a catch of the same case (warned, since that is rarely what was meant).
"""

from __future__ import annotations

from typing import Any

from .metadata import NS

Problem = tuple[str, str]

_THROWING = ("intermediateThrowEvent", "endEvent")


def _local_name(element: Any) -> str:
    return element.tag.rsplit("}", 1)[-1]


def message_name(element: Any, definition: Any | None = None) -> str | None:
    """The name a message event or a receive/send task waits for or sends: its
    ``bpmn:message``'s name (``messageRef``), else the element's own name, as
    SpiffWorkflow's Camunda parser reads it."""
    source = definition if definition is not None else element
    ref = source.get("messageRef")
    if ref:
        root = element.getroottree().getroot()
        found = root.xpath(".//bpmn:message[@id=$ref]", namespaces=NS, ref=ref)
        name = found[0].get("name") if found else None
    else:
        name = element.get("name")
    return (name or "").strip() or None


def message_problems(process: Any, *, main: bool = True) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for the message events and receive/send tasks of ``process``;
    ``main`` is false for a process that a call activity runs."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for definition in process.xpath(".//bpmn:messageEventDefinition", namespaces=NS):
        event = definition.getparent()
        where = event.get("id") or "definitions"
        tag = _local_name(event)
        in_event_sub_process = event.getparent().get("triggeredByEvent") == "true"
        if tag == "startEvent" and not in_event_sub_process:
            errors.append(
                (
                    where,
                    "a message start event never starts a case: cases start through the "
                    "API for an applicant; use a plain start event",
                )
            )
        elif tag == "startEvent" and not (main and event.getparent().getparent() is process):
            # SpiffWorkflow starts event sub-processes of the case's own process only.
            errors.append(
                (
                    where,
                    "a message start event of an event sub-process is run only at the top "
                    "level of the main process: draw the event sub-process there, or wait "
                    "with a message boundary event on the sub-process",
                )
            )
        if tag in _THROWING:
            warnings.append(
                (
                    where,
                    "this message reaches only a wait for it in the same case: govflow "
                    "sends no message out of a case",
                )
            )
        elif message_name(event, definition) is None:
            errors.append(
                (
                    where,
                    "this message event has no message name: give it a bpmn:message "
                    "(messageRef) with the name the integration sends",
                )
            )
    for task in process.xpath(".//bpmn:receiveTask", namespaces=NS):
        if message_name(task) is None:
            errors.append(
                (
                    task.get("id") or "definitions",
                    "this receive task has no message name: give it a bpmn:message "
                    "(messageRef) with the name the integration sends",
                )
            )
    for task in process.xpath(".//bpmn:sendTask", namespaces=NS):
        warnings.append(
            (
                task.get("id") or "definitions",
                "this message reaches only a wait for it in the same case: govflow sends "
                "no message out of a case",
            )
        )
    return errors, warnings


def non_interrupting_event_sub_processes(process: Any) -> list[str]:
    """Ids of the event sub-processes whose start event lets the rest of the case run on
    (``isInterrupting="false"``); SpiffWorkflow does not read the attribute, run time
    (``runtime.messages``) does the interrupting of the others."""
    return [
        sub.get("id")
        for sub in process.xpath(".//bpmn:subProcess[@triggeredByEvent='true']", namespaces=NS)
        if any(
            start.get("isInterrupting") == "false"
            for start in sub.xpath("./bpmn:startEvent", namespaces=NS)
        )
    ]
