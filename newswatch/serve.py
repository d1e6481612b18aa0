"""`newswatch serve`: the monitor flow on cron schedules, several watches in one process.

Prefect schedules nothing on its temporary API, so when the user's Prefect settings name
no API (no PREFECT_API_URL, no profile with one, no Cloud login) we start a private Prefect
server on loopback, wait until it is healthy, serve, and stop it on exit. Otherwise the
configured server (or Prefect Cloud) is used. Only Prefect's public API is used: the
`prefect server start` CLI, `flow.to_deployment`, `Runner.aadd_deployment/start`, and the
client's flow-run queries and `pause_deployment`.

Processes: this one supervises; the Prefect server and the Runner (which starts one
process per flow run) each run in a session of their own, so a Ctrl-C in the terminal
reaches only the supervisor, which asks the Runner to drain. On Linux both die with the
supervisor even when it is killed outright (PR_SET_PDEATHSIG).

Shutdown (SIGTERM or SIGINT): Prefect's Runner, left to itself, cancels every run in
flight at once (SIGTERM to the run's process, SIGKILL after 30 s, state Cancelled). The
supervisor drains first: it pauses the watches' schedules (the server then drops their
scheduled runs; the next `serve` resumes them), gives runs in flight up to
NEWSWATCH_SERVE_GRACE seconds to finish, and only then sends the Runner SIGTERM, so it
cancels only what is left. A cancelled run is
stopped between two statements: its open transaction rolls back, and the next run marks
it abandoned and redoes its work. A second signal skips the wait.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
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
# the API is taken as gone and the supervisor ends the Runner's whole process group.
RUNNER_STOP_TIMEOUT = 45.0
RUN_PROCESS_STOP_GRACE = 10.0
# How often a temporary server is tried (a port taken between probe and bind).
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


def _server_command(port: int, *, ui: bool) -> list[str]:
    """`prefect server start` on loopback, through Prefect's public CLI."""
    return [
        *PREFECT_SERVER_START,
        "--host", "127.0.0.1", "--port", str(port),
        "--analytics-off", "--no-late-runs", "--ui" if ui else "--no-ui",
    ]  # fmt: skip


@contextmanager
def private_prefect_server(home: Path | None = None) -> Iterator[str]:
    """A Prefect server (with its UI) on 127.0.0.1 for the `with` block; yields its API URL.

    Its data lives under `home` (default: the Prefect home in force); it runs in its own
    process group, stopped as a whole on exit, and its output goes to `<home>/server.log`.
    On Linux it also dies with the thread that started it, so enter this from a thread
    that outlives the block (the main thread).
    """
    from newswatch.runtime import prefect_home

    home = home or prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    # Its own process group, so we can stop all of it.
    proc = _start_dying_child(
        _server_command(port, ui=True), env, home / "server.log", new_session=True
    )
    try:
        wait_for_health(api_url, SERVER_START_TIMEOUT, proc)
        yield api_url
    finally:
        stop_process_group(proc)


@contextmanager
def temporary_prefect_api() -> Iterator[None]:
    """Give the `with` block a Prefect API: the configured one, else a temporary server.

    The temporary server (`prefect server start --no-services --no-ui`, data under the
    Prefect home in force) is started by us so that it dies with this process: the one
    Prefect starts by itself outlives a SIGKILLed `newswatch run` (about 250 MB, until
    reboot). It has no UI and is gone when the block ends, so no "View at" link is
    printed for it.
    """
    from newswatch.runtime import configured_api_url, prefect_home

    if configured_api_url():
        yield
        return
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home)}
    for _attempt in range(_PORT_ATTEMPTS):
        port = _free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        command = [*_server_command(port, ui=False), "--no-services"]
        proc = _start_dying_child(command, env, home / "temporary-server.log")
        try:
            wait_for_health(api_url, SERVER_START_TIMEOUT, proc)
            break
        except PrefectServerError:
            # Start-up fails when another process took the port between our probe and
            # its bind, or another run's server was migrating a fresh database at the
            # same moment. Both pass on a second try, as in Prefect.
            if proc.poll() is None:
                _stop_child(proc)
                raise
    else:
        raise PrefectServerError(
            f"the temporary Prefect server failed to start {_PORT_ATTEMPTS} times; "
            f"see {home / 'temporary-server.log'}"
        )
    try:
        from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

        # An empty UI URL: Prefect then prints no link to a server about to vanish.
        with temporary_settings(updates={PREFECT_API_URL: api_url, PREFECT_UI_URL: ""}):
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
            # A stopping `serve` pauses its schedules (see _drain); serving again resumes them.
            paused=False,
        )
        for w in planned
    ]


