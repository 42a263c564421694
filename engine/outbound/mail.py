"""E-mail over SMTP (stdlib ``smtplib``): one message per delivery.

The ``Message-ID`` is made from the delivery (``<delivery-42@host>``): a delivery sent a
second time — the runner died between the server's "250 OK" and recording it — carries
the same id, which mail servers and clients use to drop the duplicate.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from ..config import Settings
from . import Undelivered


@dataclass(frozen=True)
class SmtpChannel:
    host: str
    port: int
    sender: str
    #: STARTTLS after connecting; on port 465, TLS from the first byte (SMTPS).
    tls: bool = False
    username: str = ""
    password_env: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpChannel | None:
        if not (settings.smtp_host and settings.smtp_sender):
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password_env=settings.smtp_password_env,
            timeout=settings.smtp_timeout_seconds,
        )

    def message(self, to: str, subject: str, body: str, reference: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.sender.rpartition("@")[2] or "govflow"
        message["Message-ID"] = f"<{reference}@{domain}>"
        message.set_content(body, charset="utf-8")
        return message

    def send(self, to: str, subject: str, body: str, reference: str) -> None:
        message = self.message(to, subject, body, reference)
        try:
            with self._connect() as smtp:
                if self.tls and self.port != 465:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, os.environ.get(self.password_env, ""))
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise Undelivered(
                f"SMTP refused the recipient ({', '.join(map(str, codes))})",
                transient=all(400 <= c < 500 for c in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise Undelivered(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                transient=400 <= exc.smtp_code < 500,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, time-out
            # Refused connection, time-out, a server that hung up: it may be back later.
            raise Undelivered(
                f"SMTP server unreachable: {exc or type(exc).__name__}", transient=True
            ) from exc

    def _connect(self) -> smtplib.SMTP:
        if self.tls and self.port == 465:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")[:200]
    return str(value)[:200]
