"""The harness of the reliability tests.

Real parts only: `newswatch run` as a subprocess in its own process group (so a killed run
cannot leave a Prefect server behind in the test machine), the test corpus served on
loopback, a Slack webhook receiver on loopback and aiosmtpd on loopback, each of which
files what it receives under a per-scenario key so scenarios can run side by side.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from newswatch.extractors.fingerprint import BANDS
from tests.support.loopback import LoopbackServer, Reply, Request

REPO = Path(__file__).resolve().parents[2]
BUNDLED_WATCH = REPO / "deployments" / "watches" / "trump-putin.toml"
CHANNEL_VARIABLES = (
    "SLACK_WEBHOOK_URL",
    "NEWSWATCH_SMTP_URL",
    "NEWSWATCH_EMAIL_TO",
    "NEWSWATCH_EMAIL_FROM",
    "NEWSWATCH_APPRISE_URLS",
    "NEWSWATCH_KILL_AT",
    "NEWSWATCH_KILL_HIT",
    "PREFECT_API_URL",
)
# The alert ids a Slack payload shows: its fallback text ends with "[<id>]".
SLACK_ID = re.compile(r"\[([0-9a-f]{16})\]$")
# A Prefect server's first start migrates its SQLite database; a loaded CI box needs time.
SERVER_START_SECONDS = 180.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def corpus_watch(path: Path, feed_url: str, *, extra: str = "") -> Path:
    """The bundled watch's actors and events with one loopback RSS source (private hosts allowed)."""
    text = BUNDLED_WATCH.read_text()
    actors = text[text.index("[actors.trump]") :]
    path.write_text(
        f'name = "corpus"\n\n[[sources]]\nkind = "rss"\nname = "corpus-feed"\nurl = "{feed_url}"\n\n'
        + actors.replace("allow_private_hosts = false", "allow_private_hosts = true")
        + extra
    )
    return path


def cli_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a `newswatch` subprocess: no channel or fault variable leaks in
    from the developer's shell; Prefect's state lives under `home`."""
    env = {k: v for k, v in os.environ.items() if k not in CHANNEL_VARIABLES}
    env["NEWSWATCH_HOME"] = str(home)
    env.pop("PREFECT_HOME", None)
    env.update(extra or {})
    return env


@dataclass
class CliResult:
    """What one `newswatch` subprocess did."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def killed(self) -> bool:
        """True when the process died of SIGKILL (a fault point fired)."""
        return self.returncode == -signal.SIGKILL


@dataclass
class Started:
    """A `newswatch` process started by `start_newswatch`. Output goes to files, not pipes:
    a child it orphans (a temporary Prefect server after a kill) would hold a pipe open."""

    proc: subprocess.Popen[bytes]
    args: tuple[str, ...]
    stdout: Any
    stderr: Any
    started: float


def start_newswatch(*args: str, env: Mapping[str, str], cwd: Path | None = None) -> Started:
    """Start `python -m newswatch ARGS` in its own process group without waiting."""
    # Closed by `finish`, which reads them.
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswatch", *args],
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=err,
        env=dict(env),
        cwd=cwd or REPO,
        start_new_session=True,
    )
    return Started(proc, tuple(args), out, err, time.monotonic())


def finish(
    started: Started, timeout: float = 300.0, left_behind: list[str] | None = None
) -> CliResult:
    """Wait for a started process, then kill whatever is left in its group; the command
    lines of what was still running when the process ended go to `left_behind`."""
    proc = started.proc
    note = ""
    try:
        proc.wait(timeout=max(1.0, timeout - (time.monotonic() - started.started)))
        if left_behind is not None:
            time.sleep(1.0)  # a child shutting down with its parent gets a moment
            left_behind.extend(group_members(proc.pid))
    except subprocess.TimeoutExpired:
        note = f"\n[harness: timed out after {timeout:.0f}s]"
    finally:
        kill_group(proc.pid)
    proc.wait()

    def text(file: Any) -> str:
        file.seek(0)
        data = file.read().decode("utf-8", errors="replace")
        file.close()
        return str(data)

    return CliResult(
        started.args,
        proc.returncode,
        text(started.stdout),
        text(started.stderr) + note,
        time.monotonic() - started.started,
    )


