"""Fuzzing watch files: whatever the text, `parse_watch` returns a `Watch` or raises
`WatchError` with one line — never another exception (the command then exits 2 with a
message instead of a traceback).

Inputs: the bundled watch with lines deleted, repeated or given other values; watch-like
files built from the schema's own keys and odd TOML values; deep nesting; any text.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch.config import Watch, WatchError, parse_watch

EXAMPLES = int(os.environ.get("NEWSWATCH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BUNDLED = (Path(__file__).resolve().parents[1] / "deployments/watches/trump-putin.toml").read_text()

VALUES = (
    '"trump-putin"',
    '""',
    '"\\u0000"',
    '"\\uD800"',
    '"\\U0010FFFF"',
    "'literal'",
    '"""multi\nline"""',
    "0",
    "-1",
    "99999999999999999999999",
    "1e400",
    "inf",
    "nan",
    "-0.0",
    "true",
    "2025-01-20",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "0000-01-01",
    "[]",
    '["trump", "putin"]',
    '["trump", "trump"]',
    '["trump"]',
    "[1, 2]",
    "{}",
    '{ title = "x", from = 2025-01-20 }',
    '{ title = "x", from = 2025-01-20T10:00:00+01:00 }',
    '{ title = "x", from = 2025-02-30 }',
    '[{ title = "x", from = 2025-01-20, to = 2024-01-20 }]',
    '"rss"',
    '"gdelt"',
    '"*/30 * * * *"',
)
KEYS = (
    "name",
    "description",
    "kind",
    "url",
    "query",
    "names",
    "aliases",
    "roles",
    "voices",
    "pair",
    "alert_on",
    "mode",
    "first_run",
    "min_independent_sources",
    "max_records",
    "timespan",
    "allow_private_hosts",
    "batch_size",
    "cron",
    "unknown_key",
    '"quoted key"',
    "a.b.c",
)
HEADERS = (
    "[[sources]]",
    "[actors.trump]",
    "[actors.putin]",
    "[actors]",
    "[events]",
    "[alerts]",
    "[fetch]",
    "[runtime]",
    "[[actors.trump.roles]]",
    "[events.pair]",
    "[sources]",
)
values = st.sampled_from(VALUES)
lines = st.one_of(
    st.sampled_from(HEADERS),
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(KEYS), values),
    st.text(max_size=20),
)


@st.composite
def mutated_bundled_watch(draw: st.DrawFn) -> str:
    """The bundled watch with a few lines deleted, repeated, revalued or inserted."""
    text_lines = BUNDLED.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not text_lines:
            break
        i = draw(st.integers(0, len(text_lines) - 1))
        op = draw(st.sampled_from(["delete", "repeat", "revalue", "insert"]))
        if op == "delete":
            del text_lines[i]
        elif op == "repeat":
            text_lines.insert(i, text_lines[i])
        elif op == "revalue" and "=" in text_lines[i]:
            key = text_lines[i].split("=", 1)[0]
            text_lines[i] = f"{key}= {draw(values)}"
        else:
            text_lines.insert(i, draw(lines))
    return "\n".join(text_lines)


built_watch = st.lists(lines, max_size=25).map("\n".join)


@st.composite
def deeply_nested(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 5000))
    opener, closer = draw(st.sampled_from([("[", "]"), ("{ a = ", " }")]))
    return f"x = {opener * depth}1{closer * depth}"


@FUZZ
@given(st.one_of(mutated_bundled_watch(), built_watch, deeply_nested(), st.text(max_size=200)))
def test_any_watch_text_is_a_watch_or_one_line_watch_error(text: str) -> None:
    try:
        watch = parse_watch(text, origin="fuzz.toml")
    except WatchError as exc:
        message = str(exc)
        assert message.startswith("fuzz.toml: ") and "\n" not in message.strip()
        return
    assert isinstance(watch, Watch)
    assert watch.events.pair[0] in watch.actors and watch.events.pair[1] in watch.actors
