"""The HTTP layer's behaviour on loopback: Retry-After, Crawl-delay, cookies within one
fetch, proxies from the environment, politeness defaults, bounded bodies on POST."""

from __future__ import annotations

import email.utils
import itertools
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from newswatch.config import FetchConfig
from newswatch.domain import CandidateLink
from newswatch.sources.fetch import fetch_pages
from newswatch.sources.http import (
    HttpClient,
    HttpPolicy,
    HttpResult,
    Politeness,
    RetryPolicy,
    post_json,
    run_sync,
)
from newswatch.sources.http.policy import MAX_CRAWL_DELAY_SECONDS
from newswatch.sources.http.transport import HostPoliteness
from tests.support.loopback import LoopbackServer, Reply, Request

HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello</p></body></html>"
# Back-off from 10 ms: a wait longer than that came from the server's Retry-After.
FAST_RETRY = RetryPolicy(retries=2, budget_seconds=10.0, backoff_base=0.01)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback(shared_server: LoopbackServer) -> LoopbackServer:
    shared_server.routes.clear()
    shared_server.requests.clear()
    return shared_server


def policy(**overrides: Any) -> HttpPolicy:
    values: dict[str, Any] = {
        "user_agent": "newswatch-test/1.0",
        "allow_private_hosts": True,
        "retry": FAST_RETRY,
        "politeness": Politeness(per_host_concurrency=4, per_host_delay=0.0),
    }
    values.update(overrides)
    return HttpPolicy(**values)


def get(url: str, http_policy: HttpPolicy | None = None) -> HttpResult:
    async def go() -> HttpResult:
        async with HttpClient(http_policy or policy()) as http:
            return await http.get(url)

    return run_sync(go)


def link(url: str) -> CandidateLink:
    return CandidateLink(url=url, canonical_url=url, source="test")


def timed(replies: list[Reply]) -> tuple[Any, list[float]]:
    answers, times = iter(replies), []

    def handler(_req: Request) -> Reply:
        times.append(time.monotonic())
        return next(answers)

    return handler, times


# --- Retry-After --------------------------------------------------------------------


def test_retry_after_in_seconds_is_waited_for(loopback: LoopbackServer) -> None:
    handler, times = timed([Reply(503, b"", {"Retry-After": "1"}), Reply(200, HTML)])
    loopback.routes["/a"] = handler
    result = get(loopback.url("/a"))
    assert (result.outcome, result.body) == ("ok", HTML)
    assert len(times) == 2 and 0.95 <= times[1] - times[0] < 2.0


def test_retry_after_as_an_http_date_is_waited_for(loopback: LoopbackServer) -> None:
    def answer(_req: Request) -> Reply:
        times.append(time.monotonic())
        if len(times) == 1:  # two seconds from now, in whole seconds as the header has them
            return Reply(
                429, b"", {"Retry-After": email.utils.formatdate(time.time() + 2, usegmt=True)}
            )
        return Reply(200, HTML)

    times: list[float] = []
    loopback.routes["/a"] = answer
    result = get(loopback.url("/a"))
    assert result.outcome == "ok"
    assert len(times) == 2 and 0.95 <= times[1] - times[0] < 3.0


def test_without_retry_after_the_policy_backs_off(loopback: LoopbackServer) -> None:
    handler, times = timed([Reply(500, b""), Reply(500, b""), Reply(200, HTML)])
    loopback.routes["/a"] = handler
    result = get(loopback.url("/a"))
    assert result.outcome == "ok" and len(times) == 3
    assert times[2] - times[0] < 0.5  # 10 ms and 20 ms (plus jitter), not seconds


# --- Crawl-delay and the politeness defaults -------------------------------------------