def _run_runner(planned: Sequence[ServedWatch], db_path: str, api_url: str) -> None:
    """The Runner process: register one deployment per watch and serve until SIGTERM.

    Prefect's own Runner, through its public methods; on SIGTERM it cancels what is
    still running and returns. The draining happens in the supervisor, before that.
    """
    from prefect.runner import Runner
    from prefect.settings import PREFECT_API_URL, temporary_settings

    os.environ["PREFECT_API_URL"] = api_url  # for the run processes the Runner starts
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        runner = Runner(name=f"newswatch-serve-{os.getpid()}", pause_on_shutdown=False)
        deployments = _deployments(planned, db_path)  # sync: to_deployment dispatches

        async def main() -> None:
            for deployment in deployments:
                await runner.aadd_deployment(deployment)
            for w in planned:
                print(f"newswatch serve: watch {w.name} on cron '{w.cron}' (UTC)", flush=True)
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


class _ServedRuns:
    """What the supervisor asks the Prefect API about the served watches' flow runs."""

    def __init__(self, planned: Sequence[ServedWatch], api_url: str) -> None:
        from newswatch.flows.monitor import monitor

        self.api_url = api_url
        self.names = {f"{monitor.name}/{w.name}": w.name for w in planned}
        self.watch_by_deployment: dict[str, str] = {}

    @contextmanager
    def _client(self) -> Iterator[Any]:
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # Settings are context variables, which threads do not inherit: set them here.
        with (
            temporary_settings(updates={PREFECT_API_URL: self.api_url}),
            get_client(sync_client=True) as client,
        ):
            yield client

    def deployment_ids(self, client: Any) -> list[Any]:
        """The served deployments' ids (once the Runner has registered them)."""
        from prefect.exceptions import ObjectNotFound

        for full_name, watch in self.names.items():
            if watch in self.watch_by_deployment.values():
                continue
            with suppress(ObjectNotFound):
                deployment = client.read_deployment_by_name(full_name)
                self.watch_by_deployment[str(deployment.id)] = watch
        return list(self.watch_by_deployment)

    def runs(self, client: Any, states: Sequence[str]) -> list[Any]:
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterId,
            FlowRunFilter,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType

        ids = self.deployment_ids(client)
        if not ids:
            return []
        return list(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(
                        type=FlowRunFilterStateType(any_=[StateType(s) for s in states])
                    )
                ),
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids)),
            )
        )

    def in_flight(self) -> int:
        """Runs of the served watches that are pending or running."""
        with self._client() as client:
            return len(self.runs(client, ["PENDING", "RUNNING", "CANCELLING"]))

    def pause(self) -> None:
        """Pause the schedules: the server creates no new runs and drops scheduled ones."""
        with self._client() as client:
            for deployment_id in self.deployment_ids(client):
                client.pause_deployment(deployment_id)

    def report_skipped(self, stop: threading.Event, every: float = 2.0) -> None:
        """Print one line per run the server refused (never started), naming the watch.

        Prefect logs a refused run only by its id ("Aborted submission of flow run
        '<uuid>'"); this says which watch it was and why.
        """
        seen: set[str] | None = None
        while not stop.wait(every):
            try:
                with self._client() as client:
                    refused = [r for r in self.runs(client, ["CANCELLED"]) if r.run_count == 0]
            except Exception:  # the API may be starting or stopping; ask again later
                continue
            fresh = [r for r in refused if seen is not None and str(r.id) not in seen]
            seen = (seen or set()) | {str(r.id) for r in refused}
            for run in fresh:
                watch = self.watch_by_deployment.get(str(run.deployment_id), "?")
                state = run.state
                reason = f"{state.name}: {state.message or 'no reason given'}" if state else "?"
                if "concurrency" in reason.lower():
                    reason += " (the previous run of this watch is still going)"
                print(
                    f"newswatch serve: skipped run '{run.name}' of watch {watch}: {reason}",
                    flush=True,
                )


