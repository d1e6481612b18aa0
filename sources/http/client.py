"""`HttpClient`: one `httpx.AsyncClient` on a `GuardedTransport`, with the layer's
redirect and retry rules. Every request newswatch makes goes through it.

- `get(url)`: follows redirects itself, one hop at a time, so each hop is checked by
  the guard, gated by politeness, and asked `hop_check` (robots.txt). Cookies set on
  the way are sent on the next hops of the same fetch only (a set-cookie-then-redirect
  site is not a loop); nothing is kept across fetches.
- `post_json(url, payload)`: one POST (Slack, the LLM endpoint), no redirects.
- Both retry by `policy.retry` (tenacity): 429, 5xx and connection failures, with
  exponential back-off and jitter, a server's Retry-After honoured within the budget.
- Neither raises for network or HTTP faults: an `HttpResult` says what happened, with
  an error fit for one line of a report.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urljoin

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt
from tenacity import stop_before_delay as stop_before_total_delay

from newswatch.sources.http.guard import RefusedAddressError
from newswatch.sources.http.policy import HttpPolicy, parse_retry_after
from newswatch.sources.http.support import one_line, url_problem
from newswatch.sources.http.transport import (
    DECODED_ENCODING_EXTENSION,
    MAX_BYTES_EXTENSION,
    DeadlineExceeded,
    GuardedTransport,
    HostPoliteness,
)

Outcome = Literal["ok", "not_modified", "skipped", "failed"]
BodyCheck = Callable[[httpx.Headers], str | None]
HopCheck = Callable[[str], Awaitable[str | None]]

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Headers not worth keeping with a fetched page (privacy and size).
_DROPPED_HEADERS = frozenset({"set-cookie", "set-cookie2"})
# Only what the transport's bounded decoder can inflate.
ACCEPT_ENCODING = "gzip, deflate"
# What a response's stream is replaced with once its body has been read (see _attempt).
_SPENT_STREAM = httpx.ByteStream(b"")


@dataclass(frozen=True)
class HttpResult:
    """The outcome of one request with its redirects: the body when it succeeded."""

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
    cookies: httpx.Cookies | None = None


@dataclass(frozen=True)
class _Body:
    """What a POST sends: JSON to encode, or bytes as they are."""

    json: Any = None
    content: bytes | None = None


class _NoCookies(httpx.Cookies):
    """A cookie store that keeps nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class _AsyncClient(httpx.AsyncClient):
    """httpx.AsyncClient without a client-wide cookie store.

    Cookies live within one fetch (`HttpClient.get`); httpx would otherwise copy every
    response's cookies into a jar shared by all fetches (one site's session sent on the
    next fetch from it), at about a tenth of the layer's CPU per request.
    """

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        pass


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps: causes, contexts, exception arguments (httpcore's style)."""
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        queue += [e for e in (current.__cause__, current.__context__) if e is not None]
        queue += [a for a in current.args if isinstance(a, BaseException)]


def _tls_problem(exc: BaseException) -> str | None:
    """What went wrong in a TLS handshake ("certificate verify failed: ..."), if that was it."""
    for current in _causes(exc):
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {current.verify_message}"
        if isinstance(current, ssl.SSLError):
            return f"TLS error: {current.reason or current}"
    return None


def _os_reason(exc: BaseException) -> str:
    """The operating system's words for a network error ("Connection refused"), if any."""
    for current in _causes(exc):
        if isinstance(current, socket.gaierror):
            return str(current.strerror)
        if isinstance(current, OSError) and current.errno:
            return os.strerror(current.errno)
    return str(exc)


def describe_error(exc: BaseException, policy: HttpPolicy) -> tuple[str, bool]:
    """An error message for a transport failure, and whether retrying may help."""
    if isinstance(exc, RefusedAddressError | DeadlineExceeded):
        return str(exc), False
    if isinstance(exc, httpx.ConnectTimeout):
        if str(exc).startswith("cannot resolve host"):
            return str(exc), True
        return f"connect timeout after {policy.connect_timeout:g}s", True
    if isinstance(exc, httpx.ReadTimeout):
        return f"read timeout: no data for {policy.read_timeout:g}s", False
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: {exc.__class__.__name__}", False
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        if "complete message body" in text or "incomplete" in text:
            return f"body shorter than announced (connection closed early): {text}", True
        return f"protocol error: {text or 'server disconnected'}", True
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {exc}", True
    if isinstance(exc, httpx.ConnectError) and str(exc).startswith("cannot resolve host"):
        return str(exc), True
    if isinstance(exc, httpx.ConnectError):
        tls = _tls_problem(exc)
        if tls is not None:  # a certificate does not start being trusted on a retry
            return tls, False
        return f"cannot connect: {_os_reason(exc) or 'connection failed'}", True
    if isinstance(exc, httpx.ReadError):
        return f"connection broken while reading: {_os_reason(exc) or 'reset by peer'}", True
    if isinstance(exc, httpx.WriteError):
        return f"connection broken while sending: {_os_reason(exc) or 'reset by peer'}", True
    if isinstance(exc, httpx.DecodingError):
        return f"cannot decode body: {exc}", False
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL scheme: {exc}", False
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {exc}", False
    return f"{exc.__class__.__name__}: {exc}", False


def _status_error(response: httpx.Response) -> str:
    phrase = response.reason_phrase
    return f"HTTP {response.status_code}{' ' + phrase if phrase else ''}"


class HttpClient:
    """The HTTP layer for one stage: `async with HttpClient(policy) as http: await http.get(url)`."""

    def __init__(self, policy: HttpPolicy) -> None:
        self.policy = policy
        self.transport = GuardedTransport(policy)
        self._base_headers = {
            "User-Agent": policy.user_agent.encode("ascii", errors="replace").decode(),
            "Accept-Encoding": ACCEPT_ENCODING,
            "Accept": "*/*",
        }
        timeout = httpx.Timeout(
            connect=policy.connect_timeout,
            read=policy.read_timeout,
            write=policy.read_timeout,
            pool=None,  # politeness bounds the pool; waiting for a slot is not an error
        )
        self._timeouts = timeout.as_dict()
        self.http = _AsyncClient(
            transport=self.transport,
            headers=self._base_headers,
            timeout=timeout,
            follow_redirects=False,  # followed in `get`, each hop checked
            trust_env=False,  # the transport reads proxies and CA bundles from the environment
        )

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        if not extra:
            return self._base_headers
        merged = {
            k: v
            for k, v in self._base_headers.items()
            if k.lower() not in {e.lower() for e in extra}
        }
        merged.update(extra)
        return merged

    @property
    def politeness(self) -> HostPoliteness:
        """Per-host gates: robots.txt raises a host's delay with `honour_crawl_delay`."""
        return self.transport.politeness

    async def __aenter__(self) -> HttpClient:
        await self.http.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.http.__aexit__(*exc)

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
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
        limit = max_bytes if max_bytes is not None else self.policy.max_bytes
        chain = [url]
        current = url
        cookies: httpx.Cookies | None = None

        def done(attempt: _Attempt | None = None, **kw: Any) -> HttpResult:
            elapsed = int((time.monotonic() - started) * 1000)
            if attempt is not None:
                kw = {
                    "outcome": attempt.outcome,
                    "http_status": attempt.http_status,
                    "headers": attempt.headers,
                    "body": attempt.body,
                    "error": attempt.error,
                }
            return HttpResult(url=url, final_url=current, elapsed_ms=elapsed, **kw)

        for _hop in range(self.policy.max_redirects + 1):
            problem = url_problem(current)
            if problem is not None:
                return done(outcome="failed", error=one_line(problem))
            if hop_check is not None:
                reason = await hop_check(current)
                if reason:
                    return done(outcome="skipped", error=reason)

            def send(target: str = current, jar: httpx.Cookies | None = cookies) -> Any:
                return self._attempt("GET", target, headers, None, body_check, limit, truncate, jar)

            attempt = await self._with_retries(send)
            if attempt.location is None:
                return done(attempt)
            if attempt.cookies is not None:
                cookies = attempt.cookies
            target = urljoin(current, attempt.location.strip())
            if not target.lower().startswith(("http://", "https://")):
                return done(
                    outcome="failed",
                    http_status=attempt.http_status,
                    error=one_line(f"redirect to a non-HTTP URL: {target}"),
                )
            # A site that sets a cookie and redirects to itself is waiting for the
            # cookie, not looping: a URL seen before is a loop only when no new cookie
            # came with the hop.
            if target in chain and attempt.cookies is None:
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
            error=f"too many redirects (more than {self.policy.max_redirects})",
        )

    async def post_json(
        self,
        url: str,
        payload: Any,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> HttpResult:
        """POST `payload` as JSON; no redirects followed. An error status keeps its body."""
        return await self._post(url, headers, max_bytes, _Body(json=payload))

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> HttpResult:
        """POST raw `body` (set its Content-Type in `headers`) to an API that answers in
        place: a redirect is a failure ("redirected to ..."), not followed."""
        return await self._post(url, headers, max_bytes, _Body(content=body))

    async def _post(
        self, url: str, headers: Mapping[str, str] | None, max_bytes: int | None, body: _Body
    ) -> HttpResult:
        started = time.monotonic()
        problem = url_problem(url)
        if problem is not None:
            return HttpResult(url=url, final_url=url, outcome="failed", error=one_line(problem))
        limit = max_bytes if max_bytes is not None else self.policy.max_bytes

        def send() -> Any:
            return self._attempt("POST", url, headers, body, None, limit, True, None)

        attempt = await self._with_retries(send)
        return HttpResult(
            url=url,
            final_url=url,
            outcome=attempt.outcome,
            http_status=attempt.http_status,
            headers=attempt.headers,
            body=attempt.body,
            error=attempt.error,
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )

    async def _with_retries(self, send: Callable[[], Awaitable[_Attempt]]) -> _Attempt:
        retry = self.policy.retry

        def wait(state: RetryCallState) -> float:
            previous = state.outcome.result() if state.outcome else None
            if previous is not None and previous.retry_after is not None:
                return float(previous.retry_after)
            return retry.backoff(state.attempt_number)

        def give_up(state: RetryCallState) -> _Attempt:
            last: _Attempt = state.outcome.result()  # type: ignore[union-attr]
            retries = state.attempt_number - 1
            if retries and last.error:
                more = f"after {retries} {'retry' if retries == 1 else 'retries'}"
                return replace(last, error=one_line(f"{last.error} ({more})"))
            if last.retry_after is not None and last.error:
                budget = f"Retry-After {last.retry_after:g}s exceeds retry budget"
                return replace(last, error=one_line(f"{last.error} ({budget})"))
            return last

        # Most requests succeed or fail for good at once: those skip tenacity's
        # bookkeeping. The retry budget's clock starts after this first attempt.
        first = await send()
        if not first.retriable or retry.retries == 0:
            return first
        pending = [first]

        async def attempt() -> _Attempt:
            if pending:
                return pending.pop()  # tenacity's attempt 1 is the one already made
            return await send()

        retrying = AsyncRetrying(
            stop=stop_after_attempt(retry.retries + 1)
            | stop_before_total_delay(retry.budget_seconds),
            wait=wait,
            retry=retry_if_result(lambda a: a.retriable),
            retry_error_callback=give_up,
            sleep=asyncio.sleep,
            reraise=True,
        )
        result: _Attempt = await retrying(attempt)
        return result

    async def _attempt(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: _Body | None,
        body_check: BodyCheck | None,
        max_bytes: int,
        truncate: bool,
        cookies: httpx.Cookies | None,
    ) -> _Attempt:
        try:
            # A Request built directly: the client's build_request merges base URL,
            # params, cookies and headers we do not use (a twentieth of the CPU per page).
            request = httpx.Request(
                method,
                url,
                headers=self._headers(headers),
                json=body.json if body is not None else None,
                content=body.content if body is not None else None,
                extensions={"timeout": self._timeouts, MAX_BYTES_EXTENSION: max_bytes},
            )
            if cookies is not None:
                cookies.set_cookie_header(request)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return _Attempt("failed", error=one_line(describe_error(exc, self.policy)[0]))
        try:
            response = await self.http.send(request, stream=True)
            try:
                return await self._read(response, body_check, max_bytes, truncate, method, cookies)
            finally:
                await response.aclose()
                # httpx's client wraps the body in a stream that refers back to the
                # response: a reference cycle per page (~45 objects with the transport's
                # closures) that only the garbage collector would free. The body has been
                # read and closed, so the link is cut and the page is freed at once.
                response.stream = _SPENT_STREAM
        except (httpx.HTTPError, RefusedAddressError) as exc:
            message, retriable = describe_error(exc, self.policy)
            return _Attempt("failed", error=one_line(message), retriable=retriable)

    async def _read(
        self,
        response: httpx.Response,
        body_check: BodyCheck | None,
        max_bytes: int,
        truncate: bool,
        method: str,
        cookies: httpx.Cookies | None,
    ) -> _Attempt:
        status = response.status_code
        received = response.headers
        # One pass over the headers; lookups below are on a plain dict (first value wins).
        items = received.multi_items()
        first: dict[str, str] = {}
        for k, v in items:
            first.setdefault(k.lower(), v)
        headers = tuple((k, v) for k, v in items if k.lower() not in _DROPPED_HEADERS)
        location = first.get("location")
        if status in REDIRECT_CODES and location and method == "GET":
            jar = None
            if "set-cookie" in first:  # kept for the next hops of this fetch only
                jar = cookies if cookies is not None else httpx.Cookies()
                jar.extract_cookies(response)
            return _Attempt(
                "ok", http_status=status, headers=headers, location=location, cookies=jar
            )
        if status in REDIRECT_CODES and method != "GET":
            return _Attempt(
                "failed", http_status=status, headers=headers, error=f"redirected to {location}"
            )
        if status == 304:
            return _Attempt("not_modified", http_status=status, headers=headers)
        if status >= 300:
            retriable = self.policy.retry.retriable_status(status)
            retry_after = parse_retry_after(first.get("retry-after"))
            body = await self._body(response, max_bytes) if method != "GET" else b""
            return _Attempt(
                "failed",
                http_status=status,
                headers=headers,
                body=body[:max_bytes],
                error=_status_error(response),
                retriable=retriable,
                retry_after=retry_after if retriable else None,
            )
        if body_check is not None:
            reason = body_check(received)
            if reason:
                return _Attempt("skipped", http_status=status, headers=headers, error=reason)
        too_large = f"too large: more than {max_bytes} bytes"
        encoding = response.extensions.get(DECODED_ENCODING_EXTENSION, "")
        declared = first.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes and not encoding and not truncate:
            return _Attempt(
                "skipped",
                http_status=status,
                headers=headers,
                error=f"{too_large} (Content-Length {declared})",
            )
        left = first.get("content-encoding", "").strip().lower()
        if left and left != "identity":  # one the transport could not decode
            return _Attempt(
                "failed",
                http_status=status,
                headers=headers,
                error=f"unsupported content encoding: {left}",
            )
        body = await self._body(response, max_bytes)
        if len(body) > max_bytes:
            if truncate:
                return _Attempt("ok", http_status=status, headers=headers, body=body[:max_bytes])
            after = " after decompression" if encoding else ""
            return _Attempt("skipped", http_status=status, headers=headers, error=too_large + after)
        return _Attempt("ok", http_status=status, headers=headers, body=body)

    @staticmethod
    async def _body(response: httpx.Response, max_bytes: int) -> bytes:
        """The decoded body, stopping one byte past `max_bytes` (the transport caps it)."""
        chunks = []
        size = 0
        # The stream itself, not aiter_raw(): its per-chunk bookkeeping is not needed here.
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        async for chunk in stream:
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                break
        return b"".join(chunks)
