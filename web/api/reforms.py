"""容缺受理 and 告知承诺制 (docs/REFORMS.md): the window defers materials, the applicant
signs pledges; supervisors read the credit records a false pledge leaves."""

from __future__ import annotations

from flask import Blueprint, request

from engine.reforms import deferrals, pledges

from ..schemas.base import Paging
from ..schemas.base import page_of as page_schema
from ..schemas.reforms import (
    CreditFilters,
    CreditRecord,
    Defer,
    DeferredMaterial,
    DeferredMaterials,
    Pledge,
    SignPledge,
)
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query

bp = Blueprint("reforms", __name__)
_TAG = "reforms"


def _slice(items: list) -> dict:
    """A case holds a handful of each: the list is read whole and paged here."""
    page, per_page = paging()
    return page_of(items[(page - 1) * per_page : page * per_page], len(items), page, per_page)


@bp.get("/cases/<id:case_id>/deferred-materials")
@authenticated
@operation(
    "The materials the window accepted the case without (容缺受理), and how each stands",
    tag=_TAG,
    query=Paging,
    answer=page_schema(DeferredMaterial),
    errors=(404,),
)
def list_deferred(case_id: int):  # noqa: ANN201
    return _slice(deferrals.list_deferrals(engine(), caller(), case_id))


@bp.post("/cases/<id:case_id>/deferred-materials")
@authenticated
@operation(
    "The window accepts with non-key materials to follow by a date (容缺受理); the "
    "applicant is told. Key or non-deferrable materials: 422",
    tag=_TAG,
    body=Defer,
    answer=DeferredMaterials,
    status=201,
    errors=(403, 404, 409, 422),
)
def defer(case_id: int):  # noqa: ANN201
    given = body()
    items = deferrals.defer(
        engine(),
        caller(),
        case_id,
        given["task_id"],
        given["materials"],
        given.get("working_days"),
    )
    return {"items": items}, 201


@bp.get("/cases/<id:case_id>/pledges")
@authenticated
@operation(
    "The pledges signed on the case (告知承诺制) and their checks",
    tag=_TAG,
    query=Paging,
    answer=page_schema(Pledge),
    errors=(404,),
)
def list_pledges(case_id: int):  # noqa: ANN201
    return _slice(pledges.list_pledges(engine(), caller(), case_id))


@bp.post("/cases/<id:case_id>/pledges")
@authenticated
@operation(
    "The applicant signs a written pledge instead of a certificate (告知承诺制); the text, "
    "their identity, the time and the address are kept. A material that allows none: 422",
    tag=_TAG,
    body=SignPledge,
    answer=Pledge,
    status=201,
    errors=(403, 404, 409, 422),
)
def sign_pledge(case_id: int):  # noqa: ANN201
    given = body()
    pledge = pledges.sign(
        engine(), caller(), case_id, given["material"], given["agreed"], request.remote_addr
    )
    return pledge, 201


@bp.get("/credit-records")
@authenticated
@operation(
    "Marks on credit records left by false pledges (supervisors and admins; an applicant "
    "reads their own)",
    tag=_TAG,
    query=CreditFilters,
    answer=page_schema(CreditRecord),
    errors=(403,),
)
def credit_records():  # noqa: ANN201
    page, per_page = paging()
    items, total = pledges.credit_records(
        engine(), caller(), query().get("id_number"), page, per_page
    )
    return page_of(items, total, page, per_page)
