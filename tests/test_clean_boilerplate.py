"""Residual boilerplate rules: each named rule drops its junk and never a sentence of news."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.extractors.boilerplate import (
    LINE_RULES,
    LineRule,
    line_rule,
    remove_boilerplate,
    strip_fragments,
)

# Sentences of news written for these tests, several deliberately close to junk patterns.
NEWS_SENTENCES = [
    "The Kremlin said on Tuesday that the two presidents had spoken by telephone for 90 minutes.",
    "By Thursday evening, neither side had confirmed the date of the next meeting.",
    "Reporting by the Moscow bureau showed that the talks had been prepared for weeks.",
    "Copyright holders sued the streaming service in 2023 over unlicensed broadcasts.",
    "The EU's cookie law requires websites to ask for consent before tracking visitors.",
    "Subscribers to the agency's newsletter were told of the call an hour before the announcement.",
    "Related talks between the foreign ministers are due to start in Riyadh next week.",
    "More than 300 comments were posted under the president's message within an hour.",
    "Share prices in Moscow rose 3% after the Kremlin confirmed the call.",
    "Like his predecessor, the envoy met the Russian leader in the Kremlin.",
    "Follow-up talks on Ukraine will be held in Istanbul on Friday, officials said.",
    "Updated figures from the central bank show inflation slowing to 8.6% in March.",
    "On January 22, 2025, the White House said preparations for a call were under way.",
    "Editor's note: an earlier version of this story misstated the length of the call.",
    "Trump said he would speak to Putin again 'very soon', without giving a date.",
    "19 people were injured in the strike on the city centre, the governor said.",
    "Leave was cancelled for border guards after the talks collapsed, the ministry said.",
    "Please note that the ministry gave no figures for the number of troops involved.",
    "This report was published by the UN monitoring mission on Monday and covers three months.",
    "Research by Harvard economists shows sanctions cut Russian oil revenue by a fifth.",
    "Advertising revenue at state broadcasters rose after the summit, the regulator said.",
    "Tags on the shipment showed it had passed through three ports before reaching Kyiv.",
    "Watch officials said the delegation would arrive in Anchorage late on Thursday.",
    "All rights groups that monitor the conflict condemned the strike on Sunday.",
    "Enter the negotiators: a small team led by the special envoy flew to Moscow.",
    "Discussion of a ceasefire dominated the first hour of the call, aides said.",
    "The leaders spoke [by telephone] for more than two hours, the Kremlin said.",
    "Von der Leyen said the EU would keep up sanctions until a ceasefire holds.",
]

# Junk lines written for these tests, one or more per rule (rule name → examples).
JUNK_BY_RULE = {
    "share-widget": [
        "Share this: Share",
        "Share on Facebook",
        "Facebook Twitter WhatsApp Email",
        "Click to share on X (Opens in new window)",
        "Like this story? Share it with a friend!",
    ],
    "like-widget": ["Like this: Like Loading...", "Like this:", "Loading..."],
    "comment-prompt": [
        "LEAVE A REPLY",
        "Leave a Comment",
        "Please enter your comment!",
        "Please enter your name here",
        "You have entered an incorrect email address!",
        "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Comments are closed.",
    ],
    "related-teaser": [
        "You may also like",
        "Related",
        "Related Articles",
        "Read more:",
        "Related: Five things to know about the summit",
        "Also on example.com Envoy lands in Moscow for talks",
        "Lesen Sie auch",
    ],
    "like-counter": ["0", "19", "1.2k shares"],
    "newsletter-prompt": [
        "Sign up for our daily newsletter",
        "Subscribe via Email",
        "Enter your email address to get new posts by email.",
        "Get the latest headlines delivered to your inbox every morning.",
    ],
    "contact-line": [
        "Listen: https://example.test/podcast/615",
        "Have a tip? Write to the desk at tips@example.test.",
    ],
    "byline": ["by time news", "By Anna Keller", "Von Katrin Weber"],
    "wire-credit": [
        "Reporting by Anna Keller; Editing by Tom Ross",
        "(Reporting by Anna Keller; Editing by Tom Ross)",
        "Mit Material von Nachrichtenagenturen.",
        "This article was originally published by Example Wire and is republished here under a partnership.",
    ],
    "follow-prompt": ["Follow us on Twitter and Facebook for the latest updates."],
    "copyright-line": ["© 2025 Example News. All rights reserved.", "Copyright 2024 Example Wire"],
}


def test_every_rule_has_junk_examples() -> None:
    assert {rule.name for rule in LINE_RULES} == set(JUNK_BY_RULE)


@pytest.mark.parametrize(
    ("rule_name", "junk"),
    [(name, junk) for name, examples in JUNK_BY_RULE.items() for junk in examples],
)
def test_rule_matches_its_junk(rule_name: str, junk: str) -> None:
    rule = next(rule for rule in LINE_RULES if rule.name == rule_name)
    assert rule.matches(junk), f"{rule_name} missed {junk!r}"


@pytest.mark.parametrize(
    "rule", [rule for rule in LINE_RULES if rule.needs], ids=lambda rule: rule.name
)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_whatever_a_rule_matches_contains_one_of_the_words_it_needs(
    rule: LineRule, data: st.DataObject
) -> None:
    # `needs` lets a rule skip its pattern: it must never skip a paragraph it would match.
    junk = data.draw(st.from_regex(rule.pattern, fullmatch=True))
    assert any(need in junk for need in rule.needs), junk


@pytest.mark.parametrize("sentence", NEWS_SENTENCES)
def test_no_rule_removes_a_sentence_of_news(sentence: str) -> None:
    assert line_rule(sentence) is None


def test_news_sentences_survive_removal_together_with_their_order() -> None:
    result = remove_boilerplate(NEWS_SENTENCES, titles=["Kremlin confirms call"])
    assert result.paragraphs == tuple(NEWS_SENTENCES)
    assert result.removed == ()


def test_long_paragraph_is_never_junk_even_when_it_opens_like_a_widget() -> None:
    paragraph = (
        "Share this: " + "the minister said the talks were constructive and would continue. " * 6
    )
    assert line_rule(paragraph) is None


def test_raw_html_tag_is_stripped_and_the_sentence_kept() -> None:
    paragraph = 'Putin spoke at the forum in <a href="https://example.test/x/" title="“Storm” hits the coast“>Sochi.'
    cleaned, removed = strip_fragments(paragraph)
    assert cleaned == "Putin spoke at the forum in Sochi."
    assert [r.rule for r in removed] == ["raw-html"]


def test_angle_brackets_in_prose_are_not_taken_for_tags() -> None:
    paragraph = "Turnout was 61% <b and c> 40% in the two regions, officials said."
    assert strip_fragments(paragraph)[0] == paragraph


def test_glued_date_and_share_prompt_are_stripped_from_a_line() -> None:
    cleaned, removed = strip_fragments(" date 2025-01-22 Spread the love")
    assert cleaned == ""
    assert {r.rule for r in removed} == {"glued-junk"}


def test_glued_prompt_after_a_sentence_keeps_the_sentence() -> None:
    cleaned, _ = strip_fragments("The envoy arrived in Moscow on Thursday. Spread the love")
    assert cleaned == "The envoy arrived in Moscow on Thursday."


def test_headline_repeated_in_the_text_is_removed() -> None:
    result = remove_boilerplate(
        ["Leaders Agree To Talk", NEWS_SENTENCES[0]], titles=["Leaders agree to talk"]
    )
    assert result.paragraphs == (NEWS_SENTENCES[0],)
    assert [r.rule for r in result.removed] == ["title-echo"]


def test_kicker_above_a_repeated_headline_goes_with_it() -> None:
    paragraphs = ["War in Ukraine", "Leaders agree to talk", NEWS_SENTENCES[0]]
    result = remove_boilerplate(paragraphs, titles=["Leaders agree to talk"])
    assert result.paragraphs == (NEWS_SENTENCES[0],)
    assert [r.rule for r in result.removed] == ["kicker", "title-echo"]


def test_comments_heading_near_the_top_does_not_cut_the_article() -> None:
    paragraphs = ["Comments", *NEWS_SENTENCES[:6]]
    result = remove_boilerplate(paragraphs)
    assert result.paragraphs == tuple(NEWS_SENTENCES[:6])


def test_bulleted_list_without_a_related_heading_is_kept() -> None:
    paragraphs = [
        NEWS_SENTENCES[0],
        "- a 30-day halt to strikes on energy sites",
        "- a prisoner exchange",
    ]
    assert remove_boilerplate(paragraphs).paragraphs == tuple(paragraphs)
