"""The engine context: settings, database, providers and forms, passed to every command.

Only a type and its fields live here, so every layer may import it; ``engine.bootstrap``
builds one.  Nothing here knows about Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import Settings
from .db import Database
from .forms import FormRegistry
from .shared_data.providers import DatabaseProvider, built_in_providers


@dataclass
class Govflow:
    settings: Settings
    db: Database
    providers: dict[str, DatabaseProvider] = field(default_factory=built_in_providers)
    forms: FormRegistry | None = None
    #: Called with ``(session, case, definition)`` at the end of every command on a case,
    #: inside its transaction (the statistics keep their rollup right this way); set by
    #: ``engine.bootstrap``, which knows the services that watch.
    case_observers: tuple[Callable[[Any, Any, Any], None], ...] = ()

    def close(self) -> None:
        self.db.dispose()
