"""The run's one clock: `--as-of` parsing, a replay clock that advances, restamping."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswatch.clock import ClockError, RunClock, parse_as_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-20T12:00Z", datetime(2025, 10, 20, 12, tzinfo=UTC)),
        ("2025-10-20T12:00", datetime(2025, 10, 20, 12, tzinfo=UTC)),
        ("2025-10-20T12:00:30+02:00", datetime(2025, 10, 20, 10, 0, 30, tzinfo=UTC)),
        ("2025-10-20", datetime(2025, 10, 20, tzinfo=UTC)),
        (" 2025-10-20T12:00:00z ", datetime(2025, 10, 20, 12, tzinfo=UTC)),
    ],
)
def test_as_of_accepts_the_usual_iso_forms_and_reads_them_as_utc(
    text: str, expected: datetime
) -> None:
    parsed = parse_as_of(text)
    assert parsed == expected and parsed.tzinfo == UTC


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01", "", "20/10/2025"])
def test_a_bad_as_of_is_one_clear_line(text: str) -> None:
    with pytest.raises(ClockError) as caught:
        parse_as_of(text)
    message = str(caught.value)
    assert message.startswith("--as-of: not a time:") and "\n" not in message


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(9998, 12, 31),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_any_iso_time_parses_back_to_the_same_instant(when: datetime) -> None:
    assert parse_as_of(when.isoformat()) == when


def test_the_default_clock_is_the_wall_clock() -> None:
    clock = RunClock.as_of(None)
    assert not clock.replaying
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 1
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.restamp(stamp) is stamp


def test_a_replay_clock_starts_at_as_of_and_advances_with_the_wall_clock() -> None:
    clock = RunClock.as_of("2025-10-20T12:00Z")
    first = clock.now()
    assert clock.replaying
    assert timedelta(0) <= first - datetime(2025, 10, 20, 12, tzinfo=UTC) < timedelta(seconds=1)
    assert clock.now() >= first
    # A fetch time taken on the wall clock five seconds into the run lands five seconds
    # after the replayed start.
    wall = clock.wall_origin + timedelta(seconds=5)
    assert clock.restamp(wall) == datetime(2025, 10, 20, 12, 0, 5, tzinfo=UTC)
    assert clock.iso() == "2025-10-20T12:00:00+00:00"


def test_run_and_eval_refuse_a_bad_as_of_with_exit_2_and_one_line(tmp_path: Path) -> None:
    for command in (["run", "--db", str(tmp_path / "x.duckdb")], ["eval", str(tmp_path)]):
        result = subprocess.run(
            [sys.executable, "-m", "newswatch", *command, "--as-of", "next tuesday"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            "newswatch: error: --as-of: not a time: 'next tuesday' (expected e.g. 2025-10-20T12:00Z)"
        ]
        assert not (tmp_path / "x.duckdb").exists()
