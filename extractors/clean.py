"""The clean stage: raw page → `Article` (main text without boilerplate or filler, plus metadata).

Pipeline per page, parsing the HTML once:
1. main text by trafilatura (options chosen with bench/bench_extraction.py),
2. residual-boilerplate rules (extractors.boilerplate),
3. appended-filler cut (extractors.filler), kept in `filler_text`,
4. metadata from the same tree: title, author, site, language, canonical URLs, publication
   time (extractors.published), and the page kind (article, listing, stub).

`Article.text` holds one paragraph per line, paragraphs separated by a single "\\n".
Pure: no network, no files. Hostile input (empty, binary garbage, huge, no body) yields a
"stub" article with empty text instead of an exception.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

from newswatch.domain import Article, CandidateLink, PageKind
from newswatch.extractors.boilerplate import remove_boilerplate
from newswatch.extractors.clean_meta import (
    ARTICLE_TYPES,
    LISTING_TYPES,
    PageMeta,
    page_author,
    page_languages,
    page_site_name,
    page_title,
    read_page_meta,
    resolve_url,
    squash,
)
from newswatch.extractors.clean_site import remove_site_boilerplate
from newswatch.extractors.clean_split import recover_split_body
from newswatch.extractors.clean_structured import agreeing_paragraphs, declared_body
from newswatch.extractors.filler import FillerCut, cut_filler
from newswatch.extractors.language import most_likely
from newswatch.extractors.published import find_published, to_utc
from newswatch.urls import canonicalize_url

LOGGER = logging.getLogger(__name__)

PARAGRAPH_SEPARATOR = "\n"


@dataclass(frozen=True)
class ExtractionStep:
    """One trafilatura run of the extraction cascade: it runs only while the text so far is
    shorter than `run_below_chars`, and replaces it when `min_gain` times longer."""

    favor_precision: bool
    fast: bool
    min_gain: float
    run_below_chars: float
    favor_recall: bool = False


# Trafilatura settings, chosen on the article-extraction benchmark (bench/bench_extraction.py).
# A cascade, steps 2 and 3 run only while the text so far is shorter than RETRY_BELOW_CHARS:
# 1. precision focus, fast (no readability/justext comparison): on 175 of the 181
#    benchmark pages its text equals the full run's, at ~60% of the cost;
# 2. precision focus with the comparison: rescues pages whose body the fast heuristics
#    miss; it replaces step 1 when 1.2x longer (not the same text plus furniture);
# 3. balanced focus, kept only when 2x longer: a precision run that kept a copyright
#    notice instead of the article (balanced mode adds boilerplate, hence the higher bar).
# 4. recall focus, fast, when the text is still under RECALL_CHECK_BELOW_CHARS, kept only
#    when RECALL_MIN_GAIN times longer: the precision runs lost most of a body (on
#    general-web pages whose paragraphs sit in unusual markup).
# Reader comments are never article text; tables are kept (they carry figures).
# A second extractor did not earn its place: justext (trafilatura's dependency) as a judge
# of our paragraphs lowered both benchmarks in every setting tried (best: article-extraction
# -0.0013, trafilatura-eval -0.0006 F1) and costs about half a trafilatura call per page.
# A text shorter than this sends the cascade to steps 2 and 3. 500 characters is about
# four sentences: every benchmark page rescued by a later step had under 340 characters
# from the earlier one, and few real bodies are shorter (the shortest is 369).
RETRY_BELOW_CHARS = 500
# Step 4 on trafilatura-eval (F1 0.9201 -> 0.9215, accuracy 0.9199 -> 0.9213) with
# article-extraction unchanged (bench/bench_extraction.py): a gain ratio of 3.3 (precision text under 30% of the
# recall text) beat 2, 1.4 and 1.2 on both benchmarks; checking below 1,000 characters
# gains as much as below 2,000 or 3,000 and costs the extra run on 10% of pages only.
RECALL_CHECK_BELOW_CHARS = 1000
RECALL_MIN_GAIN = 3.3
EXTRACTION_CASCADE: tuple[ExtractionStep, ...] = (
    ExtractionStep(favor_precision=True, fast=True, min_gain=0.0, run_below_chars=float("inf")),
    ExtractionStep(
        favor_precision=True, fast=False, min_gain=1.2, run_below_chars=RETRY_BELOW_CHARS
    ),
    ExtractionStep(
        favor_precision=False, fast=False, min_gain=2.0, run_below_chars=RETRY_BELOW_CHARS
    ),
    ExtractionStep(
        favor_precision=False,
        favor_recall=True,
        fast=True,
        min_gain=RECALL_MIN_GAIN,
        run_below_chars=RECALL_CHECK_BELOW_CHARS,
    ),
)

# Pages longer than this are cut before parsing: no article is this long, and parsing
# time grows with size. 5 million characters is ~10x the largest benchmark page.
MAX_HTML_CHARS = 5_000_000
# Trees with more elements than this are cut (from the end) before extraction: extraction
# time grows faster than linearly with the element count (a page of 250,000 paragraphs
# took minutes). The largest benchmark page has ~1,600 elements; 20,000 leaves 12x room.
MAX_TREE_ELEMENTS = 20_000
# A text shorter than this is a stub (paywall teaser, error page, video page with a caption).
# Below the shortest real article body seen: 902 characters in the corpus, 369 in the
# benchmark's ground truth (all 181 benchmark pages come out as "article").
MIN_ARTICLE_CHARS = 300
# A listing page (tag, section, home) shows at least this many teaser headlines linking
# elsewhere and no paragraph longer than MAX_TEASER_CHARS; the corpus tag page has 6
# teasers, article pages carry at most 3-5 related links in <article>/<h2-h4> blocks.
MIN_TEASERS = 6
MAX_TEASER_CHARS = 400
# Paths of tag, category, section, author and archive pages. The site root is not among
# them: a news front page is a listing by its teasers (below), a small site's home page is
# often its one text (six such pages in trafilatura-eval lost their text as "listings").
_LISTING_PATH = re.compile(
    r"^/(?:(?:[\w-]+/)?(?:tag|tags|category|categories|topic|topics|section|sections|author|authors|archive|archives|themen|thema|schlagwort)/[^/]+/?(?:page/\d+/?)?|page/\d+/?)$",
    re.I,
)
# A page whose address ends in an article slug or id is one article, whatever its teaser
# blocks say: "/3-11212601", "/podolski-ends-his-career", "/news-item.html" (not
# "/index.html"). A slug has at least MIN_SLUG_WORDS words, an id at least MIN_ID_DIGITS digits. Chosen on trafilatura-eval:
# 10 article pages with 6+ related-teaser blocks and short paragraphs were taken for listings
# (and lost their text); no listing in either benchmark or the corpus has such an address.
MIN_SLUG_WORDS = 3
MIN_ID_DIGITS = 4
_ARTICLE_SLUG = re.compile(
    rf"(?:[^/]*\d{{{MIN_ID_DIGITS},}}[^/]*|(?!index\.)[^/]*\.(?:html?|php|aspx?|jsp)|[^/\W_]+(?:[-_.]+[^/\W_]+){{{MIN_SLUG_WORDS - 1},}})/?$"
)
# A query that only turns pages ("?page=2") keeps a home or section page a listing; any
# other query on the site root ("/?p=2895", WordPress's article address) names an article.
_PAGING_QUERY = re.compile(r"^(?:page|paged|p?g|offset|start)=\d+$", re.I)
# Texts at least this long are worth a language guess when the page declares none;
# shorter ones give unreliable guesses.
MIN_LANGUAGE_GUESS_CHARS = 100
_LANGUAGE_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")


def clean_page(
    html: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    source: str = "",
    fetched_at: datetime | None = None,
    hint: CandidateLink | None = None,
    site_boilerplate: Iterable[int] = (),
) -> Article:
    """Clean one fetched page into an `Article`; never raises, returns a stub for unusable input.

    `site_boilerplate`: fingerprints of paragraphs the page's host repeats on many pages
    (storage.boilerplate.load_repeated_paragraphs), dropped from the text.
    """
    try:
        return _clean_page(
            html,
            url,
            headers,
            source=source,
            fetched_at=fetched_at,
            hint=hint,
            site_boilerplate=site_boilerplate,
        )
    except Exception:  # hostile input must never stop a run; the page becomes a stub
        LOGGER.warning("clean failed for %s; stored as stub", url, exc_info=True)
        return _stub(url, source, fetched_at, hint)


def _safe_canonical(url: str) -> str:
    try:
        return canonicalize_url(url)
    except ValueError:
        return url


def _stub(
    url: str, source: str, fetched_at: datetime | None, hint: CandidateLink | None
) -> Article:
    feed_time = to_utc(hint.published_at) if hint and hint.published_at else None
    return Article(
        url=url,
        canonical_url=_safe_canonical(url),
        source=source,
        title=hint.title if hint else None,
        text="",
        published_at=feed_time,
        fetched_at=fetched_at,
        language=hint.language if hint else None,
        page_kind="stub",
        published_source="feed" if feed_time else None,
    )


def _parse(html: str) -> HtmlElement | None:
    if not isinstance(html, str) or not html.strip():
        return None
    html = html[:MAX_HTML_CHARS].replace("\x00", "")
    tree = load_html(html)
    if tree is None:
        return None
    # Every element starts with "<": a page with fewer is not counted (nearly all are).
    elements = sum(1 for _ in tree.iter()) if html.count("<") > MAX_TREE_ELEMENTS else 0
    if elements > MAX_TREE_ELEMENTS:
        # Keep the start of the page (where the article is) in proportion to the cap.
        tree = load_html(html[: len(html) * MAX_TREE_ELEMENTS // elements])
    if tree is None or (tree.find(".//body") is None and len(tree) < 2):
        return None
    return tree


@cache
def _step_options(favor_precision: bool, favor_recall: bool, fast: bool) -> Extractor:
    """trafilatura's options for one cascade step, built once: `extract` otherwise builds
    them on every call, reading its config file's values (a tenth of a fast extraction)."""
    return Extractor(
        precision=favor_precision,
        recall=favor_recall,
        fast=fast,
        comments=False,
        tables=True,
    )