def _starts_of(loopback: LoopbackServer, robots: bytes) -> list[float]:
    starts: list[float] = []
    lock = threading.Lock()

    def page(_req: Request) -> Reply:
        with lock:
            starts.append(time.monotonic())
        return Reply(200, HTML, {"Content-Type": "text/html"})

    loopback.routes["/robots.txt"] = lambda _r: Reply(200, robots, {"Content-Type": "text/plain"})
    loopback.routes["/p"] = page
    config = FetchConfig(
        allow_private_hosts=True, retries=0, per_host_concurrency=4, per_host_delay=0.0
    )
    pages = fetch_pages(
        [link(loopback.url(f"/p?i={i}")) for i in range(4)], config, "newswatch-test"
    )
    assert [p.status for p in pages] == ["ok"] * 4
    return sorted(starts)


def test_robots_crawl_delay_spaces_request_starts(loopback: LoopbackServer) -> None:
    starts = _starts_of(loopback, b"User-agent: *\nCrawl-delay: 0.3\n")
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 4 and min(gaps) >= 0.3 * 0.9


def test_without_crawl_delay_the_same_pages_come_at_once(loopback: LoopbackServer) -> None:
    starts = _starts_of(loopback, b"User-agent: *\nDisallow: /private/\n")
    assert starts[-1] - starts[0] < 0.3


def test_default_delay_is_one_second_to_publishers_and_none_to_private_literals() -> None:
    politeness = HostPoliteness(Politeness())
    assert politeness.delay_for("news.example") == 1.0
    assert politeness.delay_for("127.0.0.1") == 0.0
    assert politeness.delay_for("localhost") == 0.0
    assert politeness.delay_for("93.184.216.34") == 1.0
    explicit = HostPoliteness(Politeness(per_host_delay=0.25, host_delays=(("api.example", 5.0),)))
    assert (explicit.delay_for("127.0.0.1"), explicit.delay_for("api.example")) == (0.25, 5.0)


def test_crawl_delay_raises_the_gap_up_to_a_cap() -> None:
    politeness = HostPoliteness(Politeness())
    assert politeness.honour_crawl_delay("news.example", 4.0) == 4.0
    assert politeness.honour_crawl_delay("news.example", 0.5) == 4.0  # never lowered
    assert politeness.honour_crawl_delay("slow.example", 3600) == MAX_CRAWL_DELAY_SECONDS


# --- cookies within one fetch ----------------------------------------------------------


def test_a_site_that_sets_a_cookie_and_redirects_to_itself_is_not_a_loop(
    loopback: LoopbackServer,
) -> None:
    def consent(request: Request) -> Reply:
        if "consent=yes" in request.headers.get("Cookie", ""):
            return Reply(200, HTML, {"Content-Type": "text/html"})
        return Reply(302, b"", {"Location": "/article", "Set-Cookie": "consent=yes; Path=/"})

    loopback.routes["/article"] = consent
    first = get(loopback.url("/article"))
    assert (first.outcome, first.body, first.final_url) == ("ok", HTML, loopback.url("/article"))
    assert [r.headers.get("Cookie") for r in loopback.requests] == [None, "consent=yes"]
    assert "set-cookie" not in {k.lower() for k, _ in first.headers}
    # The cookie lived for that fetch only: the next fetch starts without it.
    second = get(loopback.url("/article"))
    assert second.outcome == "ok"
    assert loopback.requests[2].headers.get("Cookie") is None


