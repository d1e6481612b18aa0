"""The HTTP layer from synchronous code: one request, its own short-lived client.

Slack and the LLM extractor post one message at a time from sync code; each call opens
a client (the TLS context is shared, see transport.ssl_context_for) and closes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newswatch.sources.http.client import HttpClient, HttpResult
from newswatch.sources.http.policy import HttpPolicy
from newswatch.sources.http.support import run_sync


def fetch_url(url: str, policy: HttpPolicy, **options: Any) -> HttpResult:
    """GET one URL through the layer (redirects, guard, retries); `options` as `HttpClient.get`."""

    async def go() -> HttpResult:
        async with HttpClient(policy) as http:
            return await http.get(url, **options)

    return run_sync(go)


def post_json(
    url: str,
    payload: Any,
    policy: HttpPolicy,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
) -> HttpResult:
    """POST `payload` as JSON through the layer; an `HttpResult`, never an exception."""

    async def go() -> HttpResult:
        async with HttpClient(policy) as http:
            return await http.post_json(url, payload, headers=headers, max_bytes=max_bytes)

    return run_sync(go)


class JsonPoster:
    """`poster(url, payload, headers)` → HttpResult: the callable the LLM extractor is given.

    It holds only the policy (no open connections), so it can be pickled to a worker.
    """

    def __init__(self, policy: HttpPolicy) -> None:
        self.policy = policy

    def __call__(self, url: str, payload: Any, headers: Mapping[str, str]) -> HttpResult:
        return post_json(url, payload, self.policy, headers=headers)

    def __repr__(self) -> str:
        return f"JsonPoster(retries={self.policy.retry.retries})"
