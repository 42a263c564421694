"""A pull inside the command that published or changed a record sees it, as if flushed.

The built-in providers read ``shared_records`` without flushing the command first
(``DatabaseProvider._newest``); these pin what that must not change: the newest record
wins, whether it is stored, just published, or stored and changed in this command."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import SharedRecord
from engine.shared_data.providers import BUILT_IN
from engine.uow import transaction

TAX = next(p for p in BUILT_IN if p.name == "tax_record")


def test_a_record_published_in_the_command_answers_its_pull(govflow):
    with transaction(govflow.db) as session:
        TAX.publish(session, "WS-UNFLUSHED-1", {"paid": True}, "110101199001011234")
        assert TAX.lookup(session, "WS-UNFLUSHED-1").data == {"paid": True}
        # found by the holder's ID number too, the newest of the holder's records
        TAX.publish(session, "WS-UNFLUSHED-2", {"paid": False}, "110101199001011234")
        found = TAX.lookup(session, "110101199001011234")
        assert (found.key, found.data) == ("WS-UNFLUSHED-2", {"paid": False})
        assert session.new  # nothing was flushed to answer
    with transaction(govflow.db) as session:
        stored = TAX.lookup(session, "110101199001011234")
        assert stored.key == "WS-UNFLUSHED-2"  # the same answer once stored


def test_a_stored_record_changed_in_the_command_answers_as_changed(govflow):
    with transaction(govflow.db) as session:
        TAX.publish(session, "WS-UNFLUSHED-3", {"paid": False}, "110101199001015678")
    with transaction(govflow.db) as session:
        TAX.publish(session, "WS-UNFLUSHED-3", {"paid": True}, "110101199001015678")
        assert TAX.lookup(session, "WS-UNFLUSHED-3").data == {"paid": True}
        # publishing the same key again in one command changes the one row
        TAX.publish(session, "WS-UNFLUSHED-3", {"paid": True, "amount": 1}, None)
        rows = session.scalars(
            select(SharedRecord).where(SharedRecord.record_key == "WS-UNFLUSHED-3")
        ).all()
        assert len(rows) == 1 and rows[0].data == {"paid": True, "amount": 1}


def test_a_record_removed_in_the_command_is_not_found(govflow):
    with transaction(govflow.db) as session:
        TAX.publish(session, "WS-UNFLUSHED-4", {"paid": True}, None)
    with transaction(govflow.db) as session:
        row = session.scalar(
            select(SharedRecord).where(SharedRecord.record_key == "WS-UNFLUSHED-4")
        )
        session.delete(row)
        assert TAX.lookup(session, "WS-UNFLUSHED-4") is None
