"""Time-limit notation of process designers: ``3wd``, ``0.5wd``, ``4h`` (DOMAIN.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(wd|h)\s*$")


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str  # "working_days" | "hours"

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.unit, "limit": self.amount}


def parse_limit(text: str | None) -> Limit | None:
    """``"3wd"`` → 3 working days, ``"4h"`` → 4 office hours; ``None`` for nothing given.

    Raises ``ValueError`` for anything else, so deploy can name the element.
    """
    if text is None or not text.strip():
        return None
    match = _LIMIT.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"time limit '{text}' is not of the form '3wd', '0.5wd' or '4h'")
    amount = float(match.group(1))
    unit = "working_days" if match.group(2) == "wd" else "hours"
    return Limit(int(amount) if amount.is_integer() else amount, unit)
