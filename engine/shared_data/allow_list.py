"""What a provider endpoint may name: operator allow-lists, not the API's choice.

An administrator configures endpoints through the API; an operator configures the
machine.  Without these limits an administrator account (or whoever took it over) could
point a provider at a listener of its own and have govflow send it citizens' ID numbers,
or name ``GOVFLOW_SECRET_KEY`` (which signs every session) as the "credential" and
receive it as a bearer token.  So:

* a credential variable must be named ``GOVFLOW_EXCHANGE_…`` — a family the operator
  keeps for exchange-platform secrets — and is never one of the app's own settings;
* a URL's host must be listed in ``GOVFLOW_EXCHANGE_HOSTS`` (comma-separated, ``host``
  or ``host:port``), read from the environment at every check so no worker keeps a
  stale copy.

Both are checked when an endpoint is configured (422) and again before every request,
so narrowing the list takes effect for endpoints stored earlier.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

CREDENTIAL_PREFIX = "GOVFLOW_EXCHANGE_"
HOSTS_ENV = "GOVFLOW_EXCHANGE_HOSTS"
#: The app's own settings: never sent anywhere, whatever their name looks like.
APP_SECRETS = frozenset(
    {
        "GOVFLOW_SECRET_KEY",
        "GOVFLOW_DATABASE_URL",
        "GOVFLOW_TEST_DATABASE_URL",
        HOSTS_ENV,
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def credential_env_problem(name: str) -> str | None:
    """Why ``name`` may not hold a provider credential, or None when it may."""
    if name in APP_SECRETS or not name.startswith(CREDENTIAL_PREFIX):
        return (
            f"only a variable named {CREDENTIAL_PREFIX}… may hold an exchange credential "
            "(never one of govflow's own settings)"
        )
    return None


def allowed_hosts() -> list[tuple[str, int | None]]:
    """``GOVFLOW_EXCHANGE_HOSTS`` as ``(host, port or None for any port)`` pairs."""
    allowed = []
    for entry in os.environ.get(HOSTS_ENV, "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            parts = urlsplit("//" + entry)
            host, port = parts.hostname, parts.port
        except ValueError:  # a malformed entry allows nothing
            continue
        if host:
            allowed.append((host.lower(), port))
    return allowed


def url_problem(url: str) -> str | None:
    """Why govflow may not send requests to ``url``, or None when it may."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "not a valid URL"
    if parts.username is not None or parts.password is not None:
        return "no user or password in the URL: name a credential variable instead"
    if not host:
        return "the URL names no host"
    port = port or _DEFAULT_PORTS.get(parts.scheme)
    for allowed_host, allowed_port in allowed_hosts():
        if host.lower() == allowed_host and allowed_port in (None, port):
            return None
    return (
        f"the host {host}{'' if port is None else f':{port}'} is not in {HOSTS_ENV} "
        "(the operator's list of exchange hosts)"
    )
