"""The 补正 round trip as the clerk and the applicant read it.

A supplement request (``clock_stops.request_supplement``) lists items: one of the
matter's materials (``material`` names its code) or anything else the clerk names
("其他材料", no code).  The applicant answers each with a file — a material's under its
own code, any other item's under ``sup:<request id>:<item number>`` (from 1) — and the
whole request with a note (``clock_stops.answer_supplement``).

``rounds`` shows every request with, per item, the files that answer it and whether it
is answered; the reply note and corrected fields come from the closed request.
"""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import isoformat
from ..context import Govflow
from ..deadlines.models import CasePause
from ..errors import Conflict, NotFound
from ..models import Case
from ..principal import Principal
from ..reforms import deferrals
from ..runtime.executor import CommandContext, execute
from ..shared_data.models import MaterialUpload
from ..uow import read_only
from .access import get_visible_case
from .materials import upload_view
from .uploads import may_attach, read_upload, store

#: Files answering a requested item that is not one of the matter's materials.
ITEM_PREFIX = "sup:"


def item_code(request_id: int, number: int) -> str:
    return f"{ITEM_PREFIX}{request_id}:{number}"


def _answer_code(request: CasePause, number: int, item: dict[str, Any]) -> str:
    return item.get("material") or item_code(request.id, number)


def rounds(session: Session, case: Case, materials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every supplement request of the case, oldest first, each item with its answer."""
    requests = session.scalars(
        select(CasePause)
        .where(CasePause.case_id == case.id, CasePause.kind == "supplement")
        .order_by(CasePause.id)
    ).all()
    if not requests:
        return []
    uploads = session.scalars(
        select(MaterialUpload)
        .where(MaterialUpload.case_id == case.id, MaterialUpload.superseded.is_(False))
        .order_by(MaterialUpload.id)
    ).all()
    status = {m["code"]: m["status"] for m in materials}
    return [_round(request, uploads, status) for request in requests]


def _round(
    request: CasePause, uploads: list[MaterialUpload], status: dict[str, str]
) -> dict[str, Any]:
    def in_window(upload: MaterialUpload) -> bool:
        return upload.uploaded_at >= request.started_at and (
            request.ended_at is None or upload.uploaded_at <= request.ended_at
        )

    items = []
    for number, item in enumerate((request.details or {}).get("items") or [], start=1):
        code = _answer_code(request, number, item)
        files = [upload_view(u) for u in uploads if u.material_code == code and in_window(u)]
        # A material that shared data now provides (a corrected record) needs no file.
        answered = bool(files) or (bool(item.get("material")) and status.get(code) == "shared")
        items.append(
            {
                "number": number,
                "material": item.get("material"),
                "name": item.get("name"),
                "reason": item.get("reason"),
                "code": code,
                "answered": answered,
                "files": files,
            }
        )
    result = request.result or {}
    return {
        "id": request.id,
        "task_id": request.task_id,
        "department": (request.details or {}).get("department"),
        "requested_at": isoformat(request.started_at),
        "requested_by": request.started_by,
        "note": request.reason,
        "open": request.ended_at is None,
        "answered_at": isoformat(request.ended_at),
        "answered_by": request.ended_by,
        "reply": result.get("note") or None,
        "corrected": result.get("data") or {},
        "items": items,
        "unanswered": sum(1 for i in items if not i["answered"]),
    }


def upload_for_item(
    govflow: Govflow,
    actor: Principal,
    case_id: int,
    number: int,
    filename: str | None,
    stream: IO[bytes],
) -> dict[str, Any]:
    """A file answering item ``number`` (from 1) of the open supplement request; answers the item
    as ``rounds`` shows it.  A material's file is that material's upload."""
    with read_only(govflow.db) as session:
        get_visible_case(session, actor, case_id)  # 404 before reading a byte
    incoming = read_upload(govflow, filename, stream)

    def command(ctx: CommandContext) -> dict[str, Any]:
        may_attach(ctx)
        request = ctx.session.scalar(
            select(CasePause)
            .where(
                CasePause.case_id == ctx.case.id,
                CasePause.kind == "supplement",
                CasePause.ended_at.is_(None),
            )
            .order_by(CasePause.id.desc())
            .limit(1)
        )
        if request is None:
            raise Conflict("no supplement request is waiting", code="no_supplement_pending")
        items = (request.details or {}).get("items") or []
        if not 1 <= number <= len(items):
            raise NotFound("the supplement request has no such item")
        item = items[number - 1]
        code = _answer_code(request, number, item)
        upload = store(ctx, code, incoming, supplement_request=str(request.id), item=str(number))
        if item.get("material"):
            deferrals.material_arrived(ctx, code)  # 容缺: the material that was to follow
        return {
            "number": number,
            "material": item.get("material"),
            "name": item.get("name"),
            "reason": item.get("reason"),
            "code": code,
            "answered": True,
            "files": [upload_view(upload)],
        }

    return execute(govflow, case_id, actor, command, touches_workflow=False)
