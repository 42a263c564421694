"""A case's materials list: each required material shared, uploaded or missing.

Materials come from the matter's catalogue (processes/<key>/matter.json); a process
uploaded without a catalogue entry gets one material per shared-data pull it makes.

A material is

* ``shared`` when its provider's record is in the case (pulled, or corrected after a
  dispute) and no dispute over it is open — the applicant is never asked for it;
* ``uploaded`` when shared data did not satisfy it and the applicant (or the window for
  them) uploaded a file;
* ``missing`` otherwise, with ``action``: ``upload`` (and the ``reason`` shared data
  could not help: provider down, no record, not shared for this purpose) or ``wait``
  (its pull belongs to a later step, e.g. the deed-tax certificate at registration).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.catalogue import CatalogueError, get_matter, load_matters

from ..clock import isoformat
from ..models import Case, ProcessDefinition
from ..reforms.views import annotate
from ..shared_data.exchange import FETCHING, SHARED_OUTCOMES
from ..shared_data.models import Dispute, MaterialUpload
from ..shared_data.providers import BUILT_IN, DatabaseProvider


def _catalogue_materials(key: str) -> list[dict[str, Any]] | None:
    try:
        matter = get_matter(key)
    except (CatalogueError, KeyError):
        return None
    return [
        {
            "code": m.code,
            "name": m.name,
            "provider": m.provider,
            "subject": m.subject,
            "required": m.required,
            "stage": m.stage,
        }
        for m in matter.materials
    ]


def _derived_materials(definition: ProcessDefinition) -> list[dict[str, Any]]:
    derived = []
    titles = {p.name: p for p in BUILT_IN}
    for task in definition.meta.get("service_tasks", []):
        for provider in task["shared_data"]:
            for field in task["subject"]:
                derived.append(
                    {
                        "code": f"{provider}:{field}",
                        "name": _derived_name(titles.get(provider), provider, field, task),
                        "provider": provider,
                        "subject": field,
                        "required": True,
                        "stage": task["id"],
                    }
                )
    return derived


def _derived_name(
    spec: DatabaseProvider | None, provider: str, field: str, task: dict[str, Any]
) -> dict[str, str]:
    """The provider's title (居民身份信息), and whose record when a pull asks for several."""
    zh = spec.title_zh if spec is not None and spec.title_zh else provider
    en = spec.title_en if spec is not None and spec.title_en else provider
    if len(task["subject"]) > 1:
        zh, en = f"{zh}（{field}）", f"{en} ({field})"
    return {"zh": zh, "en": en}


def materials_of(case: Case, definition: ProcessDefinition) -> list[dict[str, Any]]:
    """The materials a case's matter requires (catalogue, else derived from its pulls)."""
    return _catalogue_materials(case.process_key) or _derived_materials(definition)


def upload_view(upload: MaterialUpload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": upload.size,
        "sha256": upload.sha256,
        "uploaded_by": upload.uploaded_by,
        "uploaded_at": isoformat(upload.uploaded_at),
        "url": f"/api/v1/cases/{upload.case_id}/materials/{upload.material_code}/file",
    }


def _reason(material: dict[str, Any], source: dict[str, Any] | None) -> str | None:
    if not material["provider"]:
        return "not held by any department: the applicant provides it"
    if source is None:
        return None
    if source.get("outcome") == "transcribed":
        return "entered by the window from the uploaded document"
    return source.get("reason")


def case_materials(
    case: Case, definition: ProcessDefinition, session: Session | None = None
) -> list[dict[str, Any]]:
    """Each material with its status (see the module docstring); ``session`` adds the
    uploads and disputes (without it every non-shared material reads as missing)."""
    uploads: dict[str, MaterialUpload] = {}
    disputes: dict[str, Dispute] = {}
    if session is not None:
        for upload in session.scalars(
            select(MaterialUpload)
            .where(MaterialUpload.case_id == case.id, MaterialUpload.superseded.is_(False))
            .order_by(MaterialUpload.id)
        ):
            uploads[upload.material_code] = upload
        for dispute in session.scalars(
            select(Dispute).where(Dispute.case_id == case.id).order_by(Dispute.id)
        ):
            disputes[f"{dispute.provider}:{dispute.subject_field}"] = dispute
    sources = case.sources or {}
    listed = []
    for material in materials_of(case, definition):
        source_key = f"{material['provider']}:{material['subject']}"
        source = sources.get(source_key) if material["provider"] else None
        dispute = disputes.get(source_key)
        disputed = dispute is not None and dispute.status == "open"
        upload = uploads.get(material["code"])
        if source and source.get("outcome") in SHARED_OUTCOMES and not disputed:
            status, action = "shared", "none"
        elif upload is not None:
            status, action = "uploaded", "none"
        elif material["provider"] and (
            source is None or source.get("outcome") in ("awaiting_party", FETCHING)
        ):  # a pull still to come: the step has not run, a party has not confirmed, or
            # the exchange platform is being asked
            status, action = "missing", "wait"
        else:
            status, action = "missing", "upload"
        listed.append(
            {
                "code": material["code"],
                "name": material["name"],
                "status": status,
                "action": action,
                "reason": None if status == "shared" else _reason(material, source),
                "required": material["required"],
                "stage": material["stage"],
                "provider": material["provider"],
                "source": source,
                "upload": upload_view(upload) if upload is not None else None,
                "dispute": dispute_summary(dispute) if dispute is not None else None,
            }
        )
    return listed


