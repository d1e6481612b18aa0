"""The multilingual fixture corpus end to end: `newswatch eval` serves it on loopback, runs
the monitor flow on its feed and scores the stored events (tests/fixtures/multilingual:
Finnish bulletins with several stories per page, pages in ru/uk/fr/es/de, an Italian page)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "fixtures" / "multilingual"


@pytest.mark.slow
def test_newswatch_eval_finds_every_contact_in_every_language(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "newswatch.cli",
            "eval",
            str(CORPUS),
            "--db",
            str(tmp_path / "e.db"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "contacts: labelled 7, predicted 7, matched 7" in run.stdout
    assert "contact precision 1.000  recall 1.000" in run.stdout
    assert "status accuracy 1.000 (7/7)" in run.stdout
