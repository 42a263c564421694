"""Helpers of the shared-data tests: a fake exchange platform and file uploads."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from engine.demo import CERTIFICATE_NO, FLAT_ADDRESS, LISI_ID, WANGFANG_ID

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

PROPERTY_RECORD = {
    "certificate_no": CERTIFICATE_NO,
    "owners": [LISI_ID, WANGFANG_ID],
    "area": 89.5,
    "address": FLAT_ADDRESS,
    "parcel_map": "ZD-110105-0088",
    "floor_plan": "FH-110105-0088-1202",
    "mortgaged": False,
    "seized": False,
}


class FakePlatform:
    """A data-exchange platform on 127.0.0.1 that answers as ``mode`` says.

    Modes: ``ok`` (the record for ``CERTIFICATE_NO``, ``found: false`` for any other key),
    ``slow`` (answers after ``delay`` seconds), ``down`` (HTTP 503), ``garbage`` (200 with
    a body that is not JSON), ``missing`` (404).
    """

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 1.0
        self.requests: list[dict[str, Any]] = []
        #: Called (in the server's thread) with each request's body before it is answered.
        self.on_request: Any = None
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                platform.requests.append(
                    {"body": body, "authorization": self.headers.get("Authorization")}
                )
                if platform.on_request is not None:
                    platform.on_request(body)
                mode = platform.mode
                if mode == "slow":
                    time.sleep(platform.delay)
                    return self._send(200, {"found": True, "data": PROPERTY_RECORD})
                if mode == "down":
                    return self._send(503, {"error": "maintenance"})
                if mode == "garbage":
                    return self._send(200, b"<html>gateway error</html>")
                if mode == "missing":
                    return self._send(404, {"found": False})
                if body.get("key") == CERTIFICATE_NO:
                    record = {**PROPERTY_RECORD, "internal_note": "not a declared field"}
                    return self._send(
                        200,
                        {
                            "found": True,
                            "record_key": CERTIFICATE_NO,
                            "subject_id_number": LISI_ID,
                            "data": record,
                        },
                    )
                return self._send(200, {"found": False})

            def _send(self, status: int, payload: Any) -> None:
                raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/exchange"

    @contextmanager
    def running(self) -> Iterator[FakePlatform]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def upload(api: Any, case_id: int, code: str, as_: str, content: bytes = PDF, name: str = "a.pdf"):  # noqa: ANN201
    return api.post(
        f"/api/v1/cases/{case_id}/materials/{code}",
        as_,
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def configure(api: Any, provider: str, as_: str = "admin", **body: Any):  # noqa: ANN201
    return api.client.put(
        f"/api/v1/shared-data/providers/{provider}", headers=api.headers(as_), json=body
    )


def materials(case: dict) -> dict[str, dict]:
    return {m["code"]: m for m in case["materials"]}