def _extract(
    tree: HtmlElement, url: str, *, favor_precision: bool, favor_recall: bool, fast: bool
) -> str:
    options = copy.copy(_step_options(favor_precision, favor_recall, fast))
    options.url = options.source = url or None
    return trafilatura.extract(tree, options=options) or ""


def extract_main_text(tree: HtmlElement, url: str) -> str:
    """The main text as trafilatura sees it (one paragraph per line), before our own rules."""
    text = ""
    for step in EXTRACTION_CASCADE:
        if len(text) >= step.run_below_chars:
            continue
        candidate = _extract(
            tree,
            url,
            favor_precision=step.favor_precision,
            favor_recall=step.favor_recall,
            fast=step.fast,
        )
        if candidate and len(candidate) >= step.min_gain * len(text):
            text = candidate
    return text


def _paragraphs(text: str) -> list[str]:
    return [line for line in (squash(line) for line in text.split("\n")) if line]


def _checked_by_declared_body(
    tree: HtmlElement, meta: PageMeta, url: str, lines: list[str]
) -> list[str]:
    """The lines a recall-mode extraction and the page's declared article body agree on,
    when they agree well enough (extractors.clean_structured); else `lines` unchanged."""
    body = declared_body(tree, meta)
    if body is None:
        return lines
    recall = _extract(tree, url, favor_precision=False, favor_recall=True, fast=True)
    agreed = agreeing_paragraphs(body, _paragraphs(recall), lines)
    return agreed if agreed else lines


