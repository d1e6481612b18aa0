"""Golden tests of the clean stage on the test corpus: for each page, tests/golden/clean/NNN.json
gives the exact paragraphs of news it must yield (no widget, teaser, comment prompt or
appended interview left), the publication time and where it came from, the language, the
page kind, the canonical URL and the interview cut off as filler.

The golden files were written from the pages' own news bodies, not from the stage's output.
The shared corpus is scored by bench/bench_clean_quality.py.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newswatch.domain import Article
from newswatch.extractors.clean import clean_page
from tests.support.corpus import CORPUS

GOLDEN_DIR = Path(__file__).parent / "golden" / "clean"
GOLDENS = sorted(GOLDEN_DIR.glob("*.json"))


def fold(text: str) -> str:
    return "".join(text.split())


@cache
def cleaned(page: str) -> Article:
    html = (CORPUS / "pages" / page).read_text(encoding="utf-8")
    return clean_page(html, f"http://127.0.0.1:8765/pages/{page}", source="corpus")


def golden(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(params=GOLDENS, ids=lambda p: p.stem)
def case(request: pytest.FixtureRequest) -> tuple[dict, Article]:
    expected = golden(request.param)
    return expected, cleaned(expected["page"])


def test_there_is_a_golden_file_for_every_corpus_page() -> None:
    pages = sorted(p.name for p in (CORPUS / "pages").glob("*.html"))
    assert len(pages) == 9
    assert sorted(golden(p)["page"] for p in GOLDENS) == pages


def test_the_text_is_exactly_the_news_body(case: tuple[dict, Article]) -> None:
    expected, article = case
    assert article.text.split("\n") == expected["paragraphs"]


def test_junk_is_not_in_the_text(case: tuple[dict, Article]) -> None:
    expected, article = case
    assert [s for s in expected["text_excludes"] if fold(s) in fold(article.text)] == []


def test_publication_time_and_source(case: tuple[dict, Article]) -> None:
    expected, article = case
    published = (
        article.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if article.published_at else None
    )
    assert (published, article.published_source) == (
        expected["published_at"],
        expected["published_source"],
    )


def test_language_and_page_kind(case: tuple[dict, Article]) -> None:
    expected, article = case
    assert (article.language, article.page_kind) == (expected["language"], expected["page_kind"])


def test_canonical_url(case: tuple[dict, Article]) -> None:
    expected, article = case
    assert urlsplit(article.canonical_url).path == expected["canonical_path"]
    assert article.declared_canonical_url is None


def test_appended_interview_is_cut_only_where_there_is_one(case: tuple[dict, Article]) -> None:
    expected, article = case
    if "filler_contains" not in expected:
        assert (article.filler_text, article.filler_reason) == (None, None)
        return
    assert article.filler_text is not None and article.filler_reason is not None
    assert [
        s for s in expected["filler_contains"] if fold(s) not in fold(article.filler_text)
    ] == []
    assert expected["filler_reason_contains"] in article.filler_reason
