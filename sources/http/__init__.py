"""The one HTTP layer: every feed, page, robots.txt, webhook and LLM request goes through it.

    policy = HttpPolicy.for_fetching(watch.fetch, user_agent_for(watch))
    async with HttpClient(policy) as http:
        result = await http.get(url)            # HttpResult, never raises per request
        reply = await http.post_json(url, {...})

From sync code: `fetch_url(url, policy)` and `post_json(url, payload, policy)`.
See transport.py (guard, politeness, bounded decoding) and client.py (redirects, retries).
"""

from newswatch.sources.http.client import HttpClient, HttpResult
from newswatch.sources.http.guard import RefusedAddressError, is_public_address
from newswatch.sources.http.policy import (
    NO_RETRIES,
    HttpPolicy,
    Politeness,
    RetryPolicy,
    parse_retry_after,
)
from newswatch.sources.http.support import header_value, one_line, run_sync, utc_now
from newswatch.sources.http.sync import JsonPoster, fetch_url, post_json

__all__ = [
    "NO_RETRIES",
    "HttpClient",
    "HttpPolicy",
    "HttpResult",
    "JsonPoster",
    "Politeness",
    "RefusedAddressError",
    "RetryPolicy",
    "fetch_url",
    "header_value",
    "is_public_address",
    "one_line",
    "parse_retry_after",
    "post_json",
    "run_sync",
    "utc_now",
]
