"""CSRF protection for the pages: a per-session random token in every form.

Every unsafe request (POST, PUT, PATCH, DELETE) outside ``/api/`` must carry the session's
token in the ``csrf_token`` form field or the ``X-CSRF-Token`` header; otherwise 400.  The
API is exempt: it authenticates with a bearer token, never with the cookie.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

SESSION_KEY = "_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def token() -> str:
    """The session's token, created on first use."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def rotate() -> None:
    """A fresh token (at login and logout)."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


def _check() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if request.path.startswith("/api/") or request.path.startswith("/static/"):
        return
    expected = session.get(SESSION_KEY)
    given = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), str(given)):
        abort(400, description="csrf")


def init_app(app: Flask) -> None:
    app.before_request(_check)
