"""fetch_pages against loopback servers that misbehave on purpose: every outcome asserted."""

from __future__ import annotations

import gc
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from newswatch.domain import FetchedPage
from newswatch.sources.fetch import PageFetcher, fetch_pages
from newswatch.sources.http import RetryPolicy
from tests.support.fetching import UA, link
from tests.support.fetching import fetch_config as config
from tests.support.loopback import LoopbackServer, Reply, Request
from tests.support.rawserver import RawServer, gzip_bomb

HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello</p></body></html>"


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback(shared_server: LoopbackServer) -> LoopbackServer:
    """One server for the module (stopping one takes half a second), fresh routes per test."""
    shared_server.routes.clear()
    shared_server.requests.clear()
    return shared_server


# Retries back off from 10 ms: the tests see the same retries, sooner.
FAST_RETRY = RetryPolicy(backoff_base=0.01)


def fetch_one(url: str, **overrides: Any) -> FetchedPage:
    (page,) = fetch_pages([link(url)], config(**overrides), UA, retry=FAST_RETRY)
    return page


def html_reply(body: bytes = HTML, **headers: str) -> Callable[[Request], Reply]:
    return lambda _req: Reply(200, body, {"Content-Type": "text/html; charset=utf-8", **headers})


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(handle: Callable[[socket.socket], None]) -> RawServer:
        server = RawServer(handle).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


# --- success ------------------------------------------------------------------------


