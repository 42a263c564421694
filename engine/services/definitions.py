"""Process definitions: deploy (a command) and the designer's queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from processes.catalogue import Matter

from ..bounds import Bounds
from ..clock import isoformat
from ..context import Govflow
from ..definitions import approval
from ..definitions.deploy import DeployOutcome, DeployRequest, Upload
from ..definitions.deploy import deploy as deploy_command
from ..errors import NotFound
from ..models import BpmnModel, ProcessDefinition
from ..principal import Principal
from ..uow import read_only
from .access import require_role
from .deploy_advice import advise


def deploy(govflow: Govflow, actor: Principal, request: DeployRequest) -> DeployOutcome:
    return deploy_command(
        govflow.db,
        actor,
        request,
        shipped_forms=govflow.forms,
        providers=set(govflow.providers),
        max_bytes=govflow.settings.max_bpmn_bytes,
        advise=lambda meta, forms: advise(govflow, meta, forms),
        bounds=Bounds.of(govflow.settings),
    )


def deploy_files(
    govflow: Govflow, actor: Principal, bpmn: Path, dmn: list[Path] = (), forms: list[Path] = ()
) -> DeployOutcome:
    def upload(path: Path) -> Upload:
        return Upload(path.name, path.read_bytes())

    return deploy(
        govflow,
        actor,
        DeployRequest(upload(bpmn), [upload(p) for p in dmn], [upload(p) for p in forms]),
    )


def deploy_matter(govflow: Govflow, actor: Principal, matter: Matter) -> DeployOutcome:
    """Deploy a catalogue matter; the single matters its call activities call
    (``single_matters/*.bpmn`` beside it, each a definition of its own, startable on its
    own) go first: a call to a key not deployed is refused."""
    for single in sorted((matter.directory / "single_matters").glob("*.bpmn")):
        deploy_files(govflow, actor, single)
    return deploy_files(govflow, actor, matter.bpmn_path, list(matter.dmn_paths))


def latest_definitions(govflow: Govflow, actor: Principal) -> list[ProcessDefinition]:
    require_role(actor, "designer", "admin", "supervisor", "clerk", "applicant")
    with read_only(govflow.db) as session:
        newest = (
            select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
            .group_by(ProcessDefinition.key)
            .subquery()
        )
        return list(
            session.scalars(
                select(ProcessDefinition)
                .join(
                    newest,
                    (ProcessDefinition.key == newest.c.key)
                    & (ProcessDefinition.version == newest.c.v),
                )
                .order_by(ProcessDefinition.key)
            )
        )


def current_definitions(govflow: Govflow, actor: Principal) -> list[ProcessDefinition]:
    """The version of each key new cases start on (what the catalogue offers)."""
    require_role(actor, "designer", "admin", "supervisor", "clerk", "applicant")
    with read_only(govflow.db) as session:
        return list(
            session.scalars(
                select(ProcessDefinition)
                .where(ProcessDefinition.status == approval.CURRENT)
                .order_by(ProcessDefinition.key)
            )
        )


def get_definition(
    govflow: Govflow, actor: Principal, key: str, version: int | None
) -> ProcessDefinition:
    with read_only(govflow.db) as session:
        query = select(ProcessDefinition).where(ProcessDefinition.key == key)
        if version is not None:
            query = query.where(ProcessDefinition.version == version)
        definition = session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None:
        raise NotFound(
            f"no process definition '{key}'" + (f" version {version}" if version else "")
        )
    return definition


def versions(govflow: Govflow, key: str) -> list[dict[str, Any]]:
    with read_only(govflow.db) as session:
        rows = session.execute(
            select(
                ProcessDefinition.version,
                ProcessDefinition.sha256,
                ProcessDefinition.deployed_at,
                ProcessDefinition.deployed_by,
                ProcessDefinition.status,
            )
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version)
        ).all()
    return [
        {
            "version": v,
            "sha256": s,
            "deployed_at": isoformat(at),
            "deployed_by": by,
            "status": status,
        }
        for v, s, at, by, status in rows
    ]


def approve(govflow: Govflow, actor: Principal, key: str, version: int) -> ProcessDefinition:
    """A second pair of eyes makes a pending version current (``definitions.approval``)."""
    return approval.approve(govflow.db, actor, key, version)


def approval_review(
    govflow: Govflow, actor: Principal, key: str, version: int
) -> tuple[ProcessDefinition, ProcessDefinition | None, dict[str, list[dict[str, Any]]]]:
    """What a reviewer reads before approving: the version, the current one, and the
    elements added, removed and changed between them."""
    require_role(actor, "designer", "admin")
    with read_only(govflow.db) as session:
        definition = session.scalar(
            select(ProcessDefinition).where(
                ProcessDefinition.key == key, ProcessDefinition.version == version
            )
        )
        if definition is None:
            raise NotFound(f"no process definition '{key}' version {version}")
        current = approval.current_definition(session, key)
    baseline = current if current is not None and current.id != definition.id else None
    diff = approval.element_diff(baseline.bpmn_xml if baseline else None, definition.bpmn_xml)
    return definition, baseline, diff


def list_models(govflow: Govflow, actor: Principal) -> list[BpmnModel]:
    require_role(actor, "designer", "admin")
    with read_only(govflow.db) as session:
        return list(session.scalars(select(BpmnModel).order_by(BpmnModel.id.desc())))


def models_page(
    govflow: Govflow, actor: Principal, page: int, per_page: int
) -> tuple[list[BpmnModel], int]:
    """One page of uploaded models, newest first, and how many there are.

    The XML is left out (deferred): a listing shows verdicts, and models can be large.
    """
    require_role(actor, "designer", "admin")
    with read_only(govflow.db) as session:
        total = session.scalar(select(func.count()).select_from(BpmnModel)) or 0
        rows = session.scalars(
            select(BpmnModel)
            .options(defer(BpmnModel.xml))
            .order_by(BpmnModel.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        return list(rows), total


def get_model(govflow: Govflow, actor: Principal, model_id: int) -> BpmnModel:
    require_role(actor, "designer", "admin")
    with read_only(govflow.db) as session:
        model = session.get(BpmnModel, model_id)
    if model is None:
        raise NotFound("no such model")
    return model


def model_view(model: BpmnModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "sha256": model.sha256,
        "filename": model.filename,
        "process_key": model.process_key,
        "deployable": model.deployable,
        "errors": model.errors,
        "uploaded_at": isoformat(model.uploaded_at),
        "uploaded_by": model.uploaded_by,
    }