def dispute_summary(dispute: Dispute) -> dict[str, Any]:
    return {
        "id": dispute.id,
        "status": dispute.status,
        "reason": dispute.reason,
        "raised_by": dispute.raised_by,
        "raised_at": isoformat(dispute.raised_at),
        "department": dispute.department_code,
    }


def summary(materials: list[dict[str, Any]]) -> dict[str, int]:
    """``required`` materials and how each of them stands (optional ones not counted)."""
    required = [m for m in materials if m["required"]]
    return {
        "required": len(required),
        "shared": sum(1 for m in required if m["status"] == "shared"),
        "uploaded": sum(1 for m in required if m["status"] == "uploaded"),
        "missing": sum(1 for m in required if m["status"] == "missing"),
    }


def materials_block(session: Session, case: Case, definition: ProcessDefinition) -> dict[str, Any]:
    """``materials`` and ``materials_summary`` of the case JSON, and ``attachments``: the
    files clerks attached in the ``file`` fields of task forms (an addition to API.md)."""
    materials = case_materials(case, definition, session)
    annotate(session, case.id, materials)  # 容缺 and 承诺: ``deferral``, ``pledge``
    return {
        "materials": materials,
        "materials_summary": summary(materials),
        "attachments": attachments(session, case),
        # "records being fetched": lookups jobs are still making (an addition to API.md)
        "fetching": sorted(
            key for key, source in (case.sources or {}).items() if source.get("outcome") == FETCHING
        ),
    }


#: Files attached to a task's ``file`` form fields are kept like materials, under a code
#: naming the task and the field: ``att:<task id>:<field>`` (``uploads.attachment_code``).
ATTACHMENT_PREFIX = "att:"


def attachments(session: Session, case: Case) -> list[dict[str, Any]]:
    """Current files of task form fields, oldest first, each with its task and field."""
    found = session.scalars(
        select(MaterialUpload)
        .where(
            MaterialUpload.case_id == case.id,
            MaterialUpload.material_code.startswith(ATTACHMENT_PREFIX),
            MaterialUpload.superseded.is_(False),
        )
        .order_by(MaterialUpload.id)
    )
    views = []
    for upload in found:
        _prefix, task_id, field = upload.material_code.split(":", 2)
        views.append(
            {"code": upload.material_code, "task_id": task_id, "field": field} | upload_view(upload)
        )
    return views


# --- the catalogue ------------------------------------------------------------------------
def catalogue(providers: dict[str, DatabaseProvider]) -> list[dict[str, Any]]:
    """Every matter with its materials: which shared data satisfies, which are uploaded."""
    matters = []
    for matter in sorted(load_matters().values(), key=lambda m: m.key):
        materials = []
        for m in matter.materials:
            provider = providers.get(m.provider) if m.provider else None
            materials.append(
                {
                    "code": m.code,
                    "name": m.name,
                    "required": m.required,
                    "stage": m.stage,
                    "note": m.note,
                    "key": m.is_key,
                    "deferrable": m.deferrable,
                    "pledge": (
                        {
                            "text": m.pledge.text,
                            "department": m.pledge.department,
                            "verify_within_days": m.pledge.verify_within_days,
                        }
                        if m.pledge
                        else None
                    ),
                    "satisfied_by": "shared_data" if provider else "upload",
                    "provider": m.provider,
                    "department": provider.department if provider else None,
                    "sharing": provider.sharing if provider else None,
                }
            )
        required = [m for m in materials if m["required"]]
        matters.append(
            {
                "key": matter.key,
                "name": matter.name,
                "description": matter.description,
                "kind": matter.kind,
                "statutory_limit": matter.statutory_limit,
                "promised_limit": matter.promised_limit,
                "deferral_days": matter.deferral_days,
                "departments": list(matter.departments),
                "before": matter.before,
                "materials": materials,
                "materials_summary": {
                    "required": len(required),
                    "shared": sum(1 for m in required if m["satisfied_by"] == "shared_data"),
                    "uploaded": sum(1 for m in required if m["satisfied_by"] == "upload"),
                },
            }
        )
    return matters
