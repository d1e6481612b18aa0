"""Source health from a source's own history: broken, stale, healthy, and when to tell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newswatch.config import OpsConfig
from newswatch.source_health import SourceHistory, assess, usual_interval

NOW = datetime(2025, 10, 20, 12, tzinfo=UTC)
OPS = OpsConfig()  # broken after 3 failures; stale after 6x the usual interval, >= 6 h


def every(hours: float, count: int, last: datetime) -> tuple[datetime, ...]:
    """`count` runs with new links, `hours` apart, the last at `last`."""
    return tuple(last - timedelta(hours=hours * i) for i in reversed(range(count)))


def test_the_usual_interval_is_the_median_gap_and_needs_enough_history() -> None:
    last = NOW - timedelta(hours=1)
    times = (*every(2, 4, last - timedelta(hours=30)), last)  # gaps 2, 2, 2, 30 h
    assert usual_interval(times, min_history=3) == timedelta(hours=2)
    assert usual_interval(every(2, 3, last), min_history=3) is None  # two gaps only


def test_a_source_silent_longer_than_six_usual_intervals_is_stale_once() -> None:
    # New links every 2 h until 13 h ago: 13 h > max(6 x 2 h, 6 h).
    history = SourceHistory("feed", 0, "healthy", every(2, 6, NOW - timedelta(hours=13)))
    verdict = assess(history, NOW, OPS)
    assert (verdict.health, verdict.changed, verdict.notice_state) == ("stale", True, "stale")
    assert verdict.detail == (
        "no new link for 13 h; it usually brings new links every 2 h (stale after 6x, 12 h)"
    )
    # Announced already: no second notice while it stays silent.
    assert not assess(SourceHistory("feed", 0, "stale", history.news_times), NOW, OPS).changed


def test_a_quiet_spell_within_the_threshold_is_healthy() -> None:
    history = SourceHistory("feed", 0, "healthy", every(2, 6, NOW - timedelta(hours=11)))
    assert assess(history, NOW, OPS).health == "healthy"


def test_the_minimum_silence_keeps_a_busy_source_from_flapping() -> None:
    # Every 10 minutes: 6x is one hour, but stale needs 6 h of silence.
    history = SourceHistory("feed", 0, "healthy", every(1 / 6, 10, NOW - timedelta(hours=5)))
    assert assess(history, NOW, OPS).health == "healthy"
    later = SourceHistory("feed", 0, "healthy", every(1 / 6, 10, NOW - timedelta(hours=7)))
    assert assess(later, NOW, OPS).health == "stale"


def test_a_source_without_enough_history_is_never_called_stale() -> None:
    history = SourceHistory("feed", 0, "healthy", every(2, 3, NOW - timedelta(days=30)))
    assert assess(history, NOW, OPS).health == "healthy"


def test_failures_in_a_row_break_a_source_and_success_recovers_it() -> None:
    failing = SourceHistory("feed", 2, "healthy", last_error="HTTP 503")
    assert assess(failing, NOW, OPS).health == "healthy"  # 2 < broken_after_failures
    broken = assess(SourceHistory("feed", 3, "healthy", last_error="HTTP 503"), NOW, OPS)
    assert (broken.health, broken.changed) == ("broken", True)
    assert broken.detail == "3 failed polls in a row; last error: HTTP 503"
    back = assess(SourceHistory("feed", 0, "broken"), NOW, OPS)
    assert (back.health, back.changed, back.notice_state) == ("healthy", True, "recovered")


def test_the_thresholds_are_watch_options() -> None:
    ops = OpsConfig(broken_after_failures=1, stale_factor=2, stale_min_hours=0)
    assert assess(SourceHistory("feed", 1, "healthy"), NOW, ops).health == "broken"
    history = SourceHistory("feed", 0, "healthy", every(2, 6, NOW - timedelta(hours=5)))
    assert assess(history, NOW, ops).health == "stale"
