"""`newswatch serve`: the monitor flow on cron schedules, several watches in one process.

Prefect schedules nothing on its temporary API, so without PREFECT_API_URL we start a
private Prefect server on loopback as a child process (data under newswatch's own
PREFECT_HOME), wait until it is healthy, serve, and stop it on exit. With PREFECT_API_URL
set, that server is used and nothing else is started.

Shutdown (SIGTERM or SIGINT): Prefect's Runner, left to itself, cancels every run in
flight at once (SIGTERM to the run's process, SIGKILL after 30 s, state Cancelled). We
drain instead: stop taking new runs, give runs in flight up to NEWSWATCH_SERVE_GRACE
seconds to finish, and only then let the Runner cancel what is left. A cancelled run is
stopped between two statements: its open transaction rolls back, and the next run marks
it abandoned and redoes its work. A second signal skips the wait.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from newswatch.config import load_watch

# First start migrates a fresh database: 20-40 s was seen here; allow for a slow machine.
SERVER_START_TIMEOUT = float(os.environ.get("NEWSWATCH_SERVER_START_TIMEOUT", "180"))
# Used when neither --cron nor the watch's [runtime] cron says when to run.
DEFAULT_CRON = "*/30 * * * *"
# How long a stopping `serve` lets runs in flight finish. A run of the bundled watch
# (≤ 200 pages at the default politeness) takes 1-2 minutes; systemd's default stop
# timeout is 90 s, so longer waits need TimeoutStopSec raised as well.
DRAIN_SECONDS = float(os.environ.get("NEWSWATCH_SERVE_GRACE", "120"))
PREFECT_SERVER_START = (sys.executable, "-m", "prefect", "server", "start")
# SIGTERM, then this long before SIGKILL, for the private server's process group.
SERVER_STOP_GRACE = 20.0


class ServeError(ValueError):
    """The watches cannot be served as asked (bad cron, two watches with one name)."""


@dataclass(frozen=True)
class ServedWatch:
    """One watch to serve: a deployment named after the watch, on its cron schedule."""

    name: str
    watch_path: str
    cron: str
    description: str


def plan_watches(watch_files: Sequence[str], cron: str | None) -> list[ServedWatch]:
    """Resolve each watch's schedule (--cron, else its [runtime] cron, else the default)."""
    from prefect.client.schemas.schedules import CronSchedule

    planned: dict[str, ServedWatch] = {}
    for path in watch_files:
        watch = load_watch(path)
        schedule = cron or watch.runtime.cron or DEFAULT_CRON
        try:
            CronSchedule(cron=schedule)
        except ValueError:
            raise ServeError(f"{path}: '{schedule}' is not a valid cron expression") from None
        if watch.name in planned:
            raise ServeError(
                f"{path}: watch name '{watch.name}' is already served from "
                f"{planned[watch.name].watch_path}; watch names must differ"
            )
        planned[watch.name] = ServedWatch(
            name=watch.name,
            watch_path=str(Path(path).resolve()),
            cron=schedule,
            description=watch.description or f"newswatch watch {watch.name}",
        )
    return list(planned.values())


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
def private_prefect_server(home: Path | None = None) -> Iterator[str]:
    """A Prefect server on 127.0.0.1 for the `with` block; yields its API URL.

    Its data lives under `home` (default: $PREFECT_HOME); it runs in its own process
    group, stopped as a whole on exit, and its output goes to `<home>/server.log`.
    """
    home = home or Path(os.environ["PREFECT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    with open(home / "server.log", "ab") as log:
        proc = subprocess.Popen(
            [*PREFECT_SERVER_START, "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group, so we can stop all of it
        )
    try:
        wait_for_health(api_url, SERVER_START_TIMEOUT, proc)
        yield api_url
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen[bytes], grace: float = SERVER_STOP_GRACE) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after `grace` seconds."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        proc.wait()
        return
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    # The leader may be gone while its children linger: sweep the whole group.
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _newswatch_runner(drain_seconds: float) -> Any:
    """A Prefect Runner that drains on SIGTERM/SIGINT and says which runs it skipped."""
    from prefect.client.orchestration import get_client
    from prefect.runner import Runner

    class NewswatchRunner(Runner):
        """Runner.handle_sigterm cancels runs in flight; this one lets them finish first."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.draining = False
            self.shutdown_tasks: list[asyncio.Task[None]] = []
            self.watch_by_deployment: dict[str, str] = {}

        async def __aenter__(self) -> Any:
            entered = await super().__aenter__()
            self._report_skipped_runs()
            return entered

        def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
            # A signal handler runs in the main thread, which is running the Runner's
            # event loop: schedule the shutdown there instead of blocking the loop.
            loop = asyncio.get_running_loop()
            if self.draining:
                print("newswatch serve: second signal, cancelling runs in flight", flush=True)
                self.shutdown_tasks.append(loop.create_task(self._stop_now()))
                return
            self.draining = True
            self.shutdown_tasks.append(loop.create_task(self._drain_then_stop(drain_seconds)))

        async def _stop_now(self) -> None:
            if self.started:
                await self.astop()

        def _runs_in_flight(self) -> int:
            # Prefect keeps no public count of its run processes; without the private
            # map (another Prefect version) we fall back to Prefect's own cancel-at-once.
            manager = getattr(self, "_process_manager", None)
            return len(manager.flow_run_ids()) if manager is not None else 0

        async def _drain_then_stop(self, grace: float) -> None:
            self.stopping = True  # the poller submits nothing new from here on
            poller = getattr(self, "_scheduled_run_poller", None)
            if poller is not None:
                poller.stopping = True
            waiting = self._runs_in_flight()
            if waiting:
                print(
                    f"newswatch serve: stopping; waiting up to {grace:.0f}s for "
                    f"{waiting} run(s) in flight to finish (signal again to cancel them)",
                    flush=True,
                )
            deadline = time.monotonic() + grace
            while self._runs_in_flight() and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            left = self._runs_in_flight()
            if left:
                print(
                    f"newswatch serve: {left} run(s) still running after {grace:.0f}s; "
                    "cancelling them (open transactions roll back, the next run redoes them)",
                    flush=True,
                )
            elif waiting:
                print("newswatch serve: runs in flight finished; stopping", flush=True)
            if self.started:
                await self.astop()

        def _report_skipped_runs(self) -> None:
            # Prefect logs a refused run only by its id ("Aborted submission of flow run
            # '<uuid>': Server returned a non-pending state 'CANCELLED'"); say which watch
            # it was and why. Without the private proposer this line is simply missing.
            proposer = getattr(self, "_state_proposer", None)
            propose = getattr(proposer, "propose_pending", None)
            if proposer is None or propose is None:
                return

            async def propose_pending(flow_run: Any) -> bool:
                accepted = bool(await propose(flow_run))
                if not accepted:
                    await self._say_skipped(flow_run)
                return accepted

            proposer.propose_pending = propose_pending

        async def _say_skipped(self, flow_run: Any) -> None:
            watch = self.watch_by_deployment.get(str(flow_run.deployment_id), "?")
            reason = "refused by the server"
            try:
                async with get_client() as client:
                    state = (await client.read_flow_run(flow_run.id)).state
                if state is not None:
                    reason = f"{state.name}: {state.message or 'no reason given'}"
            except Exception:  # the line matters more than its detail
                pass
            if "concurrency" in reason.lower():
                reason += " (the previous run of this watch is still going)"
            print(
                f"newswatch serve: skipped run '{flow_run.name}' of watch {watch}: {reason}",
                flush=True,
            )

    return NewswatchRunner(name=f"newswatch-serve-{os.getpid()}", pause_on_shutdown=False)


def _deployments(planned: Sequence[ServedWatch], db_path: str) -> list[Any]:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.monitor import monitor

    return [
        monitor.to_deployment(
            name=w.name,
            cron=w.cron,
            parameters={"watch_path": w.watch_path, "db_path": str(Path(db_path).resolve())},
            # One run of a watch at a time (DuckDB has one writer per file); a tick that
            # finds the previous run still going is skipped, not queued behind it.
            concurrency_limit=ConcurrencyLimitConfig(
                limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
            ),
            description=w.description,
            tags=["newswatch"],
        )
        for w in planned
    ]


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(planned: Sequence[ServedWatch], db_path: str, api_url: str) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # Prefect read its settings when first imported: the environment is for the run
    # processes the Runner starts, the settings context for this process.
    os.environ["PREFECT_API_URL"] = api_url
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        _serve_until_stopped(planned, db_path, api_url)


def _serve_until_stopped(planned: Sequence[ServedWatch], db_path: str, api_url: str) -> None:
    ui_url = os.environ.get("PREFECT_UI_URL") or api_url.removesuffix("/api")
    print(f"newswatch serve: Prefect UI at {ui_url}", flush=True)
    runner = _newswatch_runner(DRAIN_SECONDS)
    deployments = _deployments(planned, db_path)  # sync: to_deployment dispatches on context

    async def main() -> None:
        for w, deployment in zip(planned, deployments, strict=True):
            deployment_id = await runner.aadd_deployment(deployment)
            runner.watch_by_deployment[str(deployment_id)] = w.name
        for w in planned:
            print(f"newswatch serve: watch {w.name} on cron '{w.cron}' (UTC)", flush=True)
        # Runner.start installs handle_sigterm for SIGTERM; SIGINT gets the same drain.
        signal.signal(signal.SIGINT, runner.handle_sigterm)
        await runner.start()

    asyncio.run(main())


def serve_watches(watch_files: Sequence[str], *, db_path: str, cron: str | None) -> int:
    """Serve the watches until SIGINT/SIGTERM; returns the exit code.

    Raises `ServeError` for a bad cron expression or two watches with one name.
    """
    planned = plan_watches(watch_files, cron)
    # Until the Runner installs its own handlers, a signal simply unwinds (and stops the
    # private server through its context manager).
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        external = os.environ.get("PREFECT_API_URL")
        if external:
            _run(planned, db_path, external)
        else:
            print("newswatch serve: starting a private Prefect server on 127.0.0.1", flush=True)
            with private_prefect_server() as api_url:
                _run(planned, db_path, api_url)
    except KeyboardInterrupt:
        pass
    print("newswatch serve: stopped", flush=True)
    return 0
