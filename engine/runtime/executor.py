"""The one way in for every change to a case (cf. Camunda's command executor).

``execute(govflow, case_id, actor, command)`` locks the case, loads its workflow, runs the
command, advances the workflow (service tasks pull shared data), saves the workflow,
refreshes the worklist rows and commits — all in one transaction, or nothing.
``start(...)`` does the same for a case the command opens; ``read(...)`` loads a case's
workflow for a query, locking and saving nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, bounds, clock
from ..bounds import Bounds
from ..context import Govflow
from ..deadlines import notify, timers
from ..deadlines.calendar_store import stamp_columns
from ..deadlines.models import ever_paused
from ..deadlines.tracking import CaseClocks
from ..definitions.deployed import deployed_definition
from ..definitions.specs import ParsedProcess, cached_process
from ..definitions.thrown_errors import SHARED_DATA_UNAVAILABLE
from ..errors import Conflict, FactMissing, NotFound, WorkflowFailure
from ..jobs import queue as jobs
from ..jsonable import plain
from ..models import Case, ProcessDefinition, TaskRow
from ..notices import decisions
from ..principal import Principal
from ..shared_data import exchange, registry
from ..uow import read_only, run_in_transaction
from . import called, projection, stepper
from .returned_work import carry_forward, work_to_carry
from .workflow import GovflowWorkflow, dump, load, new_workflow

T = TypeVar("T")

#: The kind of job that asks an exchange-platform provider for a record
#: (``services.pull_jobs``).
PULL_JOB = "shared_data.pull"


def parsed_definition(definition: ProcessDefinition) -> ParsedProcess:
    return cached_process(
        definition.sha256,
        definition.key,
        definition.bpmn_xml,
        [f["xml"] for f in definition.dmn_files],
    )


def call_tree(session: Session, case: Case, definition: ProcessDefinition) -> called.CallTree:
    """The specs the case runs: its definition's, with the processes it calls joined."""
    pins = case.called_versions or {}
    return called.join(
        session,
        parsed_definition(definition),
        pins,
        load_definition=deployed_definition,
        parse=parsed_definition,
    )


@dataclass
class CaseReading:
    """A case and its workflow as a query sees them: nothing is locked or saved."""

    session: Session
    actor: Principal
    case: Case
    definition: ProcessDefinition
    workflow: GovflowWorkflow | None
    #: The processes its call activities run (``runtime/called``), by key.
    tree: called.CallTree | None = None

    @property
    def called(self) -> dict[str, ProcessDefinition]:
        return self.tree.definitions if self.tree else {}

    @property
    def user_tasks(self) -> dict[str, dict[str, Any]]:
        return called.merged_meta(self.definition, self.called, "user_tasks")


