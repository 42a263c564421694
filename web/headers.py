"""Headers on every answer of the API, and a server that does not announce its version.

API answers carry personal data (names, ID numbers, pulled records, uploaded files):
no cache along the way or in the browser may keep them (``no-store``), and no browser
may guess a different type than the one declared (``nosniff``).  Pages set their own in
``web.pages`` (``no-store`` on every page a signed-in user sees).
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler

SERVER_NAME = "govflow"


def _api_headers(response: Response) -> Response:
    if request.path.startswith("/api/"):
        response.headers["X-Content-Type-Options"] = "nosniff"
        if "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
    # A version in ``Server`` tells an attacker which advisories apply; the app never
    # sets one (the WSGI server's own header is handled by ``QuietRequestHandler``).
    response.headers.pop("Server", None)
    return response


def register(app: Flask) -> None:
    app.after_request(_api_headers)


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without ``Server: Werkzeug/x.y Python/x.y`` (gunicorn
    sends a bare ``Server: gunicorn``, no version)."""

    @property
    def server_version(self) -> str:  # type: ignore[override]
        return SERVER_NAME

    def version_string(self) -> str:
        return SERVER_NAME
