from __future__ import annotations

from flask import Blueprint, Response, request

from engine.definitions.deploy import DeployRequest, Upload
from engine.errors import BadRequest
from engine.services import case_migration
from engine.services import definitions as service
from engine.services.serializers import definition_view as engine_definition_view

from ..deploy_messages import localized
from ..i18n import asked_language
from ..schemas.base import Paging
from ..schemas.base import page_of as page_schema
from ..schemas.definitions import (
    Definition,
    Deploy,
    MigrationRequest,
    MigrationResult,
    Model,
    VersionQuery,
)
from .common import authenticated, caller, engine, page_of, paging
from .operation import body, operation, query

_XML = {"application/xml": {"type": "string"}}

bp = Blueprint("definitions", __name__)


def definition_view(definition) -> dict:  # noqa: ANN001
    """The definition's JSON, its deploy warnings in the language the request asks for."""
    view = engine_definition_view(definition)
    view["warnings"] = localized(view.get("warnings") or [], asked_language())
    return view


def _upload(storage) -> Upload:  # noqa: ANN001
    return Upload(storage.filename or "upload", storage.read())


@bp.post("/process-definitions")
@authenticated
@operation(
    "Deploy a BPMN (with DMN and form files) as a new version (201; 200 when identical "
    "to an existing version)",
    tag="definitions",
    multipart=Deploy,
    answer=Definition,
    status=201,
    also=(200,),
    errors=(403, 413, 422),
)
def deploy():  # noqa: ANN201
    if "file" not in request.files:
        raise BadRequest("multipart field 'file' (one .bpmn) is required")
    deploy_request = DeployRequest(
        bpmn=_upload(request.files["file"]),
        dmn=[_upload(f) for f in request.files.getlist("dmn")],
        forms=[_upload(f) for f in request.files.getlist("form")],
    )
    outcome = service.deploy(engine(), caller(), deploy_request)
    return definition_view(outcome.definition), 201 if outcome.created else 200


@bp.get("/process-definitions")
@authenticated
@operation(
    "Latest version of each process (not for a system account: 403)",
    tag="definitions",
    query=Paging,
    answer=page_schema(Definition),
    errors=(403,),
)
def list_definitions():  # noqa: ANN201
    page, per_page = paging()
    definitions = service.latest_definitions(engine(), caller())  # one row per key: few
    shown = definitions[(page - 1) * per_page : page * per_page]
    return page_of([definition_view(d) for d in shown], len(definitions), page, per_page)


def _version() -> int | None:
    return query().get("version")


@bp.get("/process-definitions/<key>")
@authenticated
@operation(
    "One process definition (the latest version unless ?version=N)",
    tag="definitions",
    query=VersionQuery,
    answer=Definition,
    errors=(404,),
)
def get_definition(key: str):  # noqa: ANN201
    definition = service.get_definition(engine(), caller(), key, _version())
    view = definition_view(definition)
    view["versions"] = service.versions(engine(), key)
    return view


@bp.get("/process-definitions/<key>/bpmn")
@authenticated
@operation(
    "The deployed BPMN XML",
    tag="definitions",
    query=VersionQuery,
    produces=_XML,
    errors=(404,),
)
def get_bpmn(key: str):  # noqa: ANN201
    definition = service.get_definition(engine(), caller(), key, _version())
    return Response(definition.bpmn_xml, mimetype="application/xml")


@bp.post("/process-definitions/<key>/versions/<id:version>/approve")
@authenticated
@operation(
    "Approve a pending version: it becomes current (admin, or a designer other than its uploader)",
    tag="definitions",
    answer=Definition,
    errors=(403, 409),
)
def approve(key: str, version: int):  # noqa: ANN201
    return definition_view(service.approve(engine(), caller(), key, version))


@bp.post("/process-definitions/<key>/migrations")
@authenticated
@operation(
    "Move running cases to the current version: a dry run lists per case whether it can "
    "move and what changes; the real run moves them, each in its own transaction "
    "(admin, designer)",
    tag="definitions",
    body=MigrationRequest,
    answer=MigrationResult,
    errors=(400, 403, 404, 409, 422),
)
def migrate_cases(key: str):  # noqa: ANN201
    request_ = case_migration.MigrationRequest(**body())
    return case_migration.migrate_cases(engine(), caller(), key, request_)


@bp.get("/models")
@authenticated
@operation(
    "Every uploaded BPMN file, deployable or not",
    tag="definitions",
    query=Paging,
    answer=page_schema(Model),
    errors=(403,),
)
def list_models():  # noqa: ANN201
    page, per_page = paging()
    models, total = service.models_page(engine(), caller(), page, per_page)
    return page_of([service.model_view(m) for m in models], total, page, per_page)


@bp.get("/models/<id:model_id>")
@authenticated
@operation(
    "One uploaded model with its deploy verdict", tag="definitions", answer=Model, errors=(403, 404)
)
def get_model(model_id: int):  # noqa: ANN201
    return service.model_view(service.get_model(engine(), caller(), model_id))


@bp.get("/models/<id:model_id>/bpmn")
@authenticated
@operation("An uploaded model's XML", tag="definitions", produces=_XML, errors=(403, 404))
def get_model_bpmn(model_id: int):  # noqa: ANN201
    model = service.get_model(engine(), caller(), model_id)
    return Response(model.xml, mimetype="application/xml")
