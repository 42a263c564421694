"""Shared data over HTTP: the provider registry, the catalogue, materials and uploads,
disputes, and the data-access log (docs/SHARED_DATA.md)."""

from __future__ import annotations

from flask import Blueprint

from engine.services import (
    access_log,
    disputes,
    failed_pulls,
    providers,
    sharing_requests,
    uploads,
)
from engine.services.materials import catalogue

from ..schemas.base import Paging
from ..schemas.base import page_of as page_schema
from ..schemas.shared_data import (
    Access,
    AccessLogFilters,
    Dispute,
    FileSharingRequest,
    MaterialUpload,
    Matter,
    Provider,
    ProviderConfig,
    RaiseDispute,
    Refreshed,
    SharingDecision,
    SharingRequest,
    SharingRequestFilters,
    Transcribed,
    Transcription,
    UploadedMaterial,
)
from ..stored_files import stored_file_response
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query
from .parsing import uploaded_file

_TAG = "shared data"
_FILE = {
    kind: {"type": "string", "format": "binary"}
    for kind in ("application/pdf", "image/jpeg", "image/png")
}

bp = Blueprint("shared_data", __name__)


def _slice(items: list, page: int, per_page: int) -> dict:
    return page_of(items[(page - 1) * per_page : page * per_page], len(items), page, per_page)


# --- registry and catalogue ---------------------------------------------------------------
@bp.get("/shared-data/providers")
@authenticated
@operation(
    "Provider registry: department, fields, sharing class, purposes",
    tag=_TAG,
    query=Paging,
    answer=page_schema(Provider),
)
def list_providers():  # noqa: ANN201
    page, per_page = paging()
    items = providers.list_providers(engine(), caller())
    return _slice(items, page, per_page)


@bp.put("/shared-data/providers/<name>")
@authenticated
@operation(
    "Point a provider at an exchange-platform endpoint, or back at the table (admin)",
    tag=_TAG,
    body=ProviderConfig,
    answer=Provider,
    errors=(403, 404, 422),
)
def configure_provider(name: str):  # noqa: ANN201
    return providers.configure_provider(engine(), caller(), name, body())


# --- sharing requests (共享申请) -----------------------------------------------------------
@bp.post("/shared-data/providers/<name>/sharing-requests")
@authenticated
@operation(
    "Ask the provider's department to accept a matter's purpose (designer, admin)",
    tag=_TAG,
    body=FileSharingRequest,
    answer=SharingRequest,
    status=201,
    errors=(403, 404, 409, 422),
)
def file_sharing_request(name: str):  # noqa: ANN201
    return sharing_requests.file_request(engine(), caller(), name, body()), 201


@bp.get("/shared-data/sharing-requests")
@authenticated
@operation(
    "Sharing requests: every one for designers, the department's own for its clerks",
    tag=_TAG,
    query=SharingRequestFilters,
    answer=page_schema(SharingRequest),
    errors=(403,),
)
def list_sharing_requests():  # noqa: ANN201
    page, per_page = paging()
    filters = query()
    items = sharing_requests.list_requests(
        engine(),
        caller(),
        status=filters.get("status"),
        provider=filters.get("provider"),
        matter=filters.get("matter"),
    )
    return _slice(items, page, per_page)


@bp.get("/shared-data/sharing-requests/<id:request_id>")
@authenticated
@operation("One sharing request", tag=_TAG, answer=SharingRequest, errors=(403, 404))
def get_sharing_request(request_id: int):  # noqa: ANN201
    return sharing_requests.get_request(engine(), caller(), request_id)


@bp.post("/shared-data/sharing-requests/<id:request_id>/decision")
@authenticated
@operation(
    "Approve (the purpose is granted) or refuse with a reason (the provider's department)",
    tag=_TAG,
    body=SharingDecision,
    answer=SharingRequest,
    errors=(403, 404, 409, 422),
)
def decide_sharing_request(request_id: int):  # noqa: ANN201
    return sharing_requests.decide(engine(), caller(), request_id, body())


@bp.get("/catalogue")
@authenticated
@operation(
    "Matters with their materials: required / shared / uploaded",
    tag=_TAG,
    query=Paging,
    answer=page_schema(Matter),
)
def list_catalogue():  # noqa: ANN201
    page, per_page = paging()
    return _slice(catalogue(engine().providers), page, per_page)


