"""Which form a task or an application uses: uploaded with the version, else shipped."""

from __future__ import annotations

from ..forms import FormDefinition, FormRegistry, generic_form
from ..models import ProcessDefinition


def registry_for(shipped: FormRegistry, definition: ProcessDefinition) -> FormRegistry:
    if not definition.forms:
        return shipped
    return shipped.with_extra([FormDefinition.from_dict(f) for f in definition.forms])


def form_for(
    shipped: FormRegistry, definition: ProcessDefinition, key: str | None
) -> FormDefinition:
    if not key:
        return generic_form()
    return registry_for(shipped, definition).get(key)
