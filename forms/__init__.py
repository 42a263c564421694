"""Task form definitions shipped with govflow (one JSON file per form).

``camunda:formKey="property_transfer/acceptance"`` names the definition whose ``key`` is
that; by convention the file sits at ``property_transfer/acceptance.json``.  Forms uploaded
with a BPMN come on top of these (see :meth:`engine.forms.FormRegistry.with_extra`).
"""

from __future__ import annotations

import functools
from pathlib import Path

from engine.forms import FormRegistry

FORMS_DIR = Path(__file__).parent


@functools.cache
def shipped_forms() -> FormRegistry:
    """Every definition under :data:`FORMS_DIR`, loaded once (the registry is immutable)."""
    return FormRegistry.load_directory(FORMS_DIR)
