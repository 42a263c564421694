"""Stand-ins for the outside world of notifications: a real SMTP server (aiosmtpd) and an
SMS gateway (http.server in a thread), both on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An SMTP server that keeps what it is given.  ``start``/``stop`` take it up and
    down on its port (an outage)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content, policy=default))
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Gateway:
    """An SMS gateway: answers each POST with the next of ``answers`` (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.always: int | None = None
        self.url = ""

    @contextmanager
    def running(self) -> Iterator[Gateway]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                gateway.requests.append({"headers": dict(self.headers), "body": body})
                status = gateway.always or (gateway.answers.pop(0) if gateway.answers else 200)
                payload = json.dumps({"ok": status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
