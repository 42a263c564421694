"""Outbound channels: how a notification reaches a person outside the app.

Transport only — no database, no case, no job: a channel is built from the settings
(``from_settings``; None while it is not configured) and ``send``-s one message, raising
``Undelivered`` when it could not.  Queuing, retrying and recording each delivery is the
job queue's and ``engine.notices.deliveries``'; the runner is ``services.deliveries``.

- ``mail``   e-mail over SMTP (stdlib ``smtplib``)
- ``sms``    an SMS gateway over HTTP (POST JSON, a bearer token)
- ``texts``  what the e-mail and the SMS say (Chinese; an SMS carries no personal data)
"""

from __future__ import annotations


class Undelivered(Exception):
    """The message did not go out.  ``transient``: the other side may take it later (a
    refused connection, a time-out, SMTP 4xx, HTTP 429 or 5xx); otherwise it refused it
    (SMTP 5xx, HTTP 4xx) and trying again is unlikely to help."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
