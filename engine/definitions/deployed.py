"""Deployed definitions as every worker keeps them: read once, then from memory.

Deployed versions never change and their ids are never reused, so each worker keeps the
rows it has read (detached, read-only), keyed by database and id, instead of fetching
the XML and metadata again for every command — the executor for the case's own and
called definitions, the notices for the matter's name and limits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..models import ProcessDefinition

_DEFINITIONS: dict[tuple[str, int], ProcessDefinition] = {}


def deployed_definition(session: Session, definition_id: int) -> ProcessDefinition | None:
    """The deployed definition ``definition_id`` (detached: read it, never change it), or
    None when there is none."""
    key = (str(session.get_bind().url), definition_id)
    definition = _DEFINITIONS.get(key)
    if definition is None:
        if identity_key(ProcessDefinition, definition_id) in session.identity_map:
            # the command holds the row itself (it may be changing it): leave it there
            return session.get(ProcessDefinition, definition_id)
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None:
            return None
        session.expunge(definition)
        if len(_DEFINITIONS) > 512:
            _DEFINITIONS.clear()
        _DEFINITIONS[key] = definition
    return definition
