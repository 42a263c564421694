"""Designer pages: upload a BPMN (+ DMN, forms) with per-element deploy errors, the matters
and their versions, each definition's diagram with its user tasks, and moving running
cases to the current version (dry run, then migrate)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from engine.definitions.deploy import DeployRequest, Upload
from engine.errors import (
    BadRequest,
    Conflict,
    GovflowError,
    TooLarge,
    Undeployable,
    ValidationFailed,
)
from engine.services import case_migration, sharing_requests
from engine.services import definitions as service
from engine.services.serializers import definition_view

from ..deploy_messages import localized
from ..i18n import message
from .common import engine, login_required, principal, xml_response

bp = Blueprint("designer", __name__, url_prefix="/designer")

DESIGNERS = ("designer", "admin")


def _version_arg() -> int | None:
    raw = request.args.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise BadRequest("'version' must be a whole number")
    return int(raw)


def _in_page_language(problems: list[dict]) -> list[dict]:
    return localized(problems, "en" if str(get_locale()).startswith("en") else "zh")


def _home(status: int = 200, upload_error: dict | None = None):  # noqa: ANN202
    actor = principal()
    definitions = [definition_view(d) for d in service.latest_definitions(engine(), actor)]
    for view in definitions:
        view["versions"] = service.versions(engine(), view["key"])
    models = [service.model_view(m) for m in service.list_models(engine(), actor)][:10]
    page = render_template(
        "designer/home.html", definitions=definitions, models=models, upload_error=upload_error
    )
    return page, status


@bp.get("")
@login_required(*DESIGNERS)
def home():  # noqa: ANN201
    return _home()


def _upload(storage) -> Upload:  # noqa: ANN001
    return Upload(storage.filename or "upload", storage.read())


#: What a designer may draw, run or refused, each with a small example.
AUTHORING_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "PROCESS_AUTHORING.md"


@bp.get("/authoring")
@login_required(*DESIGNERS)
def authoring():  # noqa: ANN201
    """docs/PROCESS_AUTHORING.md as the upload page's guide (the text, escaped)."""
    text = AUTHORING_GUIDE.read_text(encoding="utf-8") if AUTHORING_GUIDE.exists() else ""
    return render_template("designer/authoring.html", text=text)


@bp.post("/deploy")
@login_required(*DESIGNERS)
def deploy():  # noqa: ANN201
    bpmn = request.files.get("file")
    if bpmn is None or not bpmn.filename:
        return _home(400, {"message": _("Choose a .bpmn file to upload.")})
    deploy_request = DeployRequest(
        bpmn=_upload(bpmn),
        dmn=[_upload(f) for f in request.files.getlist("dmn") if f.filename],
        forms=[_upload(f) for f in request.files.getlist("form") if f.filename],
    )
    filename = bpmn.filename
    try:
        outcome = service.deploy(engine(), principal(), deploy_request)
    except Undeployable as exc:
        error = {
            "filename": filename,
            "message": _("The process cannot be deployed. Fix these elements and upload again."),
            "elements": _in_page_language(exc.details.get("elements", [])),
            "model_id": exc.details.get("model_id"),
        }
        return _home(422, error)
    except TooLarge:
        return _home(413, {"filename": filename, "message": _("The file is too large.")})
    except BadRequest as exc:
        message = _("The file is not a valid BPMN 2.0 document.")
        if exc.details.get("line"):
            message = _(
                "The file is not well-formed XML: line %(line)s, column %(column)s (%(reason)s).",
                line=exc.details["line"],
                column=exc.details.get("column") or 1,
                reason=exc.message,
            )
        if exc.code != "invalid_bpmn":
            message = _("The upload could not be read: %(reason)s", reason=exc.message)
        return _home(400, {"filename": filename, "message": message})
    except GovflowError:
        raise
    definition = outcome.definition
    if outcome.created:
        flash(
            _(
                "Deployed %(key)s as version %(version)s.",
                key=definition.key,
                version=definition.version,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Identical to version %(version)s of %(key)s; nothing new was deployed.",
                key=definition.key,
                version=definition.version,
            ),
            "info",
        )
    return redirect(url_for(".definition", key=definition.key, version=definition.version))


