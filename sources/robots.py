"""robots.txt: fetched once per origin per run, parsed with protego, asked before each page.

Pages (and every redirect hop of a page) are checked; the feeds, sitemaps and APIs a
watch names are not — the user chose them explicitly, as with a feed reader. RFC 9309
outcomes: 2xx → the rules; 4xx → no rules (all allowed); 5xx after retries → all
disallowed for this run. When robots.txt cannot be reached at all (refused address,
connection error, timeout), the page is not skipped: its own request then fails with
the real reason, which says more than "robots.txt unreachable".

A `Crawl-delay` for our agent (or for `*`) raises that host's gap between requests in
the client's politeness (capped, see sources/http/policy.py MAX_CRAWL_DELAY_SECONDS).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from protego import Protego

from newswatch.sources.http import HttpClient

# RFC 9309 §2.5: crawlers must parse at least 500 KiB; anything after it is ignored.
ROBOTS_MAX_BYTES = 512_000

_Rules = Protego | str | None  # parsed rules, a reason to refuse everything, or no rules


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against ("newswatch/0.1 (+…)" → "newswatch")."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token.lower() or "*"


class RobotsRules:
    """Robots rules of every origin met in one run, each fetched once (concurrent askers wait)."""

    def __init__(self, client: HttpClient, user_agent: str) -> None:
        self._client = client
        self._token = agent_token(user_agent)
        self._rules: dict[str, asyncio.Task[_Rules]] = {}

    async def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids `url`, or None when it may be fetched."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        task = self._rules.get(origin)
        if task is None:
            task = self._rules[origin] = asyncio.ensure_future(self._load(origin))
        # Done for all but the first pages of an origin: no shield (a future per call) then.
        rules = task.result() if task.done() else await asyncio.shield(task)
        if rules is None:
            return None
        if isinstance(rules, str):
            return rules
        if rules.can_fetch(url, self._token):
            return None
        return f"disallowed by robots.txt ({origin}/robots.txt)"

    async def _load(self, origin: str) -> _Rules:
        result = await self._client.get(
            f"{origin}/robots.txt", max_bytes=ROBOTS_MAX_BYTES, truncate=True
        )
        if result.outcome == "ok":
            rules = Protego.parse(result.body.decode("utf-8", errors="replace"))
            delay = rules.crawl_delay(self._token)
            if delay:
                host = urlsplit(origin).hostname or ""
                self._client.politeness.honour_crawl_delay(host, float(delay))
            return rules
        status = result.http_status
        if status is not None and status >= 500:
            return f"robots.txt unavailable (HTTP {status}): all pages of {origin} treated as disallowed"
        return None