def _titles(meta: PageMeta, title: str | None) -> list[str]:
    """Spellings of the headline that may be repeated in the text."""
    found = [t for t in (title, meta.h1, meta.first_meta("twitter:title"), meta.title_tag) if t]
    if meta.title_tag:
        # "<headline> - Site Name" / "<headline> | Site": the part before the last separator.
        head = re.split(r"\s+[-|–—:·]\s+(?=[^-|–—:·]*$)", meta.title_tag)[0]
        found.append(head)
    return list(dict.fromkeys(found))


def _language(
    meta: PageMeta, headers: Mapping[str, str] | None, text: str, hint: CandidateLink | None
) -> str | None:
    for tag in page_languages(meta, headers):
        match = _LANGUAGE_TAG.match(tag.strip())
        if match and match.group(1).lower() not in ("und", "mul", "zxx"):
            return match.group(1).lower()
    if hint and hint.language:
        return hint.language
    if len(text) >= MIN_LANGUAGE_GUESS_CHARS:
        return most_likely(text[:2000])
    return None


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _is_listing(
    tree: HtmlElement, meta: PageMeta, urls: Sequence[str], paragraphs: Sequence[str]
) -> bool:
    types = meta.json_ld_types()
    og_type = (meta.first_meta("og:type") or "").lower()
    if types & ARTICLE_TYPES or og_type == "article" or meta.first_meta("article:published_time"):
        return False
    if types & LISTING_TYPES:
        return True
    for url in urls:
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        path = parts.path or "/"
        if parts.query and not _PAGING_QUERY.match(parts.query) and path.strip("/") == "":
            return False
        if _LISTING_PATH.match(path):
            return True
    if any(len(p) > MAX_TEASER_CHARS for p in paragraphs):
        return False
    if any(_ARTICLE_SLUG.search(_path_of(url)) for url in urls):
        return False
    teasers = len(tree.xpath("//article | //h2[a] | //h3[a] | //a[h2] | //a[h3]"))
    return teasers >= MIN_TEASERS


