"""Which packs read a page (declared or detected language, per paragraph), names in their
inflected and Cyrillic forms, and bad input: texts written for these tests."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

from newswatch.config import load_watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.actors import ActorLexicon
from newswatch.extractors.events import RuleBasedExtractor
from newswatch.extractors.events.languages import (
    NameInflection,
    available_languages,
    load_pack,
    name_inflections,
)
from newswatch.extractors.language import reading_languages

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
TUESDAY = datetime(2025, 3, 18, 15, 0, tzinfo=UTC)
PACKS = available_languages()

RUSSIAN = "Владимир Путин во вторник провёл телефонный разговор с Дональдом Трампом."
ENGLISH = "The European Commission presented its budget proposal to the member states on Monday."
FINNISH = "Yhdysvaltain presidentti Donald Trump ja Venäjän presidentti Vladimir Putin puhuivat puhelimessa tiistaina."


def extract(text: str, language: str | None = None) -> list[CandidateEvent]:
    article = Article(
        "https://news.example/a",
        "https://news.example/a",
        "test",
        None,
        text,
        TUESDAY,
        language=language,
    )
    return RuleBasedExtractor().extract(article, WATCH)


# -- which packs read a page ----------------------------------------------------------------


def test_an_undeclared_page_is_read_with_the_pack_of_its_detected_language() -> None:
    assert reading_languages(None, RUSSIAN, PACKS) == ("en", "ru")
    assert reading_languages(None, FINNISH, PACKS) == ("en", "fi")


def test_a_declared_language_is_read_even_when_detection_cannot_tell() -> None:
    assert reading_languages("uk-UA", "Трамп і Путін.", PACKS) == ("en", "uk")


def test_a_page_mixing_languages_is_read_with_each_paragraphs_pack() -> None:
    text = f"{ENGLISH}\n{RUSSIAN}\n{ENGLISH}"
    assert reading_languages("en", text, PACKS) == ("en", "ru")


def test_a_page_in_a_language_without_a_pack_is_read_with_none() -> None:
    italian = "Il presidente ha incontrato i sindacati lunedì per discutere della nuova legge."
    assert reading_languages("it", italian, PACKS) is None
    assert reading_languages(None, italian, PACKS) is None


def test_short_english_with_names_is_english_not_pidgin() -> None:
    # py3langid's best guess for this sentence is Nigerian Pidgin, English a close second.
    text = "Donald Trump met Vladimir Putin in Geneva on Saturday for two hours."
    assert reading_languages(None, text, PACKS) == ("en",)


def test_a_russian_paragraph_on_an_english_page_yields_its_contact() -> None:
    found = extract(f"{ENGLISH}\n{RUSSIAN}", "en")
    assert [(c.event_type, c.status, c.event_date) for c in found] == [
        ("call", "confirmed", date(2025, 3, 18))
    ]


# -- names ------------------------------------------------------------------------------


def test_a_pack_inflects_and_uninflects_names() -> None:
    finnish = load_pack("fi").names
    assert {"Putinin", "Putinille", "Putinia"} <= set(finnish.forms("Putin"))
    russian = load_pack("ru").names
    assert {"Путина", "Путину", "Путиным", "Путине"} <= set(russian.forms("Путин"))
    assert "Путин" in russian.stems("Путиным")
    assert "Зеленский" in russian.stems("Зеленского")
    assert NameInflection(suffixes=("s",)).forms("Trump") == ("Trump", "Trumps")


def test_latin_watch_names_are_found_in_cyrillic_in_every_case() -> None:
    lexicon = ActorLexicon.for_watch(WATCH, name_inflections(("en", "ru")))
    text = "Путин, Путина, Путину, Путиным, Путине; Трамп, Трампа, Трампу, Трампом; Песковым."
    refs = lexicon.mentions(text, None)
    assert [(r.text, r.actor, r.kind) for r in refs] == [
        ("Путин", "putin", "actor"),
        ("Путина", "putin", "actor"),
        ("Путину", "putin", "actor"),
        ("Путиным", "putin", "actor"),
        ("Путине", "putin", "actor"),
        ("Трамп", "trump", "actor"),
        ("Трампа", "trump", "actor"),
        ("Трампу", "trump", "actor"),
        ("Трампом", "trump", "actor"),
        ("Песковым", "putin", "spokesperson"),
    ]


def test_cyrillic_words_that_only_look_alike_are_nobody() -> None:
    lexicon = ActorLexicon.for_watch(WATCH, name_inflections(("en", "ru")))
    assert lexicon.mentions("Путь к миру лежит через Прагу и Пути сообщения.", None) == []


def test_finnish_case_endings_and_german_genitives_name_the_watch_actors() -> None:
    finnish = ActorLexicon.for_watch(WATCH, name_inflections(("en", "fi")))
    refs = finnish.mentions("Trumpin mukaan Putinille soitettiin ja Putinia kiitettiin.", None)
    assert [r.actor for r in refs] == ["trump", "putin", "putin"]
    german = ActorLexicon.for_watch(WATCH, name_inflections(("en", "de")))
    assert [r.actor for r in german.mentions("Trumps Gespräch mit Putins Berater", None)] == [
        "trump",
        "putin",
    ]


# -- bad input ----------------------------------------------------------------------------


def test_right_to_left_and_mixed_scripts_yield_nothing_and_raise_nothing() -> None:
    arabic = "تحدث ترامب وبوتين عبر الهاتف يوم الثلاثاء، بحسب ما أعلن الكرملين في بيان رسمي."
    hebrew = "טראמפ ופוטין שוחחו בטלפון ביום שלישי, כך נמסר מהקרמלין בהודעה רשמית."
    mixed = "Trump Трамп ترامب טראמפ 川普 and Путин говорили; Putin puhui; 普京 ja Пу́тин."
    assert extract(arabic) == []
    assert extract(hebrew, "he") == []
    assert all(c.participants == ("putin", "trump") for c in extract(mixed))


def test_a_one_megabyte_single_paragraph_page_is_read_quickly() -> None:
    sentence = "Путин и Трамп обсуждали экономику, а тем временем в Москве шёл дождь "
    text = (sentence * (1_000_000 // len(sentence)))[:1_000_000]
    started = time.perf_counter()
    found = extract(text, "ru")
    assert time.perf_counter() - started < 60
    assert isinstance(found, list)


def test_a_digest_with_one_story_in_another_language_reads_that_story_in_its_language() -> None:
    # A numbered digest declared English: three long English items and one short Finnish
    # item that reports the call. Each story is read with the packs of its own language.
    filler = " ".join([ENGLISH] * 12)
    digest = "\n".join([f"1. {filler}", f"2. {filler}", f"3. {FINNISH}", f"4. {filler}"])
    found = [c for c in extract(digest, language="en") if c.event_type != "statement"]
    assert [(c.event_type, c.event_date) for c in found] == [("call", date(2025, 3, 18))]
