"""Every error answers ``{"error": {"code", "message", "details"}}`` (API.md)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from engine.errors import GovflowError, TooManyAttempts, database_unreachable

from .deploy_messages import localized
from .i18n import asked_language, message

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_attempts",
}


def error_response(status: int, code: str, detail: str = "", details: dict | None = None):  # noqa: ANN201
    body = {"code": code, "message": message(code, detail), "details": dict(details or {})}
    if detail and detail != body["message"]:
        body["details"].setdefault("reason", detail)
    return jsonify({"error": body}), status


def register(app: Flask) -> None:
    from .pages.errors import html_error, wants_html  # pages: HTML, not JSON, outside /api/

    @app.errorhandler(GovflowError)
    def _domain(exc: GovflowError):  # noqa: ANN202
        if wants_html():
            return html_error(exc.status, exc.code)
        details = exc.details
        if isinstance(details.get("elements"), list):  # a deploy's problems, per element
            details = {**details, "elements": localized(details["elements"], asked_language())}
        response = error_response(exc.status, exc.code, exc.message, details)
        if isinstance(exc, TooManyAttempts):
            response[0].headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # noqa: ANN202
        status = exc.code or 500
        if wants_html():
            return html_error(status, _HTTP_CODES.get(status, ""), exc.description or "")
        return error_response(status, _HTTP_CODES.get(status, "bad_request"), exc.description or "")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # noqa: ANN202
        if database_unreachable(exc):  # restarting or down: nothing was done, try again
            log.warning("database unreachable: %s", str(exc).splitlines()[0][:200])
            if wants_html():
                return html_error(503, "database_unavailable")
            response = error_response(503, "database_unavailable")
            response[0].headers["Retry-After"] = "5"
            return response
        # Never a stack trace or internal detail to the user; the log keeps it.
        log.exception("unhandled error")
        if wants_html():
            return html_error(500, "internal_error")
        return error_response(500, "internal_error")
