"""Pages of notices (文书), the inbox and extensions (延期).

The bell with the unread count is on every page (base.html reads ``inbox_unread``); a
case's notices and extensions are shown on the case and task pages through the helpers
this blueprint adds to every template, so those views need not change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import GovflowError, NotFound
from engine.services import notices as service
from engine.verbs import extensions

from .common import current_user, engine, login_required, principal, safe_next
from .verbs import _act, problem

bp = Blueprint("notices", __name__)

HEADS = ("supervisor", "admin")

NOTIFICATION_KINDS = {
    "case_accepted": _l("Accepted"),
    "supplement_requested": _l("Supplement requested"),
    "case_refused": _l("Not accepted"),
    "case_extended": _l("Extended"),
    "case_concluded": _l("Concluded"),
    "rating_invitation": _l("Please rate"),
    "deadline_warning": _l("Due soon"),
    "deadline_overdue": _l("Overdue"),
    "bad_rating": _l("Bad rating"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_refused": _l("Extension refused"),
}
#: The titles of the notifications the engine writes without one and names by their kind
#: alone (deadline warnings and overdue notices, bad ratings; ``engine.notices.inbox``
#: gives the API their Chinese title): shown in the reader's language.  The Chinese of
#: each is the API's title, so a page in Chinese says what the API says.
NOTIFICATION_TITLES = {
    "deadline_warning": _l("Time limit warning"),
    "deadline_overdue": _l("Overdue"),
    "bad_rating": _l("Bad rating to rectify"),
}
EXTENSION_STATUS = {
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "refused": _l("Not approved"),
    "expired": _l("Expired"),
}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def inbox_unread() -> int:
        if current_user() is None:
            return 0
        if "_inbox_unread" not in g:
            g._inbox_unread = service.unread_count(engine(), principal())
        return g._inbox_unread

    def notices_of(case_id: int) -> list[dict[str, Any]]:
        try:
            return service.case_notices(engine(), principal(), case_id)[0]
        except NotFound:  # a party who is not the applicant: the notices are not theirs
            return []

    def extensions_of(case_id: int) -> list[dict[str, Any]]:
        return extensions.case_extensions(engine(), principal(), case_id)

    def notification_title(item: dict[str, Any]) -> str:
        titled = NOTIFICATION_TITLES.get(item["kind"])
        return str(titled) if titled is not None else item["title"]

    return {
        "notification_title": notification_title,
        "inbox_unread": inbox_unread,
        "notices_of": notices_of,
        "extensions_of": extensions_of,
        "my_notices": lambda: service.my_notices(engine(), principal()),
        "extended_cases": lambda ids: extensions.extended_cases(engine(), ids),
        "NOTIFICATION_KINDS": NOTIFICATION_KINDS,
        "EXTENSION_STATUS": EXTENSION_STATUS,
        "extension_max_days": engine().settings.extension_max_days,
    }


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else 1


@bp.get("/inbox")
@login_required()
def inbox():  # noqa: ANN201
    unread = request.args.get("unread") == "true"
    page, per_page = _page(), 30
    items, total = service.my_notifications(
        engine(), principal(), unread=unread, page=page, per_page=per_page
    )
    return render_template(
        "notices/inbox.html", items=items, total=total, page=page, per_page=per_page, unread=unread
    )


@bp.post("/inbox/<id:notification_id>/read")
@login_required()
def read(notification_id: int):  # noqa: ANN201
    service.read_notification(engine(), principal(), notification_id)
    return redirect(safe_next(request.form.get("next")) or url_for(".inbox"))


@bp.get("/cases/<id:case_id>/notices/<id:notice_id>")
@login_required()
def notice_pdf(case_id: int, notice_id: int):  # noqa: ANN201
    filename, document = service.notice_pdf(engine(), principal(), case_id, notice_id)
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.post("/cases/<id:case_id>/extensions")
@login_required("clerk")
def request_extension(case_id: int):  # noqa: ANN201
    back = safe_next(request.form.get("next")) or url_for("cases.case", case_id=case_id)
    raw_days = request.form.get("working_days", "").strip()
    days: Any = int(raw_days) if raw_days.isdigit() and len(raw_days) < 4 else raw_days

    def action() -> None:
        extensions.request_extension(
            engine(),
            principal(),
            case_id,
            request.form.get("reason", ""),
            days,
            request.form.get("task_id") or None,
        )

    return _act(action, back, _("The extension request was sent to the head of your department."))


@bp.get("/extensions")
@login_required(*HEADS)
def extension_list():  # noqa: ANN201
    status = request.args.get("status", "pending")
    status = status if status in EXTENSION_STATUS else "pending"
    page, per_page = _page(), 30
    items, total = extensions.list_extensions(engine(), principal(), status, page, per_page)
    return render_template(
        "notices/extensions.html",
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        status=status,
    )


@bp.post("/extensions/<id:extension_id>/decision")
@login_required(*HEADS)
def decide(extension_id: int):  # noqa: ANN201
    approved = request.form.get("approved") == "true"
    back = url_for(".extension_list")
    try:
        extensions.decide(engine(), principal(), extension_id, approved, request.form.get("note"))
    except NotFound:
        raise
    except GovflowError as exc:
        flash(problem(exc), "error")
        return redirect(back)
    flash(
        _("Approved: the limits moved and the applicant receives the notice of extension.")
        if approved
        else _("Refused: nothing changes."),
        "success",
    )
    return redirect(back)
