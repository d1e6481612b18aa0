"""What the fetch tests share: a user agent, loopback-friendly fetch settings, a link."""

from __future__ import annotations

from typing import Any

from newswatch.config import FetchConfig
from newswatch.domain import CandidateLink
from newswatch.urls import canonicalize_url

UA = "newswatch-test/1.0 (+https://example.org/contact)"


def fetch_config(**overrides: Any) -> FetchConfig:
    """Loopback allowed, tiny timeouts, no retries unless a test asks for them."""
    values: dict[str, Any] = {
        "allow_private_hosts": True,
        "connect_timeout": 1.0,
        "read_timeout": 0.5,
        "total_timeout": 3.0,
        "retries": 0,
        "retry_max_seconds": 5.0,
        "per_host_delay": 0.0,
    }
    values.update(overrides)
    return FetchConfig(**values)


def link(url: str) -> CandidateLink:
    """A candidate link to `url`, from a source named "test"."""
    return CandidateLink(url=url, canonical_url=canonicalize_url(url), source="test")
