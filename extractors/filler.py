"""Appended filler: an interview or Q&A section glued after the news body.

Syndicators (time.news and the like) append AI-written "Interview ... Time.news Editor ..."
sections that speculate about the same people as the article. Downstream they would read
as news, so they are cut from the text and kept apart with the name of the rule that cut
them. A section is cut only when it comes after a news body and really is a dialogue
(paragraphs opening with speaker tags), so an article that is itself an interview stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Paragraphs and characters of news that must come before a filler section: an interview
# after a short intro ("Here is what he had to say") is the article itself. The seed
# bodies have 6-12 paragraphs and 1,300-2,300 characters; real Q&A articles in the
# extraction benchmark open with 1-3 paragraphs and under 400 characters.
MIN_BODY_PARAGRAPHS = 2
MIN_BODY_CHARS = 400
# A heading is short; these limits are ~2x the longest seed heading (13 words).
MAX_HEADING_WORDS = 25
MAX_HEADING_CHARS = 200
# Speaker-tagged paragraphs needed right after a heading to call it an interview; the
# seeds have 9-13, a quoted exchange inside news rarely has more than one.
MIN_TURNS_AFTER_HEADING = 2
# How far (in paragraphs) after the heading the first speaker tag may come: a standfirst
# line may sit between them.
MAX_HEADING_GAP = 2
# Without a heading, a run of this many speaker turns involving an interviewer role
# (Editor, Host, ...) is filler on its own.
MIN_TURNS_WITHOUT_HEADING = 4
# A dialogue may carry one untagged paragraph between turns (a long answer split in two).
MAX_UNTAGGED_IN_RUN = 1
# A speaker tag is a name or role of at most this many words before the colon.
MAX_SPEAKER_WORDS = 6


@dataclass(frozen=True)
class FillerCut:
    """The news body, the filler cut after it (empty when none), and why it was cut."""

    body: tuple[str, ...]
    filler: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True)
class HeadingRule:
    """A named pattern for the heading that opens an appended interview."""

    name: str
    pattern: re.Pattern[str]


HEADING_RULES: tuple[HeadingRule, ...] = (
    # "Interview between Time.news Editor and Dr. ...", "Time.news Interview: ..."
    HeadingRule(
        "editor-interview-heading",
        re.compile(
            r".*\btime\.?news\b.*\b(?:editor|interview)\b.*|.*\binterview\b.*\btime\.?news\b.*",
            re.I,
        ),
    ),
    # "Interview with Dr. Elena Petrov, International Relations Expert", "Interview on ..."
    HeadingRule("interview-heading", re.compile(r"(?:an? |exclusive |the )?interview\b.*", re.I)),
    # "U.S.-Russia Relations: Expert Discussion", "... Expert Q&A", "Expert Insights"
    HeadingRule(
        "expert-discussion-heading",
        re.compile(
            r".*\bexpert(?:s)? (?:discussion|interview|insights?|q\s?&\s?a|talk|commentary|analysis)\b.*",
            re.I,
        ),
    ),
    # "Q&A: ...", "Q&A with ..."
    HeadingRule("qa-heading", re.compile(r"(?:q\s?&\s?a|questions? and answers?)\b.*", re.I)),
)

# "Editor (Time.news): ...", "Dr. Morozova: ...", "Time.news Editor: ..."
_SPEAKER = re.compile(
    r"^(?P<speaker>[A-Z][\w.'’\-]*(?:\s+[\w.'’\-&]+){0,"
    + str(MAX_SPEAKER_WORDS - 1)
    + r"}(?:\s*\([^)]{1,40}\))?)\s*:\s+\S"
)
# The interviewer of the appended AI dialogues is always an "Editor"; "Q:"/"Host:" runs are
# how real interview articles are written, so they never count without a heading.
_INTERVIEWER = re.compile(r"\beditor\b", re.I)
# Words that make a "Word:" opening a label inside news, not a speaker.
# Lower-case words allowed inside a speaker's name ("Ursula von der Leyen").
_NAME_PARTICLES = frozenset(
    {"de", "der", "den", "van", "von", "al", "bin", "da", "di", "la", "le", "du", "y"}
)
_NOT_SPEAKERS = frozenset(
    {
        "update",
        "updated",
        "note",
        "editor's note",
        "correction",
        "watch",
        "read more",
        "related",
        "photo",
        "video",
        "source",
        "sources",
    }
)


def speaker_of(paragraph: str) -> str | None:
    """The speaker tag opening `paragraph` ("Dr. Morozova"), or None when it has none."""
    match = _SPEAKER.match(paragraph)
    if not match:
        return None
    speaker = match["speaker"].strip()
    if speaker.lower() in _NOT_SPEAKERS or (speaker.isupper() and len(speaker) > 3):
        # "WASHINGTON: ..." is a dateline, not a speaker.
        return None
    name = re.sub(r"\([^)]*\)", "", speaker).split()
    if not all(word[0].isupper() or word in _NAME_PARTICLES for word in name):
        # "The envoy said: ..." is reported speech, not a speaker tag.
        return None
    return speaker


def _is_heading(paragraph: str) -> bool:
    """Short and without closing punctuation: a heading, not a sentence or a speaker's turn."""
    return (
        len(paragraph) <= MAX_HEADING_CHARS
        and len(paragraph.split()) <= MAX_HEADING_WORDS
        and not paragraph.rstrip().endswith((".", "!", "?"))
    )


