"""A folder of saved pages and feeds served on 127.0.0.1, for the demo and `newswatch eval`.

Saved feeds link to the literal placeholder `http://HOST`; it is replaced by this
server's address as files are served, so the flow fetches everything over real HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources.abc import Traversable
from pathlib import Path

HOST_PLACEHOLDER = b"http://HOST"
_TYPES = {
    ".xml": "application/xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
}

# (path, body) → body: lets a caller change a file as it is served (e.g. cut a feed).
BodyFilter = Callable[[str, bytes], bytes]


class LocalSite:
    """Serve `root` on an ephemeral loopback port; `filter_body` may rewrite bodies."""

    def __init__(self, root: Traversable | Path, filter_body: BodyFilter | None = None) -> None:
        self.root = root
        self.filter_body = filter_body
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                status, ctype, body = site.respond(self.path.split("?", 1)[0].lstrip("/"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path relative to the root."""
        if path == "robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        parts = [p for p in path.split("/") if p]
        if not parts or any(p in ("..", ".") for p in parts):
            return 404, "text/plain", b"not found"
        target = self.root.joinpath(*parts)
        if not target.is_file():
            return 404, "text/plain", b"not found"
        body = target.read_bytes().replace(HOST_PLACEHOLDER, self.base_url.encode())
        if self.filter_body is not None:
            body = self.filter_body(path, body)
        suffix = "." + parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
        return 200, _TYPES.get(suffix, "application/octet-stream"), body

    @contextmanager
    def running(self) -> Iterator[LocalSite]:
        """Serve in a background thread until the block ends."""
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
