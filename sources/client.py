"""The names sources used before the HTTP layer moved to `sources/http/`, kept so that
code written against them (`PoliteClient(watch.fetch, user_agent)`, `client.get(url)`)
keeps working. New code imports from `newswatch.sources.http`.
"""

from __future__ import annotations

from newswatch.config import FetchConfig
from newswatch.sources.http.client import HttpClient, HttpResult
from newswatch.sources.http.guard import RefusedAddressError, is_public_address
from newswatch.sources.http.policy import HttpPolicy, RetryPolicy, parse_retry_after
from newswatch.sources.http.support import (
    header_value,
    one_line,
    run_sync,
    url_problem,
    utc_now,
)


class PoliteClient(HttpClient):
    """An `HttpClient` applying a watch's `[fetch]` table: `async with`, then `await get(url)`."""

    def __init__(
        self,
        config: FetchConfig,
        user_agent: str,
        *,
        host_delays: dict[str, float] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            HttpPolicy.for_fetching(config, user_agent, retry=retry, host_delays=host_delays)
        )
        self.config = config
        self.user_agent = user_agent


__all__ = [
    "HttpResult",
    "PoliteClient",
    "RefusedAddressError",
    "header_value",
    "is_public_address",
    "one_line",
    "parse_retry_after",
    "run_sync",
    "url_problem",
    "utc_now",
]