def _enough_body(body: Sequence[str]) -> bool:
    return len(body) >= MIN_BODY_PARAGRAPHS and sum(len(p) for p in body) >= MIN_BODY_CHARS


def _heading_cut(paragraphs: Sequence[str]) -> FillerCut | None:
    for index in range(MIN_BODY_PARAGRAPHS, len(paragraphs)):
        paragraph = paragraphs[index].strip()
        if not _is_heading(paragraph) or not _enough_body(paragraphs[:index]):
            continue
        for rule in HEADING_RULES:
            if not rule.pattern.fullmatch(paragraph):
                continue
            following = paragraphs[index + 1 : index + 1 + MAX_HEADING_GAP]
            if not any(speaker_of(p) for p in following):
                continue
            turns = sum(1 for p in paragraphs[index + 1 :] if speaker_of(p))
            if turns >= MIN_TURNS_AFTER_HEADING:
                return FillerCut(
                    tuple(paragraphs[:index]),
                    tuple(paragraphs[index:]),
                    f"{rule.name}: {paragraph}",
                )
    return None


def _speaker_runs(paragraphs: Sequence[str]) -> list[tuple[int, list[str]]]:
    """Runs of speaker-tagged paragraphs (start index, speakers), bridging one untagged line."""
    runs: list[tuple[int, list[str]]] = []
    start, gap = -1, 0
    speakers: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        speaker = speaker_of(paragraph)
        if speaker:
            if start < 0:
                start, speakers = index, []
            speakers.append(speaker)
            gap = 0
        elif start >= 0:
            gap += 1
            if gap > MAX_UNTAGGED_IN_RUN:
                runs.append((start, speakers))
                start, gap = -1, 0
    if start >= 0:
        runs.append((start, speakers))
    return runs


def _speaker_run_cut(paragraphs: Sequence[str]) -> FillerCut | None:
    for start, speakers in _speaker_runs(paragraphs):
        if (
            start < MIN_BODY_PARAGRAPHS
            or not _enough_body(paragraphs[:start])
            or len(speakers) < MIN_TURNS_WITHOUT_HEADING
            or len(set(speakers)) < 2
        ):
            continue
        if any(_INTERVIEWER.search(s) for s in speakers):
            return FillerCut(
                tuple(paragraphs[:start]),
                tuple(paragraphs[start:]),
                f"editor-speaker-run: {speakers[0]}",
            )
    return None


def cut_filler(paragraphs: Sequence[str]) -> FillerCut:
    """Split `paragraphs` into the news body and an appended interview section, if any."""
    cut = _heading_cut(paragraphs) or _speaker_run_cut(paragraphs)
    return cut or FillerCut(tuple(paragraphs), (), None)
