"""A provider that asks a data-exchange platform over HTTP (stdlib ``urllib``, no client lib).

The contract (docs/SHARED_DATA.md has the full text)::

    POST <url>   Authorization: Bearer <secret from $credential_env>
    {"provider": "property", "key": "BJ2024-0012345", "purpose": "property_transfer/pull_property"}

    200 {"found": true, "record_key": "...", "subject_id_number": "...", "data": {...}}
    200 {"found": false}   or   404          → no such record
    5xx, timeout, connection refused         → transient: retried, then "unavailable"
    other 4xx, a body that is not JSON, an answer without a ``data`` object → "error"

Only the fields the provider declares are kept (data minimisation): an endpoint that
answers more does not make govflow store more.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from . import allow_list
from .providers import DatabaseProvider, Record

#: An exchange-platform answer bigger than this is refused, not read into memory.
MAX_ANSWER_BYTES = 1024 * 1024
#: Pause before retry n is ``BACKOFF_SECONDS * n``: short, the case is locked meanwhile.
BACKOFF_SECONDS = 0.1


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is for us: urllib would follow it to any
    host, outside ``GOVFLOW_EXCHANGE_HOSTS``, carrying the Authorization header along."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201, PLR0913
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


class ProviderUnavailable(Exception):
    """The platform did not answer (timeout, connection refused, 5xx) — maybe later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderFailed(Exception):
    """The platform answered something unusable (malformed JSON, 4xx): retrying won't help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_http_url(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True)
class HttpProvider:
    """A declared provider (``spec``) whose records come from an exchange-platform URL."""

    spec: DatabaseProvider
    url: str
    timeout: float = 3.0
    retries: int = 2
    credential_env: str | None = None

    # The declaration is the spec's: an endpoint cannot change what is shared or how.
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def department(self) -> str:
        return self.spec.department

    @property
    def fields(self) -> tuple[str, ...]:
        return self.spec.fields

    @property
    def personal(self) -> bool:
        return self.spec.personal

    @property
    def transport(self) -> str:
        return "http"

    def lookup(self, session: Session, key: str, purpose: str = "") -> Record | None:
        """The platform's record for ``key``; ``None`` if it has none.

        Records govflow issued itself (a deed-tax certificate, an e-licence) live in the
        local table until the platform syncs them, so for those kinds a "not found" asks
        there too.  Raises ``ProviderUnavailable`` or ``ProviderFailed``.
        """
        answer = self._ask(key, purpose)
        if answer is None and self.spec.issued_here:
            return self.spec.lookup(session, key, purpose)
        return answer

    def ask(self, key: str, purpose: str = "") -> Record | None:
        """The platform's answer alone, reading no local table: what a job asks with no
        transaction open (the caller looks in the local table for ``issued_here`` kinds)."""
        return self._ask(key, purpose)

    def publish(
        self, session: Session, key: str, data: dict[str, Any], subject: str | None
    ) -> Record:
        return self.spec.publish(session, key, data, subject)

    # --- the exchange ------------------------------------------------------------------
    def _ask(self, key: str, purpose: str) -> Record | None:
        if not is_http_url(self.url):
            raise ProviderFailed("the provider's URL is not an http(s) URL")
        # Checked again at use: an endpoint stored before the operator narrowed a list.
        problem = allow_list.url_problem(self.url) or (
            self.credential_env and allow_list.credential_env_problem(self.credential_env)
        )
        if problem:
            raise ProviderFailed(problem)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.credential_env:
            secret = os.environ.get(self.credential_env)
            if not secret:
                raise ProviderFailed(f"credential variable {self.credential_env} is not set")
            headers["Authorization"] = f"Bearer {secret}"
        body = json.dumps(
            {"provider": self.name, "key": key, "purpose": purpose}, ensure_ascii=False
        ).encode("utf-8")
        attempts = 1 + max(0, self.retries)
        last = "no attempt made"
        for attempt in range(1, attempts + 1):
            try:
                return self._once(body, headers, key)
            except ProviderUnavailable as exc:
                last = exc.reason
                if attempt < attempts:
                    time.sleep(BACKOFF_SECONDS * attempt)
        raise ProviderUnavailable(f"{last} (after {attempts} attempts)")

    def _once(self, body: bytes, headers: dict[str, str], key: str) -> Record | None:
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            if exc.code >= 500 or exc.code == 429:
                raise ProviderUnavailable(f"the platform answered HTTP {exc.code}") from None
            if exc.code in (401, 403):
                raise ProviderFailed(
                    f"the platform refused govflow's credentials (HTTP {exc.code})"
                ) from None
            raise ProviderFailed(f"the platform refused the request (HTTP {exc.code})") from None
        except TimeoutError:
            raise ProviderUnavailable(f"no answer within {self.timeout:g} s") from None
        except OSError as exc:  # URLError, connection refused/reset, DNS
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ProviderUnavailable(f"no answer within {self.timeout:g} s") from None
            raise ProviderUnavailable(f"cannot reach the platform ({reason})") from None
        return self._record(raw, key)

    def _record(self, raw: bytes, key: str) -> Record | None:
        if len(raw) > MAX_ANSWER_BYTES:
            raise ProviderFailed("the platform's answer is larger than 1 MB")
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ProviderFailed("the platform's answer is not valid JSON") from None
        if not isinstance(answer, dict):
            raise ProviderFailed("the platform's answer is not a JSON object")
        if answer.get("found") is False:
            return None
        data = answer.get("data")
        if not isinstance(data, dict):
            raise ProviderFailed("the platform's answer has no 'data' object")
        subject = answer.get("subject_id_number")
        return Record(
            str(answer.get("record_key") or key)[:200],
            {k: v for k, v in data.items() if k in self.fields},
            str(subject)[:18] if subject else None,
        )
