"""The page-session cookie: its flags follow how the page was reached.

* ``HttpOnly`` and ``SameSite=Lax`` always (scripts cannot read it; other sites' forms
  do not carry it);
* over HTTPS its name is ``__Host-govflow_session``: browsers keep such a cookie only if
  it is ``Secure``, for ``/``, without a ``Domain`` — so neither a sibling subdomain nor a
  plain-HTTP page can plant or overwrite it;
* ``Secure`` everywhere except local development (plain HTTP to a loopback address),
  where there is no TLS to require.  A deployment serving plain HTTP to other hosts thus
  gets a cookie browsers will not send back: put TLS in front (and set
  ``GOVFLOW_PROXY_HOPS`` so the app sees the original scheme and address).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

HTTPS_NAME = "__Host-govflow_session"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _https() -> bool:
    return bool(request) and request.is_secure


def _local_development() -> bool:
    if not request:
        return False
    return not request.is_secure and urlsplit("//" + request.host).hostname in LOOPBACK


class PageSessionInterface(SecureCookieSessionInterface):
    def get_cookie_name(self, app: Flask) -> str:
        return HTTPS_NAME if _https() else super().get_cookie_name(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return not _local_development()

    def get_cookie_path(self, app: Flask) -> str:
        return "/" if _https() else super().get_cookie_path(app)

    def get_cookie_domain(self, app: Flask) -> str | None:
        return None if _https() else super().get_cookie_domain(app)

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True

    def get_cookie_samesite(self, app: Flask) -> str:
        return "Lax"
