"""Sign in, sign out, and the front door that sends each role to its own home."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import TooManyAttempts, Unauthorized
from engine.services import auth

from . import identity_platform
from .common import current_user, engine, home_endpoint, safe_next, sign_in, sign_out

bp = Blueprint("auth", __name__)


@bp.get("/")
def index():  # noqa: ANN201
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(user)))


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        user = current_user()
        if user is not None:
            return redirect(next_url or url_for(home_endpoint(user)))
        return render_template(
            "login.html", next_url=next_url, error=None, username="", demo=_demo()
        )
    username = (request.form.get("username") or "").strip()
    try:
        user, page_session = auth.login(
            engine(),
            username,
            request.form.get("password") or "",
            lifetime=current_app.permanent_session_lifetime,
            address=request.remote_addr,
        )
    except TooManyAttempts as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        error = _("Too many failed sign-ins. Try again in %(n)s minutes.", n=minutes)
        page = render_template(
            "login.html", next_url=next_url, error=error, username=username, demo=_demo()
        )
        return page, 429, {"Retry-After": str(exc.retry_after)}
    except Unauthorized as exc:
        error = _("Wrong username or password.")
        if exc.code == "password_sign_in_off":
            error = _("Passwords are switched off for your account: use the identity platform.")
        page = render_template(
            "login.html", next_url=next_url, error=error, username=username, demo=_demo()
        )
        return page, 401
    if home_endpoint(user) == "auth.login":
        # A system account (``integration``) has no page: it delivers messages through
        # the API, and signed in it would be sent back here without end.
        auth.logout(engine(), page_session)
        error = _("This is a system account: it uses the API only.")
        page = render_template(
            "login.html", next_url=next_url, error=error, username=username, demo=_demo()
        )
        return page, 403
    sign_in(user, page_session)
    return redirect(next_url or url_for(home_endpoint(user)))


@bp.post("/logout")
def logout():  # noqa: ANN201
    platform_logout = identity_platform.end_session_url()  # before the session is gone
    sign_out()
    if platform_logout:
        return identity_platform.allow_form_target(redirect(platform_logout), platform_logout)
    return redirect(url_for("auth.login"))


def _demo() -> bool:
    return bool(engine().settings.demo)