def run_newswatch(
    *args: str, env: Mapping[str, str], timeout: float = 300.0, cwd: Path | None = None
) -> CliResult:
    """Run `python -m newswatch ARGS` in its own process group and wait; whatever it
    leaves behind (a temporary Prefect server orphaned by a kill) is killed with the group."""
    return finish(start_newswatch(*args, env=env, cwd=cwd), timeout)


def group_members(pgid: int) -> list[str]:
    """Command lines of the processes still running in a process group (Linux /proc).

    Zombies do not count: they have exited and only wait to be reaped (an orphan's by init).
    """
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            # fields: state, ppid, process group, ...
            if int(fields[2]) == pgid and fields[0] != "Z":
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append(cmdline.decode(errors="replace").strip())
        except (OSError, IndexError, ValueError):
            continue
    return found


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in a process group (ours, started with a new session)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def copy_database(source: Path, target: Path) -> Path:
    """Copy a closed DuckDB file (and its WAL, if a crash left one)."""
    shutil.copyfile(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}.wal"))
    return target


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A private Prefect API server (no background services) on loopback; yields its URL.

    Runs share it so each pays only its own start-up, not a temporary server's (10-25 s).
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = cli_env(home.parent)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    with open(home / "server.log", "ab") as log:
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
                "--no-services",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited early ({proc.returncode})")
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not start")
            time.sleep(0.3)
        yield api
    finally:
        kill_group(proc.pid)
        proc.wait(timeout=30)


@dataclass(frozen=True)
class PrefectApi:
    """A running private Prefect server: its API URL and its home (SQLite, logs)."""

    url: str
    home: Path


# Each query lists rows that break an invariant; a consistent database returns none.
INTEGRITY = {
    "event without a mention": "SELECT event_id FROM events e WHERE NOT EXISTS "
    "(SELECT 1 FROM event_mentions m WHERE m.event_id = e.event_id)",
    "mention without its event": "SELECT event_id, article_id FROM event_mentions m WHERE NOT EXISTS "
    "(SELECT 1 FROM events e WHERE e.event_id = m.event_id)",
    "mention without its article": "SELECT event_id, article_id FROM event_mentions m WHERE NOT EXISTS "
    "(SELECT 1 FROM articles a WHERE a.article_id = m.article_id)",
    "article without text": "SELECT article_id FROM articles WHERE text IS NULL",
    "article without its signature row": "SELECT article_id FROM articles a WHERE NOT EXISTS "
    "(SELECT 1 FROM article_signatures s WHERE s.article_id = a.article_id)",
    "signature row without its article": "SELECT article_id FROM article_signatures s WHERE NOT EXISTS "
    "(SELECT 1 FROM articles a WHERE a.article_id = s.article_id)",
    "band row without its article": "SELECT DISTINCT article_id FROM article_bands b WHERE NOT EXISTS "
    "(SELECT 1 FROM articles a WHERE a.article_id = b.article_id)",
    "signature without all its bands": "SELECT s.article_id, count(b.article_id) FROM article_signatures s "
    "LEFT JOIN article_bands b USING (article_id) GROUP BY s.article_id, s.signature "
    f"HAVING count(b.article_id) <> CASE WHEN s.signature IS NULL THEN 0 ELSE {BANDS} END",
    "copy of a missing original": "SELECT article_id FROM articles a WHERE duplicate_of IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.article_id = a.duplicate_of)",
    "alert of a missing event": "SELECT alert_id FROM alerts al WHERE kind <> 'summary' AND NOT EXISTS "
    "(SELECT 1 FROM events e WHERE e.event_id = al.event_id)",
    "alert of a missing run": "SELECT alert_id FROM alerts al WHERE NOT EXISTS "
    "(SELECT 1 FROM runs r WHERE r.run_id = al.run_id)",
    "run left running": "SELECT run_id FROM runs WHERE status = 'running'",
    "alert not settled": "SELECT alert_id, status FROM alerts WHERE status <> 'sent'",
}