# --- materials ----------------------------------------------------------------------------
@bp.post("/cases/<id:case_id>/materials/<code>")
@authenticated
@operation(
    "Upload a material shared data could not provide (PDF, JPEG, PNG)",
    tag=_TAG,
    multipart=MaterialUpload,
    answer=UploadedMaterial,
    status=201,
    errors=(403, 404, 409, 413),
)
def upload_material(case_id: int, code: str):  # noqa: ANN201
    file = uploaded_file()
    material = uploads.upload_material(
        engine(), caller(), case_id, code, file.filename, file.stream
    )
    return material, 201


@bp.get("/cases/<id:case_id>/materials/<code>/file")
@authenticated
@operation("Download an uploaded material", tag=_TAG, produces=_FILE, errors=(404,))
def download_material(case_id: int, code: str):  # noqa: ANN201
    return stored_file_response(uploads.material_file(engine(), caller(), case_id, code))


# --- records that arrive late ---------------------------------------------------------------
@bp.post("/cases/<id:case_id>/shared-data/refresh")
@authenticated
@operation(
    "Pull again every record that did not arrive (clerk handling the case)",
    tag=_TAG,
    answer=Refreshed,
    errors=(403, 404, 409),
)
def refresh_shared_data(case_id: int):  # noqa: ANN201
    return failed_pulls.refresh(engine(), caller(), case_id)


@bp.put("/cases/<id:case_id>/shared-data/<provider>/<field>")
@authenticated
@operation(
    "Enter a record's facts from the uploaded document (clerk handling the case)",
    tag=_TAG,
    body=Transcription,
    answer=Transcribed,
    errors=(403, 404, 409, 422),
)
def transcribe_record(case_id: int, provider: str, field: str):  # noqa: ANN201
    return failed_pulls.transcribe(engine(), caller(), case_id, provider, field, body())


# --- disputes -----------------------------------------------------------------------------
@bp.post("/cases/<id:case_id>/disputes")
@authenticated
@operation(
    "Flag a shared record as wrong; the owning department gets a task",
    tag=_TAG,
    body=RaiseDispute,
    answer=Dispute,
    status=201,
    errors=(403, 404, 409, 422),
)
def raise_dispute(case_id: int):  # noqa: ANN201
    dispute = body()
    return disputes.raise_dispute(
        engine(),
        caller(),
        case_id,
        dispute["provider"].strip(),
        dispute["subject_field"].strip(),
        dispute["reason"].strip(),
    ), 201


@bp.get("/cases/<id:case_id>/disputes")
@authenticated
@operation(
    "The case's disputes", tag=_TAG, query=Paging, answer=page_schema(Dispute), errors=(404,)
)
def list_disputes(case_id: int):  # noqa: ANN201
    page, per_page = paging()
    return _slice(disputes.list_disputes(engine(), caller(), case_id), page, per_page)


# --- the access log -------------------------------------------------------------------------
@bp.get("/audit/data-access")
@authenticated
@operation(
    "The data-access log: every pull and view of personal data (supervisor, admin)",
    tag=_TAG,
    query=AccessLogFilters,
    answer=page_schema(Access),
    errors=(403,),
)
def audit_data_access():  # noqa: ANN201
    page, per_page = paging()
    filters = query()
    items, total = access_log.audit_log(
        engine(),
        caller(),
        case_id=filters.get("case_id"),
        id_number=filters.get("id_number"),
        department=filters.get("department"),
        kind=filters.get("kind"),
        provider=filters.get("provider"),
        page=page,
        per_page=per_page,
    )
    return page_of(items, total, page, per_page)


@bp.get("/me/data-access")
@authenticated
@operation(
    "Who pulled or viewed the caller's personal data (applicants)",
    tag=_TAG,
    query=Paging,
    answer=page_schema(Access),
    errors=(403,),
)
def my_data_access():  # noqa: ANN201
    page, per_page = paging()
    items, total = access_log.my_log(engine(), caller(), page=page, per_page=per_page)
    return page_of(items, total, page, per_page)
