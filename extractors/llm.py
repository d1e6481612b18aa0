"""Contact events read by a language model behind an OpenAI-compatible chat endpoint.

`LlmExtractor(watch)` is the `EventExtractor` a watch gets with `events.extractor = "llm"`:
it sends `article.text` (never `filler_text`) with the watch's pair to
`POST {events.llm_url}/chat/completions` (llama.cpp server, vLLM, Ollama's OpenAI API or a
hosted service), asks for a strict JSON-schema reply, and keeps only what it can check:
participants that are the watch's pair, evidence quoted verbatim from `article.text`,
known kinds and statuses, ISO days with earliest <= latest. The semantics are the
rule-based extractor's (`extractors.events`): same kinds, statuses, date ranges for
unknown days, historical flag, statements always "confirmed".

No network code lives here: `HttpChatClient` builds the request and reads the reply, and
sends it through a `JsonPost` callable it is given. The wiring (flows/llm_endpoint.py)
passes the HTTP layer's poster (sources/http: timeouts, bounded retries with Retry-After,
size cap), so extractors import no HTTP library and stages do not import each other.
Building the request (`build_request`), reading the reply (`completion_content`,
`parse_reply`) and checking events are pure functions, tested without a network.

Failures: a timeout, an HTTP error after bounded retries (5xx, 429, connection refused),
malformed JSON or a reply that does not match the schema logs one line and then, by
default, hands the article to the rule-based extractor: articles are read once per run
and not re-read later, so returning nothing would lose that article's contacts for good
while the endpoint is down. `LlmExtractor(watch, fallback_to_rules=False)` returns [] instead.
Events the model did return but that fail the checks are dropped (one info line with counts);
that is the model's answer, not a failure, so it does not trigger the fallback.

The API key comes from `NEWSWATCH_LLM_API_KEY` (sent as a Bearer token); it is never
logged, never put in an exception message and never shown by `repr`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from newswatch.config import Actor, Watch, WatchError
from newswatch.domain import (
    EVENT_STATUSES,
    EVENT_TYPES,
    Article,
    CandidateEvent,
    EventStatus,
    EventType,
)
from newswatch.extractors.dates import reference_day
from newswatch.extractors.events.interface import (
    PLANNED_HORIZON_DAYS,
    REPORTED_LOOKBACK_DAYS,
    EventExtractor,
)
from newswatch.extractors.events.reader import RuleBasedExtractor

log = logging.getLogger(__name__)

API_KEY_ENV = "NEWSWATCH_LLM_API_KEY"
SCHEMA_NAME = "contact_events"

# ---------------------------------------------------------------------------------------
# Thresholds (named, with how they were chosen)
# Article text sent to the model, in characters (~4k English tokens): with ~1k tokens of
# instructions and room for the reply this fits an 8k context, the smallest default of
# current local models. News puts the contact in the lead, so a cut tail costs little.
MAX_PROMPT_TEXT_CHARS = 16_000
# Room for the reply: about 100 tokens per event, twenty events.
MAX_REPLY_TOKENS = 2048
# An article rarely names more than a handful of the pair's contacts (background lists
# of past calls run to about ten); more than this is a runaway reply, and the rest is cut.
MAX_EVENTS_PER_ARTICLE = 20
# Evidence shorter than this many words ("Trump and Putin") cannot say who contacted whom
# or how; a sentence reporting a contact needs at least a subject, a verb and a partner.
MIN_EVIDENCE_WORDS = 4


# ---------------------------------------------------------------------------------------
# Errors (messages are safe to log: no key, no prompt, no reply body)
class LlmError(Exception):
    """The endpoint gave no usable answer for one article."""


class LlmCallError(LlmError):
    """The HTTP call failed: timeout, connection error, or an error status after retries."""


class LlmReplyError(LlmError):
    """The endpoint answered, but not with JSON in the requested shape."""


# ---------------------------------------------------------------------------------------
# The request (pure)
@dataclass(frozen=True)
class ChatMessage:
    """One chat message of the request."""

    role: str
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """A chat-completions request asking for a JSON reply that matches `schema`."""

    model: str | None
    messages: tuple[ChatMessage, ...]
    schema: dict[str, Any]
    max_tokens: int = MAX_REPLY_TOKENS

    def to_json(self) -> dict[str, Any]:
        """The request body of `POST /chat/completions`."""
        body: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "schema": self.schema, "strict": True},
            },
            # Extraction, not writing: the most likely reading, the same on every run.
            "temperature": 0,
            "max_tokens": self.max_tokens,
            "stream": False,
        }
        # llama.cpp serves its one loaded model whatever the name; the others need it.
        if self.model:
            body["model"] = self.model
        return body


def response_schema() -> dict[str, Any]:
    """The JSON schema of the reply, in the subset strict mode accepts (all keys required)."""
    nullable_day = {"type": ["string", "null"], "description": "YYYY-MM-DD, or null"}
    event_properties: dict[str, Any] = {
        "kind": {"type": "string", "enum": list(EVENT_TYPES)},
        "participants": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the two people in contact: actor keys, or names for anyone else",
        },
        "status": {"type": "string", "enum": list(EVENT_STATUSES)},
        "date_earliest": nullable_day,
        "date_latest": nullable_day,
        "historical": {"type": "boolean"},
        "evidence": {"type": "string", "description": "sentence(s) copied verbatim"},
        "asserted_by": {"type": ["string", "null"]},
        "location": {"type": ["string", "null"]},
    }
    event = {
        "type": "object",
        "properties": event_properties,
        "required": list(event_properties),
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"events": {"type": "array", "items": event}},
        "required": ["events"],
        "additionalProperties": False,
    }


_INSTRUCTIONS = """\
You read one news article and list the direct contacts between two people, {pair_names}.
Reply with JSON only, matching the schema: {{"events": [...]}}; an empty list when there are none.

