"""What the HTTP layer is asked to do, as typed values: retries, politeness, limits.

Every caller (sources, Slack, the LLM poster, tests) passes an `HttpPolicy`; nothing in
the layer reads module constants at request time, so a test asks for fast retries by
passing `RetryPolicy(backoff_base=0.01)` instead of patching the module.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from newswatch.config import FetchConfig

# First retry waits about this long, then twice as long each time (plus jitter). One
# second is the usual courtesy interval for a struggling server.
BACKOFF_BASE_SECONDS = 1.0
# Our own back-off never waits longer than this between two tries. A server's
# Retry-After is honoured as given; when it would overrun the retry budget we stop.
BACKOFF_CAP_SECONDS = 60.0
# Default gap between two request starts to one publisher's host. One request a second
# is the rate crawlers are commonly asked for (and Crawl-delay values of 1 are the most
# common); a watch's own `fetch.per_host_delay` or a robots.txt Crawl-delay replaces it.
DEFAULT_PER_HOST_DELAY_SECONDS = 1.0
# A robots.txt Crawl-delay is honoured up to this: a site asking for an hour between
# requests would hold a 30-minute scheduled run for ever; past the cap the run still
# spaces requests 30 s apart, and the pages over the run's budget wait for the next run.
MAX_CRAWL_DELAY_SECONDS = 30.0
# Connections per pool shard: httpcore's pool does O(connections x queued requests) work
# per request (encode/httpcore#1035). Measured with bare httpx, 2,000 requests at 50
# connections, 20 ms latency: pools of 5 took 2.7 s, of 10 4.9 s, one of 50 22.6 s.
POOL_SHARD_CONNECTIONS = 4


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried: exponential back-off with jitter, Retry-After honoured.

    `retries` is the number of tries after the first; `budget_seconds` bounds the total
    wait across them (a Retry-After that would overrun it ends the retries at once).
    """

    retries: int = 3
    budget_seconds: float = 30.0
    backoff_base: float = BACKOFF_BASE_SECONDS
    backoff_cap: float = BACKOFF_CAP_SECONDS
    jitter: float = 0.5  # each back-off is stretched by up to this fraction

    def backoff(self, retry_number: int) -> float:
        """Seconds before retry `retry_number` (1 = the first retry) without a Retry-After."""
        wait = self.backoff_base * 2 ** (retry_number - 1)
        return float(min(self.backoff_cap, wait * random.uniform(1.0, 1.0 + self.jitter)))

    @staticmethod
    def retriable_status(status: int) -> bool:
        """429 and 5xx are worth another try; other codes will not change."""
        return status == 429 or status >= 500


NO_RETRIES = RetryPolicy(retries=0)


@dataclass(frozen=True)
class Politeness:
    """Per-host manners: concurrency, the gap between request starts, Crawl-delay.

    `per_host_delay` None means the default: `DEFAULT_PER_HOST_DELAY_SECONDS` for a
    named or public host, none for a private or loopback IP literal (the operator's
    own machine, reachable only when the watch allows private hosts). A number applies
    to every host. `host_delays` raises the gap for named hosts (GDELT asks for 5 s).
    """

    concurrency: int = 16
    per_host_concurrency: int = 2
    per_host_delay: float | None = None
    host_delays: tuple[tuple[str, float], ...] = ()
    max_crawl_delay: float = MAX_CRAWL_DELAY_SECONDS


@dataclass(frozen=True)
class HttpPolicy:
    """Everything one client does: who it says it is, what it may reach, how it behaves."""

    user_agent: str
    allow_private_hosts: bool = False
    # Private networks allowed even when private hosts are not ("10.1.0.0/16").
    allowed_networks: tuple[str, ...] = ()
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    # HTTP/2 needs the `h2` package (httpx[http2]); without it requests use HTTP/1.1.
    http2: bool = False
    # Proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and CA bundles (SSL_CERT_FILE,
    # SSL_CERT_DIR) from the environment.
    trust_env: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    politeness: Politeness = field(default_factory=Politeness)

    @classmethod
    def for_fetching(
        cls,
        config: FetchConfig,
        user_agent: str,
        *,
        retry: RetryPolicy | None = None,
        host_delays: dict[str, float] | None = None,
    ) -> HttpPolicy:
        """The policy a watch's `[fetch]` table asks for (`retry` overrides its back-off)."""
        return cls(
            user_agent=user_agent,
            allow_private_hosts=config.allow_private_hosts,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            total_timeout=config.total_timeout,
            max_bytes=config.max_bytes,
            max_redirects=config.max_redirects,
            http2=config.http2,
            retry=replace(
                retry or RetryPolicy(),
                retries=config.retries,
                budget_seconds=config.retry_max_seconds,
            ),
            politeness=Politeness(
                concurrency=config.concurrency,
                per_host_concurrency=config.per_host_concurrency,
                per_host_delay=config.per_host_delay,
                host_delays=tuple(sorted((host_delays or {}).items())),
            ),
        )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110)."""
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
