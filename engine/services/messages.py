"""Messages from integrations (API.md "Messages (integrations)").

``POST /messages`` names a case and a message: the bank confirming a deed-tax payment,
the exchange platform's callback.  The case takes it once, where a catch event, a
receive task, a boundary event, an event-based gateway or an event sub-process waits for
that name; its data is merged into the case data and the case steps on — one command,
under the case lock, with an audit event.  A case waiting for no such message answers
409 ``not_waiting`` and nothing changes.
"""

from __future__ import annotations

import json
from typing import Any

from ..context import Govflow
from ..errors import Conflict, ValidationFailed
from ..models import Case
from ..principal import Principal
from ..runtime import messages
from ..runtime.executor import CommandContext, execute
from ..uow import read_only
from .access import require_role
from .cases import MAX_DATA_BYTES
from .serializers import case_view

#: Who may deliver a message: the integration account of a partner system, and admins.
SENDERS = ("integration", "admin")


def deliver(
    govflow: Govflow, actor: Principal, name: str, case_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Deliver the message ``name`` to case ``case_id``; answers the case as API.md shows
    it (masked for the sender: an integration reads no one's identity in clear)."""
    require_role(actor, *SENDERS)
    if len(json.dumps(data, ensure_ascii=False)) > MAX_DATA_BYTES:
        raise ValidationFailed("message data too large", fields={"data": ["too large"]})

    def command(ctx: CommandContext) -> None:
        case = ctx.case
        if case.status in ("completed", "terminated"):
            raise Conflict(
                f"the case is closed: it waits for no message '{name}'", code="not_waiting"
            )
        if case.suspended:
            raise Conflict("the case is suspended", code="case_suspended")
        if not messages.takes(ctx.workflow, name):
            raise Conflict(f"the case waits for no message '{name}'", code="not_waiting")
        non_interrupting = ctx.definition.meta.get("non_interrupting_event_sub_processes", [])
        elements = messages.deliver(
            ctx.workflow,
            name,
            data,
            case_data=dict(case.data or {}),
            non_interrupting=non_interrupting,
        )
        ctx.audit("message_received", message=name, elements=elements, data=data)

    execute(govflow, case_id, actor, command)
    with read_only(govflow.db) as session:
        return case_view(govflow, session, actor, session.get(Case, case_id))
