"""Deploy command: validate an uploaded BPMN (+ DMN, forms), version it, store it.

Versioning: the sha256 of everything deployed together identifies a version.  The same
upload again answers the existing version (200); anything different becomes version N+1
(201).  Cases keep the version they started on; a new version of a key that already has
cases waits for approval (``approval``).  A refused upload is still kept as a
*model* (``BpmnModel``) so its diagram can be viewed, but nothing is deployed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..bounds import Bounds
from ..bpmn_expressions import check_document
from ..db import Database
from ..errors import BadRequest, Forbidden, TooLarge, Undeployable
from ..forms import FormDefinition, FormDefinitionError, FormRegistry
from ..models import BpmnModel, Department, ProcessDefinition
from ..principal import Principal
from ..uow import read_only, run_in_transaction
from . import approval
from .call_activities import check_calls
from .checks import check_process
from .metadata import called_processes, executable_processes
from .specs import SpecError, parse_process
from .xml_safety import as_text, parse_bpmn, parse_dmn

#: Column sizes of ``ProcessDefinition.key`` / ``.name`` (PostgreSQL enforces them).
MAX_KEY_LENGTH = 200
MAX_NAME_LENGTH = 300


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


@dataclass
class _Forms:
    registry: FormRegistry
    uploaded: list[dict[str, Any]]
    errors: list[tuple[str, str]]
    warnings: list[tuple[str, str]]


def _load_forms(uploads: list[Upload], shipped: FormRegistry, max_bytes: int) -> _Forms:
    """Parse the uploaded form files.

    A file that is not JSON is a bad request; a JSON file that is not a valid definition
    is an element error named by its file name, so the designer hears about it together
    with the model's other problems (and the model is still kept for viewing).
    """
    definitions: list[FormDefinition] = []
    errors: list[tuple[str, str]] = []
    for upload in uploads:
        if len(upload.data) > max_bytes:
            raise TooLarge(f"form file larger than {max_bytes} bytes", limit=max_bytes)
        try:
            raw = json.loads(upload.data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"form file '{upload.filename}' is not JSON: {exc}") from None
        except RecursionError:
            raise BadRequest(f"form file '{upload.filename}' is nested too deeply") from None
        try:
            definition = FormDefinition.from_dict(raw)
        except FormDefinitionError as exc:
            errors.append((upload.filename, str(exc)))
            continue
        # FormRegistry.with_extra refuses two different definitions of one key; report it
        # here as the designer's mistake instead of letting it escape as a server error.
        if any(d.key == definition.key and d != definition for d in definitions):
            errors.append(
                (upload.filename, f"two different definitions of form '{definition.key}'")
            )
            continue
        definitions.append(definition)
    warnings = [
        (key, f"the uploaded form '{key}' replaces the shipped form of that key in this process")
        for key in shipped.overrides(definitions)
    ]
    registry = shipped.with_extra(definitions)
    return _Forms(registry, [d.to_dict() for d in definitions], errors, warnings)


def _fingerprint(request: DeployRequest) -> str:
    digest = hashlib.sha256(request.bpmn.data)
    for upload in sorted(request.dmn, key=lambda u: u.data):
        digest.update(b"\0dmn\0" + upload.data)
    for upload in sorted(request.forms, key=lambda u: u.data):
        digest.update(b"\0form\0" + upload.data)
    return digest.hexdigest()


def _department_names(session: Session) -> dict[str, dict[str, str]]:
    """Departments a model may name: every active one (a deactivated department takes no
    new work; one an administrator created a minute ago does)."""
    active = list(session.scalars(select(Department).where(Department.active.is_(True))))
    names = {d.code: {"zh": d.name_zh, "en": d.name_en} for d in active}
    # A kind (``registry``) names the department of that kind where each case is handled
    # (routed at run time, engine/directory/tree.py): one model serves every county.
    for kind in sorted({d.kind for d in active if d.kind} - set(names)):
        names[kind] = {"zh": kind, "en": kind}
    return names


def _calls_of_deployed(session: Session, key: str) -> list[str] | None:
    """The keys the current version of ``key`` calls, or None when it is not deployed."""
    definition = approval.current_definition(session, key)
    return None if definition is None else list(definition.meta.get("calls", []))


def _remember_model(
    db: Database,
    actor: Principal,
    request: DeployRequest,
    xml_text: str,
    key: str | None,
    errors: list[dict[str, str]],
) -> int:
    """Keep the drawing (deployable or not) so designers can view what they uploaded.

    Answers the model's id: a refusal names it so the designer can find the model again.
    """
    sha = hashlib.sha256(request.bpmn.data).hexdigest()

    def work(session: Session) -> int:
        model = session.scalar(select(BpmnModel).where(BpmnModel.sha256 == sha))
        if model is None:
            model = BpmnModel(
                sha256=sha,
                filename=request.bpmn.filename[:300],
                xml=xml_text,
                uploaded_by=actor.username,
                uploaded_at=clock.now(),
            )
            session.add(model)
        # An over-long process id does not fit the column (and is refused as a key anyway).
        model.process_key = key if key and len(key) <= MAX_KEY_LENGTH else None
        model.deployable = not errors
        model.errors = errors
        session.flush()
        return model.id

    return run_in_transaction(db, work)


#: Advice on a model that deploys: ``(meta, forms) -> [(element id, warning)]`` — what the
#: services know and this package does not (which purposes each provider is shared for).
Advice = Callable[[dict[str, Any], FormRegistry], list[tuple[str, str]]]


def _element_names(*roots: Any) -> dict[str, str]:
    """Each named element's name by its id, so a problem can say 「受理」 and not ``f11``."""
    names: dict[str, str] = {}
    for root in roots:
        for element in root.iter():
            eid, name = element.get("id"), element.get("name")
            if eid and name and eid not in names:
                names[eid] = name.strip()[:200]
    return names


