"""Server-rendered pages for the four kinds of user (Jinja, Flask-Babel, session auth).

Pages call the same engine services as the REST API and render the same JSON shapes
(``engine.services.serializers``), so masking and access rules are the API's.  Nothing here
decides a business rule.

``register_pages(app)`` wires everything: the session secret, CSRF, the language,
security headers, template helpers and one blueprint per kind of user.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel

from . import csrf
from .common import LANG_COOKIE, SUPPORTED_LANGS, template_helpers
from .session_cookie import PageSessionInterface


def _secret_key(app: Flask) -> str:
    """GOVFLOW_SECRET_KEY, else a random key kept in the data dir (shared by all workers)."""
    if os.environ.get("GOVFLOW_SECRET_KEY"):
        return os.environ["GOVFLOW_SECRET_KEY"]
    settings = app.extensions["govflow"].settings
    path = Path(settings.data_dir) / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def select_locale() -> str:
    """``?lang=`` (remembered in a cookie), else the cookie, else the browser; zh first."""
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted in SUPPORTED_LANGS:
        return wanted
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh")
    return "en" if best and best.startswith("en") else "zh"


def register_pages(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)
    # Assigned, not ``setdefault``: Flask's defaults already hold these keys (a 31-day
    # cookie named "session", no SameSite), so a default set here would never apply.
    app.config.update(
        SESSION_COOKIE_NAME="govflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The cookie's end; the page-session row ends at the same moment on the server.
        PERMANENT_SESSION_LIFETIME=timedelta(
            hours=app.extensions["govflow"].settings.session_hours
        ),
        # A sign-in lasts its lifetime from sign-in, not from the last click.
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    # Name and Secure flag follow the scheme of each request (``session_cookie``).
    app.session_interface = PageSessionInterface()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    Babel(app, locale_selector=select_locale)

    csrf.init_app(app)
    app.context_processor(template_helpers)

    @app.after_request
    def _page_headers(response):  # noqa: ANN001, ANN202
        if request.path.startswith("/api/"):
            return response
        if request.args.get("lang") in SUPPORTED_LANGS:
            response.set_cookie(
                LANG_COOKIE, request.args["lang"], max_age=365 * 86400, samesite="Lax"
            )
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "font-src 'self' data:; object-src 'none'; base-uri 'self'; "
                "form-action 'self'; frame-ancestors 'none'",
            )
            response.headers.setdefault("X-Frame-Options", "DENY")
            if g.get("page_user") is not None:
                response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    from . import applicant, auth, cases, clerk, designer, incidents, supervisor, verbs

    for module in (auth, designer, clerk, applicant, cases, supervisor, verbs, incidents):
        app.register_blueprint(module.bp)
    from . import admin  # departments, users, one's own password

    app.register_blueprint(admin.bp)
    from . import parties  # confirming a case as its party; who used my data

    app.register_blueprint(parties.bp)
    from . import identity_platform  # 统一身份认证 (OpenID Connect), when configured

    identity_platform.init_app(app)
    app.register_blueprint(identity_platform.bp)

    from . import statistics  # figures, trend, drill-down, export, re-engineering report

    app.register_blueprint(statistics.bp)

    from . import notices  # 文书, the inbox and its bell, 延期

    app.register_blueprint(notices.bp)

    from . import reforms  # 容缺受理 at the window, 告知承诺 by the applicant

    app.register_blueprint(reforms.bp)

    from . import jobs  # the queue of outbound calls (admin)

    app.register_blueprint(jobs.bp)

    from . import sharing  # 共享申请: the designer's request, the provider department's decision

    app.register_blueprint(sharing.bp)

    from . import calendar, providers  # the administrator's calendar and providers

    app.register_blueprint(calendar.bp)
    app.register_blueprint(providers.bp)

    from . import window  # 代办: a case started at the counter for the applicant

    app.register_blueprint(window.bp)