Kinds:
- call: a phone or video call between the two.
- meeting: the two meet in person (summit, talks, sit-down).
- message: a letter or message passed directly, or carried by an envoy, from one to the other.
- statement: one of the two says he is willing or ready to talk to or meet the other, with no
  concrete plan (no day, place or scheduling).
Not events: contacts with anyone else; negotiations between officials or teams; questions,
conditions and possibilities ("could meet", "whether they will talk", "if"); denied plans.

Status:
- planned: announced, scheduled or being prepared, not yet held.
- reported: said to have happened, but only by unnamed sources, other outlets or hedged
  ("reportedly", "according to").
- confirmed: held, and a participant, his office or spokesman, or the outlet itself says so.
  A statement is always confirmed.
- denied: a participant or his side denies it took place.
- cancelled: called off or shelved.

Dates: the day the contact happens, not the day of the article. Resolve "today", "on Tuesday",
"last week", "next month" against the publication date below. When the day is known, give it as
both date_earliest and date_latest. When it is not: a held contact lies between {lookback} days
before the publication date and the publication date; a planned one between the publication
date and {horizon} days after it; a statement is dated the day it was said. Use YYYY-MM-DD;
null for both only when no date can be placed.

historical: true for a contact mentioned as background ("their first call since July 2020",
"they last met in Helsinki in 2018"), including any contact that ended more than {history_days}
days before the publication date; false for the news the article reports. Statements: false.

participants: the two people in contact. Use the key "{key_a}" for {name_a} and "{key_b}" for
{name_b}; name anyone else as written.
evidence: one to three whole sentences from the article that report the contact, copied
character for character (no paraphrase, no ellipsis).
asserted_by: who says it happened or is planned (a participant, his office or spokesman, an
outlet, "unnamed sources"), or null when the article states it plainly.
location: the place of a meeting, or null.

