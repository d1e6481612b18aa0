"""`GuardedTransport`: the httpx transport under every request newswatch makes.

It wraps `httpx.AsyncHTTPTransport` and adds, per request:
- the address guard (sources/http/guard.py) on every new connection, and on the
  destination of every proxied request;
- per-host politeness: a global and a per-host concurrency limit and a gap between
  request starts to one host (the watch's delay, or a robots.txt Crawl-delay),
  held until the body is read;
- a total deadline per request that starts after the politeness wait;
- bounded decompression: gzip/deflate bodies are inflated step by step and never
  past the request's byte cap (a gzip bomb stops at the cap, in memory too).

Several small pools (shards) instead of one: see POOL_SHARD_CONNECTIONS.
Redirects and retries are the client's (sources/http/client.py): each hop and each
retry is a new request through this transport, so each is checked and gated.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpcore
import httpx

from newswatch.sources.http.guard import (
    AddressRule,
    GuardedBackend,
    is_private_literal,
    resolve_checked,
)
from newswatch.sources.http.policy import (
    DEFAULT_PER_HOST_DELAY_SECONDS,
    POOL_SHARD_CONNECTIONS,
    HttpPolicy,
    Politeness,
)

log = logging.getLogger(__name__)

# Request extension naming the byte cap of the decoded body (default: policy.max_bytes).
MAX_BYTES_EXTENSION = "newswatch.max_bytes"
# Response extension holding the Content-Encoding the transport decoded ("" for none).
DECODED_ENCODING_EXTENSION = "newswatch.decoded_encoding"


class DeadlineExceeded(httpx.TimeoutException):
    """No complete response within the policy's total timeout."""


@functools.lru_cache(maxsize=4)
def _ssl_context(trust_env: bool, cert_file: str | None, cert_dir: str | None) -> Any:
    # Loading a CA bundle takes ~40 ms: one context per environment for every pool.
    return httpx.create_ssl_context(trust_env=trust_env)


def ssl_context_for(policy: HttpPolicy) -> Any:
    """The TLS context: certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR when trust_env."""
    env = os.environ
    return _ssl_context(policy.trust_env, env.get("SSL_CERT_FILE"), env.get("SSL_CERT_DIR"))


def http2_available() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


class BoundedDecoder:
    """Content-Encoding decoding that never produces more than it is allowed to.

    httpx's own decoders inflate each network chunk whole: a 64 KiB chunk of a gzip bomb
    becomes ~64 MiB at once. zlib's `max_length` stops at the allowance instead.
    """

    def __init__(self, encoding: str) -> None:
        self._first = True
        self._raw_deflate_fallback = False
        self._zlib: Any = None
        if encoding in ("", "identity"):
            return
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            # "deflate" should be zlib-wrapped, but many servers send raw deflate.
            self._zlib = zlib.decompressobj()
            self._raw_deflate_fallback = True
        else:
            raise ValueError(f"unsupported content encoding: {encoding}")

    def decode(self, data: bytes, allowance: int) -> bytes:
        if self._zlib is None:
            return data
        try:
            out: bytes = self._zlib.decompress(data, max(allowance, 1))
        except zlib.error as exc:
            if not (self._first and self._raw_deflate_fallback):
                raise httpx.DecodingError(f"corrupt {exc}") from None
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, max(allowance, 1))
        self._first = False
        return out

    def flush(self, allowance: int) -> bytes:
        if self._zlib is None:
            return b""
        # Output held back by max_length is in unconsumed_tail; one more bounded step.
        out: bytes = self._zlib.decompress(self._zlib.unconsumed_tail, max(allowance, 1))
        return out


# The last request start per host in this process, across clients: a run fetches its
# pages in consecutive batches, each with its own client, and the gap to a host must
# hold across the boundary too.
_LAST_START: dict[str, float] = {}


class _HostGate:
    """One host: at most `limit` requests at once, starts at least `delay` seconds apart."""

    __slots__ = ("delay", "host", "slots")

    def __init__(self, host: str, limit: int, delay: float) -> None:
        self.host = host
        self.slots = asyncio.Semaphore(limit)
        self.delay = delay

    async def wait_turn(self) -> None:
        # Reserve a start time, then sleep outside any lock; from the last start (not a
        # precomputed next start) so that a delay raised meanwhile (Crawl-delay) counts.
        now = time.monotonic()
        start = max(now, _LAST_START.get(self.host, float("-inf")) + self.delay)
        _LAST_START[self.host] = start
        if start > now:
            await asyncio.sleep(start - now)