@dataclass(kw_only=True)
class CommandContext(CaseReading):
    """Everything a command needs about one locked case, in the command's transaction."""

    govflow: Govflow
    new_rows: list[Any] = field(default_factory=list)

    @property
    def service_tasks(self) -> dict[str, dict[str, Any]]:
        return called.merged_meta(self.definition, self.called, "service_tasks")

    def audit(self, action: str, *, task_id: str | None = None, **details: Any) -> None:
        audit.record(
            self.session, self.actor, action, case_id=self.case.id, task_id=task_id, **details
        )

    def advance(self) -> None:
        try:
            stepper.advance(self.workflow, self.service_tasks, self._run_service_task)
            # Parallel work a return (退回) unwound is re-applied when its step comes round.
            while carry_forward(self.session, self.case, self.workflow, self.audit):
                stepper.advance(self.workflow, self.service_tasks, self._run_service_task)
        except FactMissing as exc:
            raise self._where_to_enter(exc) from None

    def _where_to_enter(self, exc: FactMissing) -> FactMissing:
        """Say where the window clerk enters a fact of a record shared data did not
        provide: the transcription of that record (docs/SHARED_DATA.md)."""
        record = exc.details.get("record")
        for key, source in sorted((self.case.sources or {}).items()):
            if source.get("provider") == record and source.get("outcome") not in (
                exchange.SHARED_OUTCOMES
            ):
                exc.details["transcribe"] = (
                    f"/api/v1/cases/{self.case.id}/shared-data/{key.replace(':', '/', 1)}"
                )
                exc.details["material_reason"] = source.get("reason")
                exc.message = (
                    f"{exc.message}: shared data did not provide the {record} record "
                    f"({source.get('outcome')}); upload the document and enter the facts "
                    f"from it (PUT {exc.details['transcribe']})"
                )
                break
        exc.details["reason"] = exc.message
        return exc

    def _run_service_task(self, task: Any, meta: dict[str, Any]) -> str | None:
        """Pull or publish; answers ``shared_data_unavailable`` when a pull could not be
        made (the stepper throws it if a boundary event catches it)."""
        providers = self.govflow.providers
        fetches: list[exchange.Fetch] = []
        if meta["shared_data"]:
            fetches = exchange.pull(self.session, providers, self.case, self.actor, task, meta)
        if meta["issue"]:
            exchange.publish(self.session, providers, self.case, self.actor, task, meta)
        if fetches:
            self.fetch_later(fetches, task)
            return stepper.WAIT  # the records are being fetched; the answers complete it
        return SHARED_DATA_UNAVAILABLE if pull_failed(self.case, meta) else None

    def fetch_later(self, fetches: list[exchange.Fetch], task: Any = None) -> None:
        """One job per lookup, committed with this command; the answer goes to ``task``
        (a waiting service task) or, with none, into the case as a refresh would."""
        for fetch in fetches:
            jobs.enqueue(
                self.session,
                PULL_JOB,
                {
                    **fetch.to_dict(),
                    "task": str(task.id) if task is not None else None,
                    "actor": actor_dict(self.actor),
                },
                case_id=self.case.id,
            )

    def save(self) -> None:
        """Persist workflow state, the case snapshot and the worklist rows."""
        case = self.case
        if self.tree is not None:
            called.pin_new_calls(case, self.workflow, self.tree, self.audit)
        case.workflow_state = dump(self.workflow)
        limit = bounds.current().max_state_bytes
        size = len(case.workflow_state.encode("utf-8"))
        if size > limit:
            raise WorkflowFailure(
                f"the case's state would be {size:,} bytes, over the limit of {limit:,} "
                "(GOVFLOW_MAX_STATE_BYTES)"
            )
        case.data = plain(current_data(self.workflow))
        case.updated_at = clock.now()
        self._update_status()
        # One read of the case's rows serves the worklist projection and the deadlines.
        clocks = self.clocks()
        rows = clocks.tracked_task_rows()
        self.new_rows = projection.refresh(self.session, case, self.workflow, self.user_tasks, rows)
        for row in self.new_rows:
            self.audit(
                "task_created",
                task_id=row.id,
                bpmn_id=row.bpmn_id,
                name=row.name,
                department=row.department_code,
            )
        case.next_timer_at = timers.next_timer_at(self.workflow)
        self.sync_deadlines(clocks, rows + self.new_rows)

    def clocks(self) -> CaseClocks:
        user_tasks = self.user_tasks if self.called else None
        return CaseClocks(self.session, self.case, self.definition, user_tasks=user_tasks)

    def sync_deadlines(
        self, clocks: CaseClocks | None = None, task_rows: list[TaskRow] | None = None
    ) -> None:
        """Start, close and re-state the case's deadlines; tell supervisors what turned
        yellow or red."""
        clocks = clocks or self.clocks()
        for row, old_state in clocks.sync(task_rows):
            notify.deadline_changed(self.session, self.case, row, old_state)

    def outcome_reached(self) -> str | None:
        """How the workflow as it stands ends the case: ``refused`` (a refusing end
        event), ``concluded`` (办结: completed, or a concluding end event), else None."""
        ended = _reached_end_events(self.workflow)
        end_meta = self.definition.meta.get("end_events", {})
        if any(end_meta.get(e, {}).get("outcome") == "refused" for e in ended):
            return "refused"
        concluded = any(end_meta.get(e, {}).get("concludes_case") == "true" for e in ended)
        return "concluded" if self.workflow.is_completed() or concluded else None

    def _update_status(self) -> None:
        case = self.case
        if case.status in ("terminated", "completed"):
            return
        outcome = self.outcome_reached()
        if outcome:
            ended = _reached_end_events(self.workflow)
            case.status = "completed"
            case.outcome = outcome
            case.completed_at = clock.now()
            self.audit("case_completed", outcome=case.outcome, end_events=sorted(ended))
            self._tell_outcome()

    def _tell_outcome(self) -> None:
        """The applicant gets the notice of how the case ended (办结通知书, or the
        不予受理决定书 of a refusing end event), in this same transaction."""
        case = self.case
        if case.outcome == "refused":
            reason = str((case.data or {}).get("refusal_reason") or "").strip()
            decisions.refused(self.session, case, self.actor, [reason] if reason else [], "")
        else:
            decisions.concluded(self.session, case, self.actor)


def pull_failed(case: Case, meta: dict[str, Any]) -> bool:
    """Did any lookup of a ``shared_data`` service task end unavailable or in error?"""
    sources = case.sources or {}
    return any(
        sources.get(f"{provider}:{field}", {}).get("outcome") in exchange.FAILED_OUTCOMES
        for provider in meta["shared_data"]
        for field in meta["subject"]
    )


def actor_dict(actor: Principal) -> dict[str, Any]:
    """Who made the step, as a job carries it to the command applying its answer."""
    return {
        "username": actor.username,
        "roles": list(actor.roles),
        "department": actor.department,
    }


def _reached_end_events(workflow: GovflowWorkflow) -> set[str]:
    from SpiffWorkflow.bpmn.specs.defaults import EndEvent

    return {
        t.task_spec.bpmn_id
        for t in workflow.tasks.values()
        if t.state == TaskState.COMPLETED and isinstance(t.task_spec, EndEvent)
    }