def _drain(runner: subprocess.Popen[bytes], served: _ServedRuns, grace: float) -> None:
    """Stop taking runs, let runs in flight finish (up to `grace` s), then stop the Runner.

    Prefect's Runner, left to itself, cancels every run in flight at once on SIGTERM.
    """
    try:
        served.pause()
        waiting = served.in_flight()
    except Exception as exc:  # no answering API: nothing to wait for through it
        print(f"newswatch serve: the Prefect API does not answer ({exc})", flush=True)
        waiting = 0
    if waiting:
        print(
            f"newswatch serve: stopping; waiting up to {grace:.0f}s for "
            f"{waiting} run(s) in flight to finish (signal again to cancel them)",
            flush=True,
        )
        deadline = time.monotonic() + grace
        left = waiting
        while left and time.monotonic() < deadline and runner.poll() is None:
            time.sleep(0.5)
            with suppress(Exception):
                left = served.in_flight()
        if left and runner.poll() is None:
            print(
                f"newswatch serve: {left} run(s) still running after {grace:.0f}s; "
                "cancelling them (open transactions roll back, the next run redoes them)",
                flush=True,
            )
        elif not left:
            print("newswatch serve: runs in flight finished; stopping", flush=True)
    _stop_runner(runner)


def _stop_runner(runner: subprocess.Popen[bytes]) -> None:
    """SIGTERM the Runner (it cancels what still runs); end its group if it hangs."""
    with suppress(ProcessLookupError):
        os.kill(runner.pid, signal.SIGTERM)
    try:
        runner.wait(timeout=RUNNER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # Cancelling goes through the API; without one the Runner would retry for ever.
        print(
            "newswatch serve: the Runner does not stop; ending its run processes directly",
            flush=True,
        )
        stop_process_group(runner, grace=RUN_PROCESS_STOP_GRACE)


def _supervise(planned: Sequence[ServedWatch], db_path: str, api_url: str) -> int:
    """Run the Runner in its own session; drain on the first stop signal; wait for it."""
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
    signals: queue.SimpleQueue[int] = queue.SimpleQueue()
    signal.signal(signal.SIGTERM, lambda signum, frame: signals.put(signum))
    signal.signal(signal.SIGINT, lambda signum, frame: signals.put(signum))
    stop_reporting = threading.Event()
    served = _ServedRuns(planned, api_url)
    reporter = threading.Thread(target=served.report_skipped, args=(stop_reporting,), daemon=True)
    reporter.start()
    drainer: threading.Thread | None = None
    try:
        while runner.poll() is None:
            try:
                signals.get(timeout=0.5)
            except queue.Empty:
                continue
            if drainer is None:
                stop_reporting.set()
                drainer = threading.Thread(
                    target=_drain, args=(runner, served, DRAIN_SECONDS), daemon=True
                )
                drainer.start()
            else:
                print("newswatch serve: second signal, cancelling runs in flight", flush=True)
                _stop_runner(runner)
        if drainer is not None:
            drainer.join(timeout=RUNNER_STOP_TIMEOUT)
        return runner.wait()
    finally:
        stop_reporting.set()
        if runner.poll() is None:  # we are leaving on an error of our own
            stop_process_group(runner, grace=DRAIN_SECONDS)


def serve_watches(
    watch_files: Sequence[str], *, db_path: str, cron: str | None, api_url: str | None
) -> int:
    """Serve the watches until SIGINT/SIGTERM; returns the exit code.

    `api_url` is the configured Prefect API; None starts a private server. Raises
    `ServeError` for a bad cron expression or two watches with one name.
    """
    planned = plan_watches(watch_files, cron)

    def stop(signum: int, frame: object) -> None:
        raise _Stop

    # Until the Runner runs, a signal unwinds (stopping the private server on the way).
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        if api_url:
            code = _supervise(planned, db_path, api_url)
        else:
            print("newswatch serve: starting a private Prefect server on 127.0.0.1", flush=True)
            with private_prefect_server() as private_url:
                code = _supervise(planned, db_path, private_url)
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    print("newswatch serve: stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