class HostPoliteness:
    """The politeness state of one client: a gate per host and one global limit."""

    def __init__(self, politeness: Politeness) -> None:
        self._politeness = politeness
        self._global = asyncio.Semaphore(politeness.concurrency)
        self._gates: dict[str, _HostGate] = {}
        self._host_delays = {h.lower(): d for h, d in politeness.host_delays}

    def _base_delay(self, host: str) -> float:
        configured = self._politeness.per_host_delay
        if configured is None:
            configured = 0.0 if is_private_literal(host) else DEFAULT_PER_HOST_DELAY_SECONDS
        return max(configured, self._host_delays.get(host, 0.0))

    def gate(self, host: str) -> _HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = _HostGate(host, self._politeness.per_host_concurrency, self._base_delay(host))
            self._gates[host] = gate
        return gate

    def honour_crawl_delay(self, host: str, seconds: float) -> float:
        """Space requests to `host` at least `seconds` apart (capped); the delay now used."""
        gate = self.gate(host.lower())
        wanted = min(max(seconds, 0.0), self._politeness.max_crawl_delay)
        gate.delay = max(gate.delay, wanted)
        return gate.delay

    def delay_for(self, host: str) -> float:
        return self.gate(host.lower()).delay

    async def acquire(self, host: str) -> Callable[[], None]:
        """Wait for `host`'s turn and a global slot; returns the release to call once."""
        gate = self.gate(host)
        await gate.slots.acquire()
        try:
            if gate.delay > 0:
                await gate.wait_turn()
            await self._global.acquire()
        except BaseException:
            gate.slots.release()
            raise
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._global.release()
                gate.slots.release()

        return release


