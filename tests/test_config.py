"""Watch files: typed loading, and errors that name the file, the field and the fault."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from newswatch.config import WatchError, load_watch, parse_watch

REPO = Path(__file__).resolve().parents[1]

MINIMAL = """
name = "w"
[[sources]]
kind = "rss"
url = "https://example.org/feed.xml"
[actors.a]
names = ["Alice Example", "Example"]
roles = [{ title = "mayor", from = "2020-01-01", to = "2024-01-01" }]
[actors.b]
names = ["Bob Sample"]
[events]
pair = ["a", "b"]
"""


def test_bundled_watch_loads_with_both_actors_and_live_sources() -> None:
    watch = load_watch(REPO / "deployments/watches/trump-putin.toml")
    assert set(watch.actors) == {"trump", "putin"}
    assert {s.kind for s in watch.sources} == {"google_news", "gdelt"}
    assert watch.alert_kinds == ["call", "meeting", "message"]


def test_minimal_watch_gets_safe_defaults() -> None:
    watch = parse_watch(MINIMAL)
    assert watch.fetch.allow_private_hosts is False
    assert watch.alerts.min_independent_sources == 1
    assert "statement" not in watch.alert_kinds


def test_role_is_held_only_inside_its_period() -> None:
    role = parse_watch(MINIMAL).actors["a"].roles[0]
    assert role.held_on(date(2022, 6, 1))
    assert not role.held_on(date(2024, 1, 1))
    assert not role.held_on(date(2019, 12, 31))


def test_bad_toml_names_the_file() -> None:
    with pytest.raises(WatchError, match=r"^my\.toml: not valid TOML"):
        parse_watch("name = [", origin="my.toml")


def test_unknown_source_kind_names_the_field() -> None:
    text = MINIMAL.replace('kind = "rss"', 'kind = "ftp"')
    with pytest.raises(WatchError, match=r"w\.toml: sources\[0\]\.kind: .*'ftp'"):
        parse_watch(text, origin="w.toml")


def test_a_pair_without_actors_names_the_missing_actor() -> None:
    text = MINIMAL.split("[actors.a]")[0] + '[events]\npair = ["a", "b"]\n'
    with pytest.raises(WatchError, match=r"events.pair names 'a', which is not in \[actors\]"):
        parse_watch(text, origin="w.toml")


def test_pair_must_name_known_actors() -> None:
    with pytest.raises(WatchError, match=r"'c', which is not in \[actors\]"):
        parse_watch(MINIMAL.replace('pair = ["a", "b"]', 'pair = ["a", "c"]'))


def test_unknown_field_is_refused_rather_than_ignored() -> None:
    with pytest.raises(WatchError, match=r"fetch\.allow_private: unknown field"):
        parse_watch(MINIMAL + "[fetch]\nallow_private = true\n")


def test_rss_source_without_url_is_refused() -> None:
    with pytest.raises(WatchError, match=r"needs a url"):
        parse_watch(MINIMAL.replace('url = "https://example.org/feed.xml"', ""))


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(WatchError, match=r"watch file not found"):
        load_watch(tmp_path / "nope.toml")


def test_llm_extractor_without_an_endpoint_is_refused_at_load_time() -> None:
    with pytest.raises(WatchError, match=r"events: .*needs llm_url"):
        parse_watch(MINIMAL.replace('pair = ["a", "b"]', 'pair = ["a", "b"]\nextractor = "llm"'))
