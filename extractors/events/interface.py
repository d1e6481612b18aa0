"""What every event extractor is, and the date conventions all of them share.

Both the rule-based reader (this package) and the LLM extractor (`extractors.llm`) import
this module; it imports neither, so the two never import each other.
"""

from __future__ import annotations

from typing import Protocol

from newswatch.config import Watch
from newswatch.domain import Article, CandidateEvent

# A held contact reported as news without its day happened recently: news of a contact
# surfaces within days, and follow-ups with new details of it (what was said, who
# listened in) keep coming for about two weeks; its range runs from two weeks before the
# article to the article's day. Chosen on ../shared/realworld-dev (daily digests: details
# of a call reported 12 days on); a week missed them, a month merged the next contact.
REPORTED_LOOKBACK_DAYS = 14
# A planned contact announced without a day is expected within about a month ("soon",
# "after the inauguration"); past that, announcements name a date.
PLANNED_HORIZON_DAYS = 30


class EventExtractor(Protocol):
    """Anything that turns one article into candidate events for one watch (pure)."""

    def extract(self, article: Article, watch: Watch) -> list[CandidateEvent]: ...


__all__ = ["PLANNED_HORIZON_DAYS", "REPORTED_LOOKBACK_DAYS", "EventExtractor"]
