"""Tasks that are not steps of the BPMN process but still land in a worklist.

A dispute over a shared record (异议) goes to the department that holds the record; a bad
rating (差评) opens a rectification task for a supervisor.  Each kind registers what
completing it means; the worklist, claim and form validation treat them like any task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models import TaskRow
from ..runtime.executor import CaseSession

#: kind → called with (case session, the task row, the validated form data) on completion.
SideTaskHandler = Callable[[CaseSession, TaskRow, dict[str, Any]], None]

HANDLERS: dict[str, SideTaskHandler] = {}


def register(kind: str) -> Callable[[SideTaskHandler], SideTaskHandler]:
    def decorate(handler: SideTaskHandler) -> SideTaskHandler:
        HANDLERS[kind] = handler
        return handler

    return decorate
