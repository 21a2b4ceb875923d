"""An ERP's webhook endpoint on loopback, as a receiver would write one with the standardwebhooks
library: every request is verified, each ``webhook-id`` is processed once, repeats are counted.

``Receiver(port)`` listens only between ``start()`` and ``stop()`` (connections are refused
otherwise); ``answer`` decides the status of the next request after verification (default 200), and
``ack_delay`` how long the answer waits after processing (an acknowledgement the sender may miss).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a sender that gave up waiting closed the connection: that is the test's point


class Receiver:
    def __init__(self, secret: str = "", port: int | None = None):
        self.secret = secret
        self.port = port or free_port()
        self.processed: dict[str, dict] = {}  # webhook-id → the verified payload, once
        self.seen = Counter()  # webhook-id → requests that carried it
        self.duplicates = 0  # requests for an id already processed: dropped, answered 200
        self.rejected: list[str] = []  # why requests failed verification
        self.answer = lambda payload: 200
        self.ack_delay = lambda payload: 0.0  # seconds between processing a webhook and answering
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/yundan"

    def receive(self, headers: dict[str, str], body: bytes) -> tuple[int, float]:
        """Verify, dedupe and process one request: (status to answer, seconds to wait first)."""
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.rejected.append(str(error))
            return 401, 0.0
        msg_id = headers["webhook-id"]
        with self._lock:
            self.seen[msg_id] += 1
            if msg_id in self.processed:
                self.duplicates += 1
                return 200, 0.0
        status = self.answer(payload)
        if 200 <= status < 300:
            with self._lock:
                self.processed.setdefault(msg_id, payload)
            return status, self.ack_delay(payload)
        return status, 0.0

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, delay = receiver.receive({k.lower(): v for k, v in self.headers.items()}, body)
                time.sleep(delay)
                answer = json.dumps({"ok": 200 <= status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
