"""Which form a task or an application uses: uploaded with the version, else shipped."""

from __future__ import annotations

from collections.abc import Iterable

from ..forms import FormDefinition, FormRegistry, generic_form
from ..models import ProcessDefinition


def registry_for(shipped: FormRegistry, definition: ProcessDefinition) -> FormRegistry:
    if not definition.forms:
        return shipped
    return shipped.with_extra([FormDefinition.from_dict(f) for f in definition.forms])


def form_for(
    shipped: FormRegistry,
    definition: ProcessDefinition,
    key: str | None,
    called: Iterable[ProcessDefinition] = (),
) -> FormDefinition:
    """``called``: the definitions the case's call activities ran; a task of one of them
    may use a form uploaded with it."""
    if not key:
        return generic_form()
    found = registry_for(shipped, definition).get(key)
    for other in called:
        if found is None and other.forms:
            found = registry_for(shipped, other).get(key)
    return found
