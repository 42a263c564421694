"""Incidents for administrators and supervisors: what the engine could not run on its
own, with a link to the case and, for administrators, a retry with a data fix."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import GovflowError, NotFound
from engine.services import incidents as service

from .common import engine, login_required, principal
from .verbs import problem

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

PER_PAGE = 50


@bp.get("")
@login_required("supervisor", "admin")
def incident_list():  # noqa: ANN201
    status = (
        request.args.get("status") if request.args.get("status") in service.STATUSES else "open"
    )
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    items, total = service.list_incidents(
        engine(), principal(), status=status, page=page, per_page=PER_PAGE
    )
    return render_template(
        "incidents/list.html",
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        status=status,
        may_retry=principal().has("admin"),
    )


@bp.post("/<id:incident_id>/retry")
@login_required("admin")
def retry(incident_id: int):  # noqa: ANN201
    back = url_for("incidents.incident_list")
    raw = (request.form.get("data") or "").strip()
    try:
        data = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        flash(_('The data fix is not valid JSON (e.g. {"amount": 5}).'), "error")
        return redirect(back)
    try:
        case_id = service.retry(engine(), principal(), incident_id, data)
    except NotFound:
        raise
    except GovflowError as exc:
        flash(problem(exc), "error")
        return redirect(back)
    still_open, _total = service.list_incidents(
        engine(), principal(), status="open", case_id=str(case_id)
    )
    if any(item["id"] == incident_id for item in still_open):
        flash(_("The step failed again; the incident stays open."), "error")
    else:
        flash(_("The step passed: case #%(case)s runs again.", case=case_id), "success")
    return redirect(back)
