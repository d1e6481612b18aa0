"""Pages that change under one URL: versions of an article and when to look again.

Live blogs, bulletins that reuse one URL, updated articles and corrections change after
they were first read. A page seen again whose main text changed is a new *version* of
the same article (never a near-copy of itself, never a second source); `changed_parts`
says what the new text adds and drops, and `next_check` spaces re-checks: often while a
page keeps changing, rarely once it stops, never once it is older than the policy allows.
All pure.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_SPACE = re.compile(r"\s+")


def text_hash(text: str) -> str:
    """A hash of the main text that ignores runs of white space."""
    normal = _SPACE.sub(" ", text).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class ChangedParts:
    """Paragraphs a new version adds and drops, in text order."""

    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed)

    def summary(self, limit: int = 3) -> str:
        """'+2 paragraphs, -1: "first added…"' for listings."""
        head = f"+{len(self.added)} paragraph(s), -{len(self.removed)}"
        shown = "; ".join(p[:120] for p in self.added[:limit])
        return f"{head}: {shown}" if shown else head


def _paragraphs(text: str) -> list[str]:
    return [_SPACE.sub(" ", p).strip() for p in text.split("\n") if p.strip()]


def changed_parts(old_text: str, new_text: str) -> ChangedParts:
    """What changed between two versions, paragraph by paragraph."""
    old, new = _paragraphs(old_text), _paragraphs(new_text)
    added: list[str] = []
    removed: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(old[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(new[j1:j2])
    return ChangedParts(tuple(added), tuple(removed))


@dataclass(frozen=True)
class RecheckPolicy:
    """How often pages are looked at again (watch `[versions]`)."""

    # First re-check after this long, and again this soon after every change.
    first_interval: timedelta = timedelta(minutes=30)
    # Each unchanged re-check doubles the wait, up to this.
    max_interval: timedelta = timedelta(hours=24)
    backoff: float = 2.0
    # Pages published (or first seen) longer ago than this are never re-checked.
    max_age: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class RecheckState:
    """Where an article stands in its re-check schedule."""

    first_seen_at: datetime
    published_at: datetime | None
    interval: timedelta


def next_check(
    state: RecheckState, *, changed: bool, now: datetime, policy: RecheckPolicy
) -> tuple[datetime | None, timedelta]:
    """When to look again (None: never) and the interval that led there."""
    born = state.published_at or state.first_seen_at
    if now - born > policy.max_age:
        return None, state.interval
    if changed:
        interval = policy.first_interval
    else:
        grown = timedelta(seconds=state.interval.total_seconds() * policy.backoff)
        interval = min(max(grown, policy.first_interval), policy.max_interval)
    when = now + interval
    if when - born > policy.max_age:
        return None, interval
    return when, interval
