"""Sharing requests (共享申请) on the pages: the designer's button on the definition page,
and the provider department's list where its clerks and supervisors approve or refuse.

Forms become the API's payloads and go to the same service (``sharing_requests``), so the
page refuses what the API refuses."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from engine.errors import GovflowError
from engine.services import sharing_requests as service

from .common import current_user, engine, login_required, principal
from .verbs import problem

bp = Blueprint("sharing", __name__)

DECIDERS = service.DECIDERS

#: What the page says for the service's own refusals.
REFUSALS = {
    "purpose_accepted": lazy_gettext("The provider already accepts this purpose."),
    "sharing_request_open": lazy_gettext("A request for this purpose is already open."),
    "not_shared": lazy_gettext("This provider is not shared: no purpose can be granted."),
    "already_decided": lazy_gettext("This request has already been decided."),
}


def _said(exc: GovflowError) -> str:
    return str(REFUSALS[exc.code]) if exc.code in REFUSALS else problem(exc)


@bp.app_context_processor
def _open_requests():  # noqa: ANN202
    """``may_decide_sharing()``: may the signed-in user open the 共享申请 page (its
    navigation link); ``open_sharing_requests()``: how many wait for their department
    (the link's count and the worklist's banner; 0 for anyone else), counted once a
    request."""

    def may_decide_sharing() -> bool:
        return current_user() is not None and principal().has(*DECIDERS)

    def open_sharing_requests() -> int:
        if not may_decide_sharing():
            return 0
        if "_open_sharing_requests" not in g:
            g._open_sharing_requests = service.count_open(engine(), principal())
        return g._open_sharing_requests

    return {
        "may_decide_sharing": may_decide_sharing,
        "open_sharing_requests": open_sharing_requests,
    }


@bp.post("/designer/definitions/<key>/sharing-requests")
@login_required("designer", "admin")
def file_request(key: str):  # noqa: ANN201
    form = request.form
    try:
        service.file_request(
            engine(),
            principal(),
            form.get("provider", ""),
            {"purpose": form.get("purpose", ""), "reason": form.get("reason", "")},
        )
    except GovflowError as exc:
        flash(_said(exc), "error")
    else:
        flash(_("The request was sent to the provider's department."), "success")
    return redirect(url_for("designer.definition", key=key) + "#sharing")


@bp.get("/sharing-requests")
@login_required(*DECIDERS)
def requests_page():  # noqa: ANN201
    status = request.args.get("status", "open")
    if status not in ("open", "approved", "refused"):
        status = "open"
    items = service.list_requests(engine(), principal(), status=status)
    return render_template("sharing/requests.html", items=items, status=status)


@bp.post("/sharing-requests/<id:request_id>/decision")
@login_required(*DECIDERS)
def decide(request_id: int):  # noqa: ANN201
    decision = request.form.get("decision", "")
    if decision not in ("approve", "refuse"):
        flash(_("Choose to approve or to refuse."), "error")
        return redirect(url_for(".requests_page"))
    try:
        service.decide(
            engine(),
            principal(),
            request_id,
            {"decision": decision, "reason": request.form.get("reason", "")},
        )
    except GovflowError as exc:
        flash(_said(exc), "error")
    else:
        if decision == "approve":
            flash(_("Approved: the purpose is now accepted by the provider."), "success")
        else:
            flash(_("Refused; the designer is told your reason."), "success")
    return redirect(url_for(".requests_page"))
