"""Fetch throughput: does fetch_pages reach the concurrency bound?

A loopback asyncio HTTP server (its own process, so it does not share the client's GIL)
answers every request after a fixed latency. fetch_pages fetches N pages with
concurrency = per_host_concurrency = C. The best possible wall time is
pages × latency / C; the ratio wall / bound shows the client's own overhead (goal ≤ 1.5;
the default concurrency is 16). Two more columns say where the time goes: the client's
CPU seconds (wall ≈ CPU means the client is CPU-bound, not waiting), and the same pages
fetched with one bare httpx.AsyncClient (no policy) at the same concurrency. At high C
on a small machine the client is CPU-bound: the ratio then measures CPU per request.

    .venv/bin/python bench/bench_fetch.py [--pages 2000] [--latency 0.02] [--concurrency 8 16 32 50] [--no-plain]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newswatch.config import FetchConfig
from newswatch.domain import CandidateLink
from newswatch.sources.fetch import fetch_pages

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


def run(pages: int, concurrency: int, base_url: str) -> tuple[float, float, int]:
    """fetch_pages over `pages` URLs: (wall seconds, client CPU seconds, pages ok)."""
    links = [
        CandidateLink(url=f"{base_url}/p/{i}", canonical_url=f"{base_url}/p/{i}", source="bench")
        for i in range(pages)
    ]
    config = FetchConfig(
        allow_private_hosts=True,
        concurrency=concurrency,
        per_host_concurrency=concurrency,
        max_pages_per_run=pages,
        retries=0,
    )
    started, cpu = time.perf_counter(), time.process_time()
    fetched = fetch_pages(links, config, "newswatch-bench/1.0")
    wall = time.perf_counter() - started
    return wall, time.process_time() - cpu, sum(p.status == "ok" for p in fetched)


def run_plain_httpx(pages: int, concurrency: int, base_url: str) -> float:
    """The same pages with one bare httpx.AsyncClient and a semaphore: the reference."""

    async def fetch_all() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        slots = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(limits=limits) as client:

            async def one(i: int) -> None:
                async with slots:
                    (await client.get(f"{base_url}/p/{i}")).raise_for_status()

            await asyncio.gather(*(one(i) for i in range(pages)))

    started = time.perf_counter()
    asyncio.run(fetch_all())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16, 32, 50])
    parser.add_argument(
        "--no-plain", dest="plain", action="store_false", help="skip the bare-httpx reference"
    )
    args = parser.parse_args()

    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(args.latency, ports), daemon=True)
    server.start()
    try:
        base_url = f"http://127.0.0.1:{ports.get(timeout=10)}"
        run(50, 10, base_url)  # warm-up: imports, first connections
        print(f"{args.pages} pages, {args.latency * 1000:.0f} ms server latency per request")
        print(
            f"{'concurrency':>11} {'ok':>5} {'wall s':>7} {'bound s':>7} {'ratio':>6} "
            f"{'pages/s':>7} {'client CPU s':>12} {'plain httpx wall s':>18}"
        )
        for concurrency in args.concurrency:
            wall, cpu, ok = run(args.pages, concurrency, base_url)
            bound = args.pages * args.latency / concurrency
            plain = (
                run_plain_httpx(args.pages, concurrency, base_url) if args.plain else float("nan")
            )
            print(
                f"{concurrency:>11} {ok:>5} {wall:>7.2f} {bound:>7.2f} {wall / bound:>6.2f} "
                f"{args.pages / wall:>7.0f} {cpu:>12.2f} {plain:>18.2f}"
            )
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
