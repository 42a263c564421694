"""The parties of a case confirm it with their own sign-in (共同申请, docs/SECURITY.md)."""

from __future__ import annotations

from flask import Blueprint

from engine.services import cases as case_service
from engine.services import parties as service

from .common import authenticated, caller, engine, page_of, paging

bp = Blueprint("parties", __name__)


@bp.post("/cases/<int:case_id>/confirmations")
@authenticated
def confirm(case_id: int):  # noqa: ANN201
    service.confirm(engine(), caller(), case_id)
    return case_service.get_case_json(engine(), caller(), case_id)


@bp.get("/me/confirmations")
@authenticated
def my_confirmations():  # noqa: ANN201
    page, per_page = paging()
    items, total = service.waiting_for(engine(), caller(), page, per_page)
    return page_of(items, total, page, per_page)
