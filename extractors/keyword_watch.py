"""Keyword watches: one story per group of near-copies that matches the watch's query.

A keyword watch has no actors. Each article whose title and text match `[match] query` is
a candidate *story*; the story is the article's copy group, so syndicated copies add
mentions (and sources) to the story of the piece they repeat instead of alerting again.
The story's id is derived from the watch and the group's original article, so the same
group always resolves to the same story, in any run, batch order or process.

Both functions are pure; the pipeline stores what they return with the same event,
mention and outbox code that contact watches use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from newswatch.domain import (
    STORY,
    Article,
    CandidateEvent,
    EventChange,
    Mention,
    ResolutionResult,
    StoredEvent,
    stable_id,
)
from newswatch.extractors.keyword_query import Query, fold
from newswatch.extractors.sentences import split_sentences

# Longest evidence quoted for a story; a headline-like sentence is far shorter.
MAX_EVIDENCE_CHARS = 400


@dataclass(frozen=True)
class KeywordExtractor:
    """Candidate stories: an article matching the query is one."""

    query: Query

    def extract(self, article: Article, watch: object = None) -> list[CandidateEvent]:
        """The article as one candidate story, or nothing (`watch` fits EventExtractor)."""
        if not self.query.matches(article.title, article.text):
            return []
        day = article.published_at.date() if article.published_at else None
        return [
            CandidateEvent(
                event_type=STORY,
                participants=(),
                status="reported",
                date_earliest=day,
                date_latest=day,
                evidence=_evidence(article.text, self.query.positive_terms()),
                summary=(article.title or "").strip() or None,
            )
        ]


def _evidence(text: str, terms: Iterable[str]) -> str:
    """The first sentence that holds a term the query looked for (else the first sentence)."""
    folded_terms = [fold(t) for t in terms]
    sentences = split_sentences(text)
    for sentence in sentences:
        folded = fold(sentence.text)
        if any(term in folded for term in folded_terms):
            return sentence.text[:MAX_EVIDENCE_CHARS]
    return sentences[0].text[:MAX_EVIDENCE_CHARS] if sentences else ""


@dataclass(frozen=True)
class StoryItem:
    """A stored article of this batch with its copy group and what the extractor found."""

    article: Article
    article_id: str
    duplicate_of: str | None
    candidates: tuple[CandidateEvent, ...]


def story_id(watch_name: str, original_article_id: str) -> str:
    """The one id of the story a copy group tells, for this watch."""
    return stable_id(watch_name, STORY, original_article_id)


def resolve_stories(
    batch: Sequence[StoryItem],
    known_story_ids: Iterable[str],
    watch_name: str,
    now: datetime,
) -> ResolutionResult:
    """New stories for new copy groups; copies of a known story become its mentions."""
    known = set(known_story_ids)
    changes: list[EventChange] = []
    mentions: list[Mention] = []
    for item in batch:
        if not item.candidates:
            continue
        candidate = item.candidates[0]
        original = item.duplicate_of or item.article_id
        event_id = story_id(watch_name, original)
        if event_id not in known:
            known.add(event_id)
            changes.append(
                EventChange(
                    event=StoredEvent(
                        event_id=event_id,
                        event_type=STORY,
                        participants=(),
                        status=candidate.status,
                        event_date=candidate.event_date,
                        date_earliest=candidate.date_earliest,
                        date_latest=candidate.date_latest,
                        location=None,
                        summary=candidate.summary,
                        historical=False,
                        first_seen_at=now,
                        updated_at=now,
                    ),
                    is_new=True,
                )
            )
        mentions.append(
            Mention(
                event_id=event_id,
                article_id=item.article_id,
                evidence=candidate.evidence,
                status=candidate.status,
                is_copy=item.duplicate_of is not None,
            )
        )
    return ResolutionResult(changes=tuple(changes), mentions=tuple(mentions))
