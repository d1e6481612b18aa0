"""Helpers for the copy-detection tests and benchmarks (this module holds no tests).

`ingest` does for one article what the store stage does for a whole batch (and
tests/test_copies_batch.py proves the two agree): fingerprint, look up candidates,
decide, write the article row (storage's own writer), store the fingerprint and re-point
the group.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from newswatch.domain import Article
from newswatch.extractors.copies import CopyDecision, decide_copy, fingerprint_article
from newswatch.extractors.fingerprint import Fingerprint
from newswatch.storage.articles import NewArticleRow, insert_articles
from newswatch.storage.copies import apply_copy_match, copy_groups_by_url, find_copy_candidates
from newswatch.urls import canonicalize_url


def ingest(
    con: duckdb.DuckDBPyConnection, article: Article, fp: Fingerprint | None = None
) -> CopyDecision:
    """Run copy detection for one article and store it, as the store stage does."""
    fp = fp or fingerprint_article(article)
    candidates = find_copy_candidates(
        con, fp, article.declared_canonical_url, canonical_url=article.canonical_url
    )
    decision = decide_copy(article, fp, candidates)
    match = decision.match
    insert_articles(con, [NewArticleRow(article, match, fp.content_hash, False, None, "ingest")])
    apply_copy_match(
        con,
        match,
        fp,
        repoints=decision.repoints,
        declared_canonical_url=article.declared_canonical_url,
    )
    return decision


def stored_groups(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Every stored article's duplicate_of, by canonical URL (ids are opaque)."""
    return copy_groups_by_url(con)


def make_article(
    slug: str,
    text: str,
    *,
    published_at: datetime | None = None,
    declared_canonical_url: str | None = None,
    page_kind: str = "article",
) -> Article:
    """A minimal article at https://<slug>/ with the given text."""
    url = f"https://{slug}.example/story"
    return Article(
        url=url,
        canonical_url=url,
        source=slug,
        title=None,
        text=text,
        published_at=published_at,
        declared_canonical_url=declared_canonical_url,
        page_kind=page_kind,  # type: ignore[arg-type]
    )


# --- synthetic news text -------------------------------------------------------------

_WORDS = [
    "minister",
    "talks",
    "border",
    "energy",
    "grid",
    "officials",
    "ceasefire",
    "delegation",
    "statement",
    "harbour",
    "railway",
    "budget",
    "parliament",
    "election",
    "coalition",
    "envoy",
    "summit",
    "trade",
    "tariff",
    "grain",
    "ports",
    "drone",
    "strike",
    "reactor",
    "council",
    "mayor",
    "court",
    "ruling",
    "appeal",
    "sanctions",
    "pipeline",
    "exports",
    "farmers",
    "protest",
    "police",
    "capital",
    "region",
    "governor",
    "treaty",
    "signing",
    "ambassador",
    "meeting",
    "phone",
    "call",
    "message",
    "letter",
    "proposal",
    "draft",
    "agreement",
    "vote",
    "session",
    "committee",
    "report",
    "inflation",
    "bank",
    "rate",
    "market",
    "shares",
    "prices",
    "winter",
    "supplies",
    "aid",
    "convoy",
    "hospital",
    "school",
]
_GLUE = [
    "the",
    "a",
    "of",
    "in",
    "on",
    "at",
    "to",
    "for",
    "with",
    "and",
    "after",
    "before",
    "said",
    "that",
    "this",
    "was",
    "were",
    "by",
    "from",
]


def sentence(rng: random.Random, length: int | None = None) -> str:
    """A plausible-looking sentence of random news words."""
    n = length or rng.randint(12, 24)
    words = [rng.choice(_WORDS if i % 3 else _GLUE) for i in range(n)]
    return " ".join(words).capitalize() + "."


def story(rng: random.Random, paragraphs: int = 6) -> list[str]:
    """A synthetic article as paragraphs of three to five sentences."""
    return [" ".join(sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(paragraphs)]


# --- the shared corpus ----------------------------------------------------------------


@dataclass(frozen=True)
class CorpusPage:
    """One corpus page as an article, with its labelled copy group."""

    name: str
    article: Article
    dup_group: str | None


def corpus_text_source() -> str:
    """Which cleaner produces the corpus texts: the clean stage when it exists."""
    try:
        from newswatch.extractors.clean import clean_page  # noqa: F401
    except ImportError:
        return "trafilatura.extract (extractors.clean not available)"
    return "newswatch.extractors.clean.clean_page"


def load_corpus(corpus_dir: Path, *, use_clean_stage: bool = True) -> list[CorpusPage]:
    """The corpus pages as cleaned articles; publication times come from the labels.

    Dates are taken from the labels so that these tests judge grouping, not date
    extraction. Without the clean stage (absent, or `use_clean_stage=False`),
    trafilatura's text and the page's own <link rel=canonical> stand in for it.
    """
    labels = json.loads((corpus_dir / "labels.json").read_text(encoding="utf-8"))
    pages = []
    for entry in labels["articles"]:
        html = (corpus_dir / entry["file"]).read_text(encoding="utf-8")
        url = canonicalize_url(f"https://{entry['outlet']}{entry['url_path']}")
        published = entry["published"]
        published_at = (
            datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None
        )
        article = _clean(html, url) if use_clean_stage else _fallback_clean(html, url)
        article = replace(article, published_at=published_at)
        pages.append(CorpusPage(Path(entry["file"]).stem[:3], article, entry["dup_group"]))
    return pages


def _clean(html: str, url: str) -> Article:
    try:
        from newswatch.extractors.clean import clean_page
    except ImportError:
        return _fallback_clean(html, url)
    return clean_page(html, url)


def _fallback_clean(html: str, url: str) -> Article:
    import lxml.html
    import trafilatura

    text = trafilatura.extract(html) or ""
    hrefs = lxml.html.fromstring(html).xpath("//link[@rel='canonical']/@href")
    declared = canonicalize_url(hrefs[0]) if hrefs else None
    return Article(
        url=url,
        canonical_url=url,
        source=url,
        title=None,
        text=text,
        published_at=None,
        declared_canonical_url=declared if declared != url else None,
    )


def true_pairs(pages: list[CorpusPage]) -> set[frozenset[str]]:
    """Unordered pairs of page numbers labelled as copies of one text."""
    return {
        frozenset((a.name, b.name))
        for a in pages
        for b in pages
        if a.name < b.name and a.dup_group and a.dup_group == b.dup_group
    }


def found_pairs(groups: dict[str, str | None], pages: list[CorpusPage]) -> set[frozenset[str]]:
    """Unordered pairs of page numbers stored in one copy group."""
    name = {p.article.canonical_url: p.name for p in pages}
    root = {url: (original or url) for url, original in groups.items()}
    return {
        frozenset((name[a], name[b]))
        for a in root
        for b in root
        if name[a] < name[b] and root[a] == root[b]
    }


def later(base: datetime, hours: float) -> datetime:
    """A time `hours` after `base` (UTC)."""
    return (base + timedelta(hours=hours)).astimezone(UTC)
