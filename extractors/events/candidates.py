"""The events of one text as candidate events: ranges finished, news told from background.

Step 7 of the package docstring: the lead is told in the headline and its first sentence;
held contacts named after it are background unless dated after it.
"""

from __future__ import annotations

from datetime import date

from newswatch.domain import CandidateEvent, EventType
from newswatch.extractors.events.dating import finish_dates, is_old
from newswatch.extractors.events.model import Cluster
from newswatch.extractors.events.status import status

# At most this many sentences are quoted as one event's evidence (the anchor first).
MAX_EVIDENCE_SENTENCES = 3


def candidates(
    found: list[Cluster], pair_keys: frozenset[str], reference: date | None, history_days: int
) -> list[CandidateEvent]:
    """The article's events as candidates: dates finished, news told from background."""
    for cluster in found:
        finish_dates(cluster, reference, history_days)
    lead: Cluster | None = None
    for cluster in sorted(found, key=lambda c: c.first_position):
        if (
            cluster.kind == "statement"
            or cluster.since_event
            or cluster.historical_cue
            or not cluster.evidence
        ):
            continue
        if is_old(cluster, reference, history_days):
            continue
        lead = cluster
        break
    # The lead is told in the headline and its first sentence; contacts named there with it
    # are news too ("agreed to a summit after a call"), later ones are background.
    lead_body = [a.sentence.index for a in lead.anchors if a.sentence.index >= 0] if lead else []
    lead_sentences = {-1, min(lead_body)} if lead_body else ({-1} if lead else set())
    out: list[CandidateEvent] = []
    pair = tuple(sorted(pair_keys))
    for cluster in found:
        if not cluster.evidence:
            continue
        historical = (
            cluster.since_event
            or cluster.historical_cue
            or is_old(cluster, reference, history_days)
        )
        if (
            not historical
            and lead is not None
            and cluster is not lead
            and cluster.kind != "statement"
            and cluster.past
            and not cluster.cancelled
            and not ({a.sentence.index for a in cluster.anchors} & lead_sentences)
        ):
            # News leads, background follows: a held contact after the lead is history
            # unless it is dated after the lead's event.
            # An undated lead is measured from the article's day: its range is where
            # it may lie, not when it happened.
            lead_start = (
                lead.date_range.earliest
                if lead.date_explicit and lead.date_range is not None
                else reference
            )
            dated_after = (
                cluster.date_explicit
                and cluster.date_range is not None
                and lead_start is not None
                and cluster.date_range.earliest >= lead_start
            )
            historical = not dated_after
        event_status, asserted_by = status(cluster)
        kind: EventType = cluster.kind
        out.append(
            CandidateEvent(
                event_type=kind,
                participants=pair,
                status=event_status,
                date_earliest=cluster.date_range.earliest if cluster.date_range else None,
                date_latest=cluster.date_range.latest if cluster.date_range else None,
                evidence=" ".join(s.text for s in cluster.evidence[:MAX_EVIDENCE_SENTENCES]),
                asserted_by=asserted_by,
                location=cluster.location if cluster.kind == "meeting" else None,
                summary=None,
                historical=historical and cluster.kind != "statement",
            )
        )
    return out
