"""The body a page declares in structured data judges the extracted text: paragraphs it
contains stay, others go, but only when the declared body is long, visible and agrees."""

from __future__ import annotations

import json

from trafilatura.utils import load_html

from newswatch.extractors.clean import clean_page
from newswatch.extractors.clean_meta import read_page_meta
from newswatch.extractors.clean_structured import (
    MIN_DECLARED_BODY_CHARS,
    agreeing_paragraphs,
    declared_body,
    fold_words,
)

BODY = [
    "The two foreign ministers met in Vienna on Wednesday for their first talks in a year.",
    "They agreed to set up working groups on shipping, energy and the exchange of prisoners.",
    "A second round is planned for the spring, a spokeswoman for the host country said.",
    "Neither side gave details of the agenda, and no joint statement was issued afterwards.",
    "Diplomats from both countries described the atmosphere as businesslike but cool.",
    "The last meeting at this level, in Istanbul, had ended after less than an hour.",
    "Observers said the working groups were the first concrete result in two years.",
]
PROMO = "Our weekly podcast looks at the talks in depth: listen wherever you get podcasts."
URL = "https://courier.example/world/ministers-meet-in-vienna"


def page(declared: str | None, *, microdata: bool = False) -> str:
    ld = ""
    if declared is not None:
        node = {"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": declared}
        ld = f'<script type="application/ld+json">{json.dumps(node)}</script>'
    paragraphs = [f"<p>{p}</p>" for p in BODY]
    paragraphs.insert(2, f"<p>{PROMO}</p>")
    container = '<div itemprop="articleBody">' if microdata else "<div>"
    return (
        f'<html lang="en"><head><title>Ministers meet</title>{ld}</head><body>'
        f"<article><h1>Ministers meet in Vienna</h1>{container}{''.join(paragraphs)}</div>"
        "</article></body></html>"
    )


def test_folding_ignores_case_and_punctuation() -> None:
    assert fold_words("Talks, in VIENNA!") == "talks in vienna"


def test_paragraphs_the_declared_body_contains_are_kept_in_order() -> None:
    body = fold_words(" ".join(BODY))
    assert agreeing_paragraphs(body, [BODY[0], BODY[1], PROMO, *BODY[2:]], BODY) == BODY


def test_a_declared_body_the_page_does_not_show_in_full_is_no_judge() -> None:
    body = fold_words(" ".join([*BODY, "A paragraph behind the paywall, never shown. " * 3]))
    assert agreeing_paragraphs(body, [*BODY, PROMO], BODY) is None


def test_a_declared_body_covering_one_part_of_a_longer_text_is_no_judge() -> None:
    body = fold_words(BODY[0] + " " + BODY[1] + " " + BODY[2])
    longer = [*BODY, *(f"Further reporting, paragraph {i}, on the talks." for i in range(20))]
    assert agreeing_paragraphs(body, longer, longer) is None


def test_a_short_declared_body_is_ignored() -> None:
    teaser = BODY[0][: MIN_DECLARED_BODY_CHARS - 20]
    tree = load_html(page(teaser))
    assert declared_body(tree, read_page_meta(tree)) is None


def test_json_ld_and_microdata_bodies_are_read() -> None:
    tree = load_html(page(" ".join(BODY)))
    assert declared_body(tree, read_page_meta(tree)) == fold_words(" ".join(BODY))
    tree = load_html(page(None, microdata=True))
    assert declared_body(tree, read_page_meta(tree)) == fold_words(
        " ".join([*BODY[:2], PROMO, *BODY[2:]])
    )


def test_clean_page_drops_a_paragraph_outside_the_declared_body() -> None:
    assert PROMO in clean_page(page(None), URL).text
    assert clean_page(page(" ".join(BODY)), URL).text == "\n".join(BODY)
