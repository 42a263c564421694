"""Sign-in through the province's unified identity platform (统一身份认证): OpenID
Connect, authorization code with PKCE (S256), by Authlib.

Authlib does the protocol: discovery, the state and nonce kept in the browser's session,
the PKCE verifier, the code exchange, and the id_token's checks (signature against the
platform's published keys, issuer, audience — which it checks only when asked, see
``_claims_options`` — expiry, nonce).  Any of them failing refuses
the sign-in with the login page and 401.  Who the verified claims are is the engine's
business (``engine/services/federated_sign_in.py``).

Logout ends the platform's session too when it offers an ``end_session_endpoint``
(RP-initiated logout, ``end_session_url``).

Configured by the environment (README, Production): ``GOVFLOW_OIDC_ISSUER``,
``GOVFLOW_OIDC_CLIENT_ID`` and the secret in the variable ``GOVFLOW_OIDC_CLIENT_SECRET_ENV``
names.  Without them these pages answer 404 and the login page offers no such button, and
Authlib and requests (~16 MB a worker) are never imported: they load when the platform is
configured (tests/test_lazy_imports.py).
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from engine.errors import Unauthorized
from engine.services import federated_sign_in

from .common import engine, home_endpoint, safe_next, sign_in

bp = Blueprint("identity_platform", __name__)
log = logging.getLogger(__name__)

CLIENT = "govflow_identity_platform"
NEXT = "platform_next"
#: The id_token of a platform sign-in, kept for logout (``id_token_hint``).
ID_TOKEN = "platform_id_token"


def init_app(app: Flask) -> None:
    """Register the platform as this app's OpenID Connect client, when configured."""
    settings = app.extensions["govflow"].settings
    if not settings.oidc_enabled:
        return
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    app.extensions[CLIENT] = oauth.register(
        name="platform",
        client_id=settings.oidc_client_id,
        client_secret=os.environ.get(settings.oidc_client_secret_env, ""),
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )


def _client():  # noqa: ANN202
    client = current_app.extensions.get(CLIENT)
    if client is None:
        abort(404)
    return client


@bp.app_context_processor
def _offer_platform() -> dict[str, bool]:
    return {"platform_sign_in": CLIENT in current_app.extensions}


@bp.get("/login/platform")
def start():  # noqa: ANN201
    """Off to the platform; it sends the browser back to ``callback``."""
    client = _client()
    next_url = safe_next(request.args.get("next"))
    if next_url:
        session[NEXT] = next_url
    return client.authorize_redirect(url_for("identity_platform.callback", _external=True))


@bp.get("/login/platform/callback")
def callback():  # noqa: ANN201
    client = _client()  # configured, so Authlib is loaded already
    import requests
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import JoseError

    next_url = safe_next(session.pop(NEXT, None))
    try:
        token = client.authorize_access_token(claims_options=_claims_options(client))
        claims = token.get("userinfo")
        if not claims:
            raise OAuthError(description="no id_token in the platform's answer")
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as exc:
        log.warning("identity platform sign-in refused: %s", exc)
        return _refused(_("The identity platform's answer could not be verified. Sign in again."))
    try:
        user, page_session = federated_sign_in.sign_in_with_claims(
            engine(), dict(claims), lifetime=current_app.permanent_session_lifetime
        )
    except Unauthorized:
        return _refused(_("This identity has no active account here. Ask the administrator."))
    sign_in(user, page_session)
    if client.load_server_metadata().get("end_session_endpoint"):
        # handed back at logout; it stays in the browser's own (signed, HttpOnly) cookie
        session[ID_TOKEN] = token.get("id_token")
    return redirect(next_url or url_for(home_endpoint(user)))


def end_session_url() -> str | None:
    """Where logout sends a browser signed in through the platform, so the platform's
    session ends too (RP-initiated logout), or None: signed in with a password, or a
    platform that offers no ``end_session_endpoint``.  Read before the session is
    cleared."""
    client = current_app.extensions.get(CLIENT)
    id_token = session.get(ID_TOKEN)
    if client is None or not id_token:
        return None
    import requests

    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError):
        return None  # our side still ends; the platform's session times out on its own
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": client.client_id,
            "post_logout_redirect_uri": url_for("auth.login", _external=True),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def allow_form_target(response, url: str):  # noqa: ANN001, ANN201
    """The logout form's answer redirects to the platform: its origin joins the page's
    ``form-action`` (browsers apply it to a form's redirects too)."""
    parts = urlsplit(url)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
        f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )
    return response


def _claims_options(client) -> dict:  # noqa: ANN001
    """What the id_token must say beyond its signature, expiry and nonce: issued by the
    platform, to us.  Authlib checks the issuer by default but the audience only when
    told (OpenID Connect Core 3.1.3.7: the aud claim MUST contain our client id), and an
    explicit option replaces its default, so both are given here."""
    return {
        "iss": {"essential": True, "value": client.load_server_metadata()["issuer"]},
        "aud": {"essential": True, "value": client.client_id},
    }


def _refused(error: str):  # noqa: ANN202
    page = render_template(
        "login.html",
        next_url=None,
        error=error,
        username="",
        demo=bool(engine().settings.demo),
    )
    return page, 401
