"""Composition: build the engine context the web app, the CLI and the scheduler share.

The one module that knows every part: it sits above the services, so the context type
(``engine.context``) can stay below them.
"""

from __future__ import annotations

from forms import shipped_forms

from .config import Settings
from .context import Govflow
from .db import Database
from .notices import deliveries
from .outbound.configured import channels_off
from .private_files import private_dir
from .services import side_tasks
from .statistics import tracking


def create_govflow(settings: Settings | None = None) -> Govflow:
    """Connect to the database and load the forms (shipped ones and those of side tasks)."""
    settings = settings or Settings.from_env()
    private_dir(settings.data_dir)
    govflow = Govflow(
        settings,
        Database.connect(settings.effective_database_url),
        forms=shipped_forms().with_extra(side_tasks.FORMS),
        case_observers=(tracking.track,),
    )
    # Read at each notification, so settings changed on a running instance count at once.
    govflow.db.session_info[deliveries.CHANNELS_OFF] = lambda: channels_off(govflow.settings)
    return govflow
