"""HTML forms ↔ form definitions: what a browser posts becomes the JSON the engine validates.

Browsers send every value as a string; the engine (rightly) takes only JSON types.  Here
``"true"``/``"false"`` become booleans and numeric text becomes numbers; anything that does
not convert is passed on as it is so the engine's validation names the problem.  Blank
inputs are left out (the engine then applies defaults or says "required").
"""

from __future__ import annotations

import math
from typing import Any

from werkzeug.datastructures import MultiDict

_NUMERIC = ("integer", "number")


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def from_form(definition: dict[str, Any], form: MultiDict) -> dict[str, Any]:
    """The submission of ``definition`` (the JSON form definition) from posted ``form``."""
    data: dict[str, Any] = {}
    for field in definition.get("fields", []):
        name, kind = field["name"], field["type"]
        raw = form.get(name)
        if raw is None or not raw.strip():
            continue
        raw = raw.strip()
        if kind == "boolean":
            data[name] = {"true": True, "false": False}.get(raw, raw)
        elif kind in _NUMERIC:
            data[name] = _number(raw)
        else:
            data[name] = raw
    return data


def as_text(value: Any) -> str:
    """A stored value as an input's ``value``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_values(
    definition: dict[str, Any], posted: MultiDict | None, initial: dict[str, Any] | None
) -> dict[str, str]:
    """What each input shows: what was just posted (after an error), else ``initial``."""
    values: dict[str, str] = {}
    for field in definition.get("fields", []):
        name = field["name"]
        if posted is not None:
            values[name] = posted.get(name, "")
        elif initial and name in initial:
            values[name] = as_text(initial[name])
        elif "default" in field:
            values[name] = as_text(field["default"])
        else:
            values[name] = ""
    return values
