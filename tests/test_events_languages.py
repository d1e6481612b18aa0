"""Language packs are data: every shipped pack loads and is well-formed, a new pack only adds
words, and the events package and the LLM extractor import each other in one direction only."""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest

from newswatch.extractors.events.languages import (
    LanguagePackError,
    NameInflection,
    available_languages,
    load_pack,
    pack_slots,
    parse_pack,
)
from newswatch.extractors.events.vocabulary import compile_vocabulary, vocabulary_for

REPO = Path(__file__).resolve().parents[1]
SLOT = re.compile(r"\{([a-z_]+)\}")


def test_english_and_german_are_shipped() -> None:
    assert {"en", "de"} <= set(available_languages())


@pytest.mark.parametrize("code", available_languages())
def test_every_shipped_pack_loads_with_its_own_code(code: str) -> None:
    pack = load_pack(code)
    assert pack.code == code
    assert pack.contact.call_verbs or pack.contact.call_nouns  # it names at least calls


@pytest.mark.parametrize("code", available_languages())
def test_every_entry_of_every_pack_is_a_valid_regular_expression(code: str) -> None:
    known = set(pack_slots(load_pack("en")))
    for slot, entries in pack_slots(load_pack(code)).items():
        for entry in entries:
            assert set(SLOT.findall(entry)) <= known, (code, slot, entry)
            re.compile(SLOT.sub("x", entry))


def test_english_fills_every_slot_so_it_documents_them() -> None:
    empty = [slot for slot, entries in pack_slots(load_pack("en")).items() if not entries]
    # Only slots for grammar English lacks may stay empty: inflected names, titles that are
    # part of a name (the watch's roles cover English titles), future verb forms, postpositions.
    assert sorted(empty) == ["future_forms", "partner_postpositions", "suffixes", "titles"]


def test_slot_names_are_unique_across_sections() -> None:
    pack = load_pack("en")
    names = [
        f.name
        for section in ("contact", "triggers", "people", "cues", "dating", "places", "phrases")
        for f in fields(getattr(pack, section))
    ]
    assert len(names) == len(set(names))


def test_an_unknown_slot_is_an_error_naming_the_file_and_the_slot() -> None:
    with pytest.raises(LanguagePackError, match=r"xx\.toml: \[cues\]: unknown slot.*'planing'"):
        parse_pack('[pack]\ncode = "xx"\n[cues]\nplaning = ["will"]\n', "xx.toml")


def test_a_slot_that_is_not_a_list_of_strings_is_an_error() -> None:
    with pytest.raises(LanguagePackError, match=r"\[contact\] call_verbs: a list"):
        parse_pack('[pack]\ncode = "xx"\n[contact]\ncall_verbs = "rief an"\n', "xx.toml")


def test_a_pack_without_a_code_is_an_error() -> None:
    with pytest.raises(LanguagePackError, match="code is required"):
        parse_pack("[contact]\ncall_verbs = []\n", "xx.toml")


def test_a_missing_language_is_an_error() -> None:
    with pytest.raises(LanguagePackError, match="no language pack for 'zz'"):
        load_pack("zz")


def test_name_inflection_adds_suffixes_and_replaces_endings() -> None:
    rules = NameInflection(suffixes=("in", "ille"), endings=(("a", ("y", "e")),))
    assert rules.forms("Putin") == ("Putin", "Putinin", "Putinille")
    assert rules.forms("Marta") == ("Marta", "Martain", "Martaille", "Marty", "Marte")


def test_relative_day_words_are_read_as_offsets() -> None:
    assert dict(load_pack("en").dating.relative_days) == {
        "yesterday": -1,
        "today": 0,
        "tomorrow": 1,
    }


def test_a_new_pack_adds_its_words_to_the_english_vocabulary() -> None:
    # A made-up language: "zorb" is its call verb, "nix" its negation.
    toy = parse_pack(
        '[pack]\ncode = "xx"\n[contact]\ncall_verbs = ["zorb"]\n[cues]\nnegation = ["nix"]\n'
    )
    english = vocabulary_for(("en",))
    both = compile_vocabulary((load_pack("en"), toy))
    assert english.trigger.search("they zorb") is None
    assert both.trigger.search("they zorb") is not None
    assert both.trigger.search("they spoke") is not None  # English words are kept
    assert both.negation.search("nix") is not None


def test_a_slot_no_pack_fills_matches_nothing() -> None:
    toy = parse_pack('[pack]\ncode = "xx"\n')
    alone = compile_vocabulary((toy,))
    assert alone.trigger.search("Trump spoke with Putin about calls and meetings") is None
    assert alone.hedge.search("reportedly") is None


def _module_imports(path: Path) -> set[str]:
    """Modules a file imports at import time (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_the_events_package_never_imports_the_llm_extractor_or_the_selection() -> None:
    for path in sorted((REPO / "extractors" / "events").glob("*.py")):
        imported = _module_imports(path)
        assert "newswatch.extractors.llm" not in imported, path.name
        assert "newswatch.extractors.selection" not in imported, path.name


def test_the_llm_extractor_imports_only_the_interface_and_the_rules_of_the_events_package() -> None:
    imported = {m for m in _module_imports(REPO / "extractors" / "llm.py") if ".events" in m}
    assert imported == {
        "newswatch.extractors.events.interface",
        "newswatch.extractors.events.reader",
    }
    assert "newswatch.extractors.selection" not in _module_imports(REPO / "extractors" / "llm.py")


@pytest.mark.parametrize("path", sorted((REPO / "extractors" / "events").glob("*.py")), ids=str)
def test_no_module_of_the_events_package_is_over_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600
