"""Data reaches pages only through autoescaping and ``|tojson``: nothing in web/ marks a
string as safe markup.  (The browser test ``tests/browser/test_markup_injection.py``
proves the pages; this keeps the shortcut from coming back between its runs.)"""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "web"


def _files(*patterns: str) -> list[Path]:
    return [p for pattern in patterns for p in WEB.rglob(pattern) if "vendor" not in p.parts]


def test_no_template_marks_data_safe():
    offenders = [
        f"{path.relative_to(WEB)}:{n}"
        for path in _files("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\|\s*safe\b|\{%-?\s*autoescape\s+false", line)
    ]
    assert offenders == []


def test_no_python_in_web_builds_markup():
    offenders = [
        f"{path.relative_to(WEB)}:{n}"
        for path in _files("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bMarkup\(|\bescape\s*=\s*False|autoescape\s*=\s*False", line)
    ]
    assert offenders == []


def test_the_guard_sees_what_it_looks_for():
    """The patterns match the forms the old dashboard used."""
    assert re.search(r"\|\s*safe\b", "{{ chart_json|safe }}")
    assert re.search(r"\|\s*safe\b", "{{ described | safe }}")
    assert re.search(r"\bMarkup\(", "return Markup(text)")
