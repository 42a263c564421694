"""A command reads its case's rows without flushing (``engine.unflushed``) and writes its
audit trail in one go at commit (``engine.audit``): what it sees and what it leaves behind
must be exactly what autoflush and per-event inserts gave."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import audit, unflushed
from engine.models import AuditEvent, TaskRow
from engine.principal import SYSTEM
from engine.uow import read_only, transaction
from tests.support import Api, property_application


def _open(case_id: int):  # noqa: ANN202
    return select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.status == "ready")


def test_rows_read_mid_command_are_the_rows_as_the_command_changed_them(api: Api, govflow):
    case_id = api.start_case("property_transfer", property_application())["id"]
    with transaction(govflow.db) as session:
        (ready,) = session.scalars(_open(case_id)).all()
        ready.status = "completed"  # not flushed: the database still says ready
        added = TaskRow(
            id="added-in-this-command",
            case_id=case_id,
            process_key="property_transfer",
            bpmn_id="x",
            name="x",
            status="ready",
        )
        session.add(added)
        seen = unflushed.rows(
            session, TaskRow, _open(case_id), lambda r: r.case_id == case_id and r.status == "ready"
        )
        assert seen == [added]  # the completed one gone, the new one there
        assert ready in session.dirty  # and nothing was flushed to find that out
        session.rollback()


def test_audit_events_are_written_at_commit_in_order_and_not_at_all_on_rollback(govflow):
    def count() -> int:
        with read_only(govflow.db) as session:
            return session.scalar(select(func.count()).select_from(AuditEvent))

    before = count()
    with pytest.raises(RuntimeError), transaction(govflow.db) as session:
        audit.record(session, SYSTEM, "first")
        raise RuntimeError("the command failed")
    assert count() == before
    with transaction(govflow.db) as session:
        for action in ("one", "two", "three"):
            audit.record(session, SYSTEM, action, step=action)
    with read_only(govflow.db) as session:
        written = session.scalars(
            select(AuditEvent).where(AuditEvent.id > 0).order_by(AuditEvent.id.desc()).limit(3)
        ).all()
    assert [e.action for e in reversed(written)] == ["one", "two", "three"]
    assert written[0].details == {"role": SYSTEM.primary_role, "step": "three"}
    assert count() == before + 3
