"""Task runners side by side: one monitor run over the same N loopback pages.

A loopback asyncio server (its own process) serves an RSS feed of N links and N small,
distinct article pages. Each configuration runs the monitor flow once into a fresh
DuckDB file against a private Prefect server (Dask needs one): the default runner
(cleaning on worker processes), and Dask LocalClusters of 1 and 2 workers. The core also
runs directly (`run_watch`, no Prefect) just before each flow run: the ratio flow /
direct within each pair is Prefect's overhead (goal ≤ 1.15). Start-up is measured apart:
an empty flow run (the per-run floor), and the Dask cluster start (a cluster brought up
and given one task).

    .venv/bin/python bench/bench_runners.py [--pages 2000] [--latency 0.005] [--batch 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
    "election",
    "envoy",
    "pipeline",
]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def article_page(i: int) -> bytes:
    """A distinct small article; every tenth one reports a Trump-Putin call."""
    rnd = random.Random(i)
    paragraphs = []
    for _ in range(5):
        sentence = " ".join(rnd.choice(WORDS) for _ in range(18))
        paragraphs.append(f"<p>{sentence.capitalize()} number {i}.</p>")
    if i % 10 == 0:
        day = WEEKDAYS[i % len(WEEKDAYS)]
        paragraphs.insert(
            1, f"<p>Donald Trump spoke with Vladimir Putin by phone on {day}, the Kremlin said.</p>"
        )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Report {i}</title><meta property='article:published_time' "
        f"content='2025-03-{1 + i % 28:02d}T10:00:00+00:00'></head><body><article>"
        f"<h1>Report {i}</h1>{''.join(paragraphs)}</article></body></html>"
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


def _serve(pages: int, latency: float, ports: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    cache: dict[bytes, bytes] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if latency:
                    await asyncio.sleep(latency)
                path = head.split(b" ", 2)[1]
                status, ctype, body = b"200 OK", b"text/html; charset=utf-8", b""
                if path == b"/feed.xml":
                    host = head.split(b"Host: ", 1)[1].split(b"\r\n", 1)[0].decode()
                    body, ctype = feed(f"http://{host}", pages), b"application/rss+xml"
                elif path.startswith(b"/a/"):
                    if path not in cache:
                        cache[path] = article_page(int(path[3:]))
                    body = cache[path]
                else:
                    status, body = b"404 Not Found", b"not found"
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        ports.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def write_watch(path: Path, feed_url: str, pages: int, batch: int, runtime: str) -> Path:
    path.write_text(
        f'name = "bench"\n\n[[sources]]\nkind = "rss"\nname = "bench"\nurl = "{feed_url}"\n\n'
        '[actors.trump]\nnames = ["Donald Trump", "Trump"]\n\n'
        '[actors.putin]\nnames = ["Vladimir Putin", "Putin"]\nvoices = ["the Kremlin"]\n\n'
        '[events]\npair = ["trump", "putin"]\n\n'
        "[fetch]\nallow_private_hosts = true\nretries = 0\nconcurrency = 50\n"
        f"per_host_concurrency = 50\nmax_pages_per_run = {pages}\n\n"
        f"[runtime]\nbatch_size = {batch}\n{runtime}\n"
    )
    return path


STAGE_SECONDS: dict[str, float] = {}


def timed_stage(stage: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """A stage runner that adds up each stage's wall time (fetching overlaps the rest)."""
    t0 = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        STAGE_SECONDS[stage] = STAGE_SECONDS.get(stage, 0.0) + time.perf_counter() - t0


def run_direct(watch_path: Path, db: Path) -> tuple[float, int]:
    """The pipeline core without Prefect (`run_watch`): (seconds, articles stored)."""
    from newswatch.config import load_watch
    from newswatch.core import run_watch

    started = time.perf_counter()
    summary = run_watch(load_watch(watch_path), db, alerts_enabled=False, run_stage=timed_stage)
    return time.perf_counter() - started, summary.counts.articles_stored


def run_flow(watch_path: Path, db: Path) -> tuple[float, int]:
    """One monitor flow run: (seconds, articles stored)."""
    from newswatch.flows.monitor import monitor

    started = time.perf_counter()
    summary = monitor(str(watch_path), str(db), alerts_enabled=False)
    return time.perf_counter() - started, summary.counts.articles_stored


def empty_flow_seconds() -> float:
    """Wall time of a flow run that does nothing: Prefect's per-run floor."""
    from prefect import flow

    @flow(name="bench-empty")
    def empty() -> None:
        return None

    empty()  # first call pays for imports and the client
    started = time.perf_counter()
    empty()
    return time.perf_counter() - started


