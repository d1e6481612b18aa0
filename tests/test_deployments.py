"""deployments/prefect.yaml deploys with the Prefect CLI, and a process worker runs it.

The commands a user types (README "Running on a Prefect server"): create a process work
pool, `prefect deploy --prefect-file deployments/prefect.yaml --all` from the repository
root, run the deployment with parameters pointing at a loopback feed, and let one
`prefect worker start --run-once` execute it. The worker starts outside the repository
and without NEWSWATCH_ROOT, so the pull step has to find the checkout on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newswatch.serve import private_prefect_server
from tests.support.loopback import LoopbackServer
from tests.support.newssite import (
    NewsSite,
    kill_processes,
    processes_with_env,
    read_runs,
    write_watch,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PREFECT = (sys.executable, "-m", "prefect")
DEPLOYMENT = "newswatch-monitor/trump-putin"


@pytest.fixture
def prefect_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    home = tmp_path / "prefect-home"
    with private_prefect_server(home) as api_url:
        env = {
            **os.environ,
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "NEWSWATCH_HOME": str(tmp_path / "newswatch-home"),
        }
        for unwanted in ("NEWSWATCH_ROOT", "SLACK_WEBHOOK_URL", "NEWSWATCH_SMTP_URL"):
            env.pop(unwanted, None)
        try:
            yield env
        finally:
            kill_processes(*processes_with_env("NEWSWATCH_HOME", env["NEWSWATCH_HOME"]))


def api_call(method: str, url: str, **kwargs: object) -> httpx.Response:
    """One request to the Prefect API, retried on 503 as Prefect's own client does: the
    server answers 503 while its SQLite database is locked by a busy moment elsewhere."""
    for _ in range(20):
        response = httpx.request(method, url, timeout=10, **kwargs)  # type: ignore[arg-type]
        if response.status_code != 503:
            return response.raise_for_status()
        time.sleep(0.5)
    return response.raise_for_status()


def prefect(env: dict[str, str], *args: str, cwd: Path = REPO, timeout: float = 120) -> str:
    """Run the Prefect CLI in its own process group; fail the test with its output."""
    proc = subprocess.Popen(
        [*PREFECT, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        kill_processes(proc.pid)  # a run-once worker leaves nothing behind either way
        proc.wait()
    assert proc.returncode == 0, f"prefect {' '.join(args)} failed:\n{out[-4000:]}"
    return out


def test_prefect_yaml_deploys_and_a_process_worker_runs_it(
    tmp_path: Path, prefect_env: dict[str, str], loopback: LoopbackServer
) -> None:
    api = prefect_env["PREFECT_API_URL"]
    site = NewsSite(loopback)
    site.add_stories(3)
    watch = write_watch(tmp_path / "watch.toml", site.feed_url, name="deployed")
    db = tmp_path / "deployed.duckdb"

    prefect(prefect_env, "work-pool", "create", "newswatch", "--type", "process")
    prefect(
        prefect_env, "--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--all"
    )
    deployment = api_call("GET", f"{api}/deployments/name/{DEPLOYMENT}").json()
    assert deployment["work_pool_name"] == "newswatch"
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "*/30 * * * *"
    # No half-hour tick may run the bundled watch against the real sources meanwhile.
    api_call(
        "PATCH",
        f"{api}/deployments/{deployment['id']}/schedules/{schedule['id']}",
        json={"active": False},
    )

    prefect(
        prefect_env,
        "deployment",
        "run",
        DEPLOYMENT,
        "--param",
        f"watch_path={watch}",
        "--param",
        f"db_path={db}",
    )
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    prefect(
        prefect_env,
        "worker",
        "start",
        "--pool",
        "newswatch",
        "--run-once",
        cwd=worker_dir,
        timeout=240,
    )

    runs = api_call(
        "POST",
        f"{api}/flow_runs/filter",
        json={"deployments": {"id": {"any_": [deployment["id"]]}}},
    ).json()
    assert [r["state_type"] for r in runs] == ["COMPLETED"]
    assert [status for _, status in read_runs(db)] == ["completed"]
    assert not (worker_dir / "newswatch.duckdb").exists()
