"""Serving a stored upload (a material, a step's attachment): one answer for the API's
download and the case page's preview, so both keep the same headers."""

from __future__ import annotations

from typing import Any

from flask import Response, send_file


def stored_file_response(stored: Any, *, inline: bool = False) -> Response:
    """The file with its declared type, never sniffed or kept by a cache; saved as an
    attachment unless ``inline`` (then it may open in the browser)."""
    response = send_file(
        stored.path,
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=stored.filename,
        etag=stored.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
