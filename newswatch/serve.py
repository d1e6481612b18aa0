"""`newswatch serve`: the monitor flow on cron schedules, several watches in one process.

Prefect schedules nothing on its temporary API, so without PREFECT_API_URL we start a
private Prefect server on loopback (data under newswatch's own PREFECT_HOME), wait until
it is healthy, serve, and stop it on exit. With PREFECT_API_URL set, that server is used.

Processes: this one supervises; the Prefect server and the Runner (which starts one
process per flow run) each run in a session of their own, so a Ctrl-C in the terminal
reaches only the supervisor, which asks the Runner to drain. On Linux both die with the
supervisor even when it is killed outright (PR_SET_PDEATHSIG).

Shutdown (SIGTERM or SIGINT): Prefect's Runner, left to itself, cancels every run in
flight at once (SIGTERM to the run's process, SIGKILL after 30 s, state Cancelled). We
drain instead: stop taking new runs, give runs in flight up to NEWSWATCH_SERVE_GRACE
seconds to finish, and only then let the Runner cancel what is left. A cancelled run is
stopped between two statements: its open transaction rolls back, and the next run marks
it abandoned and redoes its work. A second signal skips the wait.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
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
# Child processes of `serve` are this module run with `python -m newswatch.serve`.
_CHILD = (sys.executable, "-m", "newswatch.serve")
# SIGTERM, then this long before SIGKILL, for the private server's process group.
SERVER_STOP_GRACE = 20.0
# Prefect's own cancel gives a run process 30 s between SIGTERM and SIGKILL; beyond this
# the API is taken as gone and the Runner ends its run processes itself.
RUNNER_STOP_TIMEOUT = 45.0
RUN_PROCESS_STOP_GRACE = 10.0
# uvicorn's exit code when start-up fails, and how often a temporary server is tried.
_UVICORN_STARTUP_FAILED = 3
_PORT_ATTEMPTS = 5


class PrefectServerError(RuntimeError):
    """A Prefect server we started did not come up."""


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
            raise PrefectServerError(f"the Prefect server exited early with code {proc.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise PrefectServerError(f"the Prefect server did not become healthy within {timeout:.0f}s")


def _start_dying_child(
    command: Sequence[str], env: dict[str, str], log_path: Path, *, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """Start `command` (output appended to `log_path`) so that it dies with this process."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [*_CHILD, "exec", str(os.getpid()), *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=new_session,
        )


@contextmanager
def private_prefect_server(home: Path | None = None) -> Iterator[str]:
    """A Prefect server on 127.0.0.1 for the `with` block; yields its API URL.

    Its data lives under `home` (default: $PREFECT_HOME); it runs in its own process
    group, stopped as a whole on exit, and its output goes to `<home>/server.log`. On
    Linux it also dies with the thread that started it, so enter this from a thread that
    outlives the block (the main thread).
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
    command = [*PREFECT_SERVER_START, "--host", "127.0.0.1", "--port", str(port)]
    # Its own process group, so we can stop all of it.
    proc = _start_dying_child(command, env, home / "server.log", new_session=True)
    try:
        wait_for_health(api_url, SERVER_START_TIMEOUT, proc)
        yield api_url
    finally:
        stop_process_group(proc)


@contextmanager
def temporary_prefect_api() -> Iterator[None]:
    """Give the `with` block a Prefect API: PREFECT_API_URL if set, else a temporary one.

    The temporary server is the one Prefect itself would start (uvicorn, no UI), but
    started by us so that it dies with this process: Prefect's own outlives a SIGKILLed
    `newswatch run` (about 250 MB, until reboot).
    """
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None, "prefect is a dependency"
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    home = Path(os.environ["PREFECT_HOME"])
    app_dir = str(Path(spec.origin).parent.parent)
    for _attempt in range(_PORT_ATTEMPTS):
        port = _free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        command = [
            sys.executable, "-m", "uvicorn",
            "--app-dir", app_dir,
            "--factory", "prefect.server.api.server:create_app",
            "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on",
        ]  # fmt: skip
        proc = _start_dying_child(command, env, home / "temporary-server.log")
        try:
            wait_for_health(api_url, SERVER_START_TIMEOUT, proc)
            break
        except PrefectServerError:
            # uvicorn exits 3 when start-up fails: another process took the port between
            # our probe and its bind, or another run's server was migrating a fresh
            # database at the same moment. Both pass on a second try, as in Prefect.
            if proc.poll() != _UVICORN_STARTUP_FAILED:
                _stop_child(proc)
                raise
    else:
        raise PrefectServerError(
            f"the temporary Prefect server failed to start {_PORT_ATTEMPTS} times; "
            f"see {home / 'temporary-server.log'}"
        )
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            try:
                yield
            finally:
                _drain_prefect_workers()
    finally:
        _stop_child(proc)


def _drain_prefect_workers() -> None:
    # Prefect sends logs and events from background workers that it drains at exit;
    # by then this server is gone ("Error logging to API"). Drain them while it is up.
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with suppress(Exception):  # a failed drain loses log lines, never the run
            worker.drain_all(timeout=5)


def _stop_child(proc: subprocess.Popen[bytes]) -> None:
    # In our process group, as Prefect's own server would be, so whoever stops the group
    # (a terminal's Ctrl-C, systemd, a test harness) stops it too.
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
            if not self.started:
                return
            try:
                # astop cancels leftover runs through the API; without an answering API
                # (the server died with a killed supervisor) it would retry for ever.
                await asyncio.wait_for(self.astop(), RUNNER_STOP_TIMEOUT)
            except Exception:
                print(
                    "newswatch serve: the Prefect API does not answer; "
                    "ending the run processes directly",
                    flush=True,
                )
                _end_own_process_group()

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
            await self._stop_now()

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


def _end_own_process_group() -> None:
    """Last resort of the Runner process: SIGTERM, then SIGKILL, its whole group (itself too).

    The Runner leads a session of its own; its run processes and their Dask workers are
    in its process group, so nothing outlives it.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with suppress(ProcessLookupError):
        os.killpg(0, signal.SIGTERM)
    time.sleep(RUN_PROCESS_STOP_GRACE)
    os.killpg(0, signal.SIGKILL)


