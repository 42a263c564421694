"""Shared-data providers (数据共享): who holds which record, and how to ask for it.

A provider answers for one kind of record held by one department.  Each declares what a
data-sharing officer signs off: the department, the fields it answers and its sharing
class — ``unconditional`` (无条件共享), ``conditional`` (有条件共享: only for the
purposes listed, each a ``<matter>/<step>`` pattern) or ``not_shared`` (不予共享).

The built-in ones read the ``shared_records`` table (seeded with synthetic demo records);
a ``provider_configs`` row points one at the data-exchange platform instead (see
``registry.py`` and ``http.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from .. import clock, unflushed
from ..models import SharedRecord


@dataclass(frozen=True)
class Record:
    key: str
    data: dict[str, Any]
    subject_id_number: str | None = None


SHARING_CLASSES = ("unconditional", "conditional", "not_shared")


class Provider(Protocol):
    name: str
    department: str
    fields: tuple[str, ...]
    personal: bool

    def lookup(self, session: Session, key: str, purpose: str = "") -> Record | None: ...

    def publish(
        self, session: Session, key: str, data: dict[str, Any], subject: str | None
    ) -> Record: ...


# Statements built once (SQL expressions are immutable); provider and key bound at each run.
@cache
def _newest_by_key() -> Select:
    """A provider's newest record found by its own key or by its search key."""
    key = bindparam("key")
    return (
        select(SharedRecord)
        .where(SharedRecord.provider == bindparam("provider"))
        .where(or_(SharedRecord.record_key == key, SharedRecord.search_key == key))
        .order_by(SharedRecord.id.desc())
        .limit(1)
    )


@cache
def _by_record_key() -> Select:
    return select(SharedRecord).where(
        SharedRecord.provider == bindparam("provider"),
        SharedRecord.record_key == bindparam("key"),
    )


@dataclass(frozen=True)
class DatabaseProvider:
    """A provider backed by the ``shared_records`` table."""

    name: str
    department: str
    fields: tuple[str, ...]
    personal: bool = True
    title_zh: str = ""
    title_en: str = ""
    sharing: str = "unconditional"
    #: For ``conditional`` sharing: ``<matter>/<step>`` patterns (``*`` wildcards).
    purposes: tuple[str, ...] = ()
    #: govflow itself issues records of this kind (an ``issue`` service task publishes them
    #: into the local table), so the local table is asked too when an endpoint has none.
    issued_here: bool = False

    @property
    def transport(self) -> str:
        return "database"

    def allows(self, purpose: str, purposes: tuple[str, ...] | None = None) -> bool:
        """May a pull for ``purpose`` (``<matter>/<step>``) be answered?

        ``purposes`` replaces the declared list (an administrator's configuration).
        """
        if self.sharing == "not_shared":
            return False
        if self.sharing == "unconditional":
            return True
        accepted = self.purposes if purposes is None else purposes
        return any(fnmatchcase(purpose, pattern) for pattern in accepted)

    def lookup(self, session: Session, key: str, purpose: str = "") -> Record | None:
        row = self._newest(session, key)
        if row is None:
            return None
        return Record(row.record_key, dict(row.data), row.subject_id_number)

    def _newest(self, session: Session, key: str) -> SharedRecord | None:
        """The newest of this provider's records found by ``key`` (the newest wins).

        A record the command added and has not flushed is newer than any stored (ids
        grow; the last added is the newest), so it answers without a flush.  Otherwise
        the table is asked, without flushing first unless the command changed a stored
        record (which the table must then see)."""
        added = [
            o
            for o in session.new
            if isinstance(o, SharedRecord)
            and o.provider == self.name
            and key in (o.record_key, o.search_key)
        ]
        if added:
            return added[-1]
        params = {"provider": self.name, "key": key}
        if any(isinstance(o, SharedRecord) for o in (*session.dirty, *session.deleted)):
            return session.scalar(_newest_by_key(), params)  # flushed first, as any query
        with session.no_autoflush:
            return session.scalar(_newest_by_key(), params)

    def publish(
        self, session: Session, key: str, data: dict[str, Any], subject: str | None
    ) -> Record:
        # Without flushing the command so far (``unflushed``): a record is found by its
        # provider and key, which never change once written.
        held = unflushed.rows(
            session,
            SharedRecord,
            _by_record_key(),
            lambda r: r.provider == self.name and r.record_key == key and r not in session.deleted,
            params={"provider": self.name, "key": key},
        )
        row = held[0] if held else None
        if row is None:
            row = SharedRecord(provider=self.name, record_key=key)
            session.add(row)
        row.data = data
        row.subject_id_number = subject
        row.search_key = subject  # so a later pull by the holder's ID number finds it
        row.updated_at = clock.now()
        return Record(key, data, subject)


@dataclass(frozen=True)
class NameCheckProvider(DatabaseProvider):
    """The business registry answers a name pre-check: taken (with the holder) or free."""

    def lookup(self, session: Session, key: str, purpose: str = "") -> Record | None:
        found = super().lookup(session, key)
        if found is not None:
            return Record(
                key,
                {"name": key, "available": False, "registered_company": found.data},
                found.subject_id_number,
            )
        return Record(key, {"name": key, "available": True})


BUILT_IN: tuple[DatabaseProvider, ...] = (
    DatabaseProvider(
        "identity",
        "public_security",
        ("name", "id_number", "address", "photo_verified"),
        title_zh="居民身份信息",
        title_en="Resident identity",
        sharing="conditional",
        purposes=("property_transfer/*", "business_startup/*"),
    ),
    DatabaseProvider(
        "marriage",
        "civil_affairs",
        ("marital_status", "spouse_id_number"),
        title_zh="婚姻登记信息",
        title_en="Marriage registration",
        # Co-ownership and tax relief of a home sale; no other matter needs it.
        sharing="conditional",
        purposes=("property_transfer/*",),
    ),
    DatabaseProvider(
        "property",
        "registry",
        (
            "certificate_no",
            "owners",
            "area",
            "address",
            "parcel_map",
            "floor_plan",
            "mortgaged",
            "seized",
        ),
        title_zh="不动产登记信息",
        title_en="Real-estate register",
        sharing="conditional",
        purposes=("property_transfer/*", "business_startup/pull_address"),
    ),
    DatabaseProvider(
        "contract_filing",
        "housing",
        ("contract_no", "buyer", "seller", "price", "certificate_no"),
        title_zh="网签备案合同",
        title_en="Filed sale contract",
        sharing="conditional",
        purposes=("property_transfer/*",),
    ),
    NameCheckProvider(
        "business_registry",
        "market",
        ("name", "available", "registered_company", "credit_code"),
        personal=False,
        title_zh="企业登记信息",
        title_en="Business registry",
        sharing="unconditional",  # the public register of market entities
    ),
    DatabaseProvider(
        "e_license",
        "service_center",
        (
            "license_type",
            "license_no",
            "holder",
            "credit_code",
            "legal_representative",
            "issued_at",
        ),
        title_zh="电子证照",
        title_en="E-licences",
        sharing="unconditional",
        issued_here=True,
    ),
    DatabaseProvider(
        "tax_record",
        "tax",
        ("certificate_no", "taxpayer", "amount", "paid", "paid_at", "kind"),
        title_zh="完税证明",
        title_en="Tax payment records",
        issued_here=True,
        # 登簿 needs the deed-tax payment (Deed Tax Law arts. 10–11), nothing else.
        sharing="conditional",
        purposes=("property_transfer/pull_tax_payment",),
    ),
)


def built_in_providers() -> dict[str, DatabaseProvider]:
    return {p.name: p for p in BUILT_IN}
