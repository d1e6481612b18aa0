"""Score predicted contact events against a labelled corpus (pure: values in, a report out).

Contacts are call/meeting/message events. A predicted event matches a labelled one of the
same kind and participants whose date range overlaps its own; when several could match,
the one whose labelled articles mention it most wins (then the exact day). A labelled
event gets at most one predicted row: any further row that fits it is an *extra row*
(the same contact stored twice), which also counts against precision.

Figures: contact precision and recall, status accuracy over matched events, extra rows,
historical recognition (every labelled historical mention found and recognised as
history, and no history-only contact left alert-worthy), statements kept apart from
contacts, and mention coverage per article. Labelled events whose notes call them a
"Soft label" are optional: matched when predicted, never a miss when not.

Per language (`evaluate_by_language`): the same figures on the pages of one language
(labels.json `language`): the labelled events those pages name, and the predicted events
with a mention from one of them, as a reader of that language's pages would get them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from newswatch.domain import CONTACT_TYPES, Mention, StoredEvent

# Labels whose notes contain this marker may be left out by an extractor (see corpus README).
SOFT_LABEL_MARKER = "Soft label"


@dataclass(frozen=True)
class LabelledEvent:
    """One real contact from labels.json."""

    id: str
    event_type: str
    participants: tuple[str, ...]
    status: str
    date_earliest: date | None
    date_latest: date | None
    optional: bool
    history_only: bool
    notes: str = ""


@dataclass(frozen=True)
class LabelledArticle:
    """One labelled page: which events it reports as news, as background, and its statements."""

    file: str
    events: tuple[str, ...]
    historical_mentions: tuple[str, ...]
    statements: tuple[str, ...]
    language: str | None = None


@dataclass(frozen=True)
class CorpusLabels:
    """labels.json, typed."""

    events: tuple[LabelledEvent, ...]
    articles: tuple[LabelledArticle, ...]


@dataclass(frozen=True)
class Finding:
    """One thing the evaluation flags, with the evidence that explains it."""

    kind: str
    label_id: str | None
    event_id: str | None
    detail: str
    evidence: str = ""


@dataclass(frozen=True)
class EvaluationReport:
    """The figures of one evaluation run and what went wrong."""

    labelled_contacts: int
    predicted_contacts: int
    matched: int
    precision: float
    recall: float
    status_correct: int
    status_accuracy: float
    extra_rows: int
    historical_mentions: int
    historical_found: int
    historical_recognised: int
    history_only_alertable: int
    statements_predicted: int
    statement_articles: int
    statement_articles_found: int
    news_mentions: int
    news_mentions_found: int
    spurious_mentions: int
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def historical_all_recognised(self) -> bool:
        """Every labelled historical mention found, recognised as history, and none alert-worthy."""
        return (
            self.historical_recognised == self.historical_mentions
            and self.history_only_alertable == 0
        )

    def headline(self) -> str:
        """Contact figures on one line."""
        return (
            f"labelled {self.labelled_contacts}, predicted {self.predicted_contacts}, "
            f"matched {self.matched}; precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"status {self.status_accuracy:.3f} ({self.status_correct}/{self.matched})"
        )

    def to_text(self) -> str:
        """The figures as plain text, then the findings with their evidence."""
        lines = [
            f"contacts: labelled {self.labelled_contacts}, predicted {self.predicted_contacts}, matched {self.matched}",
            f"contact precision {self.precision:.3f}  recall {self.recall:.3f}",
            f"status accuracy {self.status_accuracy:.3f} ({self.status_correct}/{self.matched})",
            f"extra rows {self.extra_rows}",
            f"historical mentions: {self.historical_mentions} labelled, {self.historical_found} found, "
            f"{self.historical_recognised} recognised as history; history-only contacts alert-worthy: "
            f"{self.history_only_alertable}",
            f"statements: {self.statements_predicted} predicted (never counted as contacts); "
            f"articles with labelled statements covered {self.statement_articles_found}/{self.statement_articles}",
            f"news mentions found {self.news_mentions_found}/{self.news_mentions}; spurious mentions {self.spurious_mentions}",
        ]
        if self.findings:
            lines.append("findings:")
            for finding in self.findings:
                head = f"  [{finding.kind}] {finding.label_id or '-'} / {finding.event_id or '-'}: {finding.detail}"
                lines.append(head)
                if finding.evidence:
                    lines.append(f"      evidence: {finding.evidence[:300]}")
        return "\n".join(lines)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def parse_labels(raw: Mapping[str, Any]) -> CorpusLabels:
    """Typed labels from the parsed labels.json."""
    articles = tuple(
        LabelledArticle(
            file=a["file"],
            events=tuple(a.get("events", [])),
            historical_mentions=tuple(a.get("historical_mentions", [])),
            statements=tuple(a.get("statements", [])),
            language=a.get("language"),
        )
        for a in raw.get("articles", [])
    )
    news = {e for a in articles for e in a.events}
    events = tuple(
        LabelledEvent(
            id=e["id"],
            event_type=e["type"],
            participants=tuple(sorted(e["participants"])),
            status=e["status"],
            date_earliest=_day(e.get("date_earliest") or e.get("date")),
            date_latest=_day(e.get("date_latest") or e.get("date")),
            optional=SOFT_LABEL_MARKER in (e.get("notes") or ""),
            history_only=e["id"] not in news,
            notes=e.get("notes") or "",
        )
        for e in raw.get("events", [])
    )
    return CorpusLabels(events=events, articles=articles)


def _overlap(a0: date | None, a1: date | None, b0: date | None, b1: date | None) -> bool:
    if a0 is not None and b1 is not None and a0 > b1:
        return False
    return not (b0 is not None and a1 is not None and b0 > a1)


def evaluate(
    labels: CorpusLabels | Mapping[str, Any],
    events: Sequence[StoredEvent],
    mentions: Sequence[Mention],
    article_files: Mapping[str, str],
    *,
    historical_mentions: Collection[tuple[str, str]] | None = None,
) -> EvaluationReport:
    """Score predicted events (and their mentions) against the labels.

    `article_files` maps article_id → the label file it was read from. When the caller
    knows which mentions its extractor flagged as background, it passes them as
    `historical_mentions` ((event_id, article_id) pairs); otherwise a historical mention
    counts as recognised when its event is historical or reported as news elsewhere.
    """
    corpus = labels if isinstance(labels, CorpusLabels) else parse_labels(labels)
    by_id = {e.id: e for e in corpus.events}
    files_by_event: dict[str, set[str]] = {}
    for m in mentions:
        file = article_files.get(m.article_id)
        if file:
            files_by_event.setdefault(m.event_id, set()).add(file)
    label_files: dict[str, set[str]] = {}
    for article in corpus.articles:
        for label_id in (*article.events, *article.historical_mentions):
            label_files.setdefault(label_id, set()).add(article.file)
    evidence_of: dict[str, str] = {}
    for m in mentions:
        evidence_of.setdefault(m.event_id, m.evidence)

    contacts = [e for e in events if e.event_type in CONTACT_TYPES]
    labelled = [e for e in corpus.events if e.event_type in CONTACT_TYPES]
    # Candidate (score, predicted, label) pairs, best first.
    pairs: list[tuple[tuple[int, int, int], StoredEvent, LabelledEvent]] = []
    for event in contacts:
        for label in labelled:
            if (
                label.event_type != event.event_type
                or tuple(sorted(event.participants)) != label.participants
            ):
                continue
            if not _overlap(
                event.date_earliest, event.date_latest, label.date_earliest, label.date_latest
            ):
                continue
            shared = len(
                files_by_event.get(event.event_id, set()) & label_files.get(label.id, set())
            )
            exact = int(
                event.event_date is not None
                and event.event_date == label.date_earliest == label.date_latest
            )
            span = -(
                (event.date_latest - event.date_earliest).days
                if event.date_latest and event.date_earliest
                else 10_000
            )
            pairs.append(((shared, exact, span), event, label))
    pairs.sort(key=lambda p: p[0], reverse=True)
    match_of_label: dict[str, StoredEvent] = {}
    label_of_event: dict[str, LabelledEvent] = {}
    for _, event, label in pairs:
        if event.event_id in label_of_event or label.id in match_of_label:
            continue
        match_of_label[label.id] = event
        label_of_event[event.event_id] = label

    findings: list[Finding] = []
    extra_rows = 0
    fitting = {event.event_id for _, event, _ in pairs}
    for event in contacts:
        if event.event_id in label_of_event:
            continue
        evidence = evidence_of.get(event.event_id, "")
        where = ", ".join(sorted(files_by_event.get(event.event_id, set())))
        if event.event_id in fitting:
            extra_rows += 1
            findings.append(
                Finding(
                    "extra_row",
                    None,
                    event.event_id,
                    f"{event.summary or event.event_type} [{where}]",
                    evidence,
                )
            )
        else:
            findings.append(
                Finding(
                    "false_positive",
                    None,
                    event.event_id,
                    f"{event.summary or event.event_type} [{where}]",
                    evidence,
                )
            )

    required = [lab for lab in labelled if not lab.optional or lab.id in match_of_label]
    for lab in required:
        if lab.id not in match_of_label:
            findings.append(Finding("miss", lab.id, None, lab.notes[:200]))
    matched = len([lab for lab in required if lab.id in match_of_label])
    status_correct = 0
    for lab in required:
        hit = match_of_label.get(lab.id)
        if hit is None:
            continue
        if hit.status == lab.status:
            status_correct += 1
        else:
            findings.append(
                Finding(
                    "wrong_status",
                    lab.id,
                    hit.event_id,
                    f"predicted {hit.status}, labelled {lab.status}",
                    evidence_of.get(hit.event_id, ""),
                )
            )

    # Historical recognition and mention coverage, article by article.
    mentioned: dict[tuple[str, str], Mention] = {}
    for m in mentions:
        file = article_files.get(m.article_id)
        if file:
            mentioned[(m.event_id, file)] = m
    historical_total = historical_found = historical_recognised = 0
    news_total = news_found = 0
    for article in corpus.articles:
        for label_id in article.historical_mentions:
            labelled_event = by_id.get(label_id)
            if labelled_event is None or (
                labelled_event.optional and label_id not in match_of_label
            ):
                continue
            historical_total += 1
            hit = match_of_label.get(label_id)
            mention = mentioned.get((hit.event_id, article.file)) if hit else None
            if hit is None or mention is None:
                findings.append(
                    Finding(
                        "historical_missing",
                        label_id,
                        hit.event_id if hit else None,
                        article.file,
                    )
                )
                continue
            historical_found += 1
            if historical_mentions is not None:
                recognised = (hit.event_id, mention.article_id) in historical_mentions
            else:
                recognised = hit.historical or not labelled_event.history_only
            if recognised:
                historical_recognised += 1
            else:
                findings.append(
                    Finding(
                        "historical_not_recognised",
                        label_id,
                        hit.event_id,
                        article.file,
                        mention.evidence,
                    )
                )
        for label_id in article.events:
            labelled_event = by_id.get(label_id)
            if labelled_event is None or labelled_event.event_type not in CONTACT_TYPES:
                continue
            news_total += 1
            hit = match_of_label.get(label_id)
            if hit is not None and (hit.event_id, article.file) in mentioned:
                news_found += 1
            else:
                findings.append(
                    Finding(
                        "news_mention_missing",
                        label_id,
                        hit.event_id if hit else None,
                        article.file,
                    )
                )
    alertable = 0
    for labelled_event in required:
        hit = match_of_label.get(labelled_event.id)
        if labelled_event.history_only and hit is not None and not hit.historical:
            alertable += 1
            findings.append(
                Finding(
                    "history_alertable",
                    labelled_event.id,
                    hit.event_id,
                    "history-only contact stored as current",
                    evidence_of.get(hit.event_id, ""),
                )
            )
    spurious = 0
    for (event_id, file), mention in sorted(mentioned.items()):
        labelled_event = label_of_event.get(event_id)
        if labelled_event is None:
            continue
        if file not in label_files.get(labelled_event.id, set()):
            spurious += 1
            findings.append(
                Finding("spurious_mention", labelled_event.id, event_id, file, mention.evidence)
            )

    statement_events = {e.event_id for e in events if e.event_type == "statement"}
    statement_files = {
        article_files.get(m.article_id) for m in mentions if m.event_id in statement_events
    }
    statement_articles = [a for a in corpus.articles if a.statements]
    statement_found = sum(1 for a in statement_articles if a.file in statement_files)

    predicted = len(contacts)
    return EvaluationReport(
        labelled_contacts=len(required),
        predicted_contacts=predicted,
        matched=matched,
        precision=(matched / predicted) if predicted else 1.0,
        recall=(matched / len(required)) if required else 1.0,
        status_correct=status_correct,
        status_accuracy=(status_correct / matched) if matched else 1.0,
        extra_rows=extra_rows,
        historical_mentions=historical_total,
        historical_found=historical_found,
        historical_recognised=historical_recognised,
        history_only_alertable=alertable,
        statements_predicted=len(statement_events),
        statement_articles=len(statement_articles),
        statement_articles_found=statement_found,
        news_mentions=news_total,
        news_mentions_found=news_found,
        spurious_mentions=spurious,
        findings=tuple(findings),
    )


def evaluate_by_language(
    labels: CorpusLabels | Mapping[str, Any],
    events: Sequence[StoredEvent],
    mentions: Sequence[Mention],
    article_files: Mapping[str, str],
) -> dict[str, EvaluationReport]:
    """One report per language of the labelled pages (see the module docstring)."""
    corpus = labels if isinstance(labels, CorpusLabels) else parse_labels(labels)
    reports: dict[str, EvaluationReport] = {}
    languages = sorted({a.language or "unknown" for a in corpus.articles})
    for language in languages:
        articles = tuple(a for a in corpus.articles if (a.language or "unknown") == language)
        files = {a.file for a in articles}
        named = {e for a in articles for e in (*a.events, *a.historical_mentions)}
        news = {e for a in articles for e in a.events}
        subset = CorpusLabels(
            events=tuple(
                replace(e, history_only=e.id not in news) for e in corpus.events if e.id in named
            ),
            articles=articles,
        )
        own_files = {aid: f for aid, f in article_files.items() if f in files}
        own_mentions = [m for m in mentions if m.article_id in own_files]
        seen = {m.event_id for m in own_mentions}
        own_events = [e for e in events if e.event_id in seen]
        reports[language] = evaluate(subset, own_events, own_mentions, own_files)
    return reports
