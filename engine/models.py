"""The relational schema.

Two kinds of table live here.  *Truth*: definitions, cases (with the serialized workflow),
users, the audit trail and the data-access log.  *Projections*: ``task_rows`` — what the
worklists and dashboards read, rebuilt from the workflow inside the same transaction as
every command, so lists never deserialize a workflow.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from . import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC out, on SQLite (which keeps no offset) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    #: What the department does (``registry``, ``tax``), shared by its namesakes in every
    #: county; the columns below came with migration 0012 (the directory).
    kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The department above it (province → city → county); None at the top.
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("departments.code"), nullable=True, index=True
    )
    #: 行政区划代码 (GB/T 2260) of the area it serves: 6 digits, or 9/12 below the county.
    division: Mapped[str | None] = mapped_column(String(12), nullable=True)
    #: A deactivated department keeps its history but receives no new work.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(Json, default=list)
    department_code: Mapped[str | None] = mapped_column(
        ForeignKey("departments.code"), nullable=True
    )
    id_number: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: Where e-mail notifications go (migration 0023, outbound); SMS go to ``phone``.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: Set when an administrator resets the password: nothing but changing it is allowed
    #: until the user does (migration 0012).
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The browser session the token was issued to (the request carried its cookie):
    #: signing out on the page ends the token with it.  None for other clients.
    page_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("page_sessions.id", ondelete="CASCADE"), nullable=True, index=True
    )


class ProcessDefinition(Base):
    """One deployed version of a composite matter's process."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_process_definitions_key_version"),
        UniqueConstraint("key", "sha256", name="uq_process_definitions_key_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    #: ``[{"name": file name, "xml": text}]`` of the DMN files deployed with it.
    dmn_files: Mapped[list[dict[str, str]]] = mapped_column(Json, default=list)
    #: Form definitions uploaded with this version (shipped forms are not copied).
    forms: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    #: What deploy learnt from the XML: departments, user tasks, limits, service tasks.
    meta: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    deployed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: ``current`` (new cases start on it), ``superseded`` (an older approved version) or
    #: ``pending_approval`` (a new version of a key with cases, waiting for a second pair
    #: of eyes: ``definitions.approval``); added by migration 0013 (version approval).
    status: Mapped[str] = mapped_column(String(20), default="current", server_default="current")
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BpmnModel(Base):
    """Every well-formed BPMN file ever uploaded, deployable or not, kept for viewing."""

    __tablename__ = "bpmn_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(300))
    process_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    xml: Mapped[str] = mapped_column(Text)
    deployable: Mapped[bool] = mapped_column(Boolean, default=False)
    errors: Mapped[list[dict[str, str]]] = mapped_column(Json, default=list)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    uploaded_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class Case(Base):
    """One application for a composite matter (办件) — a process instance."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30), index=True)
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    applicant_id_number: Mapped[str] = mapped_column(String(18), index=True)
    applicant_name: Mapped[str] = mapped_column(String(100))
    started_by: Mapped[str] = mapped_column(String(80))
    #: Case data as the process sees it (application, shared data, task outcomes).
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: Where shared data came from: ``{"provider/field": {record_key, department, at, ...}}``.
    sources: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: The versions its call activities run: ``{key: {"version", "definition_id"}}``, pinned
    #: when a call of that key first starts (``runtime/called``); kept apart from ``data``,
    #: which an application could write.
    called_versions: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    #: SpiffWorkflow's serialized state, without the spec (rebuilt from the definition);
    #: empty once retention dropped it from a closed case (``workflow_dropped_at``).
    workflow_state: Mapped[str] = mapped_column(Text)
    #: Bumped by every command: a second writer holding a stale copy fails loudly.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Projections of the case's own limit (the promised one) for lists and dashboards.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When that limit turns yellow (migration 0006): with ``due_at``, what the shown state
    #: is derived from at read time (``deadlines.states``).
    warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The limit's stored state: ``paused``/``met``/``missed`` as they are; for a running
    #: limit, what was last announced (readers derive ok/warning/overdue from the instants).
    deadline_state: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    #: When the earliest BPMN timer of the workflow falls due (the scheduler's index).
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    #: 挂起: a supervisor halted the case (its clocks stop: an open ``suspension`` pause);
    #: added by migration 0004 (clerk verbs).
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Started by a window clerk for an applicant at the counter (代办 at 窗口), not online
    #: by the applicant; added by migration 0010 (sign-in security).
    started_at_window: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Why the case ended early: ``{"kind": "refused"|"terminated", "reasons", "by", "at"}``.
    closure: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    #: When retention dropped the serialized workflow of the closed case (it keeps its
    #: record, data, materials, notices, audit trail and access log); added by migration
    #: 0019 (retention).
    workflow_dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The administrative division (行政区划代码) the case is handled in: chosen on the
    #: application, else taken from the first pulled record that names one (the flat's,
    #: the company's premises); routes tasks naming a department kind (migration 0022).
    division: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)

    __mapper_args__ = {"version_id_col": lock_version}

    #: Not columns: facts the statement locking the case read with it for the command
    #: (``runtime.executor.case_facts``); None when not read.  Has a return left work to
    #: carry forward (``runtime.returned_work.work_to_carry``)?  Has the clock ever stopped?  The
    #: state of the calendar overrides (``deadlines.calendar_store.stamp_columns``), and of
    #: the providers' configurations (``shared_data.registry.stamp_columns``).
    work_to_carry = None
    ever_paused = None
    calendar_stamp = None
    provider_stamp = None


class CaseParty(Base):
    """A party of a case besides the applicant (the seller, a co-buyer, a shareholder), as
    the application names them; they confirm with their own sign-in (共同申请).  Until
    ``confirmed_at`` nothing is pulled about them (``shared_data.parties``).  Added by
    migration 0014 (case parties)."""

    __tablename__ = "case_parties"
    __table_args__ = (UniqueConstraint("case_id", "role", name="uq_case_parties_case_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    #: The application's fields that name them: masked for the applicant until they confirm.
    name_field: Mapped[str | None] = mapped_column(String(80), nullable=True)
    id_field: Mapped[str] = mapped_column(String(80))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Who confirmed: the party's own username, or the window clerk who checked them at
    #: the counter; the applicant themself is confirmed when the case starts.
    confirmed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class TaskRow(Base):
    """Projection of one human task of a case: what worklists read."""

    __tablename__ = "task_rows"
    __table_args__ = (
        Index("ix_task_rows_department_status", "department_code", "status"),
        Index("ix_task_rows_case_status", "case_id", "status"),
        Index("ix_task_rows_status_due_at", "status", "due_at"),
        Index(
            "ix_task_rows_queue",
            "department_code",
            "status",
            "due_at",
            "created_at",
            postgresql_include=["id", "kind"],
        ),
        Index(
            "ix_task_rows_other_groups",
            "other_groups",
            postgresql_using="gin",
            postgresql_ops={"other_groups": "jsonb_path_ops"},
        ),
        Index(
            "ix_task_rows_candidate_users",
            "candidate_users",
            postgresql_using="gin",
            postgresql_ops={"candidate_users": "jsonb_path_ops"},
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    #: ``bpmn`` for tasks of the process; other kinds (a shared-data dispute, a
    #: rectification after a bad rating) are created by commands, not by the workflow.
    kind: Mapped[str] = mapped_column(String(20), default="bpmn")
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    candidate_groups: Mapped[list[str]] = mapped_column(Json, default=list)
    candidate_users: Mapped[list[str]] = mapped_column(Json, default=list)
    #: Candidate departments after the first (``department_code``); almost always empty.
    #: Kept apart so a department's worklist is one index range, not a scan of every task
    #: that names the department anywhere.
    other_groups: Mapped[list[str]] = mapped_column(Json, default=list, server_default="[]")
    assignee: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    #: ready | claimed | completed | cancelled
    status: Mapped[str] = mapped_column(String(20))
    form_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: As on ``Case``: the instants decide a running limit's shown state (migration 0006).
    warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deadline_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    submission: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    #: 委派: who gets the task back when the delegate resolves it (migration 0004).
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: 催办: how many times it was urged.
    urge_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: What the receiving clerk should know: a return's reason, a transfer's, a delegation.
    notice: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)


#: The audit actions that hand a step to someone else (转办, 委派).
HANDOVER_ACTIONS = ("task_transferred", "task_delegated")
HANDOVER_CONDITION = "action IN ('task_transferred', 'task_delegated')"


class AuditEvent(Base):
    """Append-only audit trail of a case: who did what, when, with before/after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # 我委派的: the steps a clerk transferred or delegated, found by who did it; only
        # those two actions are indexed, so the trail's other writes pay nothing for it
        Index(
            "ix_audit_events_handovers",
            "actor",
            "at",
            postgresql_where=text(HANDOVER_CONDITION),
            sqlite_where=text(HANDOVER_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class SharedRecord(Base):
    """A record held by a department, served by a database-backed shared-data provider."""

    __tablename__ = "shared_records"
    __table_args__ = (
        UniqueConstraint("provider", "record_key", name="uq_shared_records_provider_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    record_key: Mapped[str] = mapped_column(String(200))
    #: A second way to find the record (a property by address, a company by name).
    search_key: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    subject_id_number: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class DataAccess(Base):
    """Append-only log of every pull of personal data (PIPL arts. 55–56)."""

    __tablename__ = "data_access_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True, nullable=True)
    provider: Mapped[str] = mapped_column(String(40))
    department_code: Mapped[str] = mapped_column(String(40))
    record_key: Mapped[str] = mapped_column(String(200))
    subject_id_number: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    fields: Mapped[list[str]] = mapped_column(Json, default=list)
    purpose: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(30))
    #: ``pull`` (fetched from a provider) or ``view`` (shown to a person in clear);
    #: added by migration 0003 (shared data).
    kind: Mapped[str] = mapped_column(String(10), default="pull", server_default="pull")
    actor_department: Mapped[str | None] = mapped_column(String(40), nullable=True)


class SchedulerHeartbeat(Base):
    """One row per scheduler process, stamped on every tick it runs: how ``/api/health``
    and the red banner tell a live scheduler from a dead one (a killed process writes no
    last words), and which of two schedulers is the active one (a stand-by never ticks)."""

    __tablename__ = "scheduler_heartbeats"

    #: ``host:pid`` of the process.
    process: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime)
