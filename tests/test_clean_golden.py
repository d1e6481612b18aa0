"""Golden tests on the shared corpus: each page's cleaned text and metadata against
tests/golden/clean/NNN.json (news that must be there, junk that must not, date, language,
kind, canonical URL), and the five seed pages' text against the seed files themselves.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newswatch.domain import Article
from newswatch.extractors.clean import clean_page
from tests.conftest import CORPUS, SEEDS, require

GOLDEN_DIR = Path(__file__).parent / "golden" / "clean"
GOLDENS = sorted(GOLDEN_DIR.glob("*.json"))
# Corpus README: pages 003/004/005/008/009 carry seeds 001/000/004/002/003 as their body.
SEED_OF_PAGE = {"003": "001", "004": "000", "005": "004", "008": "002", "009": "003"}
# Seed lines at least this long are sentences (news or filler); shorter ones are subheads or junk.
MIN_SENTENCE_CHARS = 40


def fold(text: str) -> str:
    return "".join(text.split())


@cache
def cleaned(page: str) -> Article:
    path = require(CORPUS / "pages" / page)
    return clean_page(
        path.read_text(encoding="utf-8"), f"http://127.0.0.1:8765/pages/{page}", source="corpus"
    )


def golden(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(params=GOLDENS, ids=lambda p: p.stem)
def case(request: pytest.FixtureRequest) -> tuple[dict, Article]:
    expected = golden(request.param)
    return expected, cleaned(expected["page"])


def test_there_is_a_golden_file_for_every_corpus_page() -> None:
    pages = sorted(p.name for p in require(CORPUS / "pages").glob("*.html"))
    assert sorted(golden(p)["page"] for p in GOLDENS) == pages


def test_news_is_in_the_text(case: tuple[dict, Article]) -> None:
    expected, article = case
    missing = [s for s in expected["text_contains"] if fold(s) not in fold(article.text)]
    assert missing == []


def test_junk_is_not_in_the_text(case: tuple[dict, Article]) -> None:
    expected, article = case
    left = [s for s in expected["text_excludes"] if fold(s) in fold(article.text)]
    left += [p for p in expected.get("paragraphs_excluded", []) if p in article.text.split("\n")]
    assert left == []


def test_no_paragraph_is_a_bare_number(case: tuple[dict, Article]) -> None:
    _, article = case
    assert [p for p in article.text.split("\n") if p.strip().isdigit()] == []


def test_publication_time_and_source(case: tuple[dict, Article]) -> None:
    expected, article = case
    published = (
        article.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if article.published_at else None
    )
    assert published == expected["published_at"]
    assert article.published_source == expected.get("published_source")


def test_language_and_page_kind(case: tuple[dict, Article]) -> None:
    expected, article = case
    assert (article.language, article.page_kind) == (expected["language"], expected["page_kind"])


def test_canonical_url(case: tuple[dict, Article]) -> None:
    expected, article = case
    assert urlsplit(article.canonical_url).path == expected["canonical_path"]
    assert article.declared_canonical_url == expected.get("declared_canonical_url")


def test_appended_interview_is_cut_only_where_there_is_one(case: tuple[dict, Article]) -> None:
    expected, article = case
    if "filler_contains" not in expected:
        assert (article.filler_text, article.filler_reason) == (None, None)
        return
    assert article.filler_text is not None and article.filler_reason is not None
    assert all(fold(s) in fold(article.filler_text) for s in expected["filler_contains"])
    assert expected["filler_reason_contains"] in article.filler_reason


def _seed_lines(page: str) -> list[str]:
    seed = next(require(SEEDS).glob(f"{SEED_OF_PAGE[page]}_*.txt"))
    lines = [
        re.sub(r"<[^>]+>", "", html.unescape(line)).strip()
        for line in seed.read_text(encoding="utf-8").splitlines()
    ]
    return [line for line in lines if line]


@pytest.mark.parametrize("page", sorted(SEED_OF_PAGE))
def test_seed_page_text_is_exactly_the_seed_news_body(page: str) -> None:
    expected = golden(GOLDEN_DIR / f"{page}.json")
    article = cleaned(expected["page"])
    lines = _seed_lines(page)
    heading = expected.get("filler_reason_contains")
    body = (
        lines[: next((i for i, line in enumerate(lines) if line.startswith(heading)), len(lines))]
        if heading
        else lines
    )
    junk = [fold(j) for j in expected["text_excludes"]]
    junk_lines = set(expected.get("paragraphs_excluded", []))
    body = [
        line for line in body if line not in junk_lines and not any(j in fold(line) for j in junk)
    ]
    news = [line for line in body if len(line) >= MIN_SENTENCE_CHARS]
    # Every sentence of the seed's news body is in the text ...
    assert [line for line in news if fold(line) not in fold(article.text)] == []
    # ... and every paragraph of the text is a line of that body: no junk, no filler.
    assert [
        p for p in article.text.split("\n") if fold(p) not in {fold(line) for line in body}
    ] == []
