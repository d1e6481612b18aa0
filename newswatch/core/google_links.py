"""Google News links resolved to publisher URLs before anything is fetched.

Wiring only: the protocol is `sources.google_decode`, the id cache `storage.google_links`.
A Google link that cannot be resolved is recorded as `unresolved` in `fetches` and
dropped: a Google page is never fetched or stored as an article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from newswatch.config import Source, Watch
from newswatch.domain import CandidateLink, FetchedPage, LinkResolution, SourceResult
from newswatch.sources.fetch import user_agent_for
from newswatch.sources.google_decode import article_token, resolve_links
from newswatch.sources.links import make_link
from newswatch.storage.db import read_session
from newswatch.storage.google_links import MAX_RESOLVE_ATTEMPTS, load_cached


@dataclass(frozen=True)
class ResolvedResults:
    """Poll results with Google links replaced by publisher links, and what failed."""

    results: list[SourceResult]
    unresolved: list[FetchedPage]
    # What this run asked Google and learned, to cache.
    learned: list[LinkResolution]


def _publisher_link(link: CandidateLink, url: str) -> CandidateLink | None:
    resolved = make_link(
        url,
        link.source,
        title=link.title,
        published_at=link.published_at,
        language=link.language,
        redirect_url=link.redirect_url or link.url,
    )
    return resolved


def resolve_google_links(
    results: Sequence[SourceResult], watch: Watch, db_path: str, now: datetime
) -> ResolvedResults:
    """Resolve every Google article link of the watch's sources.

    A Google News source's links are looked for on its `google_host`; any other source
    (a feed that relays Google News) on news.google.com.
    """
    sources = {s.key: s for s in watch.sources}
    wanted: dict[str, list[tuple[str, CandidateLink]]] = {}
    for result in results:
        source = sources.get(result.source)
        if source is None:
            continue
        for link in result.links:
            token = article_token(link.url, source.google_host)
            if token is not None:
                wanted.setdefault(result.source, []).append((token, link))
    if not wanted:
        return ResolvedResults(list(results), [], [])
    with read_session(db_path) as con:
        cached = load_cached(con, (t for pairs in wanted.values() for t, _ in pairs))
    answers: dict[str, LinkResolution] = {}
    learned: list[LinkResolution] = []
    asked_now: set[str] = set()
    for key, pairs in wanted.items():
        source = sources[key]
        ask: list[tuple[str, str]] = []
        for token, link in pairs:
            known = cached.get(token)
            if known is not None and (known[0].url or known[1] >= MAX_RESOLVE_ATTEMPTS):
                answers[token] = known[0]
            elif token not in asked_now:
                ask.append((token, link.url))
                asked_now.add(token)
        fresh = _ask_google(watch, source, ask)
        learned.extend(fresh)
        answers.update({r.token: r for r in fresh})
    out: list[SourceResult] = []
    unresolved: list[FetchedPage] = []
    for result in results:
        if result.source not in wanted:
            out.append(result)
            continue
        tokens = {link: token for token, link in wanted[result.source]}
        links: list[CandidateLink] = []
        for link in result.links:
            token = tokens.get(link)
            if token is None:
                links.append(link)
                continue
            answer = answers.get(token)
            resolved = _publisher_link(link, answer.url) if answer and answer.url else None
            if resolved is not None:
                links.append(resolved)
            elif token in asked_now:  # a failure learned now is recorded once, not each run
                error = answer.error if answer else None
                unresolved.append(
                    FetchedPage(
                        link=link,
                        status="unresolved",
                        error=f"Google News link not resolved: {error or 'no answer'}",
                        fetched_at=now,
                    )
                )
        out.append(replace(result, links=tuple(links)))
    return ResolvedResults(out, unresolved, learned)


def _ask_google(
    watch: Watch, source: Source, pairs: Sequence[tuple[str, str]]
) -> list[LinkResolution]:
    return resolve_links(
        watch.fetch,
        user_agent_for(watch),
        source.google_host,
        source.google_interval_seconds,
        pairs,
    )
