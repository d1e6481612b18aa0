"""The one HTTP client every feed and page request goes through: safe, polite, bounded.

Built on httpcore's connection pools (the engine under httpx) with httpx's URL and
header handling: httpx's client layer on top cost half of our CPU per request.

- Safety: every new connection resolves its host with the event loop's `getaddrinfo`,
  refuses it when any address is loopback, private, link-local, multicast, reserved or
  unspecified (IPv4, IPv6, IPv4-mapped, 6to4 and NAT64 forms), and connects to the very
  address it checked, so a DNS answer cannot change between check and connect. Redirects
  are followed by hand, one hop at a time, so every hop goes through the same check.
  Proxies from the environment are not used: the check must see the destination.
- Politeness: a global limit, a per-host limit and a per-host delay between request
  starts (asyncio semaphores); retries back off exponentially with jitter and honour
  Retry-After.
- Bounds: connect/read timeouts, a total deadline per request, bodies streamed and
  cut at `max_bytes` counted after decompression, inflated step by step so that a gzip
  bomb never grows past the limit in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import random
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt
from tenacity import stop_before_delay as stop_before_total_delay

from newswatch.config import FetchConfig

log = logging.getLogger(__name__)

T = TypeVar("T")
Outcome = Literal["ok", "not_modified", "skipped", "failed"]

# First retry waits about this long, then twice as long each time (plus jitter). One
# second is the usual courtesy interval for a struggling server; tests shrink it.
BACKOFF_BASE_SECONDS = 1.0
# Our own back-off never waits longer than this between two tries. A server's
# Retry-After is honoured as given; when it would overrun `retry_max_seconds` we stop.
BACKOFF_CAP_SECONDS = 60.0
# Connections per httpcore pool (PoliteClient keeps several): small enough that the
# pool's per-request bookkeeping stays cheap. Measured with bare httpx, 2,000 requests
# at 50 connections, 20 ms latency: pools of 5 took 2.7 s, of 10 4.9 s, one of 50 22.6 s.
POOL_SHARD_CONNECTIONS = 4
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Headers not worth keeping with a fetched page (privacy and size).
_DROPPED_HEADERS = frozenset({"set-cookie", "set-cookie2"})


class RefusedAddressError(Exception):
    """A host resolved to an address we do not connect to (private, loopback, ...)."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    """True when `address` (an IP literal) is a globally routable unicast address."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]  # an IPv6 zone id ("fe80::1%eth0") is not part of it
        )
    except ValueError:
        return False
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            candidates = [embedded]  # judged by the IPv4 address it reaches
    return all(
        c.is_global
        and not (
            c.is_private
            or c.is_loopback
            or c.is_link_local
            or c.is_multicast
            or c.is_reserved
            or c.is_unspecified
        )
        for c in candidates
    )


class _AddressGuard(httpcore.AsyncNetworkBackend):
    """A network backend that resolves, checks and then connects to the checked address."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"cannot resolve host {host}: timed out") from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise httpcore.ConnectError(f"cannot resolve host {host}: {reason}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self._allow_private:
            refused = [a for a in addresses if not is_public_address(a)]
            if refused:
                raise RefusedAddressError(
                    f"refused: host {host} resolves to non-public address {refused[0]} "
                    "(set fetch.allow_private_hosts to allow)"
                )
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port, timeout)
        last_error: Exception = httpcore.ConnectError(f"cannot resolve host {host}")
        for address in addresses:  # the next address when one does not answer
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddressError("refused: unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _guarded_pool(
    connections: int, allow_private: bool, ssl_context: ssl.SSLContext
) -> httpcore.AsyncConnectionPool:
    """An httpcore connection pool whose every connection goes through the address guard."""
    return httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=5.0,  # httpx's default
        network_backend=_AddressGuard(allow_private),
    )


@dataclass(frozen=True)
class HttpResult:
    """The outcome of one GET with its redirects: the body when it succeeded."""

    url: str
    final_url: str
    outcome: Outcome
    http_status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    error: str | None = None
    elapsed_ms: int = 0

    def header(self, name: str) -> str | None:
        """The first value of a response header (case-insensitive)."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)