def test_html_page_is_fetched_and_decoded(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = html_reply()
    page = fetch_one(loopback.url("/a"))
    assert page.status == "ok", page.error
    assert page.html is not None and "<p>Hello</p>" in page.html
    assert (page.http_status, page.final_url) == (200, loopback.url("/a"))
    assert page.content_type == "text/html; charset=utf-8"
    assert page.bytes_read == len(HTML)
    assert page.fetched_at is not None and page.fetched_at.tzinfo is not None


def test_user_agent_header_is_sent(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = html_reply()
    fetch_one(loopback.url("/a"))
    page_requests = [r for r in loopback.requests if r.path == "/a"]
    assert page_requests[0].headers["User-Agent"] == UA


def test_one_page_per_link_in_the_order_given(loopback: LoopbackServer) -> None:
    loopback.routes["/ok"] = html_reply()
    loopback.routes["/slow"] = lambda _r: Reply(200, HTML, {"Content-Type": "text/html"}, delay=0.2)
    loopback.routes["/pdf"] = lambda _r: Reply(
        200, b"%PDF-1.7", {"Content-Type": "application/pdf"}
    )
    urls = [loopback.url(p) for p in ("/slow", "/missing", "/ok", "/pdf", "/ok")]
    pages = fetch_pages([link(u) for u in urls], config(), UA)
    assert [p.link.url for p in pages] == urls
    assert [p.status for p in pages] == ["ok", "failed", "ok", "skipped", "ok"]


def test_redirect_is_followed_to_the_final_url(loopback: LoopbackServer) -> None:
    loopback.routes["/old"] = lambda _r: Reply(301, b"", {"Location": "/new"})
    loopback.routes["/new"] = html_reply()
    page = fetch_one(loopback.url("/old"))
    assert page.status == "ok"
    assert page.final_url == loopback.url("/new")


def test_page_without_content_type_is_sniffed(loopback: LoopbackServer) -> None:
    loopback.routes["/html"] = lambda _r: Reply(200, HTML)
    loopback.routes["/bin"] = lambda _r: Reply(200, b"\x00\x01binary")
    html_page, binary = fetch_pages(
        [link(loopback.url("/html")), link(loopback.url("/bin"))], config(), UA
    )
    assert html_page.status == "ok"
    assert (binary.status, binary.error) == ("skipped", "no content type and the body is not HTML")


# --- what is skipped ----------------------------------------------------------------


def test_pdf_is_skipped_without_reading_its_body(loopback: LoopbackServer) -> None:
    loopback.routes["/doc"] = lambda _r: Reply(
        200, b"%PDF-1.7" + bytes(100_000), {"Content-Type": "application/pdf"}
    )
    page = fetch_one(loopback.url("/doc"))
    assert (page.status, page.error) == ("skipped", "content type application/pdf")
    assert page.bytes_read == 0 and page.html is None


def test_30_mb_page_is_skipped_by_its_content_length(loopback: LoopbackServer) -> None:
    big = b"<html>" + b"x" * 30_000_000
    loopback.routes["/big"] = lambda _r: Reply(200, big, {"Content-Type": "text/html"})
    page = fetch_one(loopback.url("/big"), max_bytes=1_000_000)
    assert page.status == "skipped"
    assert page.error == "too large: more than 1000000 bytes (Content-Length 30000006)"


def test_30_mb_page_without_length_is_cut_at_max_bytes(raw_server: Any) -> None:
    sent = {"bytes": 0}

    def endless(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        block = b"<p>" + b"x" * 65_533
        for _ in range(30_000_000 // len(block)):
            conn.sendall(block)
            sent["bytes"] += len(block)

    server = raw_server(endless)
    page = fetch_one(server.url, max_bytes=1_000_000, respect_robots=False)
    assert (page.status, page.error) == ("skipped", "too large: more than 1000000 bytes")
    assert sent["bytes"] < 30_000_000  # we hung up instead of reading it all


def test_gzip_bomb_is_stopped_at_max_bytes_without_filling_memory(loopback: LoopbackServer) -> None:
    bomb = gzip_bomb(1 << 30)  # 1 GiB of zeros
    assert len(bomb) < 2_000_000
    assert zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bomb, 4096) == bytes(4096)
    loopback.routes["/bomb"] = lambda _r: Reply(
        200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )
    tracemalloc.start()
    try:
        page = fetch_one(loopback.url("/bomb"), max_bytes=1_000_000)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (page.status, page.error) == (
        "skipped",
        "too large: more than 1000000 bytes after decompression",
    )
    # The served bomb itself (~1 MB) is already allocated; inflating a single 64 KiB
    # network chunk whole would add ~64 MB.
    assert peak < 12_000_000


def test_gzip_page_within_limits_is_decoded(loopback: LoopbackServer) -> None:
    body = zlib.compress(HTML, wbits=16 + zlib.MAX_WBITS)
    loopback.routes["/gz"] = html_reply(body, **{"Content-Encoding": "gzip"})
    page = fetch_one(loopback.url("/gz"))
    assert page.status == "ok" and page.html is not None and "Hello" in page.html
    assert page.bytes_read == len(HTML)


def test_page_limit_skips_the_links_past_it(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = html_reply()
    pages = fetch_pages([link(loopback.url("/a"))] * 3, config(max_pages_per_run=2), UA)
    assert [p.status for p in pages] == ["ok", "ok", "skipped"]
    assert pages[2].error == "page limit reached (max_pages_per_run = 2)"


# --- what fails ---------------------------------------------------------------------


def test_page_that_never_answers_times_out(loopback: LoopbackServer) -> None:
    loopback.routes["/hang"] = lambda _r: Reply(200, HTML, delay=3.0)
    started = time.monotonic()
    page = fetch_one(loopback.url("/hang"), read_timeout=0.3)
    assert (page.status, page.error) == ("failed", "read timeout: no data for 0.3s")
    assert time.monotonic() - started < 2.0


def test_trickling_page_hits_the_total_deadline(raw_server: Any) -> None:
    def trickle(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x")
            time.sleep(0.1)

    server = raw_server(trickle)
    page = fetch_one(server.url, read_timeout=0.5, total_timeout=0.6, respect_robots=False)
    assert (page.status, page.error) == ("failed", "timeout: no complete response within 0.6s")


def test_server_error_is_retried_then_fails(loopback: LoopbackServer) -> None:
    loopback.routes["/err"] = lambda _r: Reply(500, b"oops")
    page = fetch_one(loopback.url("/err"), retries=2)
    assert (page.status, page.http_status) == ("failed", 500)
    assert page.error == "HTTP 500 Internal Server Error (after 2 retries)"
    assert len([r for r in loopback.requests if r.path == "/err"]) == 3


def test_not_found_fails_without_retry(loopback: LoopbackServer) -> None:
    page = fetch_one(loopback.url("/nowhere"), retries=3)
    assert (page.status, page.http_status, page.error) == ("failed", 404, "HTTP 404 Not Found")
    assert len([r for r in loopback.requests if r.path == "/nowhere"]) == 1


def test_429_waits_for_retry_after_then_succeeds(loopback: LoopbackServer) -> None:
    answers = iter(
        [
            Reply(429, b"slow down", {"Retry-After": "1"}),
            Reply(200, HTML, {"Content-Type": "text/html"}),
        ]
    )
    times: list[float] = []

    def limited(_req: Request) -> Reply:
        times.append(time.monotonic())
        return next(answers)

    loopback.routes["/rl"] = limited
    page = fetch_one(loopback.url("/rl"), retries=2)
    assert page.status == "ok"
    assert len(times) == 2 and times[1] - times[0] >= 0.95


def test_retry_after_beyond_the_retry_budget_gives_up_at_once(loopback: LoopbackServer) -> None:
    loopback.routes["/rl"] = lambda _r: Reply(429, b"", {"Retry-After": "120"})
    started = time.monotonic()
    page = fetch_one(loopback.url("/rl"), retries=3, retry_max_seconds=5)
    assert page.status == "failed"
    assert page.error == "HTTP 429 Too Many Requests (Retry-After 120s exceeds retry budget)"
    assert time.monotonic() - started < 1.0


def test_connection_reset_fails_after_retries(raw_server: Any) -> None:
    def reset(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = raw_server(reset)
    page = fetch_one(server.url, retries=1, respect_robots=False)
    assert page.status == "failed" and page.error is not None
    assert "reset" in page.error.lower() or "disconnected" in page.error.lower()
    assert page.error.endswith("(after 1 retry)")
    assert server.connections == 2


def test_body_shorter_than_content_length_fails(raw_server: Any) -> None:
    def short(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html>cut"
        )

    page = fetch_one(raw_server(short).url, respect_robots=False)
    assert page.status == "failed" and page.error is not None
    assert page.error.startswith("body shorter than announced (connection closed early)")


def test_redirect_loop_fails(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = lambda _r: Reply(302, b"", {"Location": "/b"})
    loopback.routes["/b"] = lambda _r: Reply(302, b"", {"Location": loopback.url("/a")})
    page = fetch_one(loopback.url("/a"))
    assert page.status == "failed"
    assert (
        page.error
        == f"redirect loop: {loopback.url('/a')} → {loopback.url('/b')} → {loopback.url('/a')}"
    )


def test_redirect_chain_longer_than_max_redirects_fails(loopback: LoopbackServer) -> None:
    for i in range(5):
        loopback.routes[f"/r{i}"] = lambda _r, i=i: Reply(302, b"", {"Location": f"/r{i + 1}"})
    loopback.routes["/r5"] = html_reply()
    assert fetch_one(loopback.url("/r0"), max_redirects=5).status == "ok"
    page = fetch_one(loopback.url("/r0"), max_redirects=4)
    assert (page.status, page.error) == ("failed", "too many redirects (more than 4)")


def test_redirect_to_a_non_http_scheme_fails(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = lambda _r: Reply(302, b"", {"Location": "file:///etc/passwd"})
    page = fetch_one(loopback.url("/a"))
    assert (page.status, page.error) == ("failed", "redirect to a non-HTTP URL: file:///etc/passwd")


def test_refused_connection_fails_with_the_reason() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # a port nobody listens on once closed
    page = fetch_one(f"http://127.0.0.1:{port}/")
    assert (page.status, page.error) == ("failed", "cannot connect: Connection refused")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://files.example/a.html", "unsupported URL scheme: ftp: ftp://files.example/a.html"),
        ("javascript:alert(1)", "unsupported URL scheme: javascript: javascript:alert(1)"),
        ("/relative/path", "unsupported URL scheme: (none): /relative/path"),
        ("http://", "invalid URL (no host): http://"),
        ("http://[::1", "invalid URL: Invalid IPv6 URL: http://[::1"),
        (
            "http://a.example:99999/",
            "invalid URL: Port out of range 0-65535: http://a.example:99999/",
        ),
    ],
)
def test_urls_that_cannot_be_fetched_fail_with_the_reason(url: str, error: str) -> None:
    page = fetch_one(url)
    assert (page.status, page.error) == ("failed", error)


def test_unknown_host_fails_naming_it() -> None:
    page = fetch_one("http://no-such-host.invalid/a")  # .invalid never resolves (RFC 6761)
    assert page.status == "failed" and page.error is not None
    assert page.error.startswith("cannot resolve host no-such-host.invalid: ")


# --- politeness ---------------------------------------------------------------------


def test_robots_txt_disallow_skips_the_page_and_is_fetched_once(loopback: LoopbackServer) -> None:
    loopback.routes["/robots.txt"] = lambda _r: Reply(
        200, b"User-agent: *\nDisallow: /private/\n\nUser-agent: newswatch-test\nDisallow: /mine/\n"
    )
    for path in ("/public", "/private/x", "/mine/y"):
        loopback.routes[path] = html_reply()
    urls = [loopback.url(p) for p in ("/public", "/private/x", "/mine/y", "/public")]
    pages = fetch_pages([link(u) for u in urls], config(), UA)
    assert [p.status for p in pages] == ["ok", "ok", "skipped", "ok"]  # our group replaces '*'
    assert pages[2].error == f"disallowed by robots.txt ({loopback.base_url}/robots.txt)"
    assert [r.path for r in loopback.requests].count("/robots.txt") == 1
    assert "/mine/y" not in [r.path for r in loopback.requests]


def test_robots_txt_server_error_disallows_the_host(loopback: LoopbackServer) -> None:
    loopback.routes["/robots.txt"] = lambda _r: Reply(503, b"")
    loopback.routes["/a"] = html_reply()
    page = fetch_one(loopback.url("/a"))
    assert page.status == "skipped" and page.error is not None
    assert page.error.startswith("robots.txt unavailable (HTTP 503)")


def test_robots_txt_is_ignored_when_the_watch_says_so(loopback: LoopbackServer) -> None:
    loopback.routes["/robots.txt"] = lambda _r: Reply(200, b"User-agent: *\nDisallow: /\n")
    loopback.routes["/a"] = html_reply()
    assert fetch_one(loopback.url("/a"), respect_robots=False).status == "ok"
    assert "/robots.txt" not in [r.path for r in loopback.requests]


def test_robots_txt_applies_to_redirect_targets(loopback: LoopbackServer) -> None:
    loopback.routes["/robots.txt"] = lambda _r: Reply(200, b"User-agent: *\nDisallow: /private/\n")
    loopback.routes["/go"] = lambda _r: Reply(302, b"", {"Location": "/private/x"})
    page = fetch_one(loopback.url("/go"))
    assert page.status == "skipped" and page.final_url == loopback.url("/private/x")


def _in_flight_recorder(delay: float) -> tuple[Callable[[Request], Reply], dict[str, Any]]:
    stats: dict[str, Any] = {"now": 0, "max": 0, "starts": []}
    lock = threading.Lock()

    def handler(_req: Request) -> Reply:
        with lock:
            stats["now"] += 1
            stats["max"] = max(stats["max"], stats["now"])
            stats["starts"].append(time.monotonic())
        time.sleep(delay)
        with lock:
            stats["now"] -= 1
        return Reply(200, HTML, {"Content-Type": "text/html"})

    return handler, stats


def test_per_host_concurrency_is_bounded(loopback: LoopbackServer) -> None:
    handler, stats = _in_flight_recorder(0.1)
    loopback.routes["/p"] = handler
    pages = fetch_pages(
        [link(loopback.url(f"/p?i={i}")) for i in range(8)],
        config(per_host_concurrency=2, concurrency=16),
        UA,
    )
    assert all(p.status == "ok" for p in pages)
    assert stats["max"] == 2


def test_global_concurrency_is_bounded(loopback: LoopbackServer) -> None:
    handler, stats = _in_flight_recorder(0.1)
    loopback.routes["/p"] = handler
    fetch_pages(
        [link(loopback.url(f"/p?i={i}")) for i in range(8)],
        config(per_host_concurrency=8, concurrency=3),
        UA,
    )
    assert stats["max"] == 3


def test_per_host_delay_spaces_request_starts(loopback: LoopbackServer) -> None:
    handler, stats = _in_flight_recorder(0.0)
    loopback.routes["/p"] = handler
    fetch_pages(
        [link(loopback.url(f"/p?i={i}")) for i in range(4)],
        config(per_host_concurrency=4, per_host_delay=0.15, respect_robots=False),
        UA,
    )
    starts = sorted(stats["starts"])
    # The span, not each gap: one late arrival must not make the next gap look short.
    assert len(starts) == 4 and starts[-1] - starts[0] >= 3 * 0.15 * 0.9


def test_a_fetched_page_leaves_no_reference_cycle_behind(loopback: LoopbackServer) -> None:
    """Once a page's body is read, its HTTP response is freed at once, not by the garbage
    collector: a run collects once a chunk (core/collector.py), and a cycle per page would
    keep every page's response in memory until then."""
    loopback.routes["/a"] = html_reply()
    fetcher = PageFetcher(config(), UA, retry=FAST_RETRY)
    url = loopback.url("/a")
    try:
        fetcher.fetch([link(url)])  # the client's own first-use set-up, outside the count
        gc.collect()
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            pages = fetcher.fetch([link(f"{url}?n={n}") for n in range(20)])
            alive = sum(1 for o in gc.get_objects() if isinstance(o, httpx.Response))
        finally:
            if was_enabled:
                gc.enable()
    finally:
        fetcher.close()
    assert [p.status for p in pages] == ["ok"] * 20
    assert alive == 0