def dask_start_seconds(workers: int) -> float:
    """Bring up a LocalCluster of `workers` and run one task on each worker: start-up."""
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        # What a worker imports before its first task: Prefect and the stage modules.
        client.run(__import__, "newswatch.core.stages")
        return time.perf_counter() - started


def timed(label: str, fn: Callable[[], tuple[float, int]]) -> tuple[float, int]:
    seconds, stored = fn()
    print(f"  {label}: {seconds:.1f} s, {stored} articles stored", flush=True)
    return seconds, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.005)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of paired runs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-runners-"))
    os.environ["NEWSWATCH_HOME"] = str(work / "home")
    from newswatch.runtime import configure_prefect_env

    configure_prefect_env()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from newswatch.serve import private_prefect_server

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(
        target=_serve, args=(args.pages, args.latency, ports), daemon=True
    )
    server.start()
    try:
        feed_url = f"http://127.0.0.1:{ports.get(timeout=10)}/feed.xml"
        with private_prefect_server(work / "prefect") as api_url:
            os.environ["PREFECT_API_URL"] = api_url  # Dask workers inherit it
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                measure(args, work, feed_url)
                # Send queued run logs and events while the server is still up.
                from prefect.events.worker import EventsWorker
                from prefect.logging.handlers import APILogWorker

                APILogWorker.drain_all()
                EventsWorker.drain_all()
    finally:
        server.terminate()
        server.join()


# (label, Dask workers or 0 for the default: cleaning on a pool of worker processes)
CONFIGS = (("default (processes)", 0), ("dask, 1 worker", 1), ("dask, 2 workers", 2))


def measure(args: argparse.Namespace, work: Path, feed_url: str) -> None:
    print(
        f"{args.pages} pages, batch {args.batch}, {args.latency * 1000:.0f} ms server latency, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; {args.repeat} rounds",
        flush=True,
    )
    # Warm-up on a small feed slice: imports, page cache on the server, first flow call.
    run_flow(write_watch(work / "warm.toml", feed_url, 20, args.batch, ""), work / "warm.duckdb")
    floor = min(empty_flow_seconds() for _ in range(args.repeat))
    cluster_start = {n: min(dask_start_seconds(n) for _ in range(args.repeat)) for n in (1, 2)}

    watches = {
        workers: write_watch(
            work / f"r{workers}.toml",
            feed_url,
            args.pages,
            args.batch,
            f'task_runner = "dask"\ndask_workers = {workers}' if workers else "",
        )
        for _, workers in CONFIGS
    }
    best: dict[str, tuple[float, int]] = {}
    ratios: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in CONFIGS}
    stages: dict[str, float] = {}
    # Each flow run is paired with a direct run just before it, and the ratio is taken
    # within the pair: this machine's speed drifts by tens of percent over minutes, so a
    # ratio of two bests taken at different times would measure the drift.
    for round_ in range(args.repeat):
        for label, workers in CONFIGS:
            STAGE_SECONDS.clear()
            db = work / f"direct-{round_}-{workers}.duckdb"
            direct = timed("direct", lambda db=db: run_direct(watches[0], db))
            if "direct" not in best or direct[0] < best["direct"][0]:
                best["direct"], stages = direct, dict(STAGE_SECONDS)
            db = work / f"r{workers}-{round_}.duckdb"
            result = timed(label, lambda w=watches[workers], db=db: run_flow(w, db))
            best[label] = min(best.get(label, result), result)
            net = result[0] - floor - cluster_start.get(workers, 0.0)
            ratios[label].append((result[0] / direct[0], net / direct[0]))

    direct_seconds, direct_stored = best["direct"]
    print()
    print(f"Prefect per-run floor (empty flow run): {floor:.2f} s")
    print(
        "Dask LocalCluster start, workers importing the flow: "
        + ", ".join(f"{n} worker(s) {s:.1f} s" for n, s in cluster_start.items())
    )
    print(
        f"direct stage calls (best): {direct_seconds:.1f} s, {direct_stored} stored, "
        f"{args.pages / direct_seconds:.0f} pages/s; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
        + f" (store: {direct_stored / stages.get('store-batch', 1e-9):.0f} articles/s)"
    )
    print(
        f"{'runner':<18} {'stored':>6} {'best s':>7} {'pages/s':>7} "
        f"{'flow/direct':>11} {'excl. start-up':>14}   (median of {args.repeat} paired runs)"
    )
    for label, _ in CONFIGS:
        seconds, stored = best[label]
        whole = statistics.median(r for r, _ in ratios[label])
        net = statistics.median(n for _, n in ratios[label])
        print(
            f"{label:<18} {stored:>6} {seconds:>7.1f} {args.pages / seconds:>7.0f} "
            f"{whole:>11.2f} {net:>14.2f}"
        )


if __name__ == "__main__":
    main()
