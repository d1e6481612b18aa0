"""A real HTTP server on loopback for tests: routes map a path to a handler.

Each route returns a `Reply` (status, headers, body, optional delay) or does its own
socket-level misbehaviour through the raw handler. Servers run in a thread and stop
with the fixture.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request], Reply | None]


class LoopbackServer:
    """ThreadingHTTPServer on 127.0.0.1 with a route table and a request log."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.static_root: Path | None = None
        self.static_replace: dict[bytes, bytes] = {}
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, self.path, dict(self.headers.items()), body)
                with server._lock:
                    server.requests.append(req)
                path = self.path.split("?", 1)[0]
                handler = server.routes.get(self.path) or server.routes.get(path)
                reply: Reply | None
                if handler is not None:
                    reply = handler(req)
                    if reply is None:  # the handler wrote (or broke) the socket itself
                        return
                else:
                    reply = server._static(path)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = _handle
            do_POST = _handle
            do_HEAD = _handle

        class _Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up early (timeouts under test) is expected here

        self.handler_class = _H
        self.httpd = _Server(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        # shutdown() waits for serve_forever to notice; at the default 0.5 s poll every
        # server's teardown cost up to half a second.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _static(self, path: str) -> Reply:
        if self.static_root is None:
            return Reply(404, b"not found")
        target = (self.static_root / path.lstrip("/")).resolve()
        if not str(target).startswith(str(self.static_root.resolve())) or not target.is_file():
            return Reply(404, b"not found")
        data = target.read_bytes()
        for old, new in self.static_replace.items():
            data = data.replace(old, new)
        ctype = "text/html; charset=utf-8"
        if target.suffix == ".xml":
            ctype = "application/xml"
        return Reply(200, data, {"Content-Type": ctype})

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
