"""A tiny HTTP server on loopback for carrier fakes: each fake is a function of the request.

Usage::

    with FakeServer(handler, latency=0.02) as server:
        url = server.url("/poll/query.do")

``handler(request)`` returns ``(status, body)`` or ``(status, body, headers)``; ``body`` may be
``str``, ``bytes`` or a ``dict``/``list`` (sent as JSON). Every request is kept in ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        """The urlencoded body as single values (the last one wins, as most servers do)."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def json(self):
        return json.loads(self.body)


Handler = Callable[[Request], tuple]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog is read when the socket starts listening, so it must be a class
    # attribute: with the default of 5, a burst of connections is refused and waits for retries.
    request_queue_size = 256


@dataclass
class FakeServer:
    handler: Handler
    latency: float = 0.0  # seconds added before every answer
    requests: list[Request] = field(default_factory=list)

    def __enter__(self) -> FakeServer:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for
            # the client's delayed ACK (40 ms) on every kept-alive request.
            disable_nagle_algorithm = True

            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                fake.requests.append(request)
                if fake.latency:
                    time.sleep(fake.latency)
                status, body, *rest = fake.handler(request)
                headers = rest[0] if rest else {}
                if isinstance(body, dict | list):
                    body = json.dumps(body, ensure_ascii=False)
                    headers.setdefault("Content-Type", "application/json;charset=utf-8")
                if isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", 0), _Handler)
        # A short poll interval: shutting down waits for it, and tests start many servers.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "") -> str:
        return self.base_url + path