def _problems(found: list[tuple[str, str]], names: dict[str, str]) -> list[dict[str, str]]:
    """``{"id", "message"}`` per problem (API.md), with the element's ``name`` when drawn."""
    listed = []
    for eid, msg in found:
        problem = {"id": eid or "definitions", "message": msg}
        if eid in names:
            problem["name"] = names[eid]
        listed.append(problem)
    return listed


def deploy(
    db: Database,
    actor: Principal,
    request: DeployRequest,
    *,
    shipped_forms: FormRegistry,
    providers: set[str],
    max_bytes: int,
    advise: Advice | None = None,
    bounds: Bounds | None = None,
) -> DeployOutcome:
    if not actor.has("designer", "admin"):
        raise Forbidden("only process designers may deploy")
    bpmn_root = parse_bpmn(request.bpmn.data, max_bytes=max_bytes)
    dmn_roots = [parse_dmn(u.data, max_bytes=max_bytes) for u in request.dmn]
    loaded = _load_forms(request.forms, shipped_forms, max_bytes)
    forms = loaded.registry
    # The text the definition and the model store: it parses back to the same documents.
    bpmn_text = as_text(request.bpmn.data, bpmn_root)
    dmn_texts = [as_text(u.data, root) for u, root in zip(request.dmn, dmn_roots, strict=True)]

    processes = executable_processes(bpmn_root)
    key = processes[0].get("id") if processes else None
    with read_only(db) as session:
        departments = _department_names(session)

    errors: list[tuple[str, str]] = list(loaded.errors)
    warnings: list[tuple[str, str]] = list(loaded.warnings)
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
    elif not key or len(key) > MAX_KEY_LENGTH:
        # The process id becomes the definition's key (URLs, rows): it must exist and fit.
        errors.append(
            (
                key[:60] + "..." if key else "definitions",
                f"the executable process needs an id of at most {MAX_KEY_LENGTH} characters",
            )
        )
    else:
        called = called_processes(bpmn_root, processes[0])
        called_ids = {p.get("id") for p in called}
        for extra in processes[1:]:
            if extra.get("id") not in called_ids:
                warnings.append((extra.get("id"), "only the first executable process is deployed"))
        checked = check_process(
            processes[0],
            departments=departments,
            forms=forms,
            providers=providers,
            called=called,
            bounds=bounds,
        )
        errors.extend(checked.errors)
        warnings.extend(checked.warnings)
        meta = checked.meta
        with read_only(db) as session:
            call_errors, call_warnings, external = check_calls(
                processes[0], called, lambda k: _calls_of_deployed(session, k)
            )
        errors.extend(call_errors)
        warnings.extend(call_warnings)
        meta["calls"] = external
        if not errors:
            try:
                parse_process(bpmn_root, dmn_roots, key)
            except SpecError as exc:
                errors.append((exc.element or key, exc.message))

    names = _element_names(bpmn_root, *dmn_roots)
    element_errors = _problems(errors, names)
    model_id = _remember_model(db, actor, request, bpmn_text, key, element_errors)
    if element_errors:
        raise Undeployable(
            "the BPMN cannot be deployed", elements=element_errors, model_id=model_id
        )

    # PostgreSQL enforces the column size; a long display name is no reason to refuse.
    meta["name"] = (meta.get("name") or key)[:MAX_NAME_LENGTH]
    if advise is not None:
        warnings.extend(advise(meta, forms))
    meta["warnings"] = _problems(warnings, names)
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
            bpmn_xml=bpmn_text,
            dmn_files=[
                {"name": u.filename, "xml": text}
                for u, text in zip(request.dmn, dmn_texts, strict=True)
            ],
            forms=loaded.uploaded,
            meta=meta,
            deployed_at=clock.now(),
            deployed_by=actor.username,
        )
        definition.status = approval.status_of_new_version(session, key)
        session.add(definition)
        session.flush()
        if definition.status == approval.CURRENT:
            approval.make_current(session, definition)
        audit.record(
            session,
            actor,
            "definition_deployed",
            key=key,
            version=definition.version,
            sha256=sha,
            status=definition.status,
        )
        return DeployOutcome(definition, created=True)

    return run_in_transaction(db, store)
