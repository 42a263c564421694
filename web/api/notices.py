"""Notices (文书) of a case, the caller's inbox, and extensions (延期) — API.md "Notices
and notifications"; the extension endpoints follow the contract's style."""

from __future__ import annotations

from flask import Blueprint, Response

from engine.services import notices as service
from engine.verbs import extensions

from ..schemas.base import Paging
from ..schemas.base import page_of as page_schema
from ..schemas.notices import (
    Extension,
    ExtensionDecision,
    ExtensionQuery,
    ExtensionRequest,
    NoticeItem,
    NotificationItem,
    NotificationQuery,
)
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query

bp = Blueprint("notices", __name__)
_PDF = {"application/pdf": {"type": "string", "format": "binary"}}


@bp.get("/cases/<id:case_id>/notices")
@authenticated
@operation(
    "The case's notices (文书), oldest first: its applicant, its clerks, supervisors and "
    "administrators; anyone else 404",
    tag="notices",
    query=Paging,
    answer=page_schema(NoticeItem),
    errors=(404,),
)
def case_notices(case_id: int):  # noqa: ANN201
    page, per_page = paging()
    items, total = service.case_notices(engine(), caller(), case_id, page, per_page)
    return page_of(items, total, page, per_page)


@bp.get("/cases/<id:case_id>/notices/<id:notice_id>")
@authenticated
@operation(
    "One notice as a PDF (numbered, sealed and dated; it never changes once issued)",
    tag="notices",
    produces=_PDF,
    errors=(404,),
)
def notice_pdf(case_id: int, notice_id: int):  # noqa: ANN201
    filename, document = service.notice_pdf(engine(), caller(), case_id, notice_id)
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/me/notifications")
@authenticated
@operation(
    "The caller's inbox, newest first (`unread=true`: only unread ones)",
    tag="notices",
    query=NotificationQuery,
    answer=page_schema(NotificationItem),
)
def my_notifications():  # noqa: ANN201
    page, per_page = paging()
    items, total = service.my_notifications(
        engine(), caller(), unread=query()["unread"], page=page, per_page=per_page
    )
    return page_of(items, total, page, per_page)


@bp.post("/me/notifications/<id:notification_id>/read")
@authenticated
@operation(
    "Mark one of the caller's notifications read (again: no change)",
    tag="notices",
    answer=NotificationItem,
    errors=(404,),
)
def read_notification(notification_id: int):  # noqa: ANN201
    return service.read_notification(engine(), caller(), notification_id)


@bp.post("/cases/<id:case_id>/extensions")
@authenticated
@operation(
    "延期: a clerk working on the case asks to extend its limits by some working days, "
    "with a reason; the head of their department decides",
    tag="extensions",
    body=ExtensionRequest,
    answer=Extension,
    status=201,
    errors=(403, 404, 409, 422),
)
def request_extension(case_id: int):  # noqa: ANN201
    given = body()
    created = extensions.request_extension(
        engine(),
        caller(),
        case_id,
        given.get("reason"),
        given.get("working_days"),
        given.get("task_id") or None,
    )
    return created, 201


@bp.get("/cases/<id:case_id>/extensions")
@authenticated
@operation(
    "The case's extension requests and their decisions, oldest first",
    tag="extensions",
    query=Paging,
    answer=page_schema(Extension),
    errors=(404,),
)
def case_extensions(case_id: int):  # noqa: ANN201
    items = extensions.case_extensions(engine(), caller(), case_id)
    page, per_page = paging()
    return page_of(items[(page - 1) * per_page : page * per_page], len(items), page, per_page)


@bp.get("/extensions")
@authenticated
@operation(
    "Extension requests of the caller's department (all for an administrator or a "
    "supervisor without one), newest first; `status=pending` is the head's worklist",
    tag="extensions",
    query=ExtensionQuery,
    answer=page_schema(Extension),
    errors=(403,),
)
def list_extensions():  # noqa: ANN201
    page, per_page = paging()
    items, total = extensions.list_extensions(
        engine(), caller(), query().get("status"), page, per_page
    )
    return page_of(items, total, page, per_page)


@bp.post("/extensions/<id:extension_id>/decision")
@authenticated
@operation(
    "The department head approves (the due instants move, the applicant gets a 延期告知书) "
    "or refuses (nothing changes) a pending request; 409 `extension_expired` when its case "
    "closed or its limit ran out first",
    tag="extensions",
    body=ExtensionDecision,
    answer=Extension,
    errors=(403, 404, 409, 422),
)
def decide_extension(extension_id: int):  # noqa: ANN201
    given = body()
    return extensions.decide(
        engine(), caller(), extension_id, given.get("approved"), given.get("note")
    )
