"""Clean-stage quality on the shared corpus, scored against bench/golden/clean/*.json.

Figures (goal in brackets):
- junk lines left [0]: golden junk substrings (nav, widgets, sidebar teasers, comment
  prompts, AI-interview headings) and junk paragraphs found in the cleaned text;
- news sentences lost [0]: golden news substrings missing from the text, plus, on the five
  seed pages, seed news lines (40+ characters, before the appended interview) missing;
- filler sections cut / present: appended interviews cut, out of the pages that carry one;
- metadata: publication time (exact, UTC), its source, language, page kind, canonical path.

--site-learning N cleans the pages in feed order as a watch would, each outlet's pages
learning from the ones before (extractors/clean_site.py, paragraphs dropped once seen on N
pages of the outlet), and reports how many paragraphs that dropped besides the figures.

    .venv/bin/python bench/bench_clean_quality.py [--verbose] [--site-learning N]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchdata import CORPUS, GOLDEN_CLEAN, SEEDS  # noqa: E402

from newswatch.domain import Article  # noqa: E402
from newswatch.extractors.clean import clean_page  # noqa: E402
from newswatch.extractors.clean_site import host_of, page_observation  # noqa: E402

GOLDEN = GOLDEN_CLEAN
# Seed file behind each seed page (corpus README: pages 003/004/005/008/009 carry seeds 001/000/004/002/003).
SEED_OF_PAGE = {"003": "001", "004": "000", "005": "004", "008": "002", "009": "003"}
# A seed line this long is a sentence of news (or of filler); shorter ones are headings or junk.
MIN_SEED_SENTENCE_CHARS = 40
_TAG = re.compile(r"<[^>]+>")


def fold(text: str) -> str:
    """Whitespace-insensitive form used for substring checks."""
    return "".join(text.split())


def seed_news_lines(page: str, golden: dict) -> list[str]:
    """The seed's sentence lines before its appended interview (raw HTML tags dropped),
    less those the golden file names as junk (the headline repeated, comment prompts)."""
    matches = list(SEEDS.glob(f"{SEED_OF_PAGE[page]}_*.txt"))
    if not matches:
        return []
    lines = [
        _TAG.sub("", html.unescape(line)).strip()
        for line in matches[0].read_text(encoding="utf-8").splitlines()
    ]
    heading = golden.get("filler_reason_contains")
    if heading:
        cut = next((i for i, line in enumerate(lines) if line.startswith(heading)), len(lines))
        lines = lines[:cut]
    junk = tuple(golden["text_excludes"])
    return [
        line for line in lines if len(line) >= MIN_SEED_SENTENCE_CHARS and not line.startswith(junk)
    ]


def clean_corpus_page(golden: dict, site_boilerplate: frozenset[int] = frozenset()) -> Article:
    path = CORPUS / "pages" / golden["page"]
    return clean_page(
        path.read_text(encoding="utf-8"),
        f"http://127.0.0.1:8765/pages/{golden['page']}",
        source="corpus",
        site_boilerplate=site_boilerplate,
    )


def clean_with_site_learning(goldens: list[dict], min_pages: int) -> tuple[list[Article], int]:
    """Clean the pages in order, each outlet (the host of the page's canonical URL) learning
    from its earlier pages; returns the articles and how many paragraphs learning dropped."""
    counts: dict[str, Counter[int]] = {}
    page_keys: dict[str, set[int]] = {}
    articles: list[Article] = []
    dropped = 0
    for golden in goldens:
        plain = clean_corpus_page(golden)
        host = host_of(plain.canonical_url)
        known = frozenset(f for f, n in counts.get(host, Counter()).items() if n >= min_pages)
        article = clean_corpus_page(golden, known)
        dropped += len(plain.text.split("\n")) - len(article.text.split("\n"))
        observation = page_observation(plain.canonical_url, article.text)
        if observation and observation.page_key not in page_keys.setdefault(host, set()):
            page_keys[host].add(observation.page_key)
            counts.setdefault(host, Counter()).update(observation.fingerprints)
        articles.append(article)
    return articles, dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="name every miss")
    parser.add_argument("--site-learning", type=int, default=0, metavar="N", help="see above")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found at {CORPUS}")

    junk_left = news_lost = news_checked = junk_checked = 0
    filler_present = filler_cut = filler_wrong = 0
    dates_ok = sources_ok = languages_ok = kinds_ok = canon_ok = pages = 0
    misses: list[str] = []
    goldens = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLDEN.glob("*.json"))]
    if args.site_learning:
        articles, dropped = clean_with_site_learning(goldens, args.site_learning)
        print(
            f"site learning: paragraphs dropped once seen on {args.site_learning} pages: {dropped}"
        )
    else:
        articles = [clean_corpus_page(golden) for golden in goldens]
    for golden, article in zip(goldens, articles, strict=True):
        page = golden["page"][:3]
        pages += 1
        text = fold(article.text)
        paragraphs = set(article.text.split("\n"))

        expected_news = list(golden["text_contains"])
        if page in SEED_OF_PAGE:
            expected_news += seed_news_lines(page, golden)
        for snippet in expected_news:
            news_checked += 1
            if fold(snippet) not in text:
                news_lost += 1
                misses.append(f"{page} lost: {snippet[:70]}")
        for snippet in golden["text_excludes"]:
            junk_checked += 1
            if fold(snippet) in text:
                junk_left += 1
                misses.append(f"{page} junk: {snippet[:70]}")
        for paragraph in golden.get("paragraphs_excluded", []):
            junk_checked += 1
            if paragraph in paragraphs:
                junk_left += 1
                misses.append(f"{page} junk paragraph: {paragraph}")

        has_filler = bool(golden.get("filler_contains"))
        filler_present += has_filler
        cut = article.filler_text is not None
        filler_cut += (
            has_filler
            and cut
            and all(fold(s) in fold(article.filler_text or "") for s in golden["filler_contains"])
        )
        filler_wrong += cut and not has_filler

        published = (
            article.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if article.published_at else None
        )
        dates_ok += published == golden["published_at"]
        sources_ok += article.published_source == golden.get("published_source")
        languages_ok += article.language == golden["language"]
        kinds_ok += article.page_kind == golden["page_kind"]
        canon_ok += urlsplit(article.canonical_url).path == golden["canonical_path"]
        if published != golden["published_at"]:
            misses.append(
                f"{page} published {published} ({article.published_source}), expected {golden['published_at']}"
            )

    print(f"corpus pages: {pages}")
    print(f"junk lines left:        {junk_left} of {junk_checked} junk snippets checked (goal 0)")
    print(f"news sentences lost:    {news_lost} of {news_checked} news snippets checked (goal 0)")
    print(
        f"filler sections cut:    {filler_cut} / {filler_present} present; cut where none: {filler_wrong}"
    )
    print(
        f"published_at exact:     {dates_ok} / {pages}   source as expected: {sources_ok} / {pages}"
    )
    print(f"language:               {languages_ok} / {pages}")
    print(f"page kind:              {kinds_ok} / {pages}")
    print(f"canonical path:         {canon_ok} / {pages}")
    if args.verbose or misses:
        for miss in misses:
            print(f"  {miss}")


if __name__ == "__main__":
    main()
