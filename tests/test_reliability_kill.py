"""Crash safety: `newswatch run` killed with SIGKILL at every fault point, then run again.

Each scenario kills a real `newswatch run` process at a fault point (newswatch/faults.py:
the process SIGKILLs itself the n-th time it gets there, like a power cut or the OOM
killer), runs it again without the fault, and compares the database and the messages
received with an uninterrupted reference run.

Two phases: the first run of the watch on feed-1 from an empty database (silent: first
runs store and do not alert), and the second run on feed-2 from a copy of the database
after the reference first run, with Slack and email on loopback so every alert point is
reached. Scenarios run two at a time against one private Prefect server, so a run costs
its own start-up and work, not a temporary server's.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from newswatch.faults import POINTS
from tests.support.corpus import CORPUS
from tests.support.loopback import LoopbackServer
from tests.support.reliability import (
    INTEGRITY,
    CliResult,
    PrefectApi,
    SlackReceiver,
    SmtpInbox,
    Zygote,
    cli_env,
    copy_database,
    corpus_site,
    corpus_watch,
    run_newswatch,
)

# The module's fixture runs every scenario (about 90 s on two cores); the first test pays it.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# Two at a time: a run is mostly single-threaded Python start-up and parsing, and CI
# machines have two cores; more in parallel only stretches every run.
PARALLEL_RUNS = 2


_EVENT_KEY = "e.event_type, e.participants, e.event_date, e.date_earliest, e.date_latest"

# The corpus read as of its own time, so the age guard keeps every contact that is new in
# feed-2 alertable, as before it existed: feed-1 the day after its last item; feed-2 the
# morning after, when its new contacts (reported from then on) are all news.
AS_OF = {1: "2025-03-19T00:00Z", 2: "2025-03-19T12:00Z"}


@dataclass(frozen=True)
class Crash:
    """One scenario: a run of `phase` killed at each (point, hit) in turn, then a clean rerun."""

    phase: int
    kills: tuple[tuple[str, int], ...]

    @property
    def key(self) -> str:
        return f"p{self.phase}-" + "+".join(f"{p}@{h}" for p, h in self.kills)

    @property
    def mailbox(self) -> str:
        """This scenario's email recipient (its key, made a valid local part)."""
        return self.key.replace("@", "-hit").replace("+", "-then-") + "@example.org"

    @property
    def may_repeat_one(self) -> bool:
        """Killed between a send and its mark: that one message may go out again."""
        return any(point == "after-send" for point, _ in self.kills)


# The first run never reaches after-send/after-mark (it queues no alert).
FIRST_RUN_POINTS = tuple(p for p in POINTS if p not in ("after-send", "after-mark"))
CRASHES = (
    *(Crash(1, ((point, 1),)) for point in FIRST_RUN_POINTS),
    *(Crash(2, ((point, 1),)) for point in POINTS),
    # Sends go console, email, slack per alert: the 2nd is an email, the 6th a Slack post.
    Crash(2, (("after-send", 2),)),
    Crash(2, (("after-send", 6),)),
    Crash(2, (("after-mark", 5),)),
    # Two crashes in a row before the rerun: one while fetching, one while delivering.
    Crash(2, (("after-fetch", 1), ("after-send", 3))),
)


@dataclass(frozen=True)
class TableState:
    """The database reduced to what must not depend on crashes (ids of runs and times aside)."""

    articles: frozenset[tuple[Any, ...]]
    events: frozenset[tuple[Any, ...]]
    mentions: Counter[tuple[Any, ...]]
    alerts: frozenset[tuple[Any, ...]]
    sources: frozenset[tuple[Any, ...]]
    runs: Counter[str]
    problems: tuple[str, ...]