class _BoundedStream(httpx.AsyncByteStream):
    """The response body: decoded within the cap, within the deadline; releases on close."""

    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        decoder: BoundedDecoder,
        cap: int,
        deadline: float,
        policy: HttpPolicy,
        on_close: Callable[[], None],
    ) -> None:
        self._inner = inner
        self._decoder = decoder
        self._cap = cap
        self._deadline = deadline
        self._policy = policy
        self._on_close = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        produced = 0
        chunks = self._inner.__aiter__()
        loop = asyncio.get_running_loop()
        # While more than a read timeout is left, one read cannot pass the deadline (the
        # read timeout fires first): the deadline is armed only for the last reads.
        slack = self._policy.read_timeout
        while True:
            try:
                if self._deadline - loop.time() > slack:
                    raw = await chunks.__anext__()
                else:
                    async with asyncio.timeout_at(self._deadline):
                        raw = await chunks.__anext__()
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise DeadlineExceeded(self._deadline_message()) from None
            # Raw (still compressed) bytes in, at most the remaining allowance out:
            # one byte past the cap is enough for the reader to know it is too large.
            out = self._decoder.decode(raw, self._cap + 1 - produced)
            if out:
                produced += len(out)
                yield out
            if produced > self._cap:
                return
        tail = self._decoder.flush(self._cap + 1 - produced)
        if tail:
            yield tail

    def _deadline_message(self) -> str:
        return f"timeout: no complete response within {self._policy.total_timeout:g}s"

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._on_close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """Guard, politeness, deadline and bounded decoding around httpx's own transport."""

    def __init__(self, policy: HttpPolicy) -> None:
        self.policy = policy
        self.politeness = HostPoliteness(policy.politeness)
        self._http2 = policy.http2 and http2_available()
        if policy.http2 and not self._http2:
            log.warning("fetch.http2 is on but the h2 package is missing: using HTTP/1.1")
        self._ssl = ssl_context_for(policy)
        self._rule = AddressRule(policy.allow_private_hosts, policy.allowed_networks)
        connections = policy.politeness.concurrency
        shards = -(-connections // POOL_SHARD_CONNECTIONS)
        self._per_shard = -(-connections // shards)
        self._shards = [self._direct_transport() for _ in range(shards)]
        self._shard_load = [0] * shards
        self._proxy_urls = urllib.request.getproxies_environment() if policy.trust_env else {}
        self._proxies: dict[str, httpx.AsyncHTTPTransport] = {}

    def _limits(self, connections: int) -> httpx.Limits:
        return httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    def _direct_transport(self) -> httpx.AsyncHTTPTransport:
        transport = httpx.AsyncHTTPTransport(
            verify=self._ssl, http2=self._http2, limits=self._limits(self._per_shard)
        )
        # httpx offers no hook for the network backend: the same pool it would build,
        # with the guard as the one place a host name becomes a socket.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl,
            max_connections=self._per_shard,
            max_keepalive_connections=self._per_shard,
            keepalive_expiry=5.0,  # httpx's default
            http1=True,
            http2=self._http2,
            network_backend=GuardedBackend(self._rule),
        )
        return transport

    def proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy URL the environment names for `url` (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY)."""
        if not self._proxy_urls:
            return None
        proxy = self._proxy_urls.get(url.scheme) or self._proxy_urls.get("all")
        if not proxy:
            return None
        host = url.host if url.port is None else f"{url.host}:{url.port}"
        # NO_PROXY, read as urllib reads it (not in typeshed, present on every platform).
        if urllib.request.proxy_bypass_environment(host, self._proxy_urls):  # type: ignore[attr-defined]
            return None
        return proxy

    def _proxy_transport(self, proxy: str) -> httpx.AsyncHTTPTransport:
        transport = self._proxies.get(proxy)
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                verify=self._ssl,
                http2=self._http2,
                limits=self._limits(self.policy.politeness.concurrency),
                proxy=proxy,
            )
            self._proxies[proxy] = transport
        return transport

    def _pick_shard(self, host: str) -> int:
        """A host's home shard (its open connections are there) unless it is full."""
        home = zlib.crc32(host.encode()) % len(self._shards)
        if self._shard_load[home] < self._per_shard:
            return home
        return min(range(len(self._shards)), key=self._shard_load.__getitem__)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme: {url.scheme}")
        host = url.host
        release_turn = await self.politeness.acquire(host)
        total = self.policy.total_timeout
        deadline = asyncio.get_running_loop().time() + total
        shard = -1
        proxy = self.proxy_for(url)
        try:
            if proxy is not None:
                inner: httpx.AsyncBaseTransport = self._proxy_transport(proxy)
                if not self.policy.allow_private_hosts:
                    # The proxy connects, so check where it would connect to.
                    port = url.port or (443 if url.scheme == "https" else 80)
                    async with asyncio.timeout_at(deadline):
                        await resolve_checked(host, port, self._rule, self.policy.connect_timeout)
            else:
                shard = self._pick_shard(host)
                self._shard_load[shard] += 1
                inner = self._shards[shard]
            try:
                async with asyncio.timeout_at(deadline):
                    response = await inner.handle_async_request(request)
            except TimeoutError:
                raise DeadlineExceeded(
                    f"timeout: no complete response within {total:g}s", request=request
                ) from None
        except BaseException:
            self._done(shard, release_turn)
            raise
        return self._bounded(request, response, deadline, lambda: self._done(shard, release_turn))

    def _done(self, shard: int, release_turn: Callable[[], None]) -> None:
        if shard >= 0:
            self._shard_load[shard] -= 1
        release_turn()

    def _bounded(
        self,
        request: httpx.Request,
        response: httpx.Response,
        deadline: float,
        on_close: Callable[[], None],
    ) -> httpx.Response:
        encoding = response.headers.get("content-encoding", "").strip().lower()
        headers = response.headers
        try:
            decoder = BoundedDecoder(encoding)
        except ValueError:
            # Passed through with its header: the reader reports it.
            decoder, encoding = BoundedDecoder(""), ""
        if encoding:
            # Decoded here: httpx must not decode it a second time.
            headers = httpx.Headers(
                [(k, v) for k, v in headers.multi_items() if k.lower() != "content-encoding"]
            )
        cap = request.extensions.get(MAX_BYTES_EXTENSION, self.policy.max_bytes)
        stream = _BoundedStream(
            response.stream,  # type: ignore[arg-type]
            decoder,
            cap,
            deadline,
            self.policy,
            on_close,
        )
        # The inner response, reused (a second Response would copy its headers again).
        response.stream = stream
        response.headers = headers
        response.extensions[DECODED_ENCODING_EXTENSION] = encoding
        return response

    async def aclose(self) -> None:
        for transport in [*self._shards, *self._proxies.values()]:
            await transport.aclose()
