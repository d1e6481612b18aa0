"""Fetching article pages: one `FetchedPage` per link, in order, never an exception.

Pages go through the HTTP layer (`sources/http`: address guard, politeness, retries,
size cap) and, unless `respect_robots` is off, robots.txt (its Crawl-delay included). Only HTML (text/html, application/xhtml+xml) is
downloaded and decoded; anything else is skipped before its body is read.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
from collections.abc import Callable, Sequence

import httpx

from newswatch.config import FetchConfig, Watch
from newswatch.domain import CandidateLink, FetchedPage, FetchStatus
from newswatch.sources.encoding import decode_html
from newswatch.sources.http import (
    HttpClient,
    HttpPolicy,
    RetryPolicy,
    header_value,
    one_line,
    run_sync,
    utc_now,
)
from newswatch.sources.robots import RobotsRules

log = logging.getLogger(__name__)

PROJECT = "newswatch"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# How much of a body without a Content-Type is looked at to decide it is HTML.
SNIFF_BYTES = 1024
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")


def _version() -> str:
    try:
        return importlib.metadata.version(PROJECT)
    except importlib.metadata.PackageNotFoundError:
        return "dev"


def user_agent_for(watch: Watch) -> str:
    """The User-Agent for a watch: `fetch.user_agent` if set, else the project and contact URL."""
    if watch.fetch.user_agent:
        return watch.fetch.user_agent
    return f"{PROJECT}/{_version()} (+{watch.fetch.contact_url})"


def media_type(content_type: str | None) -> str | None:
    """The bare media type of a Content-Type value ("text/html; charset=x" → "text/html")."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _html_only(headers: httpx.Headers) -> str | None:
    kind = media_type(headers.get("content-type"))
    if kind is None or kind in HTML_TYPES:
        return None  # no type: read it and sniff
    return f"content type {kind}"


def looks_like_html(body: bytes) -> bool:
    """True when the start of an untyped body is HTML markup."""
    head = body[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(marker in head for marker in _HTML_MARKERS)


def _validators(link: CandidateLink) -> dict[str, str] | None:
    """If-None-Match / If-Modified-Since for a re-check of a stored article."""
    headers = {}
    if link.etag:
        headers["If-None-Match"] = link.etag
    if link.last_modified:
        headers["If-Modified-Since"] = link.last_modified
    return headers or None


async def _fetch_one(
    client: HttpClient, robots: RobotsRules | None, link: CandidateLink
) -> FetchedPage:
    try:
        result = await client.get(
            link.url,
            headers=_validators(link),
            body_check=_html_only,
            hop_check=robots.refusal if robots is not None else None,
        )
    except Exception as exc:  # a bug here must not cost the other pages their run
        log.exception("fetching %s failed unexpectedly", link.url)
        return FetchedPage(
            link=link,
            status="failed",
            error=one_line(f"internal error: {exc.__class__.__name__}: {exc}"),
            fetched_at=utc_now(),
        )
    content_type = header_value(result.headers, "content-type")
    status: FetchStatus = "ok"
    error, html = result.error, None
    if result.outcome == "not_modified" and link.is_recheck:
        status = "not_modified"  # a re-checked page that did not change
    elif result.outcome == "not_modified":  # we asked unconditionally
        status, error = "failed", "unexpected 304 Not Modified"
    elif result.outcome != "ok":
        status = result.outcome
    elif content_type is None and not looks_like_html(result.body):
        status, error = "skipped", "no content type and the body is not HTML"
    else:
        html = decode_html(result.body, content_type)
    return FetchedPage(
        link=link,
        status=status,
        final_url=result.final_url,
        http_status=result.http_status,
        content_type=content_type,
        html=html,
        headers=result.headers,
        error=error,
        fetched_at=utc_now(),
        bytes_read=len(result.body),
        elapsed_ms=result.elapsed_ms,
    )


class _Session:
    """One HTTP client and one robots.txt cache for every batch fetched through them."""

    def __init__(self, config: FetchConfig, user_agent: str, retry: RetryPolicy | None) -> None:
        self.config = config
        self.client = HttpClient(HttpPolicy.for_fetching(config, user_agent, retry=retry))
        self.robots = RobotsRules(self.client, user_agent) if config.respect_robots else None

    async def fetch(
        self, links: Sequence[CandidateLink], on_page: Callable[[FetchedPage], None] | None
    ) -> list[FetchedPage]:
        limit = self.config.max_pages_per_run

        async def one(link: CandidateLink) -> FetchedPage:
            page = await _fetch_one(self.client, self.robots, link)
            if on_page is not None:
                on_page(page)
            return page

        pages = await asyncio.gather(*(one(link) for link in links[:limit]))
        over = [
            FetchedPage(
                link=link,
                status="skipped",
                error=f"page limit reached (max_pages_per_run = {limit})",
                fetched_at=utc_now(),
            )
            for link in links[limit:]
        ]
        return [*pages, *over]


class PageFetcher:
    """Fetches a run's pages batch after batch, keeping what a run shares between them.

    One HTTP client on one event loop: connections (and their TLS handshakes), each
    origin's robots.txt (fetched once a run, not once a batch) and per-host politeness
    carry over from one batch to the next. Call `fetch` from one thread at a time and
    outside any running event loop (the run's fetch thread); `close` ends it.
    """

    def __init__(
        self, config: FetchConfig, user_agent: str, *, retry: RetryPolicy | None = None
    ) -> None:
        self._session = _Session(config, user_agent, retry)
        self._loop: asyncio.AbstractEventLoop | None = None

    def fetch(
        self,
        links: Sequence[CandidateLink],
        *,
        on_page: Callable[[FetchedPage], None] | None = None,
    ) -> list[FetchedPage]:
        """One FetchedPage per link, same order; never raises per page."""
        if not links:
            return []
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._session.client.__aenter__())
        return self._loop.run_until_complete(self._session.fetch(links, on_page))

    def close(self) -> None:
        """Close the connections and the loop (from the thread that fetched, or any idle one)."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            loop.run_until_complete(self._session.client.__aexit__(None, None, None))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def __enter__(self) -> PageFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _fetch_all(
    links: Sequence[CandidateLink],
    config: FetchConfig,
    user_agent: str,
    on_page: Callable[[FetchedPage], None] | None,
    retry: RetryPolicy | None,
) -> list[FetchedPage]:
    session = _Session(config, user_agent, retry)
    async with session.client:
        return await session.fetch(links, on_page)


def fetch_pages(
    links: Sequence[CandidateLink],
    config: FetchConfig,
    user_agent: str,
    *,
    on_page: Callable[[FetchedPage], None] | None = None,
    retry: RetryPolicy | None = None,
) -> list[FetchedPage]:
    """Fetch every link's page: one FetchedPage per link, same order; never raises per page.

    One call, one HTTP client: a run fetching batch after batch uses `PageFetcher`.

    `on_page` is called as each page completes (progress display); `retry` replaces the
    default back-off (its retry count and budget still come from `config`).
    """
    if not links:
        return []
    return run_sync(lambda: _fetch_all(links, config, user_agent, on_page, retry))
