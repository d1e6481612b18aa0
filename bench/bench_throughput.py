"""Throughput side by side, in one go: a big run, bare trafilatura, the idle run, RSS, store cost.

A loopback site (its own process) serves `/feed/<n>.xml`, an RSS feed of n links, and n
small distinct article pages (every tenth reports a Trump-Putin call), built before the
runs: it shares the machine's cores with the run it serves. Printed:

- in each of ROUNDS rounds (default 3), back to back: `newswatch run` (the real CLI in a
  fresh process, its own temporary Prefect API) on a watch of PAGES pages with
  `max_pages_per_run` raised, into a fresh database; the idle run, the same command again
  with nothing new (the faster of two); and the round's marginal cost of the pages (run
  minus idle run) over bare one-core `trafilatura.extract` on the same pages, in this
  process, measured right before and right after the round (the mean of the two). The
  figure is the median over the rounds: this machine's speed drifts up to 2x within
  minutes, so only figures measured next to each other divide;
- a bare Prefect flow (an empty flow) in a fresh process, on the same temporary API;
- `newswatch reprocess --stage all` of the stored pages, against the first run;
- peak memory: RSS of the run's own process (wait4), and PSS (shared pages split) of the
  run with its cleaning workers, and with its temporary Prefect server, sampled every 50 ms
  in one more run of the same pages into a fresh database (sampling takes CPU from the run
  it watches, so the timed runs are not sampled);
- store cost (the store stage alone, per article, batches of 50) on databases already
  holding 10k, 100k and 1M synthetic articles (built in SQL: fingerprints and band
  buckets of real size, short texts), and its growth ratio.

    nice .venv/bin/python bench/bench_throughput.py [--pages 5000] [--rounds 3]
        [--store-sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = [
    "council",
    "minister",
    "market",
    "energy",
    "border",
    "trade",
    "talks",
    "city",
    "river",
    "school",
    "budget",
    "court",
    "harbour",
    "festival",
    "railway",
    "police",
    "weather",
    "farmers",
    "hospital",
    "election",
    "museum",
    "bridge",
    "ceasefire",
    "sanctions",
    "delegation",
    "summit",
    "treaty",
    "parliament",
    "envoy",
    "pipeline",
]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def article_page(i: int) -> bytes:
    """A distinct news page: navigation, eight paragraphs, share bar, footer.

    Every tenth reports a Trump-Putin call.
    """
    rnd = random.Random(i)
    paragraphs = [
        f"<p>{' '.join(rnd.choice(WORDS) for _ in range(30)).capitalize()} number {i}.</p>"
        for _ in range(8)
    ]
    if i % 10 == 0:
        day = WEEKDAYS[i % len(WEEKDAYS)]
        paragraphs.insert(
            1, f"<p>Donald Trump spoke with Vladimir Putin by phone on {day}, the Kremlin said.</p>"
        )
    nav = "".join(f"<li><a href='/section/{w}'>{w.title()}</a></li>" for w in WORDS[:15])
    related = "".join(
        f"<li><a href='/a/{(i + k) * 7 % 100000}'>Report {(i + k) * 7 % 100000}</a></li>"
        for k in range(1, 6)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Report {i} | Bench Times</title><meta property='article:published_time' "
        f"content='2025-03-{1 + i % 28:02d}T10:00:00+00:00'></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article>"
        f"<h1>Report {i}</h1><p class='byline'>By Staff Reporter</p>{''.join(paragraphs)}"
        "<div class='share'>Share on Facebook Share on X Email 12 comments</div></article>"
        f"<aside><h2>Related</h2><ul>{related}</ul></aside></main>"
        "<footer><p>Copyright Bench Times. All rights reserved.</p><a href='/privacy'>Privacy</a>"
        "</footer></body></html>"
    ).encode()


def feed(base_url: str, pages: int) -> bytes:
    items = "".join(
        f"<item><title>Report {i}</title><link>{base_url}/a/{i}</link><guid>{i}</guid>"
        f"<pubDate>Sat, {1 + i % 28:02d} Mar 2025 10:00:00 +0000</pubDate></item>"
        for i in range(pages)
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>bench</title>"
        f"<link>{base_url}/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _serve(ports: multiprocessing.Queue, pages: int) -> None:  # type: ignore[type-arg]
    """The loopback site. Every page's response is built before the port is handed out,
    and each feed on first request: a real outlet's server does not run on this machine's
    cores, so its stand-in should take as little of them as it can from the run measured
    beside it (building pages per request took about 0.4 ms of CPU each, 2 s a run)."""
    articles = {
        f"/a/{i}".encode(): _response("200 OK", "text/html; charset=utf-8", article_page(i))
        for i in range(pages)
    }
    feeds: dict[tuple[bytes, bytes], bytes] = {}
    not_found = _response("404 Not Found", "text/html; charset=utf-8", b"not found")

    def respond(head: bytes) -> bytes:
        path = head.split(b" ", 2)[1]
        if path in articles:
            return articles[path]
        if path.startswith(b"/feed/") and path.endswith(b".xml"):
            host = head.split(b"Host: ", 1)[1].split(b"\r\n", 1)[0]
            if (host, path) not in feeds:
                body = feed(f"http://{host.decode()}", int(path[6:-4]))
                feeds[host, path] = _response("200 OK", "application/rss+xml", body)
            return feeds[host, path]
        if path.startswith(b"/a/"):
            return _response("200 OK", "text/html; charset=utf-8", article_page(int(path[3:])))
        return not_found

    class Site(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            self.transport = transport
            self.pending = b""

        def data_received(self, data: bytes) -> None:
            self.pending += data
            while (end := self.pending.find(b"\r\n\r\n")) >= 0:
                head, self.pending = self.pending[:end], self.pending[end + 4 :]
                self.transport.write(respond(head))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Site, "127.0.0.1", 0, backlog=1024)
        ports.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def write_watch(path: Path, feed_url: str, pages: int) -> Path:
    """A watch of one feed with defaults kept but `max_pages_per_run` and per-host limits.

    The one loopback host stands in for the many outlets of a real run, so it gets the
    whole connection budget (16) instead of the per-host default of 2.
    """
    path.write_text(
        f'name = "throughput"\n\n[[sources]]\nkind = "rss"\nname = "bench"\nurl = "{feed_url}"\n\n'
        '[actors.trump]\nnames = ["Donald Trump", "Trump"]\n\n'
        '[actors.putin]\nnames = ["Vladimir Putin", "Putin"]\nvoices = ["the Kremlin"]\n\n'
        '[events]\npair = ["trump", "putin"]\n\n'
        "[fetch]\nallow_private_hosts = true\nper_host_concurrency = 16\n"
        f"max_pages_per_run = {pages}\n"
    )
    return path


# --- processes: wall time, peak RSS ------------------------------------------------------


def _pss(pid: int) -> int:
    """Proportional set size of a process in bytes: shared pages split among their users."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(root: int) -> tuple[int, int]:
    """(PSS of `root` and all its descendants, the same without a Prefect server among them).

    PSS, not RSS: forked cleaning workers share most of their pages with the run, and
    summing RSS would count those pages once per process.
    """
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        parent_of[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    total = without_server = 0
    todo: list[tuple[int, bool]] = [(root, False)]
    while todo:
        pid, in_server = todo.pop()
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read()
            # The temporary API newswatch starts (`python -m prefect server start`) and
            # anything it runs (uvicorn).
            in_server = (
                in_server or b"prefect\x00server\x00start" in command or b"uvicorn" in command
            )
        except OSError:
            continue
        pss = _pss(pid)
        total += pss
        without_server += 0 if in_server else pss
        todo.extend((child, in_server) for child, parent in parent_of.items() if parent == pid)
    return total, without_server


@dataclass(frozen=True)
class ProcessRun:
    """One command's cost."""

    seconds: float  # wall
    cpu: float  # user + system of the process and every descendant it waited for
    rss: int  # peak resident bytes of the process itself
    pss_tree: int  # peak PSS of it and its descendants
    pss_run: int  # the same without the temporary Prefect server
    output: str


def run_process(command: list[str], env: dict[str, str], *, sample_pss: bool = False) -> ProcessRun:
    """Run a command to its end and measure it; `sample_pss` also samples the PSS of its
    process tree every 50 ms (not in timed runs: reading smaps of every process of the
    tree 20 times a second takes CPU from the run it measures)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak_tree = peak_run = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_run
        while not done.wait(0.05):
            tree, run = _tree_memory(proc.pid)
            peak_tree, peak_run = max(peak_tree, tree), max(peak_run, run)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_pss:
        sampler.start()
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    done.set()
    if sample_pss:
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{output[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return ProcessRun(seconds, cpu, usage.ru_maxrss * 1024, peak_tree, peak_run, output)


BARE_FLOW = """
from newswatch.runtime import configure_prefect_env
configure_prefect_env()
from prefect import flow
from newswatch.serve import temporary_prefect_api

@flow(name="bench-bare")
def bare() -> None:
    return None

with temporary_prefect_api():
    bare()
"""


def newswatch_run(
    watch: Path, db: Path, env: dict[str, str], *, sample_pss: bool = False
) -> ProcessRun:
    command = [sys.executable, "-m", "newswatch", "run", "--watch", str(watch), "--db", str(db)]
    return run_process([*command, "--no-alerts"], env, sample_pss=sample_pss)


# --- bare trafilatura ---------------------------------------------------------------------


def bare_trafilatura_seconds(html: list[str]) -> float:
    """One core, this process: trafilatura.extract on each page's HTML (decoded)."""
    import trafilatura

    trafilatura.extract(html[0])  # imports and first-call set-up outside the timing
    started = time.process_time()
    for page in html:
        trafilatura.extract(page)
    return time.process_time() - started


# --- store cost on big databases ------------------------------------------------------------


def build_database(path: Path, stored: int) -> float:
    """A database holding `stored` synthetic articles with fingerprints; returns seconds."""
    import duckdb

    from newswatch.extractors.fingerprint import BANDS, NUM_PERM
    from newswatch.storage.db import ensure_schema

    started = time.perf_counter()
    ensure_schema(path)
    con = duckdb.connect(str(path))
    try:
        con.execute("DROP INDEX article_bands_bucket")  # built once after the bulk insert
        con.execute(
            """
            INSERT INTO articles (article_id, url, canonical_url, source, title, published_at,
                fetched_at, language, text, relevant, page_kind, content_hash, run_id)
            SELECT printf('s%015d', i), 'https://synthetic.example/a/' || i,
                   'https://synthetic.example/a/' || i, 'synthetic', 'Synthetic ' || i,
                   TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i),
                   TIMESTAMPTZ '2024-06-01 00:00:00+00', 'en',
                   'Synthetic article number ' || i || ' about the council and the budget.',
                   i % 10 = 0, 'article', md5(i::VARCHAR), 'synthetic'
            FROM range(?) t(i)
            """,
            [stored],
        )
        con.execute(
            f"""
            INSERT INTO article_signatures (article_id, declared_canonical_url, signature)
            SELECT printf('s%015d', i), NULL,
                   list_transform(range({NUM_PERM}), lambda x: (hash(i * {NUM_PERM} + x) >> 32)::UINTEGER)
            FROM range(?) t(i)
            """,
            [stored],
        )
        con.execute(
            f"""
            INSERT INTO article_bands (band, bucket, article_id)
            SELECT b::SMALLINT, (hash(i * {BANDS} + b, 7) >> 32)::UINTEGER, printf('s%015d', i)
            FROM range(?) t(i), range({BANDS}) u(b)
            """,
            [stored],
        )
        con.execute("CREATE INDEX article_bands_bucket ON article_bands (bucket)")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return time.perf_counter() - started


def store_cost(
    sizes: list[int], work: Path, articles: int, batch: int
) -> dict[int, tuple[float, float]]:
    """(wall, CPU) seconds per article of the store stage by database size (best of 3 rounds)."""
    from newswatch.config import load_watch
    from newswatch.core.reading import clean_and_extract
    from newswatch.core.store import store_batch
    from newswatch.core.types import RunContext
    from newswatch.domain import CandidateLink, FetchedPage
    from newswatch.storage.db import HeldWriter

    watch = load_watch(write_watch(work / "store.toml", "http://127.0.0.1:9/feed.xml", 10))
    rounds = 3
    pages = [
        FetchedPage(
            link=CandidateLink(
                url=f"https://store.example/a/{i}",
                canonical_url=f"https://store.example/a/{i}",
                source="bench",
            ),
            status="ok",
            final_url=f"https://store.example/a/{i}",
            html=article_page(10_000_000 + i).decode(),
        )
        for i in range(articles * rounds)
    ]
    read = clean_and_extract(pages, watch)
    out: dict[int, tuple[float, float]] = {}
    for size in sizes:
        db = work / f"store-{size}.duckdb"
        built = build_database(db, size)
        wall = cpu = float("inf")
        for r in range(rounds):
            chunk = read[r * articles : (r + 1) * articles]
            with HeldWriter(db) as writer:  # as a run holds it
                run = RunContext(
                    watch=watch, db_path=str(db), run_id=f"s{r}", first_run=True, writer=writer
                )
                started, started_cpu = time.perf_counter(), time.process_time()
                for i in range(0, len(chunk), batch):
                    store_batch(chunk[i : i + batch], run)
                wall = min(wall, (time.perf_counter() - started) / len(chunk))
                cpu = min(cpu, (time.process_time() - started_cpu) / len(chunk))
        out[size] = (wall, cpu)
        print(
            f"  store cost at {size:>9,} stored: {wall * 1000:.2f} ms/article wall, "
            f"{cpu * 1000:.2f} ms CPU (database built in {built:.0f} s, "
            f"{db.stat().st_size / 2**20:.0f} MiB)",
            flush=True,
        )
        db.unlink()
        for extra in db.parent.glob(db.name + ".*"):
            extra.unlink()
    return out


# --- the report -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--store-sizes", default="10000,100000,1000000")
    parser.add_argument("--store-articles", type=int, default=500, help="per round, 3 rounds")
    parser.add_argument(
        "--rounds", type=int, default=3, help="big run, idle run and bare trafilatura, in turn"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.store_sizes.split(",") if s]

    print(f"uptime before: {os.popen('uptime').read().strip()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    if args.pages:
        measure_runs(args.pages, work, args.rounds)
    if sizes:
        print("store stage alone (the run's held connection), batches of 50:", flush=True)
        costs = store_cost(sizes, work, args.store_articles, 50)
        smallest, largest = min(costs), max(costs)
        print(
            f"  store cost growth {largest:,} / {smallest:,}: "
            f"wall {costs[largest][0] / costs[smallest][0]:.2f} x, "
            f"CPU {costs[largest][1] / costs[smallest][1]:.2f} x   (target <= 2)"
        )
    print(f"uptime after: {os.popen('uptime').read().strip()}")


@dataclass(frozen=True)
class Round:
    """One big run and the idle run after it, with bare trafilatura right before and after."""

    big: ProcessRun
    idle: ProcessRun
    bare_before: float
    bare_after: float

    @property
    def bare_cpu(self) -> float:
        """Bare trafilatura's CPU seconds, the mean of the measures on either side."""
        return (self.bare_before + self.bare_after) / 2

    @property
    def wall_ratio(self) -> float:
        return (self.big.seconds - self.idle.seconds) / self.bare_cpu

    @property
    def cpu_ratio(self) -> float:
        return (self.big.cpu - self.idle.cpu) / self.bare_cpu


def measure_runs(pages: int, work: Path, rounds: int) -> None:
    """The big run, the idle run, the bare flow and bare trafilatura, side by side.

    The marginal-cost ratio is taken per round, from a big run, the idle run after it and
    bare trafilatura right before and right after them: this machine's speed drifts by up
    to 2x within minutes, so figures measured minutes apart do not divide. The figure is
    the median over the rounds.
    """
    env = {
        **os.environ,
        "NEWSWATCH_HOME": str(work / "home"),
        "NEWSWATCH_PROGRESS": "0",
        "PYTHONPATH": str(REPO),
    }
    env.pop("PREFECT_API_URL", None)
    html = [article_page(i).decode() for i in range(pages)]
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(ports, pages), daemon=True)
    server.start()
    measured: list[Round] = []
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=10)}"
        # Warm-up: Prefect migrates its fresh home database on the first run.
        newswatch_run(
            write_watch(work / "warm.toml", f"{base}/feed/20.xml", 20), work / "w.db", env
        )
        bare = min(
            (run_process([sys.executable, "-c", BARE_FLOW], env) for _ in range(2)),
            key=lambda r: r.seconds,
        )
        watch = write_watch(work / "big.toml", f"{base}/feed/{pages}.xml", pages)
        # Bare trafilatura brackets each round (one measure between two rounds serves both):
        # the machine drifts within a round, and the mean of the two sides follows it.
        bare_before = bare_trafilatura_seconds(html)
        for round_number in range(rounds):
            db = work / f"big-{round_number}.duckdb"  # each round's big run into a fresh database
            big = newswatch_run(watch, db, env)
            # The faster of two idle runs: its own noise (a second either way) moves the
            # ratio as much as the big run's.
            idle = min((newswatch_run(watch, db, env) for _ in range(2)), key=lambda r: r.seconds)
            bare_after = bare_trafilatura_seconds(html)
            measured.append(Round(big, idle, bare_before, bare_after))
            bare_before = bare_after
        # Re-deriving everything from the kept pages, offline (issue 14's figure).
        reprocess = run_process(
            [sys.executable, "-m", "newswatch", "reprocess", "--watch", str(watch),
             "--db", str(work / "big-0.duckdb"), "--stage", "all"],
            env,
        )  # fmt: skip
        # Memory: the same first run again, into a fresh database, its PSS sampled.
        memory = newswatch_run(watch, work / "memory.duckdb", env, sample_pss=True)
    finally:
        server.terminate()
        server.join()
    summary = [
        line.strip() for line in measured[0].big.output.splitlines() if "articles stored" in line
    ]
    print(f"\n{pages} loopback pages, {os.cpu_count()} CPUs")
    for line in summary[:2]:
        print(f"  run says: {line}")
    print(
        f"  {'round':>5} {'run wall':>9} {'run CPU':>8} {'idle wall':>9} {'idle CPU':>8} "
        f"{'bare trafilatura CPU, before/after':>34} {'marginal/bare wall':>18} {'CPU':>6}"
    )
    for r, m in enumerate(measured, 1):
        bare_text = f"{m.bare_before:.1f} / {m.bare_after:.1f}"
        print(
            f"  {r:>5} {m.big.seconds:9.1f} {m.big.cpu:8.1f} {m.idle.seconds:9.1f} "
            f"{m.idle.cpu:8.1f} {bare_text:>34} {m.wall_ratio:17.2f}x {m.cpu_ratio:5.2f}x"
        )
    wall_ratio = statistics.median(m.wall_ratio for m in measured)
    cpu_ratio = statistics.median(m.cpu_ratio for m in measured)
    idle_seconds = statistics.median(m.idle.seconds for m in measured)
    print(
        f"  marginal cost / trafilatura, median of {len(measured)} rounds: wall "
        f"{wall_ratio:.2f} x, CPU {cpu_ratio:.2f} x   (target <= 1.5 wall, goal 1.0)"
    )
    print(f"  bare Prefect flow, fresh process: wall {bare.seconds:.1f} s, CPU {bare.cpu:.1f} s")
    print(
        f"  idle run / bare Prefect flow: {idle_seconds / bare.seconds:.2f} x "
        "(the median idle run)   (target <= 1.3)"
    )
    first = measured[0].big
    print(
        f"  reprocess --stage all of the {pages} stored pages: wall {reprocess.seconds:.1f} s, "
        f"CPU {reprocess.cpu:.1f} s, {reprocess.seconds / first.seconds:.2f} x the first run; "
        f"peak RSS {reprocess.rss / 2**20:.0f} MiB"
    )
    print(
        f"  peak memory: RSS of the run process {max(m.big.rss for m in measured) / 2**20:.0f} "
        f"MiB; PSS of the run and its cleaning workers {memory.pss_run / 2**20:.0f} MiB = "
        f"{memory.pss_run / 1e6:.0f} MB, with the temporary Prefect server "
        f"{memory.pss_tree / 2**20:.0f} MiB   (target <= 500 MB)"
    )
    print(
        f"  (PSS sampled in another run of the same pages into a fresh database, "
        f"{memory.seconds:.1f} s wall: sampling slows the run it watches)"
    )


if __name__ == "__main__":
    main()
