"""Deploy command: validate an uploaded BPMN (+ DMN, forms), version it, store it.

Versioning: the sha256 of everything deployed together identifies a version.  The same
upload again answers the existing version (200); anything different becomes version N+1
(201).  Cases keep the version they started on.  A refused upload is still kept as a
*model* (``BpmnModel``) so its diagram can be viewed, but nothing is deployed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..bpmn_expressions import check_document
from ..db import Database
from ..errors import BadRequest, Forbidden, Undeployable
from ..forms import FormDefinition, FormDefinitionError, FormRegistry
from ..models import BpmnModel, Department, ProcessDefinition
from ..principal import Principal
from ..uow import run_in_transaction
from .checks import check_process
from .metadata import executable_processes
from .specs import SpecError, parse_process
from .xml_safety import parse_bpmn, parse_dmn


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass
class DeployRequest:
    bpmn: Upload
    dmn: list[Upload] = field(default_factory=list)
    forms: list[Upload] = field(default_factory=list)


@dataclass
class DeployOutcome:
    definition: ProcessDefinition
    created: bool


def _load_forms(uploads: list[Upload], shipped: FormRegistry) -> tuple[FormRegistry, list[dict]]:
    definitions = []
    for upload in uploads:
        try:
            raw = json.loads(upload.data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"form file '{upload.filename}' is not JSON: {exc}") from None
        try:
            definitions.append(FormDefinition.from_dict(raw))
        except FormDefinitionError as exc:
            raise Undeployable(
                "form definition is invalid",
                elements=[{"id": upload.filename, "message": str(exc)}],
            ) from None
    return shipped.with_extra(definitions), [d.to_dict() for d in definitions]


def _fingerprint(request: DeployRequest) -> str:
    digest = hashlib.sha256(request.bpmn.data)
    for upload in sorted(request.dmn, key=lambda u: u.data):
        digest.update(b"\0dmn\0" + upload.data)
    for upload in sorted(request.forms, key=lambda u: u.data):
        digest.update(b"\0form\0" + upload.data)
    return digest.hexdigest()


def _department_names(session: Session) -> dict[str, dict[str, str]]:
    return {d.code: {"zh": d.name_zh, "en": d.name_en} for d in session.scalars(select(Department))}


def _remember_model(
    db: Database,
    actor: Principal,
    request: DeployRequest,
    key: str | None,
    errors: list[dict[str, str]],
) -> None:
    """Keep the drawing (deployable or not) so designers can view what they uploaded."""
    sha = hashlib.sha256(request.bpmn.data).hexdigest()

    def work(session: Session) -> None:
        model = session.scalar(select(BpmnModel).where(BpmnModel.sha256 == sha))
        if model is None:
            model = BpmnModel(
                sha256=sha,
                filename=request.bpmn.filename[:300],
                xml=request.bpmn.data.decode("utf-8", "replace"),
                uploaded_by=actor.username,
                uploaded_at=clock.now(),
            )
            session.add(model)
        model.process_key = key
        model.deployable = not errors
        model.errors = errors

    run_in_transaction(db, work)


def deploy(
    db: Database,
    actor: Principal,
    request: DeployRequest,
    *,
    shipped_forms: FormRegistry,
    providers: set[str],
    max_bytes: int,
) -> DeployOutcome:
    if not actor.has("designer", "admin"):
        raise Forbidden("only process designers may deploy")
    bpmn_root = parse_bpmn(request.bpmn.data, max_bytes=max_bytes)
    dmn_roots = [parse_dmn(u.data, max_bytes=max_bytes) for u in request.dmn]
    forms, uploaded_forms = _load_forms(request.forms, shipped_forms)

    processes = executable_processes(bpmn_root)
    key = processes[0].get("id") if processes else None
    with db.read_session() as session:
        departments = _department_names(session)

    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    meta: dict[str, Any] = {}
    for root in (bpmn_root, *dmn_roots):
        errors.extend(check_document(root))
    if not processes:
        errors.append(
            (
                bpmn_root.get("id") or "definitions",
                'no executable process: mark the process isExecutable="true"',
            )
        )
    else:
        for extra in processes[1:]:
            warnings.append((extra.get("id"), "only the first executable process is deployed"))
        checked = check_process(
            processes[0], departments=departments, forms=forms, providers=providers
        )
        errors.extend(checked.errors)
        warnings.extend(checked.warnings)
        meta = checked.meta
        if not errors:
            try:
                parse_process(bpmn_root, dmn_roots, key)
            except SpecError as exc:
                errors.append((exc.element or key, exc.message))

    element_errors = [{"id": eid or "definitions", "message": msg} for eid, msg in errors]
    _remember_model(db, actor, request, key, element_errors)
    if element_errors:
        raise Undeployable("the BPMN cannot be deployed", elements=element_errors)

    meta["warnings"] = [{"id": eid, "message": msg} for eid, msg in warnings]
    meta["start_form_definition"] = (
        forms.get(meta["start_form"]).to_dict() if meta.get("start_form") else None
    )
    sha = _fingerprint(request)

    def store(session: Session) -> DeployOutcome:
        existing = session.scalar(
            select(ProcessDefinition).where(
                ProcessDefinition.key == key, ProcessDefinition.sha256 == sha
            )
        )
        if existing is not None:
            return DeployOutcome(existing, created=False)
        latest = session.scalar(
            select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key)
        )
        definition = ProcessDefinition(
            key=key,
            version=(latest or 0) + 1,
            name=meta["name"],
            sha256=sha,
            bpmn_xml=request.bpmn.data.decode("utf-8"),
            dmn_files=[{"name": u.filename, "xml": u.data.decode("utf-8")} for u in request.dmn],
            forms=uploaded_forms,
            meta=meta,
            deployed_at=clock.now(),
            deployed_by=actor.username,
        )
        session.add(definition)
        session.flush()
        audit.record(
            session, actor, "definition_deployed", key=key, version=definition.version, sha256=sha
        )
        return DeployOutcome(definition, created=True)

    return run_in_transaction(db, store)