def read_state(db: Path) -> TableState:
    """The comparable content of a database file, and its invariant violations."""
    con = duckdb.connect(str(db), read_only=True)
    try:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [
                tuple(tuple(v) if isinstance(v, list) else v for v in r)
                for r in con.execute(sql).fetchall()
            ]

        problems = []
        for name, sql in INTEGRITY.items():
            bad = rows(sql)
            if bad:
                problems.append(f"{name}: {bad[:3]}")
        return TableState(
            articles=frozenset(
                rows(
                    "SELECT a.canonical_url, o.canonical_url, a.relevant, a.page_kind, "
                    "a.title, a.published_at, length(a.text) FROM articles a "
                    "LEFT JOIN articles o ON o.article_id = a.duplicate_of"
                )
            ),
            events=frozenset(
                rows(f"SELECT {_EVENT_KEY}, e.status, e.historical, e.location FROM events e")
            ),
            mentions=Counter(
                rows(
                    f"SELECT {_EVENT_KEY}, a.canonical_url FROM event_mentions m "
                    "JOIN events e USING (event_id) JOIN articles a USING (article_id)"
                )
            ),
            alerts=frozenset(
                rows("SELECT message_id, channel, kind, event_status, status FROM alerts")
            ),
            # A rerun after the sources were saved finds the feed unchanged: a poll that
            # succeeded either way ("not_modified" is a success, like "ok").
            sources=frozenset(
                rows(
                    "SELECT watch, source, kind, url, "
                    "replace(last_status, 'not_modified', 'ok'), links_last_seen FROM sources"
                )
            ),
            runs=Counter(r[0] for r in rows("SELECT status FROM runs")),
            problems=tuple(problems),
        )
    finally:
        con.close()


@dataclass
class Outcome:
    """What one scenario did: its killed runs, its rerun, the database and the receipts."""

    crash: Crash
    killed: list[CliResult]
    rerun: CliResult
    state: TableState
    slack: Counter[str] = field(default_factory=Counter)
    email: Counter[str] = field(default_factory=Counter)


@dataclass
class Reference:
    first: TableState
    second: TableState
    slack: Counter[str]
    email: Counter[str]


def violations(outcome: Outcome, ref: Reference) -> list[str]:
    """Every way this scenario differs from the promise; empty when the crash was harmless."""
    found: list[str] = []
    crash = outcome.crash
    for result, (point, hit) in zip(outcome.killed, crash.kills, strict=True):
        if not result.killed:
            found.append(f"the run did not die at {point}@{hit} (exit {result.returncode})")
    if outcome.rerun.returncode != 0:
        found.append(f"rerun exited {outcome.rerun.returncode}: {outcome.rerun.stderr[-800:]}")
    if "Traceback" in outcome.rerun.stderr:
        found.append("rerun printed a traceback")
    state = outcome.state
    found.extend(state.problems)
    expected = ref.first if crash.phase == 1 else ref.second
    for name in ("articles", "events", "mentions", "alerts", "sources"):
        got, want = getattr(state, name), getattr(expected, name)
        if got != want:
            extra = sorted(map(str, set(got) - set(want)))[:2]
            missing = sorted(map(str, set(want) - set(got)))[:2]
            found.append(f"{name} differ from the reference: extra {extra}, missing {missing}")
    want_runs = Counter(expected.runs)
    want_runs["abandoned"] += len(crash.kills)
    if state.runs != want_runs:
        found.append(f"runs {dict(state.runs)} != {dict(want_runs)}")
    if crash.phase == 2:
        repeats = 0
        for channel, got, want in (
            ("slack", outcome.slack, ref.slack),
            ("email", outcome.email, ref.email),
        ):
            if set(got) != set(want):
                found.append(f"{channel}: received {sorted(got)} != expected {sorted(want)}")
            repeats += sum(n - 1 for n in got.values() if n > 1)
        allowed = 1 if crash.may_repeat_one else 0
        if repeats > allowed:
            found.append(f"{repeats} message(s) repeated (allowed {allowed})")
    return found


@dataclass
class KillRun:
    """The whole module's work: the reference, every scenario, and how long it took."""

    reference: Reference
    outcomes: dict[str, Outcome]
    seconds: float
    runs: int


def _phase_env(
    home: Path, api: str, slack: SlackReceiver, inbox: SmtpInbox, key: str, mailbox: str
) -> dict[str, str]:
    return cli_env(
        home,
        {
            "PREFECT_API_URL": api,
            "SLACK_WEBHOOK_URL": slack.url_for(key),
            "NEWSWATCH_SMTP_URL": f"smtp://127.0.0.1:{inbox.port}",
            "NEWSWATCH_EMAIL_TO": mailbox,
        },
    )


