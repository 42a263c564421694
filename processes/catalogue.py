"""The matter catalogue: the composite matters (一件事) shipped with govflow.

Each matter lives in its own folder under ``processes/``::

    processes/<key>/matter.json   catalogue entry (names, limits, departments, materials)
    processes/<key>/<key>.bpmn    the process definition (process id == key)
    processes/<key>/*.dmn         decision tables the process refers to (optional)

``load_matters()`` reads every ``*/matter.json`` once and caches the result.  Pure Python:
no database, no SpiffWorkflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PROCESSES_DIR = Path(__file__).resolve().parent
MATTER_FILE = "matter.json"


class CatalogueError(ValueError):
    """A matter.json is missing a field or points at files that do not exist."""


@dataclass(frozen=True)
class Material:
    """One material (申请材料) of a matter.

    ``provider`` names the shared-data provider that supplies it and ``subject`` the case
    field holding the lookup key; ``provider is None`` means the applicant uploads it.
    ``stage`` is when it is needed: ``acceptance`` (受理) or later, e.g. ``registration``.
    """

    code: str
    name: dict[str, str]
    provider: str | None = None
    subject: str | None = None
    required: bool = True
    stage: str = "acceptance"
    note: dict[str, str] | None = None

    @property
    def shared(self) -> bool:
        return self.provider is not None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Material:
        return cls(
            code=data["code"],
            name=dict(data["name"]),
            provider=data.get("provider"),
            subject=data.get("subject"),
            required=bool(data.get("required", True)),
            stage=data.get("stage") or "acceptance",
            note=dict(data["note"]) if data.get("note") else None,
        )


@dataclass(frozen=True)
class Party:
    """A party of the matter besides the applicant (the seller, a co-buyer, a shareholder,
    a legal representative), named by start-form fields: ``id_field`` holds their ID
    number, ``name_field`` (optional) their name.  A named party confirms the application
    with their own sign-in before anything is pulled about them (docs/SECURITY.md)."""

    role: str
    id_field: str
    name_field: str | None = None
    label: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Party:
        return cls(
            role=data["role"],
            id_field=data["id_field"],
            name_field=data.get("name_field"),
            label=dict(data.get("label") or {}),
        )


@dataclass(frozen=True)
class Matter:
    """A catalogue entry, as written in ``<key>/matter.json``."""

    key: str
    name: dict[str, str]
    description: dict[str, str]
    kind: str  # "promised" (承诺件) or "immediate" (即办件)
    statutory_limit: str  # e.g. "30wd"
    promised_limit: str  # e.g. "1wd"
    departments: tuple[str, ...]
    before: dict[str, Any]  # {"visits", "materials", "working_days"} before re-engineering
    materials: tuple[Material, ...]
    directory: Path = field(compare=False)
    parties: tuple[Party, ...] = ()

    @property
    def bpmn_path(self) -> Path:
        """``<key>.bpmn`` in the matter's folder (or its only .bpmn file)."""
        preferred = self.directory / f"{self.key}.bpmn"
        if preferred.is_file():
            return preferred
        found = sorted(self.directory.glob("*.bpmn"))
        if len(found) == 1:
            return found[0]
        raise CatalogueError(f"{self.key}: expected {preferred.name} in {self.directory}")

    @property
    def dmn_paths(self) -> list[Path]:
        return sorted(self.directory.glob("*.dmn"))

    def material(self, code: str) -> Material | None:
        return next((m for m in self.materials if m.code == code), None)

    @classmethod
    def from_file(cls, path: Path) -> Matter:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CatalogueError(f"{path}: {exc}") from exc
        try:
            matter = cls(
                key=data["key"],
                name=dict(data["name"]),
                description=dict(data.get("description") or {}),
                kind=data.get("kind", "promised"),
                statutory_limit=data["statutory_limit"],
                promised_limit=data["promised_limit"],
                departments=tuple(data.get("departments") or ()),
                before=dict(data.get("before") or {}),
                materials=tuple(Material.from_dict(m) for m in data.get("materials") or ()),
                directory=path.parent,
                parties=tuple(Party.from_dict(p) for p in data.get("parties") or ()),
            )
        except (KeyError, TypeError) as exc:
            raise CatalogueError(f"{path}: missing or malformed field {exc}") from exc
        if matter.key != path.parent.name:
            raise CatalogueError(f"{path}: key {matter.key!r} differs from its folder name")
        matter.bpmn_path  # noqa: B018 - fail early when the definition is missing
        return matter


@cache
def _load(directory: Path) -> dict[str, Matter]:
    matters: dict[str, Matter] = {}
    for path in sorted(directory.glob(f"*/{MATTER_FILE}")):
        matter = Matter.from_file(path)
        matters[matter.key] = matter
    return matters


def load_matters(directory: Path | None = None) -> dict[str, Matter]:
    """Every matter under ``directory`` (default ``PROCESSES_DIR``), keyed by ``key``.

    Read once and cached; the returned dict is a fresh copy, the ``Matter`` objects are
    frozen.  ``clear_cache()`` forces a re-read.
    """
    return dict(_load(Path(directory or PROCESSES_DIR).resolve()))


def get_matter(key: str) -> Matter:
    try:
        return load_matters()[key]
    except KeyError:
        raise CatalogueError(f"no matter {key!r} in the catalogue") from None


def clear_cache() -> None:
    _load.cache_clear()
