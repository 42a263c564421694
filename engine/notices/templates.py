"""What a notice says: a template per kind, the matter's own or the default.

``templates/default.json`` holds every kind; ``templates/<matter key>.json`` may replace
any of them for one matter.  A template is a title and paragraphs; a paragraph is text
with ``{placeholders}`` filled from the notice's context (a missing value reads as
nothing, and a paragraph left empty is dropped), or a list: ``{"list": "<context key>",
"heading"?, "line": "{n}. {name}：{reason}"}`` prints one line per item (every material
of a 补正 at once) and nothing when the list is empty.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "templates"
DEFAULT = "default"


@dataclass(frozen=True)
class Template:
    source: str  # "default" or the matter's key
    title: str
    paragraphs: tuple[Any, ...]


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@cache
def _load(name: str) -> dict[str, Any]:
    path = HERE / f"{name}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def kinds() -> tuple[str, ...]:
    return tuple(_load(DEFAULT))


def template_for(process_key: str, kind: str) -> Template:
    """The matter's template of ``kind`` when it has one, else the default's."""
    own = _load(process_key) if process_key.replace("_", "").isalnum() else {}
    source = process_key if kind in own else DEFAULT
    found = (own if kind in own else _load(DEFAULT)).get(kind)
    if found is None:
        raise KeyError(f"no notice template for {kind!r}")
    return Template(source, found["title"], tuple(found["paragraphs"]))


def _fill(text: str, values: dict[str, Any]) -> str:
    # format_map with a forgiving mapping; only plain names are allowed in templates
    names = [f for _, f, _, _ in string.Formatter().parse(text) if f]
    if any(not n.isidentifier() for n in names):
        raise ValueError(f"template placeholders must be plain names: {text!r}")
    shown = _Blank({k: "" if v is None else v for k, v in values.items()})
    return text.format_map(shown)


def render_paragraphs(template: Template, context: dict[str, Any]) -> list[str]:
    """The paragraphs of the notice, filled in; empty ones dropped."""
    out: list[str] = []
    for paragraph in template.paragraphs:
        if isinstance(paragraph, str):
            text = _fill(paragraph, context).strip()
            if text:
                out.append(text)
            continue
        items = context.get(paragraph["list"]) or []
        if not items:
            continue
        if paragraph.get("heading"):
            out.append(_fill(paragraph["heading"], context))
        for n, item in enumerate(items, start=1):
            values = item if isinstance(item, dict) else {"name": item, "text": item}
            out.append(_fill(paragraph["line"], {**values, "n": n}))
    return out
