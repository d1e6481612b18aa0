"""Contacts in German, French, Spanish, Russian, Ukrainian and Finnish, read with each
language's pack: one sentence per rule and language, written for these tests.

Every article is published on Tuesday 18 March 2025 and declares its language, as a
page's <html lang> does. Names appear in the forms the grammar gives them (Путиным,
Трампом, Putinille, Trumpin), and the watch lists them only in Latin letters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newswatch.config import load_watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.events import RuleBasedExtractor

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
TUESDAY = datetime(2025, 3, 18, 15, 0, tzinfo=UTC)
MONDAY_17, THURSDAY_13, FRIDAY_21 = date(2025, 3, 17), date(2025, 3, 13), date(2025, 3, 21)


def extract(text: str, language: str) -> list[CandidateEvent]:
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


def current(found: list[CandidateEvent]) -> list[tuple[str, str, date | None]]:
    """Contacts reported as news: (kind, status, day)."""
    return [
        (c.event_type, c.status, c.event_date)
        for c in found
        if c.event_type != "statement" and not c.historical
    ]


# (language, sentence, the one current contact it reports)
CONTACTS = [
    # A confirmed call whose weekday resolves to the exact day (past tense: last Monday).
    (
        "de",
        "Trump hat am Montag mit Putin telefoniert, sagte ein Sprecher.",
        ("call", "confirmed", MONDAY_17),
    ),
    (
        "fr",
        "Donald Trump s'est entretenu lundi par téléphone avec Vladimir Poutine, a indiqué la Maison Blanche.",
        ("call", "confirmed", MONDAY_17),
    ),
    (
        "es",
        "Donald Trump y Vladímir Putin hablaron por teléfono el lunes durante más de una hora.",
        ("call", "confirmed", MONDAY_17),
    ),
    (
        "ru",
        "Владимир Путин в понедельник провёл телефонный разговор с Дональдом Трампом.",
        ("call", "confirmed", MONDAY_17),
    ),
    (
        "uk",
        "Путін і Трамп поговорили телефоном у понеділок, повідомив Ушаков.",
        ("call", "confirmed", MONDAY_17),
    ),
    (
        "fi",
        "Yhdysvaltain presidentti Donald Trump ja Venäjän presidentti Vladimir Putin puhuivat puhelimessa maanantaina.",
        ("call", "confirmed", MONDAY_17),
    ),
    # Inflected names: Путиным, Putinille, Trumpin kanssa.
    (
        "ru",
        "Трамп поговорил по телефону с Путиным в прошлый четверг.",
        ("call", "confirmed", THURSDAY_13),
    ),
    ("uk", "Трамп розмовляв з Путіним у минулий четвер.", ("call", "confirmed", THURSDAY_13)),
    ("fi", "Trump soitti Putinille viime torstaina.", ("call", "confirmed", THURSDAY_13)),
    ("fi", "Putin puhui puhelimessa Trumpin kanssa eilen.", ("call", "confirmed", MONDAY_17)),
    # Reported speech: "Trump said he had talked with Putin on Monday".
    (
        "fi",
        "Trump kertoi keskustelleensa puhelimessa Putinin kanssa maanantaina.",
        ("call", "confirmed", MONDAY_17),
    ),
    # A planned meeting: the weekday ahead.
    (
        "de",
        "Trump und Putin werden sich am Freitag in Genf treffen.",
        ("meeting", "planned", FRIDAY_21),
    ),
    (
        "fr",
        "Trump et Poutine se rencontreront vendredi à Genève.",
        ("meeting", "planned", FRIDAY_21),
    ),
    ("es", "Trump y Putin se reunirán el viernes en Ginebra.", ("meeting", "planned", FRIDAY_21)),
    (
        "ru",
        "Путин и Трамп проведут переговоры в пятницу в Женеве.",
        ("meeting", "planned", FRIDAY_21),
    ),
    ("uk", "Трамп і Путін зустрінуться у п'ятницю в Женеві.", ("meeting", "planned", FRIDAY_21)),
    ("fi", "Trump ja Putin tapaavat perjantaina Genevessä.", ("meeting", "planned", FRIDAY_21)),
    # A denial.
    (
        "de",
        "Der Kreml dementierte, dass Putin mit Trump telefoniert habe.",
        ("call", "denied", None),
    ),
    (
        "fr",
        "Le Kremlin a démenti tout entretien téléphonique entre Poutine et Trump.",
        ("call", "denied", None),
    ),
    ("es", "El Kremlin desmintió la llamada entre Putin y Trump.", ("call", "denied", None)),
    (
        "ru",
        "Песков опроверг сообщения о телефонном разговоре Путина и Трампа.",
        ("call", "denied", None),
    ),
    (
        "uk",
        "Кремль спростував повідомлення про телефонну розмову Путіна і Трампа.",
        ("call", "denied", None),
    ),
    (
        "fi",
        "Kreml kiisti tiedot Putinin ja Trumpin puhelinkeskustelusta.",
        ("call", "denied", None),
    ),
    # A cancelled meeting.
    (
        "de",
        "Trump und Putin haben ihr geplantes Treffen in Budapest abgesagt.",
        ("meeting", "cancelled", None),
    ),
    (
        "fr",
        "La rencontre entre Trump et Poutine à Budapest a été annulée.",
        ("meeting", "cancelled", None),
    ),
    (
        "es",
        "La cumbre entre Trump y Putin en Budapest fue cancelada.",
        ("meeting", "cancelled", None),
    ),
    (
        "ru",
        "Встреча Путина и Трампа в Будапеште отменена, сообщил Песков.",
        ("meeting", "cancelled", None),
    ),
    ("uk", "Зустріч Трампа і Путіна в Будапешті скасували.", ("meeting", "cancelled", None)),
    ("fi", "Trumpin ja Putinin tapaaminen Budapestissa peruttiin.", ("meeting", "cancelled", None)),
    # A hedged report.
    (
        "de",
        "Laut Medienberichten hat Trump am Montag mit Putin telefoniert.",
        ("call", "reported", MONDAY_17),
    ),
    (
        "fr",
        "Selon des sources, Trump et Poutine se sont parlé au téléphone lundi.",
        ("call", "reported", MONDAY_17),
    ),
    (
        "es",
        "Según fuentes del diario, Trump y Putin hablaron por teléfono el lunes.",
        ("call", "reported", MONDAY_17),
    ),
    (
        "ru",
        "По данным источников, Путин и Трамп поговорили по телефону в понедельник.",
        ("call", "reported", MONDAY_17),
    ),
    (
        "uk",
        "За даними джерел, Путін і Трамп поговорили телефоном у понеділок.",
        ("call", "reported", MONDAY_17),
    ),
    (
        "fi",
        "Lähteiden mukaan Trump ja Putin puhuivat puhelimessa maanantaina.",
        ("call", "reported", MONDAY_17),
    ),
]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    CONTACTS,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CONTACTS)],
)
def test_a_contact_is_read_in_its_language(
    language: str, text: str, expected: tuple[str, str, date | None]
) -> None:
    found = current(extract(text, language))
    assert len(found) == 1, found
    kind, status, day = found[0]
    assert (kind, status) == expected[:2]
    if expected[2] is not None:
        assert day == expected[2]


# Willingness to talk is a statement, never a contact.
WILLINGNESS = [
    ("de", "Putin ist bereit zu einem Treffen mit Trump."),
    ("fr", "Poutine s'est dit prêt à rencontrer Trump."),
    ("es", "Putin está dispuesto a reunirse con Trump."),
    ("ru", "Путин готов встретиться с Трампом, заявил Песков."),
    ("uk", "Путін готовий зустрітися з Трампом, заявив Пєсков."),
    ("fi", "Putin on valmis tapaamaan Trumpin."),
]


@pytest.mark.parametrize(("language", "text"), WILLINGNESS, ids=[w[0] for w in WILLINGNESS])
def test_willingness_to_meet_is_a_statement_not_a_contact(language: str, text: str) -> None:
    found = extract(text, language)
    assert current(found) == []
    assert [c.event_type for c in found] == ["statement"]


# Contacts with someone else, and contacts long ago: nothing to report as news.
NOT_NEWS = [
    ("de", "Putin telefonierte am Montag mit Xi Jinping."),
    ("fr", "Trump s'est entretenu lundi par téléphone avec Volodymyr Zelensky."),
    ("es", "Putin habló por teléfono el lunes con Xi Jinping."),
    ("ru", "Путин в понедельник провёл телефонный разговор с Зеленским."),
    ("uk", "Трамп у понеділок поговорив із Зеленським."),
    ("fi", "Trump kertoi, että Putin puhui puhelimessa Xi Jinpingin kanssa."),
    # History stays history.
    ("de", "Trump und Putin trafen sich im Juli 2018 in Helsinki."),
    ("fr", "Trump et Poutine se sont rencontrés pour la première fois à Hambourg en 2017."),
    ("es", "Trump y Putin se reunieron por primera vez en Hamburgo en 2017."),
    ("ru", "Путин и Трамп впервые встретились в Гамбурге в 2017 году."),
    ("uk", "Трамп і Путін зустрілися в Гельсінкі у 2018 році."),
    ("fi", "Trump ja Putin tapasivat viimeksi Helsingissä vuonna 2018."),
]


@pytest.mark.parametrize(
    ("language", "text"), NOT_NEWS, ids=[f"{n[0]}-{i}" for i, n in enumerate(NOT_NEWS)]
)
def test_third_parties_and_history_are_not_news_of_the_pair(language: str, text: str) -> None:
    assert current(extract(text, language)) == []


# Who says so: the participant's voice, in the language's own word order.
SPEAKERS = [
    ("de", "Trump hat am Montag mit Putin telefoniert, teilte das Weiße Haus mit.", "das Weiße Haus"),
    ("fr", "Trump s'est entretenu lundi par téléphone avec Poutine, a indiqué la Maison Blanche.", "la Maison Blanche"),
    ("ru", "Путин и Трамп поговорили по телефону в понедельник, сообщил Песков.", "Песков"),
    ("uk", "Путін і Трамп поговорили телефоном у понеділок, — повідомив Ушаков.", "Ушаков"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text", "who"), SPEAKERS, ids=[s[0] for s in SPEAKERS])
def test_the_speaker_is_who_says_so(language: str, text: str, who: str) -> None:
    (call,) = [c for c in extract(text, language) if c.event_type == "call"]
    assert (call.status, call.event_date, call.asserted_by) == ("confirmed", MONDAY_17, who)


def test_a_page_in_a_language_without_a_pack_yields_nothing() -> None:
    text = "Trump e Putin hanno parlato al telefono lunedì, ha detto il Cremlino in una nota."
    assert extract(text, "it") == []
