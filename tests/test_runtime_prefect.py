"""Which Prefect a command talks to: the user's own set-up wins; newswatch's only when none.

Each case runs in a fresh interpreter (Prefect reads its settings once per process) with
HOME pointing at a temporary folder, so `~/.prefect/profiles.toml` is the test's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# A fresh interpreter per case, each importing Prefect: end-to-end by the marker's definition.
pytestmark = pytest.mark.slow

_PROBE = """
import json, os
from newswatch.runtime import configure_prefect_env
from prefect.settings import get_current_settings
api = configure_prefect_env()
s = get_current_settings()
print(json.dumps({"api": api, "home": str(s.home), "env_home": os.environ.get("PREFECT_HOME"),
                  "logging": s.logging.level}))
"""


def probe(tmp_path: Path, profiles: str | None = None, **env: str) -> dict[str, str | None]:
    if profiles is not None:
        (tmp_path / ".prefect").mkdir(exist_ok=True)
        (tmp_path / ".prefect" / "profiles.toml").write_text(profiles)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSWATCH_"))}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "HOME": str(tmp_path), "NEWSWATCH_HOME": str(tmp_path / "nw"), **env},
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_nothing_configured_puts_prefects_state_under_newswatchs_home(tmp_path: Path) -> None:
    found = probe(tmp_path)
    assert found["api"] is None
    assert found["home"] == found["env_home"] == str(tmp_path / "nw" / "prefect")


def test_a_server_url_in_the_users_profile_is_used_and_their_home_kept(tmp_path: Path) -> None:
    profiles = 'active = "mine"\n\n[profiles.mine]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n'
    found = probe(tmp_path, profiles)
    assert found["api"] == "http://127.0.0.1:9/api"
    assert found["env_home"] is None
    assert found["home"] == str(tmp_path / ".prefect")


def test_the_environment_api_url_is_used(tmp_path: Path) -> None:
    found = probe(tmp_path, PREFECT_API_URL="http://127.0.0.1:8/api")
    assert (found["api"], found["env_home"]) == ("http://127.0.0.1:8/api", None)


def test_an_explicit_prefect_home_is_left_alone(tmp_path: Path) -> None:
    found = probe(tmp_path, PREFECT_HOME=str(tmp_path / "mine"))
    assert found["api"] is None
    assert found["home"] == found["env_home"] == str(tmp_path / "mine")


def test_a_profile_without_a_server_keeps_its_other_settings(tmp_path: Path) -> None:
    profiles = 'active = "quiet"\n\n[profiles.quiet]\nPREFECT_LOGGING_LEVEL = "WARNING"\n'
    found = probe(tmp_path, profiles)
    assert found["api"] is None
    assert found["home"] == str(tmp_path / "nw" / "prefect")
    assert found["logging"] == "WARNING"
