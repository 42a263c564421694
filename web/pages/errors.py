"""Friendly HTML error pages for everything outside ``/api/`` (no stack trace, ever)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

TITLES = {
    400: _l("The request could not be processed"),
    401: _l("Please sign in"),
    403: _l("You may not open this page"),
    404: _l("Page not found"),
    405: _l("This action is not possible here"),
    409: _l("Someone else changed this"),
    413: _l("The file is too large"),
    422: _l("Please check what you entered"),
    500: _l("Something went wrong on our side"),
}

EXPLANATIONS = {
    400: _l("The page sent something we could not read. Go back, reload the page and try again."),
    403: _l(
        "Your account has no access to this page. If you think it should, ask your administrator."
    ),
    404: _l("The page or record does not exist, or it is not visible to your account."),
    405: _l("Go back and use the buttons on the page."),
    409: _l("The record changed while you were working on it. Reload the page and try again."),
    413: _l("Upload a smaller file."),
    422: _l("Go back and correct the form."),
    500: _l("The error has been logged. Please try again in a moment."),
}

CSRF_EXPLANATION = _l(
    "Your session expired or the form was sent from somewhere else. Reload the page and send "
    "the form again."
)


def wants_html() -> bool:
    return not request.path.startswith("/api/")


def html_error(status: int, code: str = "", detail: str = ""):  # noqa: ANN201
    """The error page for ``status``; a missing sign-in goes to the login page instead."""
    if status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    shown = status if status in TITLES else (500 if status >= 500 else 400)
    explanation = CSRF_EXPLANATION if detail == "csrf" else EXPLANATIONS.get(shown, "")
    try:
        body = render_template(
            "error.html", status=shown, title=TITLES[shown], explanation=explanation
        )
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        body = f"<!doctype html><title>{shown}</title><h1>{shown}</h1>"
    return body, status