The two people:
{actors}"""


def _actor_card(key: str, actor: Actor) -> str:
    parts = [f'- "{key}": ' + ", ".join(actor.names)]
    if actor.aliases:
        parts.append("also called " + ", ".join(actor.aliases))
    if actor.roles:
        roles = [
            f"{r.title} from {r.from_.isoformat()}" + (f" to {r.to.isoformat()}" if r.to else "")
            for r in actor.roles
        ]
        parts.append("; ".join(roles))
    if actor.voices:
        parts.append("speaks through " + ", ".join(actor.voices))
    if actor.spokespeople:
        parts.append("spokespeople and envoys " + ", ".join(actor.spokespeople))
    return "; ".join(parts)


def build_request(article: Article, watch: Watch, model: str | None) -> ChatRequest:
    """The chat request for one article: the event model, the pair, the day, `article.text`."""
    key_a, key_b = watch.contacts.pair
    name_a, name_b = watch.actor_display_name(key_a), watch.actor_display_name(key_b)
    system = _INSTRUCTIONS.format(
        pair_names=f"{name_a} and {name_b}",
        key_a=key_a,
        key_b=key_b,
        name_a=name_a,
        name_b=name_b,
        lookback=REPORTED_LOOKBACK_DAYS,
        horizon=PLANNED_HORIZON_DAYS,
        history_days=watch.alerts.history_days,
        actors="\n".join(_actor_card(k, watch.actors[k]) for k in watch.contacts.pair),
    )
    day = reference_day(article.published_at, article.text)
    if day is not None:
        published = f"Publication date: {day.isoformat()} ({day.strftime('%A')})"
    else:
        published = (
            "Publication date: unknown (give a date only when the text names its year, else null)"
        )
    lines = [published]
    if article.title:
        lines.append(f"Title: {article.title.strip()}")
    lines += ["", "Article text:", article.text[:MAX_PROMPT_TEXT_CHARS]]
    return ChatRequest(
        model=model,
        messages=(ChatMessage("system", system), ChatMessage("user", "\n".join(lines))),
        schema=response_schema(),
    )


# ---------------------------------------------------------------------------------------
# The reply (pure)
def completion_content(body: bytes) -> str:
    """The assistant's text in a chat.completion response body."""
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LlmReplyError("response is not a chat completion") from None
    if not isinstance(content, str):
        raise LlmReplyError("chat completion has no text content")
    return content


class _ReplyEvent(BaseModel):
    """One event as the model wrote it; fields the schema asks for, checked by type."""

    model_config = ConfigDict(extra="ignore")

    kind: EventType
    participants: list[str]
    status: EventStatus
    date_earliest: date | None
    date_latest: date | None
    historical: bool
    evidence: str
    asserted_by: str | None
    location: str | None


