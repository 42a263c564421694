"""Pages of the reforms (docs/REFORMS.md): the window defers materials at acceptance
(容缺受理); the applicant signs a pledge instead of a certificate (告知承诺制).  Uploading a
deferred material is the case page's ordinary upload.  The page sections are templates
of their own (``reforms/``) that the task and case pages include."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from engine.errors import Conflict, ValidationFailed
from engine.reforms import deferrals, pledges
from engine.reforms.common import terms
from engine.services import tasks as task_service

from .common import engine, login_required, principal

bp = Blueprint("reforms", __name__)


@bp.app_template_global("reform_terms")
def reform_terms(process_key: str) -> dict[str, Any]:
    return terms(process_key)


def _problems(exc: ValidationFailed) -> str:
    fields = exc.details.get("fields") or {}
    return "; ".join(m for messages in fields.values() for m in messages) or exc.message


@bp.post("/tasks/<task_id>/defer")
@login_required("clerk", "admin")
def defer(task_id: str):  # noqa: ANN201
    """容缺受理: the ticked materials follow within the working days given."""
    back = url_for("clerk.task", task_id=task_id) + "#deferral"
    row = task_service.get_task(engine(), principal(), task_id)
    codes = request.form.getlist("material")
    raw_days = (request.form.get("working_days") or "").strip()
    if not codes:
        flash(_("Tick at least one material to follow."), "error")
        return redirect(back)
    if raw_days and not raw_days.isdigit():
        flash(_("The working days must be a whole number."), "error")
        return redirect(back)
    try:
        items = deferrals.defer(
            engine(), principal(), row.case_id, task_id, codes, int(raw_days) if raw_days else None
        )
    except ValidationFailed as exc:
        flash(_problems(exc), "error")
        return redirect(back)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(back)
    flash(
        _(
            "Accepted with %(n)s materials to follow by %(at)s; the applicant has been told. "
            "Now complete the acceptance.",
            n=len(items),
            at=items[0]["due_at"][:10],
        ),
        "success",
    )
    return redirect(url_for("clerk.task", task_id=task_id) + "#form")


@bp.post("/cases/<id:case_id>/pledges")
@login_required("applicant")
def sign_pledge(case_id: int):  # noqa: ANN201
    """告知承诺: the applicant signs the pledge shown for one material."""
    back = url_for("cases.case", case_id=case_id) + "#materials"
    code = request.form.get("material") or ""
    agreed = request.form.get("agreed") == "yes"
    if not agreed:
        flash(_("Tick that you have read the pledge and sign it."), "error")
        return redirect(back)
    try:
        pledges.sign(engine(), principal(), case_id, code, agreed, request.remote_addr)
    except ValidationFailed as exc:
        flash(_problems(exc), "error")
        return redirect(back)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(back)
    flash(_("Pledge signed. The department will check it after acceptance."), "success")
    return redirect(back)
