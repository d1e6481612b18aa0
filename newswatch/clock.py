"""The one clock of a run: every "now" a run stores or compares comes from here.

A run carries a `RunClock`. By default it is the wall clock; `--as-of TIME` starts it at
TIME instead, so a backtest or an evaluation runs a corpus as of its own time (the age
guard on alerts, fetch and event times, the outbox schedule). The replay clock advances
with the wall clock from its start, so times within a run stay ordered. Durations are
measured with `time.monotonic`, never with this clock.

The clock is a small frozen value (two datetimes), so it crosses Prefect task and Dask
worker boundaries unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


class ClockError(ValueError):
    """An `--as-of` value that is not a time; the message is one line."""


@dataclass(frozen=True)
class RunClock:
    """The run's time: `origin` at the wall-clock moment `wall_origin`, advancing with it."""

    origin: datetime
    wall_origin: datetime

    @classmethod
    def wall(cls) -> RunClock:
        """The wall clock (a run without `--as-of`)."""
        now = datetime.now(UTC)
        return cls(origin=now, wall_origin=now)

    @classmethod
    def as_of(cls, when: datetime | str | None) -> RunClock:
        """A clock that reads `when` now (ISO text or an aware datetime); the wall clock for None."""
        if when is None:
            return cls.wall()
        start = parse_as_of(when) if isinstance(when, str) else _aware(when)
        return cls(origin=start, wall_origin=datetime.now(UTC))

    @property
    def replaying(self) -> bool:
        """True when the run's time is not the wall clock's."""
        return self.origin != self.wall_origin

    def now(self) -> datetime:
        """The run's current time, timezone-aware UTC."""
        return self.origin + (datetime.now(UTC) - self.wall_origin)

    def __call__(self) -> datetime:
        """The clock as the core calls it (`RunContext.clock()`)."""
        return self.now()

    def restamp(self, wall_time: datetime | None) -> datetime | None:
        """A wall-clock timestamp taken during the run (a fetch time), on the run's clock."""
        if wall_time is None or not self.replaying:
            return wall_time
        return self.origin + (_aware(wall_time) - self.wall_origin)

    def iso(self) -> str:
        """The run's start as ISO text (what a flow parameter carries)."""
        return self.origin.isoformat()


_SHORT_ZULU = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z)?$", re.IGNORECASE)


def parse_as_of(text: str) -> datetime:
    """`2025-10-20T12:00Z`, `2025-10-20T12:00:00+02:00` or `2025-10-20` → an aware UTC datetime.

    A time without an offset is read as UTC; a bare date is its midnight UTC.
    """
    value = (text or "").strip()
    short = _SHORT_ZULU.match(value)
    if short:
        value = short.group(1) + ":00" + ("+00:00" if short.group(2) else "")
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(
            f"--as-of: not a time: {text!r} (expected e.g. 2025-10-20T12:00Z)"
        ) from None
    return _aware(parsed)


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def hours(value: float) -> timedelta:
    """A number of hours as a timedelta (watch options are in hours)."""
    return timedelta(hours=value)