@dataclass(frozen=True)
class ParsedReply:
    """The events kept from one reply, and how many were dropped for which reason."""

    events: tuple[CandidateEvent, ...]
    dropped: dict[str, int] = field(default_factory=dict)


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_reply(content: str, article: Article, watch: Watch) -> ParsedReply:
    """Check the model's JSON against the article and the watch; keep the events that hold up.

    Raises `LlmReplyError` when the content is not JSON of the requested shape.
    """
    fenced = _FENCE.match(content)  # servers that ignore response_format wrap it in a fence
    try:
        data = json.loads(fenced.group(1) if fenced else content)
    except ValueError:
        raise LlmReplyError("reply content is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise LlmReplyError('reply does not match the schema (no "events" list)')
    items: list[Any] = data["events"]
    dropped: Counter[str] = Counter()
    if len(items) > MAX_EVENTS_PER_ARTICLE:
        dropped["over the per-article limit"] += len(items) - MAX_EVENTS_PER_ARTICLE
        items = items[:MAX_EVENTS_PER_ARTICLE]
    reference = reference_day(article.published_at, article.text)
    kept: list[CandidateEvent] = []
    for item in items:
        event, reason = _check_event(item, article, watch, reference)
        if event is None:
            dropped[reason] += 1
        elif event in kept:
            dropped["duplicate"] += 1
        else:
            kept.append(event)
    return ParsedReply(tuple(kept), dict(dropped))


def _check_event(
    item: Any, article: Article, watch: Watch, reference: date | None
) -> tuple[CandidateEvent | None, str]:
    """One reply event as a `CandidateEvent`, or None and the reason it was dropped."""
    try:
        raw = _ReplyEvent.model_validate(item)
    except ValidationError as exc:
        where = exc.errors()[0]["loc"]
        return None, f"bad {where[0]}" if where else "not an object"
    participants = _pair_keys(raw.participants, watch)
    if participants is None:
        return None, "participants are not the pair"
    earliest, latest = raw.date_earliest, raw.date_latest
    if earliest is not None and latest is not None and earliest > latest:
        return None, "earliest after latest"
    evidence = verbatim_evidence(raw.evidence, article.text)
    if evidence is None or len(evidence.split()) < MIN_EVIDENCE_WORDS:
        return None, "evidence not in the text"
    is_statement = raw.kind == "statement"
    # The rules' history test: a contact that ended history_days before the article is old.
    old = (
        reference is not None
        and latest is not None
        and (reference - latest) >= timedelta(days=watch.alerts.history_days)
    )
    # A statement is a saying, and it was said: the rules give it "confirmed" too.
    status: EventStatus = "confirmed" if is_statement else raw.status
    location = (raw.location or "").strip() if raw.kind == "meeting" else ""
    return (
        CandidateEvent(
            event_type=raw.kind,
            participants=participants,
            status=status,
            date_earliest=earliest,
            date_latest=latest,
            evidence=evidence,
            asserted_by=_asserted_by(raw.asserted_by, watch),
            location=location or None,
            historical=(raw.historical or old) and not is_statement,
        ),
        "",
    )


def _pair_keys(participants: list[str], watch: Watch) -> tuple[str, ...] | None:
    """The pair's keys, sorted as the rules give them, when `participants` name the pair."""
    keys: set[str] = set()
    for written in participants:
        key = _actor_key(written, watch)
        if key is None:
            return None
        keys.add(key)
    if keys != set(watch.contacts.pair) or len(participants) != 2:
        return None
    return tuple(sorted(keys))


def _actor_key(written: str, watch: Watch) -> str | None:
    """The pair actor a written key or name stands for."""
    wanted = written.strip().casefold()
    for key in watch.contacts.pair:
        actor = watch.actors[key]
        if wanted in {n.casefold() for n in (key, *actor.names, *actor.aliases)}:
            return key
    return None


def _asserted_by(written: str | None, watch: Watch) -> str | None:
    """Who says so; a pair actor under his full name, as the rules write it."""
    text = (written or "").strip()
    if not text or text.casefold() in ("null", "none", "n/a"):
        return None
    key = _actor_key(text, watch)
    return watch.actor_display_name(key) if key else text


_QUOTE_MARKS = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'"}
)


def _normalised(text: str) -> tuple[str, list[int]]:
    """`text` with straight quotes and single spaces, and each character's index in `text`."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text.translate(_QUOTE_MARKS)):
        if ch.isspace():
            if chars and chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        index.append(i)
    return "".join(chars), index


def verbatim_evidence(evidence: str, text: str) -> str | None:
    """The span of `text` the evidence quotes, or None when it is not a quote of `text`.

    Models re-type quote marks and line breaks, so those are matched loosely; what is
    returned is always the article's own characters.
    """
    evidence = evidence.strip()
    if not evidence:
        return None
    if evidence in text:
        return evidence
    norm_text, index = _normalised(text)
    norm_evidence = _normalised(evidence)[0].strip()
    at = norm_text.find(norm_evidence)
    if at < 0:
        return None
    return text[index[at] : index[at + len(norm_evidence) - 1] + 1]


def names_pair_actor(article: Article, watch: Watch) -> bool:
    """Whether the article names one of the pair at all (else there is nothing to ask)."""
    haystack = f"{article.title or ''}\n{article.text}".casefold()
    for key in watch.contacts.pair:
        actor = watch.actors[key]
        for name in (*actor.names, *actor.aliases):
            if re.search(r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)", haystack):
                return True
    return False


# ---------------------------------------------------------------------------------------
# The one piece of I/O
class ChatClient(Protocol):
    """Sends a chat request and returns the assistant's text; raises `LlmError` on failure."""

    def complete(self, request: ChatRequest) -> str: ...


class JsonReply(Protocol):
    """What a JSON POST gave back; the HTTP layer's `HttpResult` has this shape.

    `http_status` is None when no answer came (timeout, refused connection); `error` then
    says why in one line, and names the status (and retries made) otherwise.
    """

    @property
    def http_status(self) -> int | None: ...

    @property
    def body(self) -> bytes: ...

    @property
    def error(self) -> str | None: ...


