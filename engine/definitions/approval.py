"""Four eyes on what runs: a new version of a matter that already has cases waits.

A version's ``status`` is ``current`` (new cases start on it), ``superseded`` (an older
approved version; its cases keep running on it) or ``pending_approval``.  A key without
cases takes a new version at once: nobody's application depends on it yet.  A key with
cases keeps its current version until an administrator, or a designer other than the
one who uploaded the new version, approves it — the uploader alone can change what
citizens' cases run on otherwise.  Until then only the uploader may start a case on the
pending version, to try it (``current_or_trial``).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from .. import audit, clock
from ..db import Database
from ..errors import Conflict, Forbidden, NotFound
from ..models import Case, ProcessDefinition
from ..principal import Principal
from ..uow import run_in_transaction
from .xml_safety import parse_bpmn

CURRENT = "current"
SUPERSEDED = "superseded"
PENDING = "pending_approval"


def status_of_new_version(session: Session, key: str) -> str:
    """What a version deployed now becomes: pending when the key already has cases."""
    has_cases = session.scalar(select(exists().where(Case.process_key == key)))
    return PENDING if has_cases else CURRENT


def make_current(session: Session, definition: ProcessDefinition) -> None:
    """``definition`` becomes the key's current version; the one before is superseded."""
    session.execute(
        update(ProcessDefinition)
        .where(
            ProcessDefinition.key == definition.key,
            ProcessDefinition.status == CURRENT,
            ProcessDefinition.id != definition.id,
        )
        .values(status=SUPERSEDED)
    )
    definition.status = CURRENT


def current_definition(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key, ProcessDefinition.status == CURRENT)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


def current_or_trial(
    session: Session, actor: Principal, key: str, version: int | None
) -> ProcessDefinition:
    """The version a new case of ``key`` starts on.

    Without ``version``: the current one.  With it: that version if it is current, or if
    it is pending and the caller uploaded it (a trial run before approval); a superseded
    version or someone else's pending one starts nothing (404, as if it did not exist:
    the pending model is not the caller's to know about).
    """
    if version is None:
        found = current_definition(session, key)
        if found is None:
            raise NotFound(f"no deployed process '{key}'")
        return found
    found = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version
        )
    )
    if found is None:
        raise NotFound(f"no process '{key}' version {version}")
    if found.status == CURRENT:
        return found
    if found.status == PENDING and found.deployed_by == actor.username:
        return found
    if found.status == PENDING:
        raise NotFound(f"no process '{key}' version {version}")
    raise Conflict(f"version {version} of '{key}' is superseded; new cases start on the current")


def approve(db: Database, actor: Principal, key: str, version: int) -> ProcessDefinition:
    """A second pair of eyes makes a pending version current (one transaction, audited)."""
    if not actor.has("designer", "admin"):
        raise Forbidden("only administrators and designers approve process versions")

    def work(session: Session) -> ProcessDefinition:
        definition = session.scalar(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key, ProcessDefinition.version == version)
            .with_for_update()
        )
        if definition is None:
            raise NotFound(f"no process '{key}' version {version}")
        if definition.deployed_by == actor.username:
            raise Forbidden("the designer who uploaded a version cannot approve it")
        if definition.status == CURRENT:
            raise Conflict(f"version {version} of '{key}' is already current")
        current = current_definition(session, key)
        if definition.status == SUPERSEDED or (current and current.version > version):
            raise Conflict(f"a newer version of '{key}' is already current")
        previous = current.version if current else None
        make_current(session, definition)
        definition.approved_by = actor.username
        definition.approved_at = clock.now()
        session.flush()
        audit.record(
            session,
            actor,
            "definition_approved",
            key=key,
            version=version,
            previous_version=previous,
            uploaded_by=definition.deployed_by,
        )
        return definition

    return run_in_transaction(db, work)


# --- what changes: the diff a reviewer reads --------------------------------------------
def _elements(xml: str) -> dict[str, tuple[str, str, bytes]]:
    """Every element with an id in the document: ``id -> (kind, name, signature)``.

    The signature is the element's canonical XML without whitespace between tags, so a
    re-indented file shows no change while a changed condition, limit or department does.
    """
    root = parse_bpmn(xml.encode("utf-8"), max_bytes=len(xml.encode("utf-8")) + 1)
    found: dict[str, tuple[str, str, bytes]] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element_id = element.get("id")
        if not element_id or etree.QName(element).localname.startswith("BPMN"):
            continue  # diagram shapes carry ids too; they are layout, not behaviour
        copy = etree.fromstring(etree.tostring(element))
        for node in copy.iter():
            if isinstance(node.tag, str):
                node.tail = node.tail.strip() if node.tail else None
                node.text = node.text.strip() if node.text else node.text
        found[element_id] = (
            etree.QName(element).localname,
            element.get("name") or "",
            etree.tostring(copy, method="c14n"),
        )
    return found


def element_diff(old_xml: str | None, new_xml: str) -> dict[str, list[dict[str, Any]]]:
    """Added, removed and changed elements (id, kind, name) from ``old_xml`` to ``new_xml``."""
    old = _elements(old_xml) if old_xml else {}
    new = _elements(new_xml)

    def row(element_id: str, kind: str, name: str, **extra: Any) -> dict[str, Any]:
        return {"id": element_id, "kind": kind, "name": name, **extra}

    return {
        "added": [row(i, *new[i][:2]) for i in sorted(new.keys() - old.keys())],
        "removed": [row(i, *old[i][:2]) for i in sorted(old.keys() - new.keys())],
        "changed": [
            row(i, new[i][0], new[i][1], old_name=old[i][1])
            for i in sorted(old.keys() & new.keys())
            if old[i][2] != new[i][2]
        ],
    }