@pytest.fixture(scope="module")
def kill_run(
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    prefect_api: PrefectApi,
) -> Iterator[KillRun]:
    work = tmp_path_factory.mktemp("kill")
    home = work / "home"
    started = time.monotonic()
    api = prefect_api.url
    with (
        corpus_site(CORPUS) as site,
        LoopbackServer() as slack_server,
        SmtpInbox() as inbox,
    ):
        slack = SlackReceiver(slack_server)
        feed1 = corpus_watch(work / "feed1.toml", site.url("/feed-1.xml"))
        feed2 = corpus_watch(work / "feed2.toml", site.url("/feed-2.xml"))
        quiet = cli_env(home, {"PREFECT_API_URL": api})
        (work / "zygote").mkdir()
        zygote = Zygote(quiet, work / "zygote")
        runs = 0

        def run(db: Path, phase: int, env: dict[str, str], *, forked: bool = True) -> CliResult:
            # References run as the plain command; scenarios fork from the zygote. Both
            # must end in equal tables, which also checks that forking changes nothing.
            nonlocal runs
            runs += 1
            watch = feed1 if phase == 1 else feed2
            args = ("run", "--watch", str(watch), "--db", str(db), "--as-of", AS_OF[phase])
            return zygote.run(*args, env=env) if forked else run_newswatch(*args, env=env)

        snapshot = work / "after-first-run.duckdb"
        first = run(snapshot, 1, quiet, forked=False)
        assert first.returncode == 0, first.stderr[-3000:]

        def reference_second() -> TableState:
            db = copy_database(snapshot, work / "reference-second.duckdb")
            result = run(
                db,
                2,
                _phase_env(home, api, slack, inbox, "reference", "reference@example.org"),
                forked=False,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            return read_state(db)

        def scenario(crash: Crash) -> Outcome:
            db = work / f"{crash.key}.duckdb"
            if crash.phase == 2:
                copy_database(snapshot, db)
                env = _phase_env(home, api, slack, inbox, crash.key, crash.mailbox)
            else:
                env = quiet
            killed = [
                run(
                    db,
                    crash.phase,
                    {**env, "NEWSWATCH_KILL_AT": point, "NEWSWATCH_KILL_HIT": str(hit)},
                )
                for point, hit in crash.kills
            ]
            rerun = run(db, crash.phase, env)
            return Outcome(
                crash,
                killed,
                rerun,
                read_state(db),
                slack.ids(crash.key),
                inbox.ids(crash.mailbox),
            )

        with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
            second = pool.submit(reference_second)
            futures = {c.key: pool.submit(scenario, c) for c in CRASHES}
            reference = Reference(
                read_state(snapshot),
                second.result(),
                slack.ids("reference"),
                inbox.ids("reference@example.org"),
            )
            outcomes = {key: f.result() for key, f in futures.items()}
        zygote.close()
        result = KillRun(reference, outcomes, time.monotonic() - started, runs)
    yield result
    held = sum(1 for o in outcomes.values() if not violations(o, reference))
    kills = sum(len(o.crash.kills) for o in outcomes.values())
    capture = request.config.pluginmanager.getplugin("capturemanager")
    line = (
        f"kill test: {len(outcomes)} kill scenarios ({kills} kills at {len(POINTS)} points, "
        f"2 phases) tried, {held} held; {result.runs} runs in {result.seconds:.0f}s"
    )
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


def test_reference_runs_store_the_corpus_and_alert_on_both_channels(kill_run: KillRun) -> None:
    ref = kill_run.reference
    assert not ref.first.problems and not ref.second.problems
    assert len(ref.first.articles) == 5 and len(ref.second.articles) == 9
    assert ref.first.alerts == frozenset()
    # Batch 2 of the test corpus brings two new contacts (the call of 2025-05-19 and the
    # Alaska meeting): one message each per channel, under the same ids.
    assert len(ref.slack) == 2 and set(ref.slack) == set(ref.email)
    assert all(n == 1 for n in (*ref.slack.values(), *ref.email.values()))


@pytest.mark.parametrize("crash", CRASHES, ids=lambda c: c.key)
def test_a_killed_run_then_a_rerun_ends_like_an_uninterrupted_run(
    kill_run: KillRun, crash: Crash
) -> None:
    outcome = kill_run.outcomes[crash.key]
    assert violations(outcome, kill_run.reference) == []


def test_a_kill_between_send_and_mark_repeats_that_message_with_the_same_id(
    kill_run: KillRun,
) -> None:
    # The documented window, seen from the receivers: exactly one message arrives twice,
    # under the id it had the first time, and nothing else repeats. Each alert goes out
    # console, email, slack in turn, so the 2nd send is an email and the 6th a Slack post.
    for key, channel in (("p2-after-send@2", "email"), ("p2-after-send@6", "slack")):
        outcome = kill_run.outcomes[key]
        got = outcome.email if channel == "email" else outcome.slack
        other = outcome.slack if channel == "email" else outcome.email
        repeated = {mid: n for mid, n in got.items() if n > 1}
        assert list(repeated.values()) == [2], (key, dict(got))
        assert set(repeated) <= set(kill_run.reference.slack), key
        assert all(n == 1 for n in other.values()), key
