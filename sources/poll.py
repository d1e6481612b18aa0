"""Polling a watch's sources: each feed, search API or sitemap → one `SourceResult`.

Conditional GET: a source's ETag / Last-Modified from the previous run are sent back
(only when its URL is unchanged), and a 304 gives status "not_modified" with no links.
Many feeds send no validators: a body identical (SHA-256) to the last one read in full
is "not_modified" too, and is not parsed again (a 5,000-item feed costs seconds).
Nothing here touches the database: the flow stores new validators only after the
articles behind the links are committed, so a crash cannot hide links behind a 304.
robots.txt is not consulted for the sources themselves: the watch names them
explicitly, as a feed reader's user does (pages found in them are checked, see
sources/robots.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from newswatch.config import Source, Watch
from newswatch.domain import CandidateLink, SourceResult, SourceState
from newswatch.sources.feeds import parse_feed
from newswatch.sources.fetch import user_agent_for
from newswatch.sources.gdelt import GDELT_HOST, GDELT_MIN_INTERVAL_SECONDS, gdelt_url, parse_gdelt
from newswatch.sources.google_news import google_news_url, parse_google_news
from newswatch.sources.http import (
    HttpClient,
    HttpPolicy,
    HttpResult,
    RetryPolicy,
    one_line,
    run_sync,
)
from newswatch.sources.links import SourceFormatError, dedupe_links
from newswatch.sources.sitemap import ChildSitemap, parse_sitemap

log = logging.getLogger(__name__)

# A sitemap index may point at further indexes; the protocol allows none, real sites
# use one level, so two levels of children are followed and no more.
MAX_SITEMAP_DEPTH = 2
# Child sitemaps fetched per source per run, newest (by lastmod) first: a news site's
# index lists one sitemap per day or month, and the newest few hold what is new.
MAX_CHILD_SITEMAPS = 10


def source_url(source: Source) -> str:
    """The URL polled for a source (built from its query for Google News and GDELT)."""
    if source.kind == "google_news":
        return google_news_url(source)
    if source.kind == "gdelt":
        return gdelt_url(source)
    if not source.url:  # the watch model rejects this; keep the message clear anyway
        raise SourceFormatError(f"a {source.kind} source needs a url")
    return source.url


def conditional_headers(state: SourceState | None, url: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last run, when it polled this same URL."""
    if state is None or state.url != url:
        return {}
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _newest_first(children: list[ChildSitemap]) -> list[ChildSitemap]:
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(children, key=lambda c: c.lastmod or floor, reverse=True)


async def _sitemap_children(
    client: HttpClient, key: str, top_url: str, children: list[ChildSitemap]
) -> tuple[list[CandidateLink], list[str]]:
    """Links of the child sitemaps (bounded depth and count), and the errors met."""
    links: list[CandidateLink] = []
    errors: list[str] = []
    seen = {top_url}
    budget = MAX_CHILD_SITEMAPS
    level = _newest_first(children)
    for _depth in range(MAX_SITEMAP_DEPTH):
        fresh = []
        for child in level:
            if child.url not in seen:
                seen.add(child.url)
                fresh.append(child)
        level = fresh[:budget]
        if not level:
            break
        budget -= len(level)
        results = await asyncio.gather(*(client.get(c.url) for c in level))
        next_level: list[ChildSitemap] = []
        for child, result in zip(level, results, strict=True):
            if result.outcome != "ok":
                errors.append(f"{child.url}: {result.error}")
                continue
            try:
                document = parse_sitemap(result.body, key)
            except SourceFormatError as exc:
                errors.append(f"{child.url}: {exc}")
                continue
            links.extend(document.links)
            next_level.extend(document.sitemaps)
        level = _newest_first(next_level)
    return links, errors


