"""Whose records a case may pull: its verified parties only.

The applicant is the signed-in person (or the person a window clerk checked at the
counter); every other party the application names confirms with their own sign-in.
Registers answer a case only about these people: a lookup keyed by an unconfirmed
party's ID number is not made at all (``awaiting_party``), and a record found by another
key (a certificate or contract number) whose subject is nobody confirmed on the case is
withheld (``not_a_party``) and the refusal logged — otherwise typing a stranger's
certificate number would show their name, address and price (issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from .. import unflushed
from ..models import Case, CaseParty


@dataclass(frozen=True)
class Standing:
    """The case's parties as a pull sees them."""

    confirmed: frozenset[str]
    #: application field holding an unconfirmed party's ID number → that party's role
    waiting: dict[str, str] = field(default_factory=dict)

    def may_ask_by(self, subject_field: str) -> bool:
        return subject_field not in self.waiting

    def may_receive(self, subject_id_number: str | None) -> bool:
        """A record about nobody in particular (no subject) is not personal data."""
        return subject_id_number is None or subject_id_number in self.confirmed


@cache
def _parties_of_case() -> Select:
    """Built once (SQL expressions are immutable); the case is bound at each run."""
    return select(CaseParty).where(CaseParty.case_id == bindparam("case_id"))


def standing(session: Session, case: Case) -> Standing:
    confirmed = {case.applicant_id_number}
    waiting: dict[str, str] = {}
    # Without flushing the command so far (``unflushed``): its parties count as it has them.
    case_id = case.id
    parties = unflushed.rows(
        session,
        CaseParty,
        _parties_of_case(),
        lambda p: p.case_id == case_id,
        params={"case_id": case_id},
    )
    for party in parties:
        if party.confirmed_at is not None:
            confirmed.add(party.id_number)
        else:
            waiting[party.id_field] = party.role
    return Standing(frozenset(confirmed), waiting)
