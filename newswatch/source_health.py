"""Source health: broken, stale or healthy, judged from a source's own history. Pure.

A source is *broken* after `broken_after_failures` failed polls in a row. It is *stale*
when it has brought no new link (only known links, or only 304s) for longer than
`stale_factor` times its usual interval between new links, and at least
`stale_min_hours`. The usual interval is the median gap between the recent runs that
brought new links: a median, so one quiet weekend or one busy morning does not move it.
A source is judged stale only once it has `stale_min_history` such gaps: before that
its rhythm is unknown.

The operator hears of a change of state once (`changed`): when a source breaks or goes
stale, and when it recovers.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from newswatch.config import OpsConfig

SourceHealth = Literal["healthy", "broken", "stale"]
NoticeState = Literal["broken", "stale", "recovered"]

# Runs with new links remembered per source to learn its rhythm.
NEWS_HISTORY_RUNS = 20


@dataclass(frozen=True)
class SourceHistory:
    """What the database remembers of one source, read before judging it."""

    source: str
    consecutive_failures: int
    announced: SourceHealth
    # When runs brought new links from this source, oldest first (the latest few).
    news_times: tuple[datetime, ...] = ()
    last_error: str | None = None


@dataclass(frozen=True)
class HealthVerdict:
    """One source's health now, and what the operator was last told."""

    source: str
    health: SourceHealth
    announced: SourceHealth
    detail: str
    usual_interval: timedelta | None = None
    silent_for: timedelta | None = None

    @property
    def changed(self) -> bool:
        """The state differs from the last one announced: a notice is due."""
        return self.health != self.announced

    @property
    def notice_state(self) -> NoticeState:
        """What the notice says: broken, stale, or recovered."""
        return "recovered" if self.health == "healthy" else self.health


def usual_interval(times: Sequence[datetime], min_history: int) -> timedelta | None:
    """The median gap between runs that brought new links; None with too few gaps."""
    ordered = sorted(times)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ordered)]
    gaps = [g for g in gaps if g > 0]
    if len(gaps) < min_history:
        return None
    return timedelta(seconds=statistics.median(gaps))


def assess(history: SourceHistory, now: datetime, ops: OpsConfig) -> HealthVerdict:
    """The health of one source at `now` (the run's clock), after this run's poll."""
    if history.consecutive_failures >= ops.broken_after_failures:
        return HealthVerdict(
            history.source,
            "broken",
            history.announced,
            f"{history.consecutive_failures} failed polls in a row; last error: "
            f"{history.last_error or 'unknown'}",
        )
    usual = usual_interval(history.news_times, ops.stale_min_history)
    if usual is not None and history.news_times:
        silent = now - max(history.news_times)
        limit = max(usual * ops.stale_factor, timedelta(hours=ops.stale_min_hours))
        if silent > limit:
            return HealthVerdict(
                history.source,
                "stale",
                history.announced,
                f"no new link for {_span(silent)}; it usually brings new links every "
                f"{_span(usual)} (stale after {ops.stale_factor:g}x, {_span(limit)})",
                usual,
                silent,
            )
    detail = "answering and bringing new links again"
    if history.announced == "broken":
        detail = "answering again"
    return HealthVerdict(history.source, "healthy", history.announced, detail, usual)


def _span(delta: timedelta) -> str:
    """'3 h 20 min', '2 d 4 h', '45 min'."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours_, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours_} h" if hours_ else f"{days} d"
    if hours_:
        return f"{hours_} h {mins} min" if mins else f"{hours_} h"
    return f"{mins} min"
