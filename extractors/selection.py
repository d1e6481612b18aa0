"""Which event extractor a watch gets: the rule-based reader, or the LLM one when asked.

This module sits above both extractors: it imports `extractors.events` and
`extractors.llm`, neither of which imports it (the LLM extractor falls back on the rules
itself), so there is no import cycle between them.
"""

from __future__ import annotations

from typing import Any

from newswatch.config import Watch
from newswatch.extractors.events.interface import EventExtractor
from newswatch.extractors.events.reader import RuleBasedExtractor

_RULES = RuleBasedExtractor()


def extractor_for(watch: Watch, *, post_json: Any = None) -> EventExtractor:
    """The extractor a watch asks for; the rule-based one unless another is configured.

    A keyword watch (a query, no pair) gets the keyword extractor: one candidate story per
    matching article. `post_json` is the HTTP layer's JSON poster the LLM extractor sends
    through (the wiring passes it: sources/llm_endpoint.py); extractors hold no network code.
    """
    if watch.events is None and watch.match is not None:
        from newswatch.extractors.keyword_watch import KeywordExtractor

        return KeywordExtractor(watch.match.parsed)
    if watch.contacts.extractor == "llm":
        try:
            from newswatch.extractors.llm import LlmExtractor
        except ImportError:  # the optional HTTP stack is missing: rules still work
            return _RULES
        return LlmExtractor(watch, post=post_json)
    return _RULES


__all__ = ["extractor_for"]
