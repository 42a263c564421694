"""Shared data over HTTP: the provider registry, the catalogue, materials and uploads,
disputes, and the data-access log (docs/SHARED_DATA.md)."""

from __future__ import annotations

from flask import Blueprint, request, send_file

from engine.errors import BadRequest
from engine.services import access_log, disputes, failed_pulls, providers, uploads
from engine.services.materials import catalogue

from .common import authenticated, caller, engine, json_body, page_of, paging

bp = Blueprint("shared_data", __name__)


def _slice(items: list, page: int, per_page: int) -> dict:
    return page_of(items[(page - 1) * per_page : page * per_page], len(items), page, per_page)


# --- registry and catalogue ---------------------------------------------------------------
@bp.get("/shared-data/providers")
@authenticated
def list_providers():  # noqa: ANN201
    page, per_page = paging()
    items = providers.list_providers(engine(), caller())
    return _slice(items, page, per_page)


@bp.put("/shared-data/providers/<name>")
@authenticated
def configure_provider(name: str):  # noqa: ANN201
    body = json_body()
    return providers.configure_provider(engine(), caller(), name, body)


@bp.get("/catalogue")
@authenticated
def list_catalogue():  # noqa: ANN201
    page, per_page = paging()
    return _slice(catalogue(engine().providers), page, per_page)


# --- materials ----------------------------------------------------------------------------
@bp.post("/cases/<int:case_id>/materials/<code>")
@authenticated
def upload_material(case_id: int, code: str):  # noqa: ANN201
    file = request.files.get("file")
    if file is None:
        raise BadRequest("send the document as multipart form field 'file'")
    material = uploads.upload_material(
        engine(), caller(), case_id, code, file.filename, file.stream
    )
    return material, 201


@bp.get("/cases/<int:case_id>/materials/<code>/file")
@authenticated
def download_material(case_id: int, code: str):  # noqa: ANN201
    stored = uploads.material_file(engine(), caller(), case_id, code)
    response = send_file(
        stored.path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.filename,
        etag=stored.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- records that arrive late ---------------------------------------------------------------
@bp.post("/cases/<int:case_id>/shared-data/refresh")
@authenticated
def refresh_shared_data(case_id: int):  # noqa: ANN201
    return failed_pulls.refresh(engine(), caller(), case_id)


@bp.put("/cases/<int:case_id>/shared-data/<provider>/<field>")
@authenticated
def transcribe_record(case_id: int, provider: str, field: str):  # noqa: ANN201
    return failed_pulls.transcribe(engine(), caller(), case_id, provider, field, json_body())


# --- disputes -----------------------------------------------------------------------------
@bp.post("/cases/<int:case_id>/disputes")
@authenticated
def raise_dispute(case_id: int):  # noqa: ANN201
    return disputes.raise_dispute(engine(), caller(), case_id, json_body()), 201


@bp.get("/cases/<int:case_id>/disputes")
@authenticated
def list_disputes(case_id: int):  # noqa: ANN201
    page, per_page = paging()
    return _slice(disputes.list_disputes(engine(), caller(), case_id), page, per_page)


# --- the access log -------------------------------------------------------------------------
def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number") from None


@bp.get("/audit/data-access")
@authenticated
def audit_data_access():  # noqa: ANN201
    page, per_page = paging()
    items, total = access_log.audit_log(
        engine(),
        caller(),
        case_id=_int_arg("case_id"),
        id_number=request.args.get("id_number"),
        department=request.args.get("department"),
        kind=request.args.get("kind"),
        provider=request.args.get("provider"),
        page=page,
        per_page=per_page,
    )
    return page_of(items, total, page, per_page)


@bp.get("/me/data-access")
@authenticated
def my_data_access():  # noqa: ANN201
    page, per_page = paging()
    items, total = access_log.my_log(engine(), caller(), page=page, per_page=per_page)
    return page_of(items, total, page, per_page)
