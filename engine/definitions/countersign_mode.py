"""The ``countersign`` property of a 会签 step (read at deploy and at run time)."""

from __future__ import annotations

import re

MODE = re.compile(r"^(all|any|quorum:([1-9][0-9]*))$")


def parse_mode(value: str | None) -> tuple[str, int | None]:
    """``("all"|"any"|"quorum", N)``; raises ValueError for anything else."""
    text = (value or "all").strip()
    match = MODE.match(text)
    if not match:
        raise ValueError(f"countersign '{text}' is not all, any or quorum:N")
    if match.group(2):
        return "quorum", int(match.group(2))
    return text, None
