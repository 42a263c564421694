"""The parties of a case besides the applicant, and their confirmations (共同申请).

A matter's catalogue (``processes/*/matter.json``, ``parties``) names the start-form fields
that hold each party's ID number and name.  Starting a case records them; the applicant
themself, when named, is confirmed at once (they are signed in, or checked at the
window).  Every other party confirms with their own sign-in: their confirmation is a
command on the case that also makes the pulls that waited for it
(``shared_data.parties``, ``exchange.repull``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.catalogue import CatalogueError, Party, get_matter

from .. import clock
from ..context import Govflow
from ..errors import NotFound
from ..masking import mask_id_number, mask_name
from ..models import Case, CaseParty
from ..principal import Principal
from ..runtime.executor import CommandContext, execute
from ..shared_data import exchange
from ..uow import read_only


def declared_parties(process_key: str) -> tuple[Party, ...]:
    """The matter's parties; an uploaded process outside the catalogue declares none."""
    try:
        return get_matter(process_key).parties
    except CatalogueError:
        return ()


def record_parties(
    session: Session, case: Case, application: dict[str, Any], starter: Principal
) -> None:
    """Name the case's parties from its application (in the starting transaction, flushed
    so the first pulls see them)."""
    now = clock.now()
    for party in declared_parties(case.process_key):
        id_number = str(application.get(party.id_field) or "").strip().upper()
        if not id_number:
            continue  # an optional party the application does not name
        name = str(application.get(party.name_field) or "") if party.name_field else ""
        is_applicant = id_number == case.applicant_id_number
        session.add(
            CaseParty(
                case_id=case.id,
                role=party.role,
                name=name[:100],
                id_number=id_number[:18],
                name_field=party.name_field,
                id_field=party.id_field,
                confirmed_at=now if is_applicant else None,
                confirmed_by=starter.username if is_applicant else None,
            )
        )
    session.flush()


def parties_of(session: Session, case_id: int) -> list[CaseParty]:
    return list(
        session.scalars(
            select(CaseParty).where(CaseParty.case_id == case_id).order_by(CaseParty.id)
        )
    )


def confirm(govflow: Govflow, actor: Principal, case_id: int) -> None:
    """The caller confirms the application as the party it names them as; 404 when it
    does not name them (as for any case they may not see).  Confirming twice changes
    nothing the second time."""
    if not actor.id_number:
        raise NotFound("no such case")
    with read_only(govflow.db) as session:
        named = session.scalar(
            select(func.count())
            .select_from(CaseParty)
            .where(CaseParty.case_id == case_id, CaseParty.id_number == actor.id_number)
        )
    if not named:
        raise NotFound("no such case")

    def command(ctx: CommandContext) -> None:
        mine = [
            p
            for p in parties_of(ctx.session, ctx.case.id)
            if p.id_number == actor.id_number and p.confirmed_at is None
        ]
        if not mine:
            return
        now = clock.now()
        for party in mine:
            party.confirmed_at = now
            party.confirmed_by = actor.username
        ctx.session.flush()  # the pulls below read who is confirmed
        ctx.audit("party_confirmed", roles=[p.role for p in mine])
        if ctx.case.status in ("running", "waiting_applicant"):
            fetches: list[exchange.Fetch] = []
            exchange.repull(
                ctx.session,
                ctx.govflow.providers,
                ctx.case,
                ctx.actor,
                ctx.workflow,
                ctx.service_tasks,
                outcomes=exchange.PARTY_OUTCOMES,
                fetches=fetches,
            )
            ctx.fetch_later(fetches)

    execute(govflow, case_id, actor, command)


def waiting_for(
    govflow: Govflow, actor: Principal, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    """Cases that name the caller as a party who has not confirmed yet, newest first."""
    if not actor.id_number:
        return [], 0
    query = (
        select(Case, CaseParty)
        .join(CaseParty, CaseParty.case_id == Case.id)
        .where(CaseParty.id_number == actor.id_number, CaseParty.confirmed_at.is_(None))
    )
    with read_only(govflow.db) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(Case.id.desc()).offset((page - 1) * per_page).limit(per_page)
        ).all()
        return [
            {
                "case_id": case.id,
                "process_key": case.process_key,
                "role": party.role,
                "status": case.status,
                "applicant": {
                    "name": mask_name(case.applicant_name),
                    "id_number": mask_id_number(case.applicant_id_number),
                },
                "created_at": clock.isoformat(case.created_at),
            }
            for case, party in rows
        ], total


def party_view(party: CaseParty, clear: bool) -> dict[str, Any]:
    return {
        "role": party.role,
        "name": party.name if clear else mask_name(party.name),
        "id_number": party.id_number if clear else mask_id_number(party.id_number),
        "confirmed_at": clock.isoformat(party.confirmed_at),
    }


def parties_block(
    session: Session, actor: Principal, case: Case, clear: bool, data: Any
) -> tuple[list[dict[str, Any]], Any]:
    """The case's ``parties`` for the caller, and its ``data`` with what the applicant
    typed about parties who have not confirmed masked for anyone but those parties and
    the case's clerks: naming a person must teach the applicant nothing about them."""
    rows = parties_of(session, case.id)
    shown = []
    hidden_fields: set[str] = set()
    for party in rows:
        own = actor.id_number is not None and actor.id_number == party.id_number
        handling_clerk = clear and actor.has("clerk")
        confirmed = party.confirmed_at is not None
        shown.append(party_view(party, own or handling_clerk or (clear and confirmed)))
        if not (own or handling_clerk or confirmed):
            hidden_fields.update(f for f in (party.id_field, party.name_field) if f)
    if hidden_fields and isinstance(data, dict):
        data = {k: _masked(k, v, rows) if k in hidden_fields else v for k, v in data.items()}
    return shown, data


def _masked(field: str, value: Any, rows: list[CaseParty]) -> Any:
    if not isinstance(value, str):
        return value
    is_id = any(p.id_field == field for p in rows)
    return mask_id_number(value) if is_id else mask_name(value)