@dataclass(frozen=True)
class _Attempt:
    """One request on one URL (no redirects followed)."""

    outcome: Outcome
    http_status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    error: str | None = None
    location: str | None = None
    retriable: bool = False
    retry_after: float | None = None


@dataclass
class _HostGate:
    """Per-host politeness: at most `limit` requests at once, starts `delay` seconds apart."""

    limit: int
    delay: float
    slots: asyncio.Semaphore = field(init=False)
    _next_start: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.limit)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self.slots:
            if self.delay > 0:
                # Reserve a start time, then sleep outside any lock.
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self.delay
                if start > now:
                    await asyncio.sleep(start - now)
            yield


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace and cut long messages: errors are stored and shown on one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _status_error(response: httpcore.Response) -> str:
    raw = response.extensions.get("reason_phrase", b"")
    phrase = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else ""
    return f"HTTP {response.status}{' ' + phrase if phrase else ''}"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched at all (scheme, host, syntax), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError as exc:
        return f"invalid URL: {exc}: {url}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"unsupported URL scheme: {parts.scheme or '(none)'}: {url}"
    if not parts.hostname:
        return f"invalid URL (no host): {url}"
    return None


def _os_reason(exc: BaseException) -> str:
    """The operating system's words for a network error ("Connection refused"), if any."""
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return str(current.strerror)
        if isinstance(current, OSError) and current.errno:
            return os.strerror(current.errno)
        # httpcore wraps the OSError as an argument; anyio chains the real one as cause.
        queue += [e for e in (current.__cause__, current.__context__) if e is not None]
        queue += [a for a in current.args if isinstance(a, BaseException)]
    return str(exc)


def _describe(exc: BaseException, config: FetchConfig) -> tuple[str, bool]:
    """An error message for a transport failure, and whether retrying may help."""
    if isinstance(exc, RefusedAddressError):
        return str(exc), False
    if isinstance(exc, httpcore.ConnectTimeout):
        return f"connect timeout after {config.connect_timeout:g}s", True
    if isinstance(exc, httpcore.ReadTimeout):
        return f"read timeout: no data for {config.read_timeout:g}s", False
    if isinstance(exc, httpcore.TimeoutException):
        return f"timeout: {exc.__class__.__name__}", False
    if isinstance(exc, httpcore.RemoteProtocolError):
        text = str(exc)
        if "complete message body" in text or "incomplete" in text:
            return f"body shorter than announced (connection closed early): {text}", True
        return f"protocol error: {text or 'server disconnected'}", True
    if isinstance(exc, httpcore.ConnectError) and str(exc).startswith("cannot resolve host"):
        return str(exc), True
    if isinstance(exc, httpcore.ConnectError):
        return f"cannot connect: {_os_reason(exc) or 'connection failed'}", True
    if isinstance(exc, httpcore.ReadError):
        return f"connection broken while reading: {_os_reason(exc) or 'reset by peer'}", True
    if isinstance(exc, httpcore.WriteError):
        return f"connection broken while sending: {_os_reason(exc) or 'reset by peer'}", True
    if isinstance(exc, httpx.DecodingError):
        return f"cannot decode body: {exc}", False
    if isinstance(exc, httpcore.UnsupportedProtocol | httpx.UnsupportedProtocol):
        return f"unsupported URL scheme: {exc}", False
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {exc}", False
    return f"{exc.__class__.__name__}: {exc}", False


# What a request can raise besides our own refusals: httpcore's transport errors, and
# our decoder's httpx.DecodingError.
_TRANSPORT_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpx.HTTPError,
    RefusedAddressError,
)


BodyCheck = Callable[[httpx.Headers], str | None]
HopCheck = Callable[[str], Awaitable[str | None]]


