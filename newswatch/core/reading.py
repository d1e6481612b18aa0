"""The clean-and-extract stage: fetched pages → articles with candidate events and fingerprints.

Pure CPU work with no database or network access (an LLM extractor excepted), so it
runs on the run's worker processes (core/workers.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from newswatch.config import Watch
from newswatch.core.types import ReadArticle
from newswatch.domain import FetchedPage
from newswatch.extractors.clean import clean_page
from newswatch.extractors.clean_site import host_of, page_observation
from newswatch.extractors.copies import fingerprint_article
from newswatch.extractors.events import EventExtractor, extractor_for
from newswatch.extractors.events.languages import available_languages
from newswatch.extractors.language import load_models
from newswatch.progress import stage_progress
from newswatch.sources.llm_endpoint import llm_poster


def clean_and_extract(
    pages: Sequence[FetchedPage],
    watch: Watch,
    site_boilerplate: Mapping[str, frozenset[int]] | None = None,
) -> list[ReadArticle]:
    """Clean each fetched page, extract its candidate events and fingerprint its text.

    CPU work with no database access, so it runs in a worker process; an LLM extractor
    calls out from there.
    """
    extractor = extractor_for(watch, post_json=llm_poster(watch))
    out: list[ReadArticle] = []
    readable = [p for p in pages if p.status == "ok" and p.html is not None]
    with stage_progress("clean", len(readable)) as advance:
        for page in readable:
            out.append(read_page(page, watch, extractor, site_boilerplate or {}))
            advance()
    return out


def read_page(
    page: FetchedPage,
    watch: Watch,
    extractor: EventExtractor,
    site_boilerplate: Mapping[str, frozenset[int]] | None = None,
) -> ReadArticle:
    """Clean one page, extract its candidate events and fingerprint its text."""
    assert page.html is not None
    article = clean_page(
        page.html,
        page.final_url or page.link.url,
        dict(page.headers),
        source=page.link.source,
        fetched_at=page.fetched_at,
        hint=page.link,
        site_boilerplate=(site_boilerplate or {}).get(host_of(page.final_url or page.link.url), ()),
    )
    found = extractor.extract(article, watch) if article.page_kind == "article" else []
    return ReadArticle(
        article,
        page.final_url,
        tuple(found),
        page.link.canonical_url,
        fingerprint_article(article),
        page_observation(article.url, article.text),
    )


def warm_up(watch: Watch) -> None:
    """Clean and read one small made-up page naming the watch's actors, and drop the result.

    Run before the cleaning workers fork (core/workers.py): what the first page loads
    (the language model, the packs' compiled vocabularies, the watch's name patterns) is
    then loaded once and shared by the workers.
    """
    names = " and ".join(actor.names[0] for actor in watch.actors.values() if actor.names)
    sentence = f"{names or 'The ministers'} spoke by phone on Monday, officials said."
    filler = " ".join(["The talks were described as constructive by people close to them."] * 3)
    html = (
        "<html><head><title>Talks</title></head><body><article><h1>Talks</h1>"
        f"<p>{sentence}</p><p>{filler}</p></article></body></html>"
    )
    article = clean_page(
        html, "https://warm-up.invalid/a", {}, source="warm-up", fetched_at=datetime.now(UTC)
    )
    fingerprint_article(article)
    load_models(available_languages())
    if watch.is_keyword_watch or watch.contacts.extractor != "llm":  # an LLM would be called
        extractor_for(watch).extract(article, watch)
