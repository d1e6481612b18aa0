"""A run fetches its pages chunk after chunk through one HTTP client.

What a publisher sees should not depend on how the run cuts its links into chunks:
robots.txt is asked once a run, the per-host delay holds across chunks, and connections
are kept (a TLS handshake per chunk and host would cost more CPU than the page). A whole
run in three chunks is checked in tests/test_pipeline_core.py.
"""

from __future__ import annotations

import time

from newswatch.config import FetchConfig
from newswatch.domain import CandidateLink
from newswatch.sources.fetch import PageFetcher
from tests.support.fetching import UA, link
from tests.support.loopback import LoopbackServer, Reply

HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello</p></body></html>"


def served_pages(loopback: LoopbackServer, count: int) -> list[CandidateLink]:
    loopback.routes["/robots.txt"] = lambda _r: Reply(200, b"User-agent: *\nDisallow: /private/\n")
    for n in range(count):
        loopback.routes[f"/p{n}"] = lambda _r: Reply(200, HTML, {"Content-Type": "text/html"})
    return [link(loopback.url(f"/p{n}")) for n in range(count)]


def requested(loopback: LoopbackServer, path: str) -> int:
    return [r.path for r in loopback.requests].count(path)


def test_batches_through_one_fetcher_ask_robots_txt_once(loopback: LoopbackServer) -> None:
    links = served_pages(loopback, 4)
    config = FetchConfig(allow_private_hosts=True, retries=0, per_host_delay=0.0)
    with PageFetcher(config, UA) as fetcher:
        first = fetcher.fetch(links[:2])
        second = fetcher.fetch(links[2:])
    assert [p.status for p in first + second] == ["ok"] * 4
    assert requested(loopback, "/robots.txt") == 1


def test_the_per_host_delay_holds_from_one_batch_to_the_next(loopback: LoopbackServer) -> None:
    links = served_pages(loopback, 2)
    config = FetchConfig(
        allow_private_hosts=True, retries=0, per_host_delay=0.4, respect_robots=False
    )
    with PageFetcher(config, UA) as fetcher:
        fetcher.fetch(links[:1])
        started = time.monotonic()
        fetcher.fetch(links[1:])
        waited = time.monotonic() - started
    assert waited >= 0.3  # a fresh client per batch would ask at once


def test_a_closed_fetcher_can_be_closed_again_and_an_unused_one_closes() -> None:
    fetcher = PageFetcher(FetchConfig(), UA)
    fetcher.close()
    fetcher.close()
    assert fetcher.fetch([]) == []
