"""Pulls from the exchange platform as jobs (``executor.PULL_JOB``).

The step that needs a remote record records it as ``fetching`` and enqueues one job per
lookup, and its service task waits (STARTED).  The job asks the platform with no
transaction open (``perform``); the answer is put into the case by a command of its own
under the case lock (``apply``), which settles the lookup exactly as an inline pull would
(source, access log, audit) and, once the task's last lookup is in, completes the service
task — or throws ``shared_data_unavailable`` to an attached boundary — so the case moves
on to the window.  After the last attempt the lookup settles ``unavailable``
(``give_up``): the material falls back to upload.

Idempotent by the token the step gave the lookup: an answer whose token is no longer
the source's (already settled, re-pulled, or a second delivery) changes nothing but the
audit trail.  An answer for a case that moved on (the step cancelled by a return, a
withdrawal or a termination) is recorded on the case as a late refresh would be, and
moves nothing back.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from ..context import Govflow
from ..definitions.thrown_errors import SHARED_DATA_UNAVAILABLE
from ..jobs.registry import Claimed, Handler, TryAgain, register
from ..principal import Principal
from ..runtime import bpmn_errors
from ..runtime.executor import PULL_JOB, CommandContext, execute, pull_failed
from ..shared_data import exchange, registry
from ..shared_data.providers import Record
from ..uow import read_only


def perform(govflow: Govflow, job: Claimed) -> dict[str, Any]:
    """Ask the platform; ``TryAgain`` while it is unavailable."""
    p = job.payload
    with read_only(govflow.db) as session:
        provider = registry.resolve(session, govflow.providers, p["provider"]).provider
    # The session is closed: from here on nothing is locked or open while we wait.
    if getattr(provider, "transport", "database") != "http":
        return {"local": True}  # switched back to the built-in table meanwhile
    record, outcome, reason = exchange.lookup(provider, None, p["key"], p["field"], p["purpose"])
    if outcome == "unavailable":
        raise TryAgain(reason or "unavailable")
    answer: dict[str, Any] = {"outcome": outcome, "reason": reason}
    if record is not None:
        answer["record"] = {
            "key": record.key,
            "data": record.data,
            "subject": record.subject_id_number,
        }
    return answer


def give_up(govflow: Govflow, job: Claimed, reason: str) -> None:
    """The attempts are spent: the lookup ends ``unavailable`` (upload, or the boundary)."""
    apply(govflow, job, {"outcome": "unavailable", "reason": f"{reason} ({job.attempts} tries)"})


def apply(govflow: Govflow, job: Claimed, answer: dict[str, Any]) -> None:
    p = job.payload
    actor = Principal(
        p["actor"]["username"], tuple(p["actor"]["roles"]), p["actor"].get("department")
    )
    if job.case_id is None:
        return
    execute(govflow, job.case_id, actor, lambda ctx: _settle(ctx, p, answer))


def _settle(ctx: CommandContext, p: dict[str, Any], answer: dict[str, Any]) -> None:
    provider_name, field = p["provider"], p["field"]
    source = (ctx.case.sources or {}).get(f"{provider_name}:{field}") or {}
    if source.get("outcome") != exchange.FETCHING or source.get("token") != p["token"]:
        ctx.audit(
            "shared_data_answer_ignored",
            provider=provider_name,
            subject_field=field,
            reason="the lookup was already settled",
        )
        return
    resolved = registry.resolve(ctx.session, ctx.govflow.providers, provider_name)
    record, outcome, reason = _answer_record(answer)
    spec = resolved.spec
    if answer.get("local") or (outcome == "not_found" and spec.issued_here):
        # The built-in table answers (records govflow issued itself live there first).
        record, outcome, reason = exchange.lookup(spec, ctx.session, p["key"], field, p["purpose"])
    data = exchange.settle(
        ctx.session, resolved.provider, ctx.case, ctx.actor, p["key"], field, p["purpose"],
        record, outcome, reason,
    )  # fmt: skip
    task = _waiting_task(ctx, p["task"]) if p.get("task") else None
    meta = ctx.service_tasks.get(task.task_spec.bpmn_id) if task is not None else None
    if task is None or meta is None:
        # The case moved on without this step: keep the record, as a refresh would.
        if data is not None:
            exchange.apply_record(ctx.workflow, ctx.service_tasks, provider_name, field, data)
        if p.get("task"):
            ctx.audit("shared_data_answer_late", provider=provider_name, subject_field=field)
        return
    if len(meta["subject"]) > 1:
        current = task.data.get(provider_name)
        task.data[provider_name] = {**(current if isinstance(current, dict) else {}), field: data}
    else:
        task.data[provider_name] = data
    if still_fetching(ctx, meta):
        return
    if pull_failed(ctx.case, meta) and bpmn_errors.caught_by_boundary(
        task, SHARED_DATA_UNAVAILABLE
    ):
        bpmn_errors.throw(task, SHARED_DATA_UNAVAILABLE)
    else:
        task.complete()
    # ``execute`` advances the workflow from here and saves it.


def still_fetching(ctx: CommandContext, meta: dict[str, Any]) -> bool:
    sources = ctx.case.sources or {}
    return any(
        sources.get(f"{provider}:{field}", {}).get("outcome") == exchange.FETCHING
        for provider in meta["shared_data"]
        for field in meta["subject"]
    )


def _answer_record(answer: dict[str, Any]) -> tuple[Record | None, str, str | None]:
    found = answer.get("record")
    record = Record(found["key"], found["data"], found.get("subject")) if found else None
    return record, answer.get("outcome", "error"), answer.get("reason")


def _waiting_task(ctx: CommandContext, task_id: str) -> Any:
    """The service task the job answers, if it still waits for it."""
    try:
        task = ctx.workflow.get_task_from_id(UUID(task_id))
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises its own error for a gone task
        return None
    if task is None or task.state != TaskState.STARTED:
        return None
    return task


register(PULL_JOB, Handler(perform=perform, apply=apply, give_up=give_up))
