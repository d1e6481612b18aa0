"""Address safety, Retry-After and User-Agent: decisions tested on values, refusals on loopback.

No test here sends traffic to a refused address: the guard refuses before connecting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from newswatch.config import FetchConfig, parse_watch
from newswatch.domain import CandidateLink
from newswatch.sources.fetch import fetch_pages, user_agent_for
from newswatch.sources.http import (
    HttpClient,
    HttpPolicy,
    HttpResult,
    is_public_address,
    parse_retry_after,
    run_sync,
)
from newswatch.sources.http.policy import NO_RETRIES
from tests.support.loopback import LoopbackServer, Reply


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback(shared_server: LoopbackServer) -> LoopbackServer:
    shared_server.routes.clear()
    shared_server.requests.clear()
    return shared_server


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1",
        "169.254.169.254",  # cloud metadata (link-local)
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
        "192.0.2.1", "198.18.0.1",  # documentation, benchmarking
        "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1",
        "2001:db8::1",  # documentation
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
        "not-an-ip",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(address)


def _link(url: str) -> CandidateLink:
    return CandidateLink(url=url, canonical_url=url, source="test")


def test_loopback_is_refused_unless_allowed_and_never_contacted(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = lambda _r: Reply(200, b"<html></html>", {"Content-Type": "text/html"})
    (page,) = fetch_pages([_link(loopback.url("/a"))], FetchConfig(retries=3), "t")
    assert page.status == "failed" and page.error is not None
    assert page.error.startswith("refused: host 127.0.0.1 resolves to non-public address 127.0.0.1")
    assert loopback.requests == []  # not even robots.txt


def test_localhost_name_is_refused() -> None:
    (page,) = fetch_pages([_link("http://localhost:9/x")], FetchConfig(), "t")
    assert page.status == "failed" and page.error is not None
    assert page.error.startswith("refused: host localhost resolves to non-public address")


def _get(url: str, policy: HttpPolicy) -> HttpResult:
    async def go() -> HttpResult:
        async with HttpClient(policy) as http:
            return await http.get(url)

    return run_sync(go)


def test_redirect_to_a_private_address_is_refused_at_that_hop(loopback: LoopbackServer) -> None:
    # Only 127.0.0.1 is allowed, so the first hop is fetched; 127.0.0.2 stays refused.
    policy = HttpPolicy(user_agent="t", allowed_networks=("127.0.0.1/32",), retry=NO_RETRIES)
    port = loopback.base_url.rsplit(":", 1)[1]
    loopback.routes["/go"] = lambda _r: Reply(302, b"", {"Location": f"http://127.0.0.2:{port}/in"})
    result = _get(loopback.url("/go"), policy)
    assert result.outcome == "failed" and result.error is not None
    assert result.error.startswith(
        "refused: host 127.0.0.2 resolves to non-public address 127.0.0.2"
    )
    assert result.final_url == f"http://127.0.0.2:{port}/in"
    assert [r.path for r in loopback.requests] == ["/go"]


def test_a_name_resolving_to_loopback_is_refused_unless_allowed(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = lambda _r: Reply(
        200, b"<html>here</html>", {"Content-Type": "text/html"}
    )
    url = loopback.url("/a").replace("127.0.0.1", "localhost")
    refused = _get(url, HttpPolicy(user_agent="t", retry=NO_RETRIES))
    assert refused.outcome == "failed" and refused.error is not None
    assert refused.error.startswith("refused: host localhost resolves to non-public address")
    assert loopback.requests == []
    allowed = _get(url, HttpPolicy(user_agent="t", allow_private_hosts=True, retry=NO_RETRIES))
    assert (allowed.outcome, allowed.body) == ("ok", b"<html>here</html>")
    assert [r.path for r in loopback.requests] == ["/a"]


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("7") == 7.0


def test_retry_after_as_http_date() -> None:
    now = datetime(2025, 2, 12, 18, 30, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 12 Feb 2025 18:30:45 GMT", now) == 45.0
    assert parse_retry_after("Wed, 12 Feb 2025 18:00:00 GMT", now) == 0.0  # past: at once


@pytest.mark.parametrize("value", [None, "", "soon", "-3"])
def test_unreadable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None


_WATCH = """
name = "w"
[[sources]]
kind = "rss"
url = "https://a.example/feed"
[actors.a]
names = ["A"]
[actors.b]
names = ["B"]
[events]
pair = ["a", "b"]
"""


def test_user_agent_names_the_project_and_the_contact_url() -> None:
    watch = parse_watch(_WATCH + '[fetch]\ncontact_url = "https://example.org/about-our-bot"\n')
    agent = user_agent_for(watch)
    assert agent.startswith("newswatch/")
    assert "+https://example.org/about-our-bot" in agent


def test_user_agent_from_the_watch_wins() -> None:
    watch = parse_watch(_WATCH + '[fetch]\nuser_agent = "AcmeMonitor/2.0"\n')
    assert user_agent_for(watch) == "AcmeMonitor/2.0"
