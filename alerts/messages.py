"""What a channel sends: one alert, a digest of several in one message, or an operator
notice about a source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from newswatch.domain import AlertMessage, OpsNotice

DigestReason = Literal["digest", "first_run"]


@dataclass(frozen=True)
class Digest:
    """Several alerts in one message: the `digest` mode's per-run message, or the one
    summary of a watch's first run."""

    digest_id: str
    watch: str
    items: tuple[AlertMessage, ...]
    reason: DigestReason = "digest"


Deliverable = AlertMessage | Digest | OpsNotice
