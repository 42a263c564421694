"""Start events that remember ``isInterrupting``.

SpiffWorkflow's parser drops the attribute, so an interrupting event sub-process would
run beside the work it should have interrupted.  The start event's spec keeps it as
``interrupting`` (BPMN's default: true); ``runtime/event_sub_processes`` acts on it.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.camunda.parser.event_parsers import CamundaStartEventParser


class StartEventParser(CamundaStartEventParser):
    def create_task(self) -> Any:
        task = super().create_task()
        task.interrupting = (self.node.get("isInterrupting") or "true").lower() == "true"
        return task
