"""The job queue for administrators: outbound calls (exchange-platform pulls, e-mail and
SMS deliveries) waiting, being made, done or failed, with their attempts and last error."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from engine.services import jobs as service

from .common import engine, login_required, principal

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

PER_PAGE = 50
STATES = ("pending", "running", "done", "failed")
#: The kinds the page filters by: the pulls, and the deliveries (both channels).
KINDS = ("shared_data.pull", "deliver.")


@bp.get("")
@login_required("admin")
def job_list():  # noqa: ANN201
    state = request.args.get("state") if request.args.get("state") in STATES else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    items, total = service.list_jobs(
        engine(), principal(), state=state, kind=kind, page=page, per_page=PER_PAGE
    )
    counts = service.job_counts(engine(), principal())
    return render_template(
        "jobs/list.html",
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        state=state,
        kind=kind,
        counts=counts,
    )
