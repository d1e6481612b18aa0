"""Wiring for the LLM extractor: its HTTP policy and the poster it sends through.

The extractor (extractors/llm.py) holds no network code; it is given `llm_poster(...)`,
the HTTP layer's JSON POST with the endpoint's timeouts and retries.
"""

from __future__ import annotations

from newswatch.config import Watch
from newswatch.sources.fetch import user_agent_for
from newswatch.sources.http import HttpPolicy, JsonPoster, Politeness, RetryPolicy

# Connecting to a local or hosted endpoint takes well under a second; ten covers a cold
# TLS handshake on a slow link without holding a run up when the server is down.
CONNECT_TIMEOUT_SECONDS = 10.0
# Waiting for the reply: a 7-8B model on a laptop GPU reads a ~5k-token prompt and writes a
# few hundred tokens in well under a minute; on CPU it can take a few. Past three minutes
# the server is stuck, not slow (a read timeout is not retried: a stuck model stays stuck).
READ_TIMEOUT_SECONDS = 180.0
# Retries after a 5xx, a 429 or a refused connection (so at most 3 attempts): enough to
# ride out a restarting server or a rate-limit window, few enough not to stall the run.
MAX_RETRIES = 2
# Backoff before retry n is BACKOFF_SECONDS * 2**(n-1), and a server's Retry-After is
# honoured, both capped so one article never waits longer than this between attempts.
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
# A chat-completions reply is a few kilobytes; a megabyte is a runaway or a wrong endpoint.
MAX_REPLY_BYTES = 1_000_000


def llm_policy(
    user_agent: str = "newswatch",
    *,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = READ_TIMEOUT_SECONDS,
    retry: RetryPolicy | None = None,
) -> HttpPolicy:
    """The HTTP policy for the LLM endpoint.

    Private hosts are allowed: the endpoint is the operator's setting (often llama.cpp on
    localhost), not a URL read from the news.
    """
    return HttpPolicy(
        user_agent=user_agent,
        allow_private_hosts=True,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        total_timeout=connect_timeout + read_timeout,
        max_bytes=MAX_REPLY_BYTES,
        max_redirects=0,
        retry=retry
        or RetryPolicy(
            retries=MAX_RETRIES,
            budget_seconds=MAX_RETRIES * MAX_BACKOFF_SECONDS,
            backoff_base=BACKOFF_SECONDS,
            backoff_cap=MAX_BACKOFF_SECONDS,
        ),
        politeness=Politeness(concurrency=4, per_host_concurrency=4, per_host_delay=0.0),
    )


def llm_poster(watch: Watch | None = None, *, policy: HttpPolicy | None = None) -> JsonPoster:
    """The JSON poster `extractor_for(watch, post_json=...)` gives the LLM extractor."""
    if policy is None:
        policy = llm_policy(user_agent_for(watch)) if watch is not None else llm_policy()
    return JsonPoster(policy)
