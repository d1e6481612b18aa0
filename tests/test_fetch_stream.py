"""The connection under the pools: an asyncio stream that httpcore reads, writes and reuses."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import httpcore
import pytest

from newswatch.sources.fetch import fetch_pages
from newswatch.sources.http.stream import READ_BUFFER_HIGH_WATER, connect_tcp
from tests.support.fetching import UA, link
from tests.support.fetching import fetch_config as config
from tests.support.loopback import LoopbackServer, Reply
from tests.support.rawserver import RawServer
from tests.support.tls import write_ca_and_server_cert


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(5)
        yield server


def _peer(listener: socket.socket, then: bytes, close: bool) -> threading.Thread:
    """Accept one connection, send `then`, and close it if asked (after a moment)."""

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(then)
            if not close:
                time.sleep(0.5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_an_idle_connection_is_readable_once_the_server_has_left(
    listener: socket.socket,
) -> None:
    # httpcore asks "is_readable" of idle connections before reusing one: a server that
    # closed a kept-alive connection must make it answer yes.
    port = listener.getsockname()[1]

    async def check() -> tuple[bool, bool, bytes, bytes]:
        stream = await connect_tcp("127.0.0.1", port, timeout=2)
        before = stream.get_extra_info("is_readable")
        peer = _peer(listener, b"bye", close=True)
        await asyncio.to_thread(peer.join)
        await asyncio.sleep(0.05)
        after = stream.get_extra_info("is_readable")
        first, second = await stream.read(1024, timeout=1), await stream.read(1024, timeout=1)
        await stream.aclose()
        return before, after, first, second

    before, after, first, second = asyncio.run(check())
    assert (before, after) == (False, True)
    assert (first, second) == (b"bye", b"")  # buffered bytes first, then end of stream


def test_a_read_with_nothing_arriving_times_out(listener: socket.socket) -> None:
    port = listener.getsockname()[1]

    async def read_silence() -> None:
        stream = await connect_tcp("127.0.0.1", port, timeout=2)
        peer = _peer(listener, b"", close=False)
        try:
            await stream.read(1024, timeout=0.1)
        finally:
            await stream.aclose()
            await asyncio.to_thread(peer.join)

    with pytest.raises(httpcore.ReadTimeout):
        asyncio.run(read_silence())


def test_a_refused_connection_carries_the_operating_system_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]

    with pytest.raises(httpcore.ConnectError) as caught:
        asyncio.run(connect_tcp("127.0.0.1", port, timeout=2))
    (reason,) = caught.value.args
    assert isinstance(reason, ConnectionRefusedError)


def test_a_server_that_drops_kept_alive_connections_gets_a_new_one_per_request() -> None:
    # Each answer looks reusable (Content-Length, no "Connection: close"), then the server
    # hangs up. With no retries, both pages arrive only if the pool sees the hang-up.
    def answer(conn: socket.socket) -> None:
        body = b"<html><body><p>Hello</p></body></html>"
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    with RawServer(answer) as server:
        pages = fetch_pages(
            [link(server.url + "?1"), link(server.url + "?2")],
            config(per_host_concurrency=1, per_host_delay=0.3, respect_robots=False),
            UA,
        )
        assert [(p.status, p.error) for p in pages] == [("ok", None), ("ok", None)]
        assert server.connections == 2


def test_a_body_larger_than_the_read_buffer_arrives_whole(loopback: LoopbackServer) -> None:
    # Reading pauses while the buffer is full and resumes as httpcore takes from it.
    body = b"<html><body>" + b"<p>" + b"x" * (4 * READ_BUFFER_HIGH_WATER) + b"</p></body></html>"
    loopback.routes["/big"] = lambda _r: Reply(200, body, {"Content-Type": "text/html"})
    (page,) = fetch_pages([link(loopback.url("/big"))], config(), UA)
    assert (page.status, page.bytes_read) == ("ok", len(body))


class _H2Server:
    """A loopback HTTPS server that speaks only HTTP/2 (ALPN h2), on its own event loop."""

    def __init__(self, cert: Path, key: Path, body: bytes) -> None:
        self.body = body
        self.paths: list[str] = []
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(cert, key)
        self._context.set_alpn_protocols(["h2"])
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        while data := await reader.read(65536):
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    self.paths.append(dict(event.headers)[":path"])
                    connection.send_headers(
                        event.stream_id,
                        [(":status", "200"), ("content-type", "text/html; charset=utf-8")],
                    )
                    connection.send_data(event.stream_id, self.body, end_stream=True)
            writer.write(connection.data_to_send())
            await writer.drain()
        writer.close()

    def __enter__(self) -> _H2Server:
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self._context), self._loop
        ).result(5)
        self.port = server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def test_http2_runs_over_the_stream_when_the_server_offers_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An HTTP/2-only server: an answer at all means ALPN chose h2 through this stream's
    # TLS (its ssl_object) and h2's frames went through its reads and writes.
    ca, cert, key = write_ca_and_server_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    body = b"<html><body><p>" + b"over h2 " * 1000 + b"</p></body></html>"
    with _H2Server(cert, key, body) as server:
        links = [link(f"https://127.0.0.1:{server.port}/a/{i}") for i in range(3)]
        pages = fetch_pages(links, config(http2=True, respect_robots=False), UA)
    assert [(p.status, p.error, p.bytes_read) for p in pages] == [("ok", None, len(body))] * 3
    assert sorted(server.paths) == ["/a/0", "/a/1", "/a/2"]
