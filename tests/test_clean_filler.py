"""Appended filler: interview sections after the news body are cut, named, and kept apart."""

from __future__ import annotations

import pytest

from newswatch.extractors.filler import HEADING_RULES, cut_filler, speaker_of

# A news body written for these tests (long enough to be a body: 4 paragraphs, 500+ characters).
BODY = [
    "The Kremlin said on Tuesday that President Putin was ready to resume contacts with Washington.",
    "Spokesman Dmitry Peskov told reporters that no date had been set for a telephone call.",
    "The White House declined to comment on the remarks, which came a day after the election.",
    "Officials in Kyiv said they had been told of the possible call in advance and did not object.",
    "Analysts noted that the two leaders had not spoken publicly since the summer of 2020.",
    "Markets in Moscow rose slightly after the remarks were broadcast on state television.",
]
DIALOGUE = [
    "Editor: Thank you for joining us. What does the offer mean?",
    "Dr. Anna Novak: It signals a wish to restore ties after years of tension.",
    "Editor: How might allies react?",
    "Dr. Anna Novak: Some will worry that they are left out of the talks.",
    "Editor: Thank you for your time.",
]

HEADINGS = {
    "editor-interview-heading": "Interview between Time.news Editor and a Foreign Policy Expert",
    "interview-heading": "Interview with Dr. Anna Novak, Foreign Policy Expert",
    "expert-discussion-heading": "U.S.-Russia Relations: An Expert Discussion",
    "qa-heading": "Q&A: What the call could mean",
}


def test_every_heading_rule_has_an_example() -> None:
    assert {rule.name for rule in HEADING_RULES} == set(HEADINGS)


@pytest.mark.parametrize(("rule_name", "heading"), HEADINGS.items())
def test_heading_with_a_dialogue_after_the_body_is_cut(rule_name: str, heading: str) -> None:
    cut = cut_filler([*BODY, heading, *DIALOGUE])
    assert cut.body == tuple(BODY)
    assert cut.filler == (heading, *DIALOGUE)
    assert cut.reason == f"{rule_name}: {heading}"


def test_heading_with_a_colon_is_still_a_heading() -> None:
    heading = "Interview on U.S.-Russia Relations: Time.news and Expert Discussion"
    cut = cut_filler([*BODY, heading, *DIALOGUE])
    assert cut.filler[0] == heading


def test_a_standfirst_line_between_heading_and_dialogue_is_allowed() -> None:
    heading = HEADINGS["interview-heading"]
    cut = cut_filler([*BODY, heading, "A conversation about the week's news.", *DIALOGUE])
    assert cut.body == tuple(BODY)


def test_editor_dialogue_without_a_heading_is_cut_from_its_first_turn() -> None:
    cut = cut_filler([*BODY, *DIALOGUE])
    assert cut.body == tuple(BODY)
    assert cut.filler == tuple(DIALOGUE)
    assert cut.reason == "editor-speaker-run: Editor"


def test_interview_article_with_a_short_intro_is_not_cut() -> None:
    # A real Q&A article: one intro paragraph, then the interview is the article itself.
    paragraphs = [
        "We asked the new ambassador about his first month in Moscow.",
        HEADINGS["interview-heading"],
        *DIALOGUE,
    ]
    cut = cut_filler(paragraphs)
    assert cut.body == tuple(paragraphs)
    assert cut.filler == ()
    assert cut.reason is None


def test_question_and_answer_turns_without_heading_are_kept() -> None:
    qa = [
        "Q: When did you arrive?",
        "A: In March.",
        "Q: What surprised you?",
        "A: The weather.",
        "Q: And the talks?",
    ]
    cut = cut_filler([*BODY, *qa])
    assert cut.filler == ()


def test_interview_heading_without_speaker_turns_is_not_cut() -> None:
    paragraphs = [*BODY, "Interview requests to the Kremlin went unanswered on Monday", BODY[0]]
    assert cut_filler(paragraphs).filler == ()


def test_a_quoted_exchange_inside_news_is_not_cut() -> None:
    paragraphs = [*BODY[:3], "Peskov: We have nothing to add.", *BODY[3:]]
    assert cut_filler(paragraphs).filler == ()


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        ("Editor (Time.news): Welcome back.", "Editor (Time.news)"),
        ("Dr. Anna Novak: Thank you.", "Dr. Anna Novak"),
        ("Time.news Editor: Thank you.", "Time.news Editor"),
        ("WASHINGTON: The president said ...", None),
        ("Update: The call has been postponed.", None),
        ("The envoy said: we will meet again.", None),
    ],
)
def test_speaker_tags(paragraph: str, speaker: str | None) -> None:
    assert speaker_of(paragraph) == speaker