async def _links_of(
    client: HttpClient, source: Source, url: str, result: HttpResult
) -> tuple[CandidateLink, ...]:
    key = source.key
    content_type = result.header("content-type")
    if source.kind in ("rss", "atom"):
        return parse_feed(result.body, key, result.final_url, content_type)
    if source.kind == "google_news":
        return parse_google_news(
            result.body, key, result.final_url, content_type, source.google_host
        )
    if source.kind == "gdelt":
        return parse_gdelt(result.body, key)
    document = parse_sitemap(result.body, key)
    if not document.sitemaps:
        return document.links
    links, errors = await _sitemap_children(client, key, url, list(document.sitemaps))
    if errors and not links and not document.links:
        raise SourceFormatError(
            f"no child sitemap could be read ({len(errors)} failed); first: {errors[0]}"
        )
    if errors:
        log.warning("%s: %d child sitemap(s) failed; first: %s", key, len(errors), errors[0])
    return dedupe_links([*document.links, *links])


async def _poll_one(
    client: HttpClient,
    source: Source,
    state: SourceState | None,
    on_new_content: Callable[[int], None] | None = None,
) -> SourceResult:
    key = source.key
    url = source.url or source.query or ""
    http_status: int | None = None
    try:
        url = source_url(source)
        result = await client.get(url, headers=conditional_headers(state, url))
        http_status = result.http_status
        known = state if state is not None and state.url == url else None
        digest = hashlib.sha256(result.body).hexdigest() if result.outcome == "ok" else None
        if result.outcome == "not_modified" or (
            known is not None and digest is not None and known.body_sha256 == digest
        ):
            return SourceResult(
                source=key,
                url=url,
                status="not_modified",
                http_status=http_status,
                etag=result.header("etag") or (known.etag if known else None),
                last_modified=result.header("last-modified")
                or (known.last_modified if known else None),
                body_sha256=digest,
            )
        if result.outcome != "ok":
            return SourceResult(
                source=key,
                url=url,
                status="failed",
                http_status=http_status,
                error=one_line(result.error or f"HTTP {http_status}"),
            )
        if on_new_content is not None:
            on_new_content(len(result.body))
        links = await _links_of(client, source, url, result)
        return SourceResult(
            source=key,
            url=url,
            links=links,
            status="ok",
            http_status=http_status,
            etag=result.header("etag"),
            last_modified=result.header("last-modified"),
            body_sha256=digest,
        )
    except SourceFormatError as exc:
        return SourceResult(
            source=key, url=url, status="failed", http_status=http_status, error=one_line(str(exc))
        )
    except Exception as exc:  # one broken source must not cost the others their run
        log.exception("polling %s failed unexpectedly", key)
        return SourceResult(
            source=key,
            url=url,
            status="failed",
            http_status=http_status,
            error=one_line(f"internal error: {exc.__class__.__name__}: {exc}"),
        )


async def _poll_all(
    watch: Watch,
    states: Mapping[str, SourceState],
    retry: RetryPolicy | None,
    on_new_content: Callable[[int], None] | None,
) -> list[SourceResult]:
    policy = HttpPolicy.for_fetching(
        watch.fetch,
        user_agent_for(watch),
        retry=retry,
        host_delays={GDELT_HOST: GDELT_MIN_INTERVAL_SECONDS},
    )
    async with HttpClient(policy) as client:
        return list(
            await asyncio.gather(
                *(
                    _poll_one(client, source, states.get(source.key), on_new_content)
                    for source in watch.sources
                )
            )
        )


def poll_sources(
    watch: Watch,
    states: Mapping[str, SourceState],
    *,
    retry: RetryPolicy | None = None,
    on_new_content: Callable[[int], None] | None = None,
) -> list[SourceResult]:
    """Poll every source of the watch; one SourceResult per source, in order; never raises.

    `retry` replaces the default back-off (count and budget still come from `watch.fetch`).
    `on_new_content(size)` is called when a source answers with a body not seen before
    (`size` bytes), just before it is read for links: the run may have pages to read.
    """
    return run_sync(lambda: _poll_all(watch, states, retry, on_new_content))