def current_data(workflow: GovflowWorkflow) -> dict[str, Any]:
    """The case's data as of now: the last completed step's data, overlaid by the data of
    every open branch (parallel branches each carry their own copy until they join)."""
    data: dict[str, Any] = {}
    if workflow.last_task is not None:
        data.update(workflow.last_task.data)
    for task in workflow.all_tasks():
        if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            data.update(task.data)
    data.update(workflow.data)
    return data


def lock_case(session: Session, case_id: int) -> Case:
    # FOR UPDATE on PostgreSQL; on SQLite the command's BEGIN IMMEDIATE already excludes
    # other writers, and SQLAlchemy omits the clause.
    found = session.execute(
        select(Case, *case_facts()).where(Case.id == case_id).with_for_update(of=Case)
    ).first()
    if found is None:
        raise NotFound("no such case")
    return with_facts(*found)


@cache
def case_facts() -> tuple[Any, ...]:
    """Columns a statement locking a case adds for the command (see ``Case``); built
    once, since SQL expressions are immutable."""
    return (
        work_to_carry(Case.id),
        ever_paused(Case.id),
        *stamp_columns(),
        *registry.stamp_columns(),
    )


def with_facts(case: Case, carry: bool, paused: bool, *stamps: Any) -> Case:
    case.work_to_carry, case.ever_paused = carry, paused
    case.calendar_stamp, case.provider_stamp = tuple(stamps[:2]), tuple(stamps[2:])
    return case


def stored_workflow(case: Case, parsed: Any) -> GovflowWorkflow:
    """The case's workflow as stored, on ``parsed`` (its definition's specs with the
    processes it calls); a closed case whose workflow retention dropped
    (``services.retention``) has none left to act on."""
    if case.workflow_dropped_at is not None:
        raise Conflict("the case is closed and its workflow has been archived", code="case_closed")
    return load(case.workflow_state, parsed)


def execute(
    govflow: Govflow,
    case_id: int | Callable[[Session], int | Case],
    actor: Principal,
    command: Callable[[CommandContext], T],
    *,
    touches_workflow: bool = True,
) -> T:
    """Run ``command`` on the locked case in one transaction.

    Commands that only change who holds a task (claim, unclaim) pass
    ``touches_workflow=False``: the case is still locked, but its workflow is neither
    loaded nor saved.  ``case_id`` may be a function finding the case in the command's own
    transaction (from a task id, say), which saves a separate read before it; it may
    return the case itself, locked as ``lock_case`` would.
    """

    def work(session: Session) -> T:
        found = case_id(session) if callable(case_id) else case_id
        case = found if isinstance(found, Case) else lock_case(session, found)
        definition = deployed_definition(session, case.definition_id)
        tree = call_tree(session, case, definition)
        workflow = stored_workflow(case, tree.parsed) if touches_workflow else None
        ctx = CommandContext(session, actor, case, definition, workflow, tree, govflow=govflow)
        if not touches_workflow:
            result = command(ctx)
            case.updated_at = clock.now()  # bumps lock_version: the case changed
            _observed(ctx)
            return result
        return _run_and_save(ctx, command)

    return run_in_transaction(govflow.db, _bounded(govflow, work))


def _bounded(govflow: Govflow, work: Callable[[Session], T]) -> Callable[[Session], T]:
    """``work`` under the bounds of the settings (``engine.bounds``)."""
    limits = Bounds.of(govflow.settings)

    def bounded(session: Session) -> T:
        with bounds.applied(limits):
            return work(session)

    return bounded


def start(
    govflow: Govflow,
    actor: Principal,
    open_case: Callable[[Session], tuple[Case, ProcessDefinition]],
    command: Callable[[CommandContext], T],
) -> T:
    """Run ``command`` on a case ``open_case`` adds in this same transaction (a new case,
    with a new workflow of its definition), then advance and save it as ``execute`` does."""

    def work(session: Session) -> T:
        case, definition = open_case(session)
        tree = call_tree(session, case, definition)
        workflow = new_workflow(tree.parsed)
        ctx = CommandContext(session, actor, case, definition, workflow, tree, govflow=govflow)
        return _run_and_save(ctx, command)

    return run_in_transaction(govflow.db, _bounded(govflow, work))


def _run_and_save(ctx: CommandContext, command: Callable[[CommandContext], T]) -> T:
    result = command(ctx)
    ctx.advance()
    ctx.save()
    _observed(ctx)
    return result


def _observed(ctx: CommandContext) -> None:
    """Tell the observers of the engine context (the statistics) what the command did."""
    for observer in ctx.govflow.case_observers:
        observer(ctx.session, ctx.case, ctx.definition)


def read(
    govflow: Govflow,
    case_id: int,
    actor: Principal,
    query: Callable[[CaseReading], T],
) -> T:
    """Run ``query`` on the case's workflow as it stands, in a read-only session: nothing
    is locked, advanced or saved."""
    with read_only(govflow.db) as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound("no such case")
        definition = deployed_definition(session, case.definition_id)
        tree = call_tree(session, case, definition)
        workflow = stored_workflow(case, tree.parsed)
        return query(CaseReading(session, actor, case, definition, workflow, tree))