# -- receivers ---------------------------------------------------------------------------


@dataclass
class SlackReceiver:
    """A Slack webhook on loopback: one path per scenario, payloads filed by scenario."""

    server: LoopbackServer
    payloads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    status: int = 200
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url_for(self, key: str, *, secret: str = "XXXX", status: int | None = None) -> str:
        """The webhook URL of one scenario; `status` makes it answer with that code."""
        path = f"/services/T000/{key}/{secret}"
        answer = self.status if status is None else status
        self.payloads.setdefault(key, [])

        def webhook(req: Request) -> Reply:
            with self._lock:
                self.payloads[key].append(json.loads(req.body))
            if answer == 200:
                return Reply(200, b"ok", {"Content-Type": "text/plain"})
            return Reply(answer, b"no_service", {"Content-Type": "text/plain"})

        self.server.routes[path] = webhook
        return self.server.url(path)

    def ids(self, key: str) -> Counter[str]:
        """How many times each alert id reached this scenario's webhook."""
        found: Counter[str] = Counter()
        for payload in self.payloads.get(key, []):
            match = SLACK_ID.search(str(payload.get("text", "")))
            found[match.group(1) if match else "<no id>"] += 1
        return found


@dataclass
class ReceivedMail:
    """One message aiosmtpd accepted."""

    rcpt_tos: list[str]
    message: email.message.EmailMessage
    raw: bytes
    authenticated: bool


