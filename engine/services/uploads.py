"""Materials the applicant uploads because shared data could not provide them.

Files are stored content-addressed under ``<data_dir>/uploads/<case id>/<sha256>``; the
database row keeps the name, type, size and checksum.  The type is decided by the file's
first bytes (PDF, JPEG, PNG), never by its name or the browser's word for it.

Who may upload: the case's applicant, or a clerk who handles the case (at the window, for
the applicant).  Who may download: the applicant, clerks of departments with tasks on the
case, supervisors and admins — every other caller is told the case does not exist (404).
Every download by someone other than the applicant is a view in the access log.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock, stored_files
from ..context import Govflow
from ..errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from ..models import Case, ProcessDefinition
from ..principal import Principal
from ..reforms import deferrals
from ..runtime.executor import CommandContext, execute
from ..shared_data.models import MaterialUpload
from ..uow import read_only
from . import disclosure
from .access import get_visible_case
from .materials import ATTACHMENT_PREFIX, case_materials, upload_view

#: Magic bytes → the only types accepted.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")

#: Where uploaded files live, under ``Settings.data_dir``.
UPLOADS = Path("uploads")


def stored_path(case_id: int, sha256: str) -> Path:
    """A file's place under ``data_dir``: ``uploads/<case id>/<sha256>``."""
    return UPLOADS / str(case_id) / sha256


@dataclass(frozen=True)
class StoredFile:
    path: Path
    filename: str
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)


def _clean_name(filename: str | None) -> str:
    name = _UNSAFE_NAME.sub("_", (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    return name.strip()[:200] or "upload"


def _read_limited(stream: IO[bytes], limit: int) -> bytes:
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"the file is larger than {limit // (1024 * 1024) or limit} MB", limit=limit)
    return content


def may_attach(ctx: CommandContext) -> None:
    """Files go to an open case, from its applicant or a clerk handling it."""
    actor, case = ctx.actor, ctx.case
    mine = actor.has("applicant") and actor.id_number == case.applicant_id_number
    if not mine and not actor.has("clerk"):  # a clerk sees the case: they handle it
        raise Forbidden("only the applicant or a clerk handling the case may upload materials")
    if case.status in ("completed", "terminated"):
        raise Conflict("the case is closed", code="case_closed")


@dataclass(frozen=True)
class Incoming:
    """An uploaded file read and checked, not stored yet."""

    filename: str
    content: bytes
    content_type: str
    sha256: str


def read_upload(govflow: Govflow, filename: str | None, stream: IO[bytes]) -> Incoming:
    """Read an upload within the size limit and decide its type by its first bytes."""
    content = _read_limited(stream, govflow.settings.max_upload_bytes)
    if not content:
        raise BadRequest("the file is empty", code="bad_request")
    content_type = sniff(content[:16])
    if content_type is None:
        raise BadRequest(
            "only PDF, JPEG and PNG files are accepted",
            code="unsupported_file_type",
            accepted=[kind for _magic, kind in _SIGNATURES],
        )
    digest = hashlib.sha256(content).hexdigest()
    return Incoming(_clean_name(filename), content, content_type, digest)


def store(ctx: CommandContext, code: str, incoming: Incoming, **audit: str) -> MaterialUpload:
    """Keep ``incoming`` as the case's current file under ``code`` (a material, or a form
    field's attachment), superseding the one before; in the command's transaction, after
    ``may_attach``.  The file is written after its row, and removed again if the command
    does not commit (``stored_files``)."""
    case = ctx.case
    ctx.session.execute(
        update(MaterialUpload)
        .where(MaterialUpload.case_id == case.id, MaterialUpload.material_code == code)
        .values(superseded=True)
    )
    relative = stored_path(case.id, incoming.sha256)
    upload = MaterialUpload(
        case_id=case.id,
        material_code=code,
        filename=incoming.filename,
        content_type=incoming.content_type,
        size=len(incoming.content),
        sha256=incoming.sha256,
        stored_path=relative.as_posix(),
        uploaded_by=ctx.actor.username,
        uploaded_at=clock.now(),
        superseded=False,
    )
    ctx.session.add(upload)
    ctx.session.flush()
    stored_files.write(ctx.session, ctx.govflow.settings.data_dir / relative, incoming.content)
    ctx.audit(
        "material_uploaded",
        material=code,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        **audit,
    )
    return upload


def upload_material(
    govflow: Govflow,
    actor: Principal,
    case_id: int,
    code: str,
    filename: str | None,
    stream: IO[bytes],
) -> dict:
    """Store an uploaded file for material ``code`` of the case; answer the material."""
    with read_only(govflow.db) as session:
        get_visible_case(session, actor, case_id)  # 404 before reading a byte
    incoming = read_upload(govflow, filename, stream)

    def command(ctx: CommandContext) -> dict:
        may_attach(ctx)
        material = uploadable(ctx, code)
        upload = store(ctx, code, incoming)
        deferrals.material_arrived(ctx, code)  # 容缺: the material that was to follow
        return {**material, "status": "uploaded", "action": "none", "upload": upload_view(upload)}

    return execute(govflow, case_id, actor, command, touches_workflow=False)


def uploadable(ctx: CommandContext, code: str) -> dict:
    """Material ``code`` of the locked case, when a file may be uploaded for it: the
    matter lists it (else 404) and shared data does not already provide it (409)."""
    material = _material(ctx.session, ctx.case, code)
    if material["status"] == "shared":
        raise Conflict(
            "shared data already provides this material; nothing to upload",
            code="material_shared",
        )
    return material


def attachment_code(task_id: str, field: str) -> str:
    return f"{ATTACHMENT_PREFIX}{task_id}:{field}"[:100]


def _material(session: Session, case: Case, code: str) -> dict:
    definition = session.get(ProcessDefinition, case.definition_id)
    for material in case_materials(case, definition, session):
        if material["code"] == code:
            return material
    raise NotFound(f"the matter has no material '{code}'")


def material_file(govflow: Govflow, actor: Principal, case_id: int, code: str) -> StoredFile:
    """The current upload of material ``code``, for a caller who may see it."""
    with read_only(govflow.db) as session:
        case = get_visible_case(session, actor, case_id)
        if _a_party_only(actor, case):  # sees the case to confirm it, not the documents
            raise NotFound("no file uploaded for this material")
        upload = session.scalar(
            select(MaterialUpload)
            .where(
                MaterialUpload.case_id == case.id,
                MaterialUpload.material_code == code,
                MaterialUpload.superseded.is_(False),
            )
            .order_by(MaterialUpload.id.desc())
            .limit(1)
        )
        if upload is None:
            raise NotFound("no file uploaded for this material")
        path = govflow.settings.data_dir / upload.stored_path
        if not path.is_file():
            raise NotFound("the stored file is missing")
        if not (actor.has("applicant") and actor.id_number == case.applicant_id_number):
            purpose = disclosure.view_purpose(session, actor, case, None)
            disclosure.log_material_view(govflow, actor, case, code, purpose)
        return StoredFile(path, upload.filename, upload.content_type, upload.size, upload.sha256)


def _a_party_only(actor: Principal, case: Case) -> bool:
    """Another party of the case (the seller), seeing it as a citizen, not as staff."""
    return (
        actor.has("applicant")
        and not actor.has("clerk", "supervisor", "admin")
        and actor.id_number != case.applicant_id_number
    )
