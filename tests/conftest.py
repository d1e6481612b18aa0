"""Fixtures every test module may use: loopback servers, the test corpus, a Prefect API.

The tests own their data: the corpus under tests/fixtures/corpus was written for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.corpus import CORPUS
from tests.support.loopback import LoopbackServer
from tests.support.reliability import PrefectApi, corpus_site, prefect_server


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def corpus_server() -> Iterator[LoopbackServer]:
    """The test corpus served as it is, with feed links rewritten to this server."""
    with corpus_site(CORPUS) as server:
        yield server


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectApi]:
    """One private Prefect server for the whole session, started by the first test that asks."""
    home: Path = tmp_path_factory.mktemp("prefect-server") / "home"
    with prefect_server(home) as url:
        yield PrefectApi(url, home)
