"""The one source of "now".

Everything time-dependent asks this module, so tests can move time with time-machine and
the scheduler, deadlines and audit trail agree on the same instant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: Government offices of the demo work on Beijing time; all times are shown with this offset.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)


def local(moment: datetime | None) -> datetime | None:
    """``moment`` converted to Beijing time for display (``None`` stays ``None``)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def isoformat(moment: datetime | None) -> str | None:
    """ISO 8601 with the +08:00 offset, as API.md requires."""
    shown = local(moment)
    return shown.isoformat(timespec="seconds") if shown else None