class PoliteClient:
    """An async HTTP client applying a `FetchConfig`: use `async with`, then `await get(url)`."""

    def __init__(
        self,
        config: FetchConfig,
        user_agent: str,
        *,
        host_delays: dict[str, float] | None = None,
    ) -> None:
        self.config = config
        self.user_agent = user_agent
        self._host_delays = {k.lower(): v for k, v in (host_delays or {}).items()}
        self._gates: dict[str, _HostGate] = {}
        self._slots = asyncio.Semaphore(config.concurrency)
        # Several small connection pools instead of one big one: httpcore's pool does
        # O(connections × queued requests) work per request (encode/httpcore#1035), which
        # at 50 connections costs more CPU than the requests themselves.
        shards = -(-config.concurrency // POOL_SHARD_CONNECTIONS)
        per_shard = -(-config.concurrency // shards)
        # One TLS context for all pools: loading the CA bundle takes ~40 ms each time.
        self._ssl_context = httpx.create_ssl_context(trust_env=False)
        self._shards = [
            _guarded_pool(per_shard, config.allow_private_hosts, self._ssl_context)
            for _ in range(shards)
        ]
        self._shard_load = [0] * shards
        self._timeouts = {
            "connect": config.connect_timeout,
            "read": config.read_timeout,
            "write": config.read_timeout,
            "pool": None,  # our semaphores bound the pool; waiting for a slot is not an error
        }
        # Only what _BoundedDecoder can inflate within bounds.
        self._default_headers = [
            (b"User-Agent", user_agent.encode("ascii", errors="replace")),
            (b"Accept-Encoding", b"gzip, deflate"),
        ]

    async def __aenter__(self) -> PoliteClient:
        for shard in self._shards:
            await shard.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for shard in self._shards:
            await shard.aclose()

    def _pick_shard(self, host: str) -> int:
        """A host's home pool (its open connections are there) unless it is full."""
        home = zlib.crc32(host.encode()) % len(self._shards)
        limit = -(-self.config.concurrency // len(self._shards))
        if self._shard_load[home] < limit:
            return home
        return min(range(len(self._shards)), key=self._shard_load.__getitem__)

    def _gate(self, host: str) -> _HostGate:
        gate = self._gates.get(host)
        if gate is None:
            delay = max(self.config.per_host_delay, self._host_delays.get(host, 0.0))
            gate = self._gates[host] = _HostGate(self.config.per_host_concurrency, delay)
        return gate

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body_check: BodyCheck | None = None,
        hop_check: HopCheck | None = None,
        max_bytes: int | None = None,
        truncate: bool = False,
    ) -> HttpResult:
        """GET `url`, following redirects by hand; never raises for network or HTTP faults.

        `body_check(headers)` returns a reason to skip the body (e.g. a PDF), `hop_check(url)`
        a reason not to request a URL at all (e.g. robots.txt); `truncate` keeps the first
        `max_bytes` of a longer body instead of skipping it.
        """
        started = time.monotonic()
        limit = max_bytes if max_bytes is not None else self.config.max_bytes
        chain = [url]
        current = url

        def done(attempt: _Attempt | None = None, **kw: Any) -> HttpResult:
            elapsed = int((time.monotonic() - started) * 1000)
            if attempt is not None:
                return HttpResult(
                    url=url,
                    final_url=current,
                    outcome=attempt.outcome,
                    http_status=attempt.http_status,
                    headers=attempt.headers,
                    body=attempt.body,
                    error=attempt.error,
                    elapsed_ms=elapsed,
                )
            return HttpResult(url=url, final_url=current, elapsed_ms=elapsed, **kw)

        for _hop in range(self.config.max_redirects + 1):
            problem = url_problem(current)
            if problem is not None:
                return done(outcome="failed", error=one_line(problem))
            if hop_check is not None:
                reason = await hop_check(current)
                if reason:
                    return done(outcome="skipped", error=reason)
            attempt = await self._with_retries(current, headers, body_check, limit, truncate)
            if attempt.location is None:
                return done(attempt)
            target = urljoin(current, attempt.location.strip())
            if not target.lower().startswith(("http://", "https://")):
                return done(
                    outcome="failed",
                    http_status=attempt.http_status,
                    error=one_line(f"redirect to a non-HTTP URL: {target}"),
                )
            if target in chain:
                loop = " → ".join([*chain[chain.index(target) :], target])
                return done(
                    outcome="failed",
                    http_status=attempt.http_status,
                    error=one_line(f"redirect loop: {loop}"),
                )
            chain.append(target)
            current = target
        return done(
            outcome="failed",
            error=f"too many redirects (more than {self.config.max_redirects})",
        )

    async def post(
        self, url: str, body: bytes, *, headers: dict[str, str] | None = None
    ) -> HttpResult:
        """POST `body` to an API that answers in place (redirects are not followed)."""
        started = time.monotonic()
        problem = url_problem(url)
        if problem is not None:
            return HttpResult(url=url, final_url=url, outcome="failed", error=one_line(problem))
        attempt = await self._with_retries(url, headers, None, self.config.max_bytes, False, body)
        return HttpResult(
            url=url,
            final_url=url,
            outcome="failed" if attempt.location is not None else attempt.outcome,
            http_status=attempt.http_status,
            headers=attempt.headers,
            body=attempt.body,
            error=attempt.error
            or (f"redirected to {attempt.location}" if attempt.location else None),
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )

    async def _with_retries(
        self,
        url: str,
        headers: dict[str, str] | None,
        body_check: BodyCheck | None,
        max_bytes: int,
        truncate: bool,
        body: bytes | None = None,
    ) -> _Attempt:
        def wait(state: RetryCallState) -> float:
            previous = state.outcome.result() if state.outcome else None
            if previous is not None and previous.retry_after is not None:
                return previous.retry_after
            backoff = BACKOFF_BASE_SECONDS * 2 ** (state.attempt_number - 1)
            return float(min(BACKOFF_CAP_SECONDS, backoff * random.uniform(1.0, 1.5)))

        def give_up(state: RetryCallState) -> _Attempt:
            last: _Attempt = state.outcome.result()  # type: ignore[union-attr]
            retries = state.attempt_number - 1
            if retries and last.error:
                more = f"after {retries} {'retry' if retries == 1 else 'retries'}"
                last = _replace_error(last, f"{last.error} ({more})")
            elif last.retry_after is not None and last.error:
                last = _replace_error(
                    last, f"{last.error} (Retry-After {last.retry_after:g}s exceeds retry budget)"
                )
            return last

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.retries + 1)
            | stop_before_total_delay(self.config.retry_max_seconds),
            wait=wait,
            retry=retry_if_result(lambda a: a.retriable),
            retry_error_callback=give_up,
            sleep=asyncio.sleep,
            reraise=True,
        )
        # Most requests succeed or fail for good at once: those skip tenacity's
        # bookkeeping (about a tenth of the client's CPU per request). The retry clock
        # (retry_max_seconds) starts after this first attempt.
        first = await self._attempt(url, headers, body_check, max_bytes, truncate, body)
        if not first.retriable or self.config.retries == 0:
            return first
        pending = [first]

        async def attempt() -> _Attempt:
            if pending:
                return pending.pop()  # tenacity's attempt 1 is the one already made
            return await self._attempt(url, headers, body_check, max_bytes, truncate, body)

        result: _Attempt = await retrying(attempt)
        return result

    async def _attempt(
        self,
        url: str,
        headers: dict[str, str] | None,
        body_check: BodyCheck | None,
        max_bytes: int,
        truncate: bool,
        body: bytes | None = None,
    ) -> _Attempt:
        try:
            request = self._request(url, headers, body)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return _Attempt("failed", error=one_line(_describe(exc, self.config)[0]))
        host = request.url.host.decode("ascii").lower()
        async with self._gate(host).turn(), self._slots:
            shard = self._pick_shard(host)
            self._shard_load[shard] += 1
            try:
                async with asyncio.timeout(self.config.total_timeout):
                    response = await self._shards[shard].handle_async_request(request)
                    try:
                        return await self._read(response, body_check, max_bytes, truncate)
                    finally:
                        await response.aclose()
            except TimeoutError:
                return _Attempt(
                    "failed",
                    error=f"timeout: no complete response within {self.config.total_timeout:g}s",
                )
            except _TRANSPORT_ERRORS as exc:
                message, retriable = _describe(exc, self.config)
                return _Attempt("failed", error=one_line(message), retriable=retriable)
            finally:
                self._shard_load[shard] -= 1

    def _request(
        self, url: str, headers: dict[str, str] | None, body: bytes | None = None
    ) -> httpcore.Request:
        """An httpcore GET for `url` (a POST of `body` when given), its URL encoded as httpx encodes it (IDNA hosts,
        percent-encoded paths); httpx's client layer is skipped, it cost ~40% of the CPU."""
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme: {parsed.scheme}")
        target = httpcore.URL(
            scheme=parsed.raw_scheme,
            host=parsed.raw_host,
            port=parsed.port,
            target=parsed.raw_path,
        )
        extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
        overridden = {k.lower() for k, _ in extra}
        defaults = [(k, v) for k, v in self._default_headers if k.lower() not in overridden]
        if body is not None:
            extra.append((b"Content-Length", str(len(body)).encode()))
        return httpcore.Request(
            b"GET" if body is None else b"POST",
            target,
            headers=[(b"Host", parsed.netloc), *defaults, *extra],
            content=body,
            extensions={"timeout": self._timeouts},
        )

    async def _read(
        self,
        response: httpcore.Response,
        body_check: BodyCheck | None,
        max_bytes: int,
        truncate: bool,
    ) -> _Attempt:
        status = response.status
        received = httpx.Headers(response.headers)
        headers = tuple(
            (k, v) for k, v in received.multi_items() if k.lower() not in _DROPPED_HEADERS
        )
        if status in REDIRECT_CODES and received.get("location"):
            return _Attempt(
                "ok", http_status=status, headers=headers, location=received["location"]
            )
        if status == 304:
            return _Attempt("not_modified", http_status=status, headers=headers)
        if status >= 300:
            # 429 and 5xx are worth another try; other codes will not change.
            retriable = status == 429 or status >= 500
            retry_after = parse_retry_after(received.get("retry-after"))
            return _Attempt(
                "failed",
                http_status=status,
                headers=headers,
                error=_status_error(response),
                retriable=retriable,
                retry_after=retry_after if retriable else None,
            )
        if body_check is not None:
            reason = body_check(received)
            if reason:
                return _Attempt("skipped", http_status=status, headers=headers, error=reason)
        too_large = f"too large: more than {max_bytes} bytes"
        declared = received.get("content-length", "")
        encoding = received.get("content-encoding", "").strip().lower()
        if declared.isdigit() and int(declared) > max_bytes and not encoding and not truncate:
            return _Attempt(
                "skipped",
                http_status=status,
                headers=headers,
                error=f"{too_large} (Content-Length {declared})",
            )
        try:
            decoder = _BoundedDecoder(encoding)
        except ValueError as exc:
            return _Attempt("failed", http_status=status, headers=headers, error=str(exc))
        body = bytearray()
        # Raw (still compressed) bytes in, at most the remaining allowance out per step:
        # a gzip bomb is stopped at max_bytes without ever being inflated further.
        async for raw in response.aiter_stream():
            body += decoder.decode(raw, max_bytes + 1 - len(body))
            if len(body) > max_bytes:
                break
        else:
            body += decoder.flush(max_bytes + 1 - len(body))
        if len(body) > max_bytes:
            if truncate:
                return _Attempt(
                    "ok", http_status=status, headers=headers, body=bytes(body[:max_bytes])
                )
            after = " after decompression" if encoding else ""
            return _Attempt("skipped", http_status=status, headers=headers, error=too_large + after)
        return _Attempt("ok", http_status=status, headers=headers, body=bytes(body))


class _BoundedDecoder:
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
            return data[: max(allowance, 0)]
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


def _replace_error(attempt: _Attempt, error: str) -> _Attempt:
    return _Attempt(
        attempt.outcome,
        http_status=attempt.http_status,
        headers=attempt.headers,
        body=attempt.body,
        error=one_line(error),
        location=attempt.location,
        retriable=attempt.retriable,
        retry_after=attempt.retry_after,
    )


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when called inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    # Called from async code (e.g. a notebook): a private loop in a worker thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of `name` in a header list (case-insensitive)."""
    low = name.lower()
    return next((v for k, v in headers if k.lower() == low), None)
