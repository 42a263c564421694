"""Where the reforms meet an ordinary step (``services.tasks.complete``): before it runs,
registration and the steps a deferred material is needed by wait for it; after the
window's acceptance step, pledges go to their checks and an application not accepted
needs no deferred material."""

from __future__ import annotations

from typing import Any

from ..models import TaskRow
from ..runtime.executor import CommandContext
from . import deferrals, pledges
from .common import is_acceptance_step


def before_step(ctx: CommandContext, row: TaskRow) -> None:
    deferrals.require_in(ctx, row)


def after_step(ctx: CommandContext, row: TaskRow, cleaned: dict[str, Any]) -> None:
    if is_acceptance_step(ctx, row):
        deferrals.acceptance_decided(ctx, cleaned)
        pledges.acceptance_decided(ctx, cleaned)
