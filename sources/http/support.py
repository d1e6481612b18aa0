"""Small helpers every caller of the HTTP layer uses: one-line errors, sync entry, clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace and cut long messages: errors are stored and shown on one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of `name` in a header list (case-insensitive)."""
    low = name.lower()
    return next((v for k, v in headers if k.lower() == low), None)


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when called inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    # Called from async code (e.g. a notebook, a Prefect async task): a private loop in a
    # worker thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
