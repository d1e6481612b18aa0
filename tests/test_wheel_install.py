"""The package as users install it: a wheel, in a fresh venv, run from an empty folder.

Builds the wheel from a copy of the source tree, checks what it would put into
site-packages (one top-level package, `newswatch`, with its SQL and the demo site),
installs it with constraints.txt into a new venv (from the package index), and runs
`newswatch demo` in an empty temporary folder with that venv's command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
_NOT_SOURCE = shutil.ignore_patterns(
    ".venv*", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
    ".hypothesis", ".ci-home", "*.duckdb", "*.duckdb.wal", "*.lock",
)  # fmt: skip


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "newswatch"
    shutil.copytree(REPO, source, symlinks=True, ignore=_NOT_SOURCE)
    dist = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(source)],
        timeout=300,
    )  # fmt: skip
    [built] = dist.glob("newswatch-*.whl")
    return built


def test_the_wheel_installs_one_top_level_package_with_its_data(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top_level = {
        name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")
    }
    assert top_level == {"newswatch"}
    for package in ("flows", "sources", "extractors", "storage", "alerts", "demo"):
        assert f"newswatch/{package}/__init__.py" in names or package == "demo"
    for data in (
        "newswatch/storage/schema.sql",
        "newswatch/storage/views.sql",
        "newswatch/demo/site/feed.xml",
    ):
        assert data in names, data
    assert any(n.startswith("newswatch/demo/") and n.endswith(".toml") for n in names)


# Installing ~150 packages into a new venv, then the demo: minutes on a busy machine.
@pytest.mark.timeout(1500)
def test_the_installed_command_runs_the_demo_from_an_empty_folder(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(REPO / "constraints.txt"), str(wheel)],
        timeout=900,
    )  # fmt: skip
    # Nothing generic at the top of site-packages: the old top-level names do not import.
    probe = _run(
        [str(python), "-c",
         "import importlib.util as u, importlib.metadata as m; "
         "print(sorted(n for n in ('storage', 'flows', 'sources', 'extractors', 'alerts') if u.find_spec(n))); "
         "print(m.distribution('newswatch').read_text('top_level.txt').split())"],
        cwd=tmp_path,
    )  # fmt: skip
    assert probe.stdout.splitlines() == ["[]", "['newswatch']"]

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home"), "NEWSWATCH_PROGRESS": "0"}
    for var in ("PREFECT_API_URL", "PREFECT_HOME", "SLACK_WEBHOOK_URL", "NEWSWATCH_SMTP_URL",
                "NEWSWATCH_EMAIL_TO", "NEWSWATCH_APPRISE_URLS", "PYTHONPATH", "NEWSWATCH_DB"):  # fmt: skip
        env.pop(var, None)
    demo = subprocess.run(
        [str(venv / "bin" / "newswatch"), "demo"],
        capture_output=True, text=True, env=env, cwd=empty, timeout=600,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "Traceback" not in demo.stdout + demo.stderr
    assert "event(s)" in demo.stdout
    assert sorted(p.name for p in empty.iterdir() if p.suffix == ".duckdb") == [
        "newswatch-demo.duckdb",
        "newswatch-demo.read.duckdb",
    ]