class SmtpInbox:
    """aiosmtpd on loopback that files messages by recipient; optional AUTH on plain text
    (allowed for loopback only by newswatch) that accepts one password or refuses all."""

    def __init__(self, *, password: str | None = None, refuse_auth: bool = False) -> None:
        self.messages: list[ReceivedMail] = []
        self.auth_attempts: list[tuple[str, str]] = []
        self._password = password
        self._refuse = refuse_auth
        kwargs: dict[str, Any] = {}
        if password is not None or refuse_auth:
            kwargs = {"authenticator": self._check, "auth_require_tls": False}
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def _check(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            self.auth_attempts.append((login, password))
            ok = not self._refuse and password == self._password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.messages.append(
            ReceivedMail(
                list(envelope.rcpt_tos),
                parsed,
                bytes(envelope.content),
                bool(session.authenticated),
            )
        )
        return "250 OK"

    def ids(self, recipient: str) -> Counter[str]:
        """How many times each alert id (from the Message-ID) reached `recipient`."""
        found: Counter[str] = Counter()
        for mail in self.messages:
            if recipient in mail.rcpt_tos:
                mid = str(mail.message["Message-ID"] or "")
                found[mid.strip("<>").split("@")[0]] += 1
        return found

    def __enter__(self) -> SmtpInbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@contextmanager
def corpus_site(
    corpus: Path, *, route: Callable[[LoopbackServer], None] | None = None
) -> Iterator[LoopbackServer]:
    """A corpus folder served as it is, feed links rewritten to this server."""
    with LoopbackServer() as server:
        server.static_root = corpus
        server.static_replace = {b"http://HOST": server.base_url.encode()}
        if route is not None:
            route(server)
        yield server


# -- a fork server for many `newswatch` runs ---------------------------------------------
#
# A `newswatch run` spends ~5 s of CPU importing Prefect and trafilatura before
# it reads its watch file. The kill test needs dozens of runs, so a zygote process imports
# them once and forks a child per run: each child is a real, separate process that enters
# the real command (`newswatch.cli.main`) with its own environment, stdout and stderr, in
# its own session, and exits through normal interpreter shutdown (atexit and all) — or dies
# of SIGKILL at a fault point. Only the interpreter start and the imports are shared.


def zygote_main() -> None:
    """The zygote's loop: one JSON request per stdin line, one JSON event per fork and exit.

    Single-threaded on purpose: forking a process whose other threads may hold locks
    (stdout's, logging's) can deadlock the child.
    """
    import select

    from newswatch.runtime import configure_prefect_env

    configure_prefect_env()
    import newswatch.cli
    import newswatch.flows.monitor

    def say(event: dict[str, object]) -> None:
        os.write(1, (json.dumps(event) + "\n").encode())

    pending = b""
    children: dict[int, str] = {}
    stdin_open = True
    while stdin_open or children:
        if stdin_open:
            ready, _, _ = select.select([0], [], [], 0.05)
            if ready:
                chunk = os.read(0, 65536)
                stdin_open = bool(chunk)
                pending += chunk
        else:
            time.sleep(0.05)
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _zygote_child(request, newswatch.cli.main)
            children[pid] = request["tag"]
            say({"tag": request["tag"], "pid": pid})
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            say({"tag": children.pop(pid), "status": os.waitstatus_to_exitcode(status)})


def _zygote_child(request: dict[str, Any], main: Callable[[list[str]], int]) -> None:
    os.setsid()
    os.environ.clear()
    os.environ.update(request["env"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    sys.argv = ["newswatch", *request["args"]]
    try:
        code: object = main(list(request["args"]))
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(code)  # normal interpreter shutdown, as the real command has


class Zygote:
    """Client side of `zygote_main`: `run` is a blocking, thread-safe `newswatch` call."""

    def __init__(self, env: Mapping[str, str], workdir: Path) -> None:
        self._workdir = workdir
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from tests.support.reliability import zygote_main; zygote_main()",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(env),
            cwd=REPO,
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._events: dict[str, dict[str, Any]] = {}
        self._arrived = threading.Condition()
        self._count = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            event = json.loads(line)
            with self._arrived:
                self._events.setdefault(event["tag"], {}).update(event)
                self._arrived.notify_all()
        with self._arrived:
            self._events["<closed>"] = {}
            self._arrived.notify_all()

    def _wait(self, tag: str, key: str, deadline: float) -> Any:
        with self._arrived:
            while key not in self._events.get(tag, {}):
                if "<closed>" in self._events:
                    raise RuntimeError("the zygote exited")
                if not self._arrived.wait(timeout=max(0.0, deadline - time.monotonic())):
                    return None
            return self._events[tag][key]

    def run(self, *args: str, env: Mapping[str, str], timeout: float = 300.0) -> CliResult:
        """Run `newswatch ARGS` in a fresh child with this environment; wait for its end."""
        with self._lock:
            self._count += 1
            tag = f"run-{self._count}"
            out, err = self._workdir / f"{tag}.out", self._workdir / f"{tag}.err"
            request = {"tag": tag, "args": list(args), "env": dict(env)}
            request |= {"stdout": str(out), "stderr": str(err)}
            assert self._proc.stdin is not None
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
        started = time.monotonic()
        deadline = started + timeout
        pid = self._wait(tag, "pid", deadline)
        status = self._wait(tag, "status", deadline)
        if pid is not None:
            kill_group(pid)  # whatever the child left behind in its session
        if status is None:
            status = self._wait(tag, "status", time.monotonic() + 30)
        note = "" if status is not None else f"\n[harness: timed out after {timeout:.0f}s]"
        return CliResult(
            tuple(args),
            status if status is not None else -1,
            out.read_text(errors="replace") if out.exists() else "",
            (err.read_text(errors="replace") if err.exists() else "") + note,
            time.monotonic() - started,
        )

    def close(self) -> None:
        """Let running children finish, then stop the zygote."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=60)
        finally:
            kill_group(self._proc.pid)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