def page_kind_of(
    tree: HtmlElement, meta: PageMeta, urls: Sequence[str], paragraphs: Sequence[str]
) -> PageKind:
    """ "listing" for tag/section/home pages, "stub" for very short texts, else "article".

    `urls` are the page's own addresses (canonical first); `paragraphs` its cleaned text.
    """
    if _is_listing(tree, meta, urls, paragraphs):
        return "listing"
    if sum(len(p) for p in paragraphs) < MIN_ARTICLE_CHARS:
        return "stub"
    return "article"


def _clean_page(
    html: str,
    url: str,
    headers: Mapping[str, str] | None,
    *,
    source: str,
    fetched_at: datetime | None,
    hint: CandidateLink | None,
    site_boilerplate: Iterable[int] = (),
) -> Article:
    tree = _parse(html)
    if tree is None:
        return _stub(url, source, fetched_at, hint)
    meta = read_page_meta(tree)
    title = page_title(meta) or (hint.title if hint else None)

    og_url = resolve_url(url, meta.first_meta("og:url"))
    link_canonical = resolve_url(url, meta.canonical_link)
    canonical_url = _safe_canonical(og_url or link_canonical or url)
    declared = _safe_canonical(link_canonical) if link_canonical else None
    own_urls = [u for u in (og_url, link_canonical, url) if u]

    lines = _checked_by_declared_body(tree, meta, url, _paragraphs(extract_main_text(tree, url)))
    lines = recover_split_body(tree, lines)
    lines = list(remove_boilerplate(lines, _titles(meta, title)).paragraphs)
    lines = list(remove_site_boilerplate(lines, site_boilerplate).paragraphs)
    cut = cut_filler(lines)
    kind = page_kind_of(tree, meta, own_urls, cut.body)

    published = None
    if kind == "listing":
        # A tag or section page has no publication time, and its teasers are not article
        # text (they would yield events without their articles' context); the articles
        # behind them are fetched on their own.
        cut = FillerCut((), (), None)
    else:
        published = find_published(tree, meta, own_urls, hint.published_at if hint else None)
    text = PARAGRAPH_SEPARATOR.join(cut.body)
    return Article(
        url=url,
        canonical_url=canonical_url,
        source=source,
        title=title,
        text=text,
        published_at=published.when if published else None,
        fetched_at=fetched_at,
        author=page_author(meta, tree),
        site_name=page_site_name(meta),
        language=_language(meta, headers, text, hint),
        page_kind=kind,
        filler_text=PARAGRAPH_SEPARATOR.join(cut.filler) or None,
        filler_reason=cut.reason,
        published_source=published.source if published else None,
        declared_canonical_url=declared if declared != canonical_url else None,
    )
