"""The JSON shapes of deferred materials and pledges, and what they add to a case's
materials list (``deferral`` and ``pledge`` on each material)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.catalogue import Matter

from ..clock import isoformat
from ..masking import mask_id_number
from .models import DeferredMaterial, Pledge


def _name(matter: Matter | None, code: str) -> dict[str, str]:
    material = matter.material(code) if matter else None
    return dict(material.name) if material else {"zh": code, "en": code}


def deferral_view(deferral: DeferredMaterial, matter: Matter | None) -> dict[str, Any]:
    return {
        "id": deferral.id,
        "case_id": deferral.case_id,
        "material": deferral.material_code,
        "name": _name(matter, deferral.material_code),
        "status": deferral.status,
        "working_days": deferral.working_days,
        "deferred_by": deferral.deferred_by,
        "deferred_at": isoformat(deferral.deferred_at),
        "due_at": isoformat(deferral.due_at),
        "reminded_at": isoformat(deferral.reminded_at),
        "extended": bool(deferral.extended),
        "supplied_at": isoformat(deferral.supplied_at),
        "task_id": deferral.overdue_task_id,
    }


def pledge_view(pledge: Pledge, matter: Matter | None) -> dict[str, Any]:
    """The signed pledge; the signer's ID number is kept whole in the table and shown
    masked (DOMAIN.md: ``110101********1234``)."""
    return {
        "id": pledge.id,
        "case_id": pledge.case_id,
        "material": pledge.material_code,
        "name": _name(matter, pledge.material_code),
        "text": pledge.text,
        "signer": {
            "username": pledge.signer_username,
            "name": pledge.signer_name,
            "id_number": mask_id_number(pledge.signer_id_number),
        },
        "signed_at": isoformat(pledge.signed_at),
        "signed_from": pledge.signed_from,
        "department": pledge.department_code,
        "verify_within_days": pledge.verify_within_days,
        "status": pledge.status,
        "verification_task_id": pledge.verification_task_id,
        "verdict": pledge.verdict,
        "revocation_task_id": pledge.revocation_task_id,
        "decision": pledge.decision,
    }


def annotate(session: Session, case_id: int, materials: list[dict[str, Any]]) -> None:
    """Each material gets ``deferral`` (its latest, or null) and ``pledge`` (or null)."""
    deferrals = {
        d.material_code: d
        for d in session.scalars(
            select(DeferredMaterial)
            .where(DeferredMaterial.case_id == case_id)
            .order_by(DeferredMaterial.id)
        )
    }
    pledges = {
        p.material_code: p
        for p in session.scalars(
            select(Pledge).where(Pledge.case_id == case_id).order_by(Pledge.id)
        )
    }
    for material in materials:
        deferral = deferrals.get(material["code"])
        pledge = pledges.get(material["code"])
        material["deferral"] = (
            {
                "status": deferral.status,
                "due_at": isoformat(deferral.due_at),
                "extended": bool(deferral.extended),
            }
            if deferral
            else None
        )
        material["pledge"] = (
            {"id": pledge.id, "status": pledge.status, "signed_at": isoformat(pledge.signed_at)}
            if pledge
            else None
        )
