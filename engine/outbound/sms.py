"""An SMS gateway over HTTP: stdlib ``urllib``, no client library.

The contract (docs/OUTBOUND.md)::

    POST <sms_url>   Authorization: Bearer <token from $sms_token_env>
                     Idempotency-Key: <the delivery's reference>
    {"to": "13800138000", "text": "【政务服务】…", "reference": "delivery-42"}

    2xx                                  → accepted
    429, 5xx, time-out, refused          → transient: tried again later
    other 4xx, a redirect                → refused (tried again up to the attempts, then failed)

The reference is sent both in the body and as ``Idempotency-Key``: a gateway that keeps
them sends one SMS however often a delivery is repeated.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

from ..config import Settings
from . import Undelivered


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the bearer token to wherever it points: it is an error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201, PLR0913
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


@dataclass(frozen=True)
class SmsGateway:
    url: str
    token_env: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsGateway | None:
        if not settings.sms_url:
            return None
        return cls(settings.sms_url, settings.sms_token_env, settings.sms_timeout_seconds)

    def send(self, to: str, text: str, reference: str) -> None:
        body = json.dumps({"to": to, "text": text, "reference": reference}, ensure_ascii=False)
        request = urllib.request.Request(self.url, data=body.encode("utf-8"), method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        request.add_header("Idempotency-Key", reference)
        token = os.environ.get(self.token_env, "") if self.token_env else ""
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with _OPENER.open(request, timeout=self.timeout) as answer:
                answer.read(4096)
        except urllib.error.HTTPError as exc:
            status = exc.code
            raise Undelivered(
                f"SMS gateway answered HTTP {status}",
                transient=status == 429 or status >= 500,
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Undelivered(f"SMS gateway unreachable: {reason}", transient=True) from exc
