"""Keyword queries: the grammar users know from search boxes, matched on whole words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.extractors.keyword_query import QueryError, parse_query

HEADLINE = "Grain deal: Ankara hosts talks between Kyiv and Moscow negotiators"
BODY = "Turkey's foreign minister said the Black Sea corridor could reopen next week."


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grain", True),
        ("Grain deal", True),  # adjacent terms mean AND
        ("grain AND rice", False),
        ("grain OR rice", True),
        ("grain NOT corridor", False),
        ("grain -corridor", False),
        ("grain -rice", True),
        ('"Black Sea corridor"', True),
        ('"Sea Black corridor"', False),  # a phrase keeps its order
        ('"black sea" AND (Ankara OR Istanbul)', True),
        ("(rice OR wheat) AND grain", False),
        ("negotiat*", True),  # prefix: negotiators
        ("negotiations*", False),
        ("TURKEY'S", True),  # punctuation inside a term: the phrase of its words
        ("turkey s", True),
        ("and", True),  # lower-case operators are words to find ("Kyiv and Moscow")
        ("NOT rice", True),
    ],
)
def test_a_query_matches_title_and_text_read_together(query: str, expected: bool) -> None:
    assert parse_query(query).matches(HEADLINE, BODY) is expected


def test_matching_is_case_and_accent_insensitive() -> None:
    query = parse_query('"Ålands landskapsregering" AND Mariehamn')
    assert query.matches("ALANDS LANDSKAPSREGERING meets in mariehamn")
    assert not query.matches("Ålands landskapsregering meets in Helsinki")


def test_a_prefix_finds_inflected_names() -> None:
    query = parse_query("Putin* AND Trump*")
    assert query.matches("Trump soitti Putinille tiistaina.")
    assert query.matches("Путин", "Trumpin ja Putinin tapaaminen")
    assert not query.matches("Trumpin puhelu Zelenskyille")


def test_whole_words_only() -> None:
    assert not parse_query("ship").matches("The relationship soured.")
    assert parse_query("ship*").matches("Shipments resumed.")


def test_not_binds_tighter_than_and_and_and_tighter_than_or() -> None:
    query = parse_query("a OR b c NOT d")  # a OR (b AND c AND NOT d)
    assert query.matches("a d")
    assert query.matches("b c")
    assert not query.matches("b c d")
    assert not query.matches("b")


def test_positive_terms_leave_out_what_is_negated() -> None:
    query = parse_query('"Black Sea" (grain OR wheat*) NOT "food prices"')
    assert query.positive_terms() == ("black sea", "grain", "wheat")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "the query is empty"),
        ("   ", "the query is empty"),
        ("(grain", "'(' at 1 is never closed"),
        ("grain)", "unexpected ')' at 6"),
        ("OR grain", "'OR' at 1 needs a term before it"),
        ("grain AND", "a term is missing at the end"),
        ("grain NOT", "a term is missing at the end"),
        ('grain "black sea', "unterminated quote at 7"),
        ("()", "unbalanced ')' at 2"),
        ("grain AND ...", "holds no word to find"),
    ],
)
def test_a_broken_query_is_one_clear_error(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)


words = st.text(alphabet="abcdefgh", min_size=1, max_size=4)


@settings(max_examples=200)
@given(word=words, other=st.lists(words, max_size=8))
def test_a_single_word_matches_exactly_the_texts_that_hold_it(word: str, other: list[str]) -> None:
    text = " ".join(other)
    assert parse_query(word).matches(text) is (word in other)


@settings(max_examples=200)
@given(a=words, b=words, text=st.lists(words, max_size=8))
def test_de_morgan_holds(a: str, b: str, text: list[str]) -> None:
    body = " ".join(text)
    assert parse_query(f"NOT ({a} OR {b})").matches(body) == parse_query(
        f"NOT {a} NOT {b}"
    ).matches(body)


query_atoms = st.one_of(words, words.map(lambda w: w + "*"), words.map(lambda w: f'"{w} {w}a"'))


@st.composite
def queries(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(query_atoms)
    operator = draw(st.sampled_from([" AND ", " OR ", " ", " NOT "]))
    left, right = draw(queries(depth - 1)), draw(queries(depth - 1))
    return f"({left}{operator}{right})"


@settings(max_examples=200)
@given(source=queries())
def test_a_parsed_query_prints_back_to_the_same_query(source: str) -> None:
    query = parse_query(source)
    assert parse_query(str(query.root)).root == query.root


@settings(max_examples=300)
@given(source=st.text(max_size=40))
def test_any_text_parses_or_gives_a_query_error(source: str) -> None:
    try:
        query = parse_query(source)
    except QueryError as err:
        assert str(err)
    else:
        query.matches(source)
