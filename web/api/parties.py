"""The parties of a case confirm it with their own sign-in (共同申请, docs/SECURITY.md)."""

from __future__ import annotations

from flask import Blueprint

from engine.services import cases as case_service
from engine.services import parties as service

from ..schemas.base import Paging
from ..schemas.base import page_of as page_schema
from ..schemas.cases import Case
from ..schemas.parties import Confirmation
from .common import authenticated, caller, engine, page_of, paging
from .operation import operation

bp = Blueprint("parties", __name__)
_TAG = "parties"


@bp.post("/cases/<id:case_id>/confirmations")
@authenticated
@operation(
    "A party the case names confirms it with their own sign-in (no body); the pulls that "
    "waited for them are made",
    tag=_TAG,
    answer=Case,
    errors=(403, 409),
)
def confirm(case_id: int):  # noqa: ANN201
    service.confirm(engine(), caller(), case_id)
    return case_service.get_case_json(engine(), caller(), case_id)


@bp.get("/me/confirmations")
@authenticated
@operation(
    "Cases naming the caller as a party who has not confirmed yet",
    tag=_TAG,
    query=Paging,
    answer=page_schema(Confirmation),
)
def my_confirmations():  # noqa: ANN201
    page, per_page = paging()
    items, total = service.waiting_for(engine(), caller(), page, per_page)
    return page_of(items, total, page, per_page)
