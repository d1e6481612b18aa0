"""Fetch cost: CPU per page of fetch_pages (the HTTP layer) beside a bare httpx.AsyncClient.

A loopback asyncio HTTP server (its own process, so it does not share the client's GIL)
answers every request after a fixed latency. For each concurrency C, in one run:
- fetch_pages fetches N pages with concurrency = per_host_concurrency = C (the whole
  layer: guard, politeness, retries, bounded decoding, HTML decoding, FetchedPage);
- one bare httpx.AsyncClient (no policy, one pool of C connections, a semaphore of C)
  fetches the same pages.
Printed: wall, the bound pages x latency / C, and each client's CPU milliseconds per
page, their ratio, and the layer's ratio to the client it replaced (figures below).
On a small machine the clients are CPU-bound at high C: CPU per page is the measure.

    .venv/bin/python bench/bench_fetch.py [--pages 2000] [--latency 0.02] [--concurrency 16 32]
        [--rounds 3] [--replaced /tmp/old]

The machine is shared, so CPU per page drifts with load: `--rounds` repeats every
measurement and prints the median. `--replaced DIR` (a checkout of the replaced client,
`git worktree add /tmp/old 487c096`) also measures it in the same run, interleaved, in
its own process: a same-load ratio besides the one to the recorded figures.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve()

# CPU ms per page of the client this layer replaced (sources/client.py on bare httpcore,
# commit 487c096), measured on this machine by this bench's previous version, 2000 pages,
# 20 ms latency: 0.87 s at 16 connections, 0.84 s at 32 (two runs, same figures).
REPLACED_CLIENT_CPU_MS_PER_PAGE = {16: 0.435, 32: 0.420}

PAGE = (
    b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Page %s</title></head>"
    b"<body><article><h1>Page %s</h1><p>"
    + b"Lorem ipsum dolor sit amet. " * 60
    + b"</p></article></body></html>"
)


def _serve(latency: float, ports: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                await asyncio.sleep(latency)
                path = head.split(b" ", 2)[1]
                if path == b"/robots.txt":
                    status, body = b"404 Not Found", b"not found"
                else:
                    status, body = b"200 OK", PAGE % (path, path)
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
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


def run_layer(pages: int, concurrency: int, base_url: str) -> tuple[float, float, int]:
    """fetch_pages over `pages` URLs: (wall seconds, CPU seconds, pages ok).

    Whichever newswatch is first on sys.path: this checkout, or the replaced client's.
    """
    from newswatch.config import FetchConfig
    from newswatch.domain import CandidateLink
    from newswatch.sources.fetch import fetch_pages

    links = [
        CandidateLink(url=f"{base_url}/p/{i}", canonical_url=f"{base_url}/p/{i}", source="bench")
        for i in range(pages)
    ]
    settings: dict[str, object] = {
        "allow_private_hosts": True,
        "concurrency": concurrency,
        "per_host_concurrency": concurrency,
        "max_pages_per_run": pages,
        "retries": 0,
    }
    if "http2" in FetchConfig.model_fields:  # the layer; the replaced client had delay 0
        settings["per_host_delay"] = 0.0
    config = FetchConfig(**settings)  # type: ignore[arg-type]
    started, cpu = time.perf_counter(), time.process_time()
    fetched = fetch_pages(links, config, "newswatch-bench/1.0")
    wall = time.perf_counter() - started
    return wall, time.process_time() - cpu, sum(p.status == "ok" for p in fetched)


def run_replaced(root: str, pages: int, concurrency: int, base_url: str) -> float:
    """CPU seconds of the replaced client (checkout `root`) on the same pages, own process."""
    env = {**os.environ, "PYTHONPATH": root}
    out = subprocess.run(
        [sys.executable, str(HERE), "--worker", base_url, str(pages), str(concurrency)],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=True,
    ).stdout
    return float(out.split()[-1])


def run_bare_httpx(pages: int, concurrency: int, base_url: str) -> tuple[float, float]:
    """The same pages with one bare httpx.AsyncClient and a semaphore: (wall s, CPU s)."""

    async def fetch_all() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        slots = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(limits=limits) as client:

            async def one(i: int) -> None:
                async with slots:
                    (await client.get(f"{base_url}/p/{i}")).raise_for_status()

            await asyncio.gather(*(one(i) for i in range(pages)))

    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(fetch_all())
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--replaced", help="checkout of the replaced client (same-run ratio)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # inside run_replaced's process: PYTHONPATH names the checkout
        base_url, pages, concurrency = args.worker[0], int(args.worker[1]), int(args.worker[2])
        run_layer(50, 10, base_url)
        print(run_layer(pages, concurrency, base_url)[1])
        return
    sys.path.insert(0, str(HERE.parents[1]))

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(args.latency, ports), daemon=True)
    server.start()
    try:
        base_url = f"http://127.0.0.1:{ports.get(timeout=10)}"
        run_layer(50, 10, base_url)  # warm-up: imports, first connections
        run_bare_httpx(50, 10, base_url)
        print(
            f"{args.pages} pages, {args.latency * 1000:.0f} ms server latency per request, "
            f"median of {args.rounds} round(s); CPU in ms per page"
        )
        print(
            f"{'conc':>4} {'ok':>5} {'wall s':>7} {'bound s':>7} {'layer':>6} {'bare httpx':>10} "
            f"{'layer/bare':>10} {'recorded old':>12} {'layer/recorded':>14} "
            f"{'old same run':>12} {'layer/old':>9}"
        )
        for concurrency in args.concurrency:
            layer, bare, same_run_old, walls, oks = [], [], [], [], []
            for _round in range(args.rounds):
                wall, cpu, ok = run_layer(args.pages, concurrency, base_url)
                layer.append(cpu / args.pages * 1000)
                walls.append(wall)
                oks.append(ok)
                bare_cpu = run_bare_httpx(args.pages, concurrency, base_url)[1]
                bare.append(bare_cpu / args.pages * 1000)
                if args.replaced:
                    old_cpu = run_replaced(args.replaced, args.pages, concurrency, base_url)
                    same_run_old.append(old_cpu / args.pages * 1000)
            layer_ms, bare_ms = statistics.median(layer), statistics.median(bare)
            recorded = REPLACED_CLIENT_CPU_MS_PER_PAGE.get(concurrency)
            recorded_text = (
                f"{recorded:>12.3f} {layer_ms / recorded:>14.2f}" if recorded else f"{'-':>27}"
            )
            old_ms = statistics.median(same_run_old) if same_run_old else None
            old_text = f"{old_ms:>12.3f} {layer_ms / old_ms:>9.2f}" if old_ms else f"{'-':>22}"
            print(
                f"{concurrency:>4} {min(oks):>5} {statistics.median(walls):>7.2f} "
                f"{args.pages * args.latency / concurrency:>7.2f} {layer_ms:>6.3f} "
                f"{bare_ms:>10.3f} {layer_ms / bare_ms:>10.2f} {recorded_text} {old_text}"
            )
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
