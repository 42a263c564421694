"""Checks the ordinary task commands (complete, unclaim) share with the verbs."""

from __future__ import annotations

from ..errors import Conflict
from ..models import TaskRow
from ..runtime.executor import CommandContext


def require_progress_allowed(ctx: CommandContext, row: TaskRow) -> None:
    """A suspended case's steps wait (挂起); a delegated task (委派) goes back to its owner
    by ``resolve`` before anyone completes it."""
    if ctx.case.suspended and row.kind == "bpmn":
        raise Conflict("the case is suspended", code="case_suspended")
    if row.owner:
        raise Conflict(
            f"delegated by {row.owner}: the delegate resolves it first",
            code="delegation_pending",
        )
