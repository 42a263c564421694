"""A case's materials list: each required material shared, uploaded or missing.

Materials come from the matter's catalogue (processes/<key>/matter.json); a process
uploaded without a catalogue entry gets one material per shared-data pull it makes.
"""

from __future__ import annotations

from typing import Any

from processes.catalogue import CatalogueError, get_matter

from ..models import Case, ProcessDefinition


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
    for task in definition.meta.get("service_tasks", []):
        for provider in task["shared_data"]:
            for field in task["subject"]:
                derived.append(
                    {
                        "code": f"{provider}:{field}",
                        "name": {"zh": provider, "en": provider},
                        "provider": provider,
                        "subject": field,
                        "required": True,
                        "stage": task["id"],
                    }
                )
    return derived


def case_materials(case: Case, definition: ProcessDefinition) -> list[dict[str, Any]]:
    materials = _catalogue_materials(case.process_key) or _derived_materials(definition)
    sources = case.sources or {}
    listed = []
    for material in materials:
        source = sources.get(f"{material['provider']}:{material['subject']}")
        if source and source["outcome"] == "found":
            status = "shared"
        else:
            status = "missing"
            source = source if source else None
        listed.append(
            {
                "code": material["code"],
                "name": material["name"],
                "status": status,
                "required": material["required"],
                "stage": material["stage"],
                "provider": material["provider"],
                "source": source,
            }
        )
    return listed
