"""The language model: read as py3langid reads it, loaded once, in the background if asked."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from py3langid.langid import LanguageIdentifier, _load_identifier

from newswatch.core.pipeline import ModelPreload
from newswatch.extractors import language


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, np.ndarray):
        return ours.dtype == theirs.dtype and bool(np.array_equal(ours, theirs))
    if isinstance(ours, tuple):
        return len(ours) == len(theirs) and all(map(_same, ours, theirs))
    return type(ours) is type(theirs) and ours == theirs


@pytest.fixture
def no_models(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The module as in a fresh process (nothing loaded, nothing loading); counts full loads."""
    loads: list[int] = []
    read = language._load_full_model

    def counted() -> Any:
        loads.append(threading.get_ident())
        return read()

    monkeypatch.setattr(language, "_MODELS", {})
    monkeypatch.setattr(language, "_background", None)
    monkeypatch.setattr(language, "_load_full_model", counted)
    return loads


def test_the_model_read_in_one_call_is_py3langids_own_model() -> None:
    ours, theirs = language._read_whole_model(), _load_identifier(norm_probs=True)
    assert isinstance(ours, LanguageIdentifier)
    for slot in LanguageIdentifier.__slots__:
        assert _same(getattr(ours, slot), getattr(theirs, slot)), slot
    text = "Путин и Трамп поговорили по телефону во вторник, сообщил Кремль."
    assert ours.classify(text) == theirs.classify(text)


def test_a_model_file_read_another_way_is_left_to_py3langid(
    monkeypatch: pytest.MonkeyPatch, no_models: list[int]
) -> None:
    def other_layout() -> Any:
        raise KeyError("nextmove_row")

    monkeypatch.setattr(language, "_read_whole_model", other_layout)
    assert language.most_likely("Die Minister sprachen am Montag am Telefon miteinander.") == "de"


def test_a_background_load_loads_the_model_on_its_own_thread(no_models: list[int]) -> None:
    language.load_model_in_background()
    worker = language._background
    assert worker is not None
    worker.join(timeout=30)
    assert no_models == [worker.ident] and worker.ident != threading.get_ident()
    language.load_model_in_background()  # loaded: nothing more to do
    assert language._background is worker
    assert language.most_likely("The ministers spoke by phone on Monday, officials said.") == "en"
    assert no_models == [worker.ident]


def test_a_use_during_a_background_load_waits_for_it_and_nothing_loads_twice(
    no_models: list[int],
) -> None:
    language.load_model_in_background()
    language.load_model_in_background()  # a second source with new content
    assert language.most_likely("Ministerit keskustelivat puhelimessa maanantaina.") == "fi"
    language.load_models(("en", "fi", "ru"))
    worker = language._background
    assert worker is not None and not worker.is_alive()  # none left loading at the fork
    assert len(no_models) == 1


def test_without_a_background_load_the_first_use_loads_the_model(no_models: list[int]) -> None:
    assert language.most_likely("Ministerit keskustelivat puhelimessa maanantaina.") == "fi"
    language.load_models(("en", "fi"))
    assert no_models == [threading.get_ident()]


def test_a_run_starts_loading_once_its_new_source_content_is_big_enough(
    no_models: list[int],
) -> None:
    preload = ModelPreload(min_bytes=100_000)
    preload(60_000)  # one small feed re-stamped with a new date: nothing to load for yet
    assert language._background is None and no_models == []
    preload(60_000)  # with the next source's, enough to be worth loading beside the parse
    worker = language._background
    assert worker is not None
    worker.join(timeout=30)
    assert no_models == [worker.ident]
