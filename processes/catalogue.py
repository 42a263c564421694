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

from .results import ResultField, declared

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

    The reforms (docs/REFORMS.md): ``deferrable`` — the window may accept without it and
    let the applicant supply it by a date (容缺受理), and ``needed_by`` names the steps
    that wait for it besides the matter's registration; ``pledge`` — the applicant may
    sign a written pledge instead (告知承诺制).  A ``key`` material (identity, the title
    being transferred) is never deferred nor pledged: loading such a catalogue fails.
    """

    code: str
    name: dict[str, str]
    provider: str | None = None
    subject: str | None = None
    required: bool = True
    stage: str = "acceptance"
    note: dict[str, str] | None = None
    key: bool = False
    deferrable: bool = False
    needed_by: tuple[str, ...] = ()
    pledge: PledgeTerms | None = None

    @property
    def shared(self) -> bool:
        return self.provider is not None

    @property
    def is_key(self) -> bool:
        """Identity is always key, whatever the catalogue says."""
        return self.key or self.provider == IDENTITY_PROVIDER

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
            key=bool(data.get("key", False)),
            deferrable=bool(data.get("deferrable", False)),
            needed_by=tuple(data.get("needed_by") or ()),
            pledge=PledgeTerms.from_dict(data["pledge"]) if data.get("pledge") else None,
        )

    def check(self) -> None:
        """What the reforms never allow (DOMAIN.md): deferring or pledging a key material."""
        if self.is_key and self.deferrable:
            raise CatalogueError(f"material {self.code!r} is key: it may not be deferred")
        if self.is_key and self.pledge is not None:
            raise CatalogueError(f"material {self.code!r} is key: no pledge may replace it")


#: The provider of identity records: an identity document is always a key material.
IDENTITY_PROVIDER = "identity"


@dataclass(frozen=True)
class PledgeTerms:
    """告知承诺制 for one material (国办发〔2020〕42号): the text the applicant signs, the
    department that verifies afterwards, and within how many working days."""

    text: dict[str, str]
    department: str
    verify_within_days: int = 20

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PledgeTerms:
        days = int(data.get("verify_within_days", 20))
        if not data.get("text", {}).get("zh") or not data.get("department") or days < 1:
            raise CatalogueError("a pledge needs a text (zh), a department and days >= 1")
        return cls(text=dict(data["text"]), department=data["department"], verify_within_days=days)


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
    #: 容缺受理: working days the applicant has to supply deferred materials, and the
    #: steps (BPMN ids) that wait while any deferred material is still out (登簿).
    deferral_days: int = 5
    registration_steps: tuple[str, ...] = ()
    #: 办理结果: the case-data fields the outcome consists of (processes/results.py).
    results: tuple[ResultField, ...] = ()

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
                deferral_days=int(data.get("deferral_days", 5)),
                registration_steps=tuple(data.get("registration_steps") or ()),
                results=tuple(ResultField.from_dict(r) for r in data.get("results") or ()),
            )
            for material in matter.materials:
                material.check()
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, CatalogueError):
                raise CatalogueError(f"{path}: {exc}") from exc
            raise CatalogueError(f"{path}: missing or malformed field {exc}") from exc
        if matter.deferral_days < 1:
            raise CatalogueError(f"{path}: deferral_days must be at least 1")
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
    # PROCESSES_DIR is resolved already; no copy of the dict: every command of a case asks
    try:
        return _load(PROCESSES_DIR)[key]
    except KeyError:
        raise CatalogueError(f"no matter {key!r} in the catalogue") from None


def result_fields(key: str, properties: dict[str, Any] | None) -> tuple[ResultField, ...]:
    """The result fields of matter ``key``: its catalogue entry's, else those its process
    declares in its ``results`` property (processes/results.py)."""
    matter = load_matters().get(key)
    return declared(matter.results if matter else (), properties)


def clear_cache() -> None:
    _load.cache_clear()
