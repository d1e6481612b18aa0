"""Split bodies: sibling chunks of one article body are joined in page order."""

from __future__ import annotations

from lxml.html import HtmlElement
from trafilatura.utils import load_html

from newswatch.extractors.clean_split import recover_split_body

CHUNK_1 = [
    "The two presidents spoke by telephone for more than an hour on Tuesday, the Kremlin said in a statement.",
    "They agreed that their teams would meet in Riyadh next week to prepare the ground for a possible summit.",
]
CHUNK_2 = [
    "The White House described the call as constructive but gave few details of what had been agreed on energy.",
    "Officials in Kyiv said they had been informed of the call in advance and did not object to it being held.",
    "It was the first confirmed conversation between the two leaders since the start of the year, aides said.",
]


def tree_of(body: str) -> HtmlElement:
    tree = load_html(f"<html><head><title>Talks</title></head><body>{body}</body></html>")
    assert tree is not None
    return tree


def chunk(paragraphs: list[str], cls: str = "article__body") -> str:
    return f'<div class="{cls}">' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"


def test_later_sibling_chunk_is_appended() -> None:
    tree = tree_of(
        f'<main><div class="chunks">{chunk(CHUNK_1)}<div class="ad">Advertisement</div>{chunk(CHUNK_2)}</div></main>'
    )
    assert recover_split_body(tree, CHUNK_1) == CHUNK_1 + CHUNK_2


def test_earlier_sibling_chunk_is_prepended() -> None:
    tree = tree_of(f'<main><div class="chunks">{chunk(CHUNK_2)}{chunk(CHUNK_1)}</div></main>')
    assert recover_split_body(tree, CHUNK_1) == CHUNK_2 + CHUNK_1


def test_single_container_changes_nothing() -> None:
    tree = tree_of(f"<main>{chunk(CHUNK_1 + CHUNK_2)}</main>")
    assert recover_split_body(tree, CHUNK_1 + CHUNK_2) == CHUNK_1 + CHUNK_2


def test_paragraphs_already_in_the_text_are_not_repeated() -> None:
    tree = tree_of(f'<main><div class="chunks">{chunk(CHUNK_1)}{chunk(CHUNK_2)}</div></main>')
    assert recover_split_body(tree, CHUNK_1 + CHUNK_2) == CHUNK_1 + CHUNK_2


def test_look_alike_container_far_away_is_ignored() -> None:
    far = f'<footer><div><div><div><div class="x">{chunk(CHUNK_2)}</div></div></div></div></footer>'
    tree = tree_of(f"<main><div><div><div>{chunk(CHUNK_1)}</div></div></div></main>{far}")
    assert recover_split_body(tree, CHUNK_1) == CHUNK_1


def test_short_look_alike_box_is_ignored() -> None:
    byline = chunk(["By Anna Keller - 2025-03-18"])
    tree = tree_of(f'<main><div class="chunks">{chunk(CHUNK_1)}{byline}</div></main>')
    assert recover_split_body(tree, CHUNK_1) == CHUNK_1
