"""Which event extractor a watch gets: the rule-based reader, or the LLM one when asked.

This module sits above both extractors: it imports `extractors.events` and
`extractors.llm`, neither of which imports it (the LLM extractor falls back on the rules
itself), so there is no import cycle between them.
"""

from __future__ import annotations

from newswatch.config import Watch
from newswatch.extractors.events.interface import EventExtractor
from newswatch.extractors.events.reader import RuleBasedExtractor

_RULES = RuleBasedExtractor()


def extractor_for(watch: Watch) -> EventExtractor:
    """The extractor a watch asks for; the rule-based one unless another is configured and available."""
    if watch.events.extractor == "llm":
        try:
            from newswatch.extractors.llm import LlmExtractor
        except ImportError:  # the optional HTTP stack is missing: rules still work
            return _RULES
        return LlmExtractor(watch)
    return _RULES


__all__ = ["extractor_for"]
