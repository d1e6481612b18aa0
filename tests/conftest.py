"""Shared fixtures: paths to ../shared, loopback servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
BENCHMARK = SHARED / "benchmarks" / "article-extraction"


def require(path: Path) -> Path:
    """Skip the calling test with a clear reason when shared data is absent."""
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set NEWSWATCH_SHARED to ../shared)")
    return path


@pytest.fixture
def corpus_dir() -> Path:
    return require(CORPUS)


@pytest.fixture
def seeds_dir() -> Path:
    return require(SEEDS)


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def corpus_server(corpus_dir: Path) -> Iterator[LoopbackServer]:
    """The shared corpus served as it is, with feed links rewritten to this server."""
    with LoopbackServer() as server:
        server.static_root = corpus_dir
        server.static_replace = {b"http://HOST": server.base_url.encode()}
        yield server
