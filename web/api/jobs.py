"""Jobs (admin): the queue of outbound calls, its state for administrators."""

from __future__ import annotations

from flask import Blueprint

from engine.services import jobs as service

from ..schemas.base import page_of as page_schema
from ..schemas.jobs import Job, JobFilters
from .common import authenticated, caller, engine, page_of, paging
from .operation import operation, query

bp = Blueprint("jobs", __name__)
_TAG = "jobs"


@bp.get("/admin/jobs")
@authenticated
@operation(
    "Outbound calls queued, being made, done or failed, newest first (admin)",
    tag=_TAG,
    query=JobFilters,
    answer=page_schema(Job),
    errors=(403,),
)
def list_jobs():  # noqa: ANN201
    page, per_page = paging()
    filters = query()
    items, total = service.list_jobs(
        engine(),
        caller(),
        state=filters.get("state"),
        case_id=filters.get("case_id"),
        kind=filters.get("kind"),
        page=page,
        per_page=per_page,
    )
    return page_of(items, total, page, per_page)
