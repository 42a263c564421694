"""Pages for a person whose data a case touches: confirming a case that names them as a
party (共同申请), and who pulled or viewed their data (PIPL art. 35)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.services import access_log
from engine.services import parties as service

from .common import engine, login_required, principal

bp = Blueprint("parties", __name__)


@bp.post("/cases/<id:case_id>/confirm")
@login_required("applicant")
def confirm(case_id: int):  # noqa: ANN201
    service.confirm(engine(), principal(), case_id)
    flash(_("You confirmed the application. The departments may now use your records."), "success")
    return redirect(url_for("cases.case", case_id=case_id))


@bp.get("/me/data-access")
@login_required("applicant")
def data_access():  # noqa: ANN201
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    entries, total = access_log.my_log(engine(), principal(), page=page, per_page=50)
    return render_template(
        "applicant/data_access.html", entries=entries, total=total, page=page, per_page=50
    )


def waiting_confirmations() -> list[dict]:
    """The cases waiting for the signed-in person's confirmation (the applicant's home)."""
    items, _total = service.waiting_for(engine(), principal(), 1, 50)
    return items