@bp.get("/definitions/<key>")
@login_required(*DESIGNERS, "supervisor")
def definition(key: str):  # noqa: ANN201
    found = service.get_definition(engine(), principal(), key, _version_arg())
    view = definition_view(found)
    view["versions"] = service.versions(engine(), key)
    view["warnings"] = _in_page_language(view.get("warnings") or [])
    sharing_needed, sharing_history = sharing_requests.needed_for(engine(), found.meta or {})
    return render_template(
        "designer/definition.html",
        definition=view,
        sharing_needed=sharing_needed,
        sharing_history=sharing_history,
        diagram_url=url_for(".definition_xml", key=key, version=view["version"]),
    )


@bp.get("/definitions/<key>/diagram.xml")
@login_required(*DESIGNERS, "supervisor")
def definition_xml(key: str):  # noqa: ANN201
    found = service.get_definition(engine(), principal(), key, _version_arg())
    return xml_response(found.bpmn_xml)


@bp.get("/definitions/<key>/versions/<id:version>/approval")
@login_required(*DESIGNERS)
def approval(key: str, version: int):  # noqa: ANN201
    """The four-eyes review: what the version changes against the current one."""
    found, current, diff = service.approval_review(engine(), principal(), key, version)
    return render_template(
        "designer/approval.html",
        definition=definition_view(found),
        current=definition_view(current) if current else None,
        diff=diff,
        may_approve=found.status == "pending_approval"
        and found.deployed_by != principal().username,
    )


@bp.post("/definitions/<key>/versions/<id:version>/approval")
@login_required(*DESIGNERS)
def approve(key: str, version: int):  # noqa: ANN201
    service.approve(engine(), principal(), key, version)
    flash(_("Version %(version)s of %(key)s is now current.", key=key, version=version), "success")
    return redirect(url_for(".definition", key=key, version=version))


@bp.get("/models/<id:model_id>")
@login_required(*DESIGNERS)
def model(model_id: int):  # noqa: ANN201
    view = service.model_view(service.get_model(engine(), principal(), model_id))
    view["errors"] = _in_page_language(view.get("errors") or [])
    return render_template(
        "designer/model.html",
        model=view,
        diagram_url=url_for(".model_xml", model_id=model_id),
    )


@bp.get("/models/<id:model_id>/diagram.xml")
@login_required(*DESIGNERS)
def model_xml(model_id: int):  # noqa: ANN201
    found = service.get_model(engine(), principal(), model_id)
    return xml_response(found.xml)


def _mapping(text: str) -> dict[str, str]:
    """``old = new`` per line (blank lines ignored) → the API's ``mapping``."""
    mapping: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        old, sep, new = line.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise BadRequest(_("Write each mapping as: old element id = new element id"))
        mapping[old.strip()] = new.strip()
    return mapping


def _migration_page(key: str, form: dict, result: dict | None = None, error: str = ""):  # noqa: ANN202
    versions = service.versions(engine(), key)
    current = next((v["version"] for v in versions if v["status"] == "current"), None)
    page = render_template(
        "designer/migration.html",
        key=key,
        versions=versions,
        current=current,
        form=form,
        result=result,
        error=error,
    )
    return page


@bp.get("/definitions/<key>/migration")
@login_required(*DESIGNERS)
def migration(key: str):  # noqa: ANN201
    service.get_definition(engine(), principal(), key, None)  # 404 for an unknown key
    return _migration_page(key, {})


@bp.post("/definitions/<key>/migration")
@login_required(*DESIGNERS)
def migrate(key: str):  # noqa: ANN201
    """Dry run or migrate, as the button pressed says; the verdicts are the answer."""
    form = request.form.to_dict()
    dry_run = form.get("action") != "migrate"
    try:
        to_version = int(form.get("to_version", ""))
        from_version = int(form["from_version"]) if form.get("from_version") else None
    except ValueError:
        return _migration_page(key, form, error=_("Choose a version.")), 400
    try:
        result = case_migration.migrate_cases(
            engine(),
            principal(),
            key,
            case_migration.MigrationRequest(
                to_version=to_version,
                from_version=from_version,
                mapping=_mapping(form.get("mapping", "")),
                dry_run=dry_run,
            ),
        )
    except (BadRequest, Conflict, ValidationFailed) as exc:
        problems = [m for ms in exc.details.get("fields", {}).values() for m in ms]
        said = "; ".join([message(exc.code, exc.message), exc.message, *problems])
        return _migration_page(key, form, error=said), exc.status
    return _migration_page(key, form, result)