class JsonPost(Protocol):
    """POSTs `payload` as JSON to `url` with `headers`; never raises for HTTP faults."""

    def __call__(self, url: str, payload: Any, headers: Mapping[str, str]) -> JsonReply: ...


class HttpChatClient:
    """`POST {base_url}/chat/completions` through an injected `JsonPost`, with a Bearer key."""

    def __init__(self, base_url: str, api_key: str | None = None, *, post: JsonPost) -> None:
        base = base_url.rstrip("/")
        self.url = base if base.endswith("/chat/completions") else base + "/chat/completions"
        self._api_key = api_key or None
        self._post = post

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"HttpChatClient({safe_url(self.url)!r}, api_key={key})"

    def complete(self, request: ChatRequest) -> str:
        """The assistant's text for `request`; raises `LlmCallError`/`LlmReplyError`."""
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        reply = self._post(self.url, request.to_json(), headers)
        if reply.http_status != 200:
            status = f"HTTP {reply.http_status}" if reply.http_status else "no reply"
            raise LlmCallError(self._redact(reply.error or status))
        return completion_content(reply.body)

    def _redact(self, message: str) -> str:
        return message.replace(self._api_key, "***") if self._api_key else message


def safe_url(url: str) -> str:
    """A URL fit for logs: scheme, host and path, without credentials or query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


# ---------------------------------------------------------------------------------------
class LlmExtractor:
    """The LLM-backed `EventExtractor`: one chat request per article that names the pair."""

    def __init__(
        self,
        watch: Watch,
        *,
        client: ChatClient | None = None,
        post: JsonPost | None = None,
        fallback_to_rules: bool = True,
    ) -> None:
        if client is None:
            url = watch.contacts.llm_url
            if not url or urlsplit(url).scheme not in ("http", "https"):
                raise WatchError(
                    f"watch '{watch.name}': events.llm_url: an http(s) URL is required "
                    'when events.extractor = "llm"'
                )
            if post is None:
                raise WatchError(
                    f"watch '{watch.name}': the llm extractor needs the HTTP layer: "
                    "build it with extractor_for(watch, post_json=llm_poster(watch))"
                )
            client = HttpChatClient(url, os.environ.get(API_KEY_ENV), post=post)
        self.client = client
        self.model = watch.contacts.llm_model
        self.fallback: EventExtractor | None = RuleBasedExtractor() if fallback_to_rules else None

    def __repr__(self) -> str:
        return f"LlmExtractor({self.client!r}, model={self.model!r})"

    def extract(self, article: Article, watch: Watch) -> list[CandidateEvent]:
        """Candidate contacts and statements between `watch.contacts.pair` in `article.text`."""
        if article.page_kind != "article" or not article.text.strip():
            return []
        if not names_pair_actor(article, watch):
            return []
        request = build_request(article, watch, self.model)
        try:
            reply = parse_reply(self.client.complete(request), article, watch)
        except LlmError as exc:
            then = "using the rule-based extractor" if self.fallback else "no events from it"
            log.warning("llm extractor: %s: %s; %s", safe_url(article.url), exc, then)
            return self.fallback.extract(article, watch) if self.fallback else []
        if reply.dropped:
            reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(reply.dropped.items()))
            log.info(
                "llm extractor: %s: kept %d event(s), dropped %d (%s)",
                safe_url(article.url),
                len(reply.events),
                sum(reply.dropped.values()),
                reasons,
            )
        return list(reply.events)


__all__ = [
    "API_KEY_ENV",
    "ChatClient",
    "ChatMessage",
    "ChatRequest",
    "HttpChatClient",
    "JsonPost",
    "JsonReply",
    "LlmCallError",
    "LlmError",
    "LlmExtractor",
    "LlmReplyError",
    "ParsedReply",
    "build_request",
    "completion_content",
    "names_pair_actor",
    "parse_reply",
    "response_schema",
    "safe_url",
    "verbatim_evidence",
]
