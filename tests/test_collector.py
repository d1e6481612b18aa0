"""The run process's garbage collector: frozen at the run's start, paused between chunks."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from newswatch.core.collector import collected_between_chunks, frozen_before_run


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture
def collecting() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_between_chunks_nothing_collects_but_the_chunk_end_does(collecting: None) -> None:
    with collected_between_chunks() as collect:
        assert not gc.isenabled()
        cycle = weakref.ref(_Node())
        for _ in range(10_000):
            [[]]  # noqa: B018 - allocations that would trigger automatic passes
        assert cycle() is not None
        collect()
        assert cycle() is None
    assert gc.isenabled()


def test_collection_is_back_on_after_a_failed_run(collecting: None) -> None:
    with pytest.raises(RuntimeError), collected_between_chunks():
        raise RuntimeError("the run failed")
    assert gc.isenabled()


def test_a_process_that_turned_collection_off_keeps_it_off(collecting: None) -> None:
    gc.disable()
    with collected_between_chunks() as collect:
        cycle = weakref.ref(_Node())
        collect()
        assert cycle() is not None and not gc.isenabled()
    assert not gc.isenabled()


def test_objects_from_before_the_run_are_frozen_for_the_run_only() -> None:
    before = _Node()
    with frozen_before_run():
        assert gc.get_freeze_count() > 0
        assert not any(o is before for o in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0
    assert any(o is before for o in gc.get_objects(generation=2))
