"""Tasks that are not steps of the BPMN process but still land in a worklist.

A dispute over a shared record (异议) goes to the department that holds the record; a bad
rating (差评) opens a rectification task for a supervisor.  Each kind names what completing
it means and the form its clerk fills in; the worklist, claim and form validation treat
them like any task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models import TaskRow
from ..reforms import deferrals, pledges
from ..reforms.forms import FORMS as REFORM_FORMS
from ..runtime.executor import CommandContext
from ..shared_data.dispute_form import DISPUTE_FORM
from ..verbs import ratings
from ..verbs.rectification_form import RECTIFICATION_FORM
from . import disputes

#: called with (the command's context, the task row, the validated form data) on completion.
SideTaskHandler = Callable[[CommandContext, TaskRow, dict[str, Any]], None]

#: task kind → what completing a task of that kind does.
HANDLERS: dict[str, SideTaskHandler] = {
    "dispute": disputes.settle,
    "rectification": ratings.rectified,
    "deferral_overdue": deferrals.decide,
    "pledge_check": pledges.checked,
    "pledge_revocation": pledges.revocation_decided,
}

#: The forms of side tasks, added to the shipped ones when the engine is built.
FORMS = [DISPUTE_FORM, RECTIFICATION_FORM, *REFORM_FORMS]
