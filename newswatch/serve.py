"""`newswatch serve`: the monitor flow on cron schedules.

Prefect schedules nothing on its temporary API, so without PREFECT_API_URL we start a
private Prefect server on loopback as a child process (data under newswatch's own
PREFECT_HOME), wait until it is healthy, serve, and stop it on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from newswatch.config import load_watch

# First start migrates a fresh database: 20-40 s was seen here; allow for a slow machine.
SERVER_START_TIMEOUT = float(os.environ.get("NEWSWATCH_SERVER_START_TIMEOUT", "180"))
DEFAULT_CRON = "*/30 * * * *"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_health(
    api_url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll `<api>/health` until it answers 200; raise if the server dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the Prefect server exited early with code {proc.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not become healthy within {timeout:.0f}s")


@contextmanager
def private_prefect_server() -> Iterator[str]:
    """A Prefect server on 127.0.0.1 for this process's lifetime; yields its API URL."""
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = Path(os.environ["PREFECT_HOME"]) / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_UI_ENABLED": "true", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group, so we can stop all of it
        )
    try:
        wait_for_health(api_url, SERVER_START_TIMEOUT, proc)
        yield api_url
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def _serve(watch_files: Sequence[str], db_path: str, cron: str | None) -> None:
    from prefect import serve
    from prefect.deployments.runner import RunnerDeployment

    from flows.monitor import monitor

    deployments: list[RunnerDeployment] = []
    for path in watch_files:
        watch = load_watch(path)
        schedule = cron or watch.runtime.cron or DEFAULT_CRON
        deployment = monitor.to_deployment(
            name=watch.name,
            cron=schedule,
            parameters={
                "watch_path": str(Path(path).resolve()),
                "db_path": str(Path(db_path).resolve()),
            },
            concurrency_limit=1,  # overlapping runs of one watch never write at once
            description=watch.description or f"newswatch watch {watch.name}",
        )
        assert isinstance(deployment, RunnerDeployment)  # sync context: never a coroutine
        deployments.append(deployment)
        print(f"serving watch {watch.name} on cron '{schedule}'", flush=True)
    serve(*deployments, pause_on_shutdown=False)


def serve_watches(watch_files: Sequence[str], *, db_path: str, cron: str | None) -> int:
    """Serve the watches until SIGINT/SIGTERM; returns the exit code."""

    def _graceful(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _graceful)
    try:
        if os.environ.get("PREFECT_API_URL"):
            _serve(watch_files, db_path, cron)
            return 0
        with private_prefect_server() as api_url:
            os.environ["PREFECT_API_URL"] = api_url
            ui = api_url.removesuffix("/api")
            print(f"Prefect UI of the private server: {ui}", flush=True)
            _serve(watch_files, db_path, cron)
    except KeyboardInterrupt:
        print("newswatch serve: stopping", flush=True)
    return 0