def _deployments(planned: Sequence[ServedWatch], db_path: str) -> list[Any]:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from newswatch.flows.monitor import monitor

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


def _run_runner(planned: Sequence[ServedWatch], db_path: str, api_url: str) -> None:
    """The Runner process: register one deployment per watch and serve until told to stop."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    os.environ["PREFECT_API_URL"] = api_url  # for the run processes the Runner starts
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        runner = _newswatch_runner(DRAIN_SECONDS)
        deployments = _deployments(planned, db_path)  # sync: to_deployment dispatches

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


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel SIGTERM this process (and what it execs) when its parent dies."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the line above
        sys.exit(1)


def _child_main(argv: Sequence[str]) -> int:
    """`exec PARENT CMD...` (die with PARENT, then exec CMD) or `runner PARENT PLAN_JSON`."""
    kind, parent = argv[0], int(argv[1])
    _die_with_parent(parent)
    if kind == "exec":
        os.execv(argv[2], list(argv[2:]))
    plan = json.loads(argv[2])
    _run_runner([ServedWatch(**w) for w in plan["watches"]], plan["db_path"], plan["api_url"])
    return 0


class _Stop(Exception):
    """A stop signal arrived before the Runner was started."""


def _supervise(planned: Sequence[ServedWatch], db_path: str, api_url: str) -> int:
    """Run the Runner in its own session; forward stop signals to it; wait for it."""
    ui_url = os.environ.get("PREFECT_UI_URL") or api_url.removesuffix("/api")
    print(f"newswatch serve: Prefect UI at {ui_url}", flush=True)
    plan = {
        "watches": [asdict(w) for w in planned],
        "db_path": str(Path(db_path).resolve()),
        "api_url": api_url,
    }
    runner = subprocess.Popen(
        [*_CHILD, "runner", str(os.getpid()), json.dumps(plan)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # out of the terminal's process group: Ctrl-C is ours
    )

    def forward(signum: int, frame: object) -> None:
        # Each signal becomes one SIGTERM to the Runner: the first drains, the second
        # cancels the runs still in flight.
        with suppress(ProcessLookupError):
            os.kill(runner.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        return runner.wait()
    finally:
        if runner.poll() is None:  # we are leaving on an error of our own
            stop_process_group(runner, grace=DRAIN_SECONDS)


def serve_watches(watch_files: Sequence[str], *, db_path: str, cron: str | None) -> int:
    """Serve the watches until SIGINT/SIGTERM; returns the exit code.

    Raises `ServeError` for a bad cron expression or two watches with one name.
    """
    planned = plan_watches(watch_files, cron)

    def stop(signum: int, frame: object) -> None:
        raise _Stop

    # Until the Runner runs, a signal unwinds (stopping the private server on the way).
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        external = os.environ.get("PREFECT_API_URL")
        if external:
            code = _supervise(planned, db_path, external)
        else:
            print("newswatch serve: starting a private Prefect server on 127.0.0.1", flush=True)
            with private_prefect_server() as api_url:
                code = _supervise(planned, db_path, api_url)
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    print("newswatch serve: stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