def test_a_real_redirect_loop_still_fails(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = lambda _r: Reply(302, b"", {"Location": "/a"})
    result = get(loopback.url("/a"))
    assert result.outcome == "failed"
    assert result.error == f"redirect loop: {loopback.url('/a')} → {loopback.url('/a')}"


# --- proxies from the environment -------------------------------------------------------


def test_http_proxy_from_the_environment_carries_the_request(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loopback server plays the proxy: it gets the absolute URL of a host that does
    # not resolve, so the page can only have come through it.
    loopback.routes["http://news.example/a"] = lambda _r: Reply(
        200, HTML, {"Content-Type": "text/html"}
    )
    monkeypatch.setenv("HTTP_PROXY", loopback.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = get("http://news.example/a")
    assert (result.outcome, result.body) == ("ok", HTML)
    assert [r.path for r in loopback.requests] == ["http://news.example/a"]


def test_no_proxy_bypasses_the_proxy(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    loopback.routes["/direct"] = lambda _r: Reply(200, HTML)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nobody listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert get(loopback.url("/direct")).outcome == "ok"
    assert [r.path for r in loopback.requests] == ["/direct"]


def test_through_a_proxy_the_destination_is_still_checked(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", loopback.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = get("http://127.0.0.1:9/secret", policy(allow_private_hosts=False))
    assert result.outcome == "failed" and result.error is not None
    assert result.error.startswith("refused: host 127.0.0.1 resolves to non-public address")
    assert loopback.requests == []  # the proxy was never asked


# --- bounded bodies, POST ----------------------------------------------------------------


def test_a_post_reply_bomb_is_cut_at_the_cap(loopback: LoopbackServer) -> None:
    bomb = zlib.compress(bytes(50_000_000), 9)  # deflate, ~50 kB on the wire
    loopback.routes["/v1/chat"] = lambda _r: Reply(
        200, bomb, {"Content-Type": "application/json", "Content-Encoding": "deflate"}
    )
    result = post_json(loopback.url("/v1/chat"), {"q": 1}, policy(max_bytes=100_000))
    assert result.http_status == 200
    assert len(result.body) == 100_000  # the rest was never inflated


def test_post_json_sends_json_and_keeps_an_error_body(loopback: LoopbackServer) -> None:
    loopback.routes["/hook"] = lambda _r: Reply(400, b"invalid_payload")
    result = post_json(loopback.url("/hook"), {"text": "hi"}, policy())
    assert (result.outcome, result.http_status, result.body) == ("failed", 400, b"invalid_payload")
    (request,) = loopback.requests
    assert (request.method, request.body) == ("POST", b'{"text":"hi"}')
    assert request.headers["Content-Type"] == "application/json"


def _post(url: str, body: bytes, headers: dict[str, str]) -> HttpResult:
    async def go() -> HttpResult:
        async with HttpClient(policy()) as http:
            return await http.post(url, body, headers=headers)

    return run_sync(go)


def test_post_sends_raw_bytes_with_the_given_content_type(loopback: LoopbackServer) -> None:
    loopback.routes["/batch"] = lambda _r: Reply(200, b")]}'\n[]")
    form = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
    result = _post(loopback.url("/batch"), b"f.req=%5B%5D", form)
    assert (result.outcome, result.body) == ("ok", b")]}'\n[]")
    (request,) = loopback.requests
    assert (request.method, request.body) == ("POST", b"f.req=%5B%5D")
    assert request.headers["Content-Type"] == form["Content-Type"]


def test_a_post_answered_with_a_redirect_fails_without_following_it(
    loopback: LoopbackServer,
) -> None:
    loopback.routes["/batch"] = lambda _r: Reply(302, b"", {"Location": "/consent"})
    result = _post(loopback.url("/batch"), b"x", {})
    assert (result.outcome, result.http_status) == ("failed", 302)
    assert result.error == "redirected to /consent"
    assert [r.path for r in loopback.requests] == ["/batch"]


def test_the_gap_to_a_host_holds_across_consecutive_clients(loopback: LoopbackServer) -> None:
    # A run fetches its pages in batches, one client each: the second batch's first
    # request still waits for the gap after the first batch's last.
    handler, times = timed([Reply(200, HTML), Reply(200, HTML)])
    loopback.routes["/a"] = handler
    spaced = policy(politeness=Politeness(per_host_delay=0.4))
    assert get(loopback.url("/a"), spaced).outcome == "ok"
    assert get(loopback.url("/a"), spaced).outcome == "ok"
    assert len(times) == 2 and times[1] - times[0] >= 0.4 * 0.9
