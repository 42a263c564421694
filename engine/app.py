"""The engine as one object: settings, database, providers and forms.

Web, CLI and scheduler each build one ``Govflow`` and call the services with it; nothing
here knows about Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Settings
from .db import Database
from .forms import FormRegistry
from .private_files import private_dir
from .shared_data.providers import DatabaseProvider, built_in_providers


@dataclass
class Govflow:
    settings: Settings
    db: Database
    providers: dict[str, DatabaseProvider] = field(default_factory=built_in_providers)
    forms: FormRegistry | None = None

    @classmethod
    def create(cls, settings: Settings | None = None) -> Govflow:
        settings = settings or Settings.from_env()
        private_dir(settings.data_dir)
        from forms import shipped_forms

        from .services import disputes  # registers the "dispute" side-task kind
        from .verbs import ratings  # registers the "rectification" side-task kind

        return cls(
            settings,
            Database.connect(settings.effective_database_url),
            forms=shipped_forms().with_extra([disputes.DISPUTE_FORM, ratings.RECTIFICATION_FORM]),
        )

    def close(self) -> None:
        self.db.dispose()
