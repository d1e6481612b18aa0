"""Events in the making: which event of the text an anchor or a definite mention belongs to."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from newswatch.extractors.dates import DateRange
from newswatch.extractors.events.dating import overlap
from newswatch.extractors.events.interface import REPORTED_LOOKBACK_DAYS
from newswatch.extractors.events.model import Anchor, Cluster, ContactKind, Trigger


def place(found: list[Cluster], anchor: Anchor, position: int, reference: date | None) -> Cluster:
    """Add an anchor to the article's event it belongs to, or start a new one."""
    kind: ContactKind | Literal["statement"] = (
        "statement" if anchor.modality == "statement" else anchor.kind
    )
    explicit = (
        anchor.date_range if anchor.date_range is not None and not anchor.date_from_speech else None
    )
    recent = (
        explicit is None
        or reference is None
        or explicit.latest >= reference - timedelta(days=REPORTED_LOOKBACK_DAYS)
    )
    target: Cluster | None = None
    for cluster in found:
        if cluster.kind != kind or cluster.since_event:
            continue
        if explicit is not None and cluster.date_explicit and cluster.date_range is not None:
            if overlap(explicit, cluster.date_range):
                target = cluster
                break
            continue
        if explicit is not None and not recent:
            continue  # "the leaders' 2018 summit" is not the undated summit in the news
        if cluster.historical_cue != anchor.historical_cue:
            continue
        held = anchor.modality == "contact" and anchor.tense == "past"
        if (anchor.cancelled and cluster.past and not cluster.cancelled) or (
            held and not anchor.cancelled and cluster.cancelled
        ):
            continue  # "had an informal meeting ... canceled a formal meeting": two events
        target = cluster
        break
    if target is None:
        target = Cluster(kind=kind, first_position=position)
        found.append(target)
    target.anchors.append(anchor)
    if not anchor.is_title:
        target.add_evidence(anchor.sentence)
    if explicit is not None and (not target.date_explicit or target.date_range is None):
        target.date_range = explicit
        target.date_explicit = True
    elif (
        explicit is not None
        and target.date_range is not None
        and explicit.day
        and not target.date_range.day
    ):
        target.date_range = explicit
    if anchor.date_from_speech and anchor.date_range is not None and target.speech_day is None:
        target.speech_day = anchor.date_range.latest
    if anchor.location and not target.location:
        target.location = anchor.location
    if anchor.modality == "contact":
        if anchor.tense == "future":
            target.future = True
        else:
            target.past = True
    target.historical_cue = target.historical_cue or anchor.historical_cue
    return target


def better_date(cluster: Cluster, resolved: DateRange) -> bool:
    if not cluster.date_explicit or cluster.date_range is None:
        return True
    return bool(
        resolved.day and not cluster.date_range.day and overlap(resolved, cluster.date_range)
    )


def anaphor_target(found: list[Cluster], trigger: Trigger) -> Cluster | None:
    """The event "the call"/"the meeting" names: the article's first current one of that kind."""
    live = [c for c in found if c.kind != "statement" and not c.since_event]
    same = [c for c in live if c.kind == trigger.kind and not c.historical_cue]
    if same:
        return same[0]
    word = trigger.text.lower().rstrip("s")
    carrying = [
        c for c in live if not c.historical_cue and any(word in s.text.lower() for s in c.evidence)
    ]
    if carrying:
        return carrying[0]
    return None
