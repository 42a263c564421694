"""The Flask application: REST API (and later pages) over the engine.

``create_app`` builds everything; nothing happens at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from engine.bootstrap import create_govflow
from engine.config import Settings

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings.effective_database_url,
        # Upload bodies above this are refused by Werkzeug before we read them (413).
        MAX_CONTENT_LENGTH=max(settings.max_bpmn_bytes * 4, settings.max_upload_bytes)
        + 1024 * 1024,
        JSON_AS_ASCII=False,
        **config,
    )
    app.json.ensure_ascii = False
    app.extensions["govflow"] = create_govflow(settings)

    from .extensions import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)

    from . import errors, headers
    from .api import register_api

    errors.register(app)
    register_api(app)

    from .pages import register_pages

    register_pages(app)
    headers.register(app)
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
