"""Watch files: TOML → a typed `Watch`, with errors that name the file, the field and the fault."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newswatch.domain import CONTACT_TYPES, EVENT_STATUSES, STORY, EventStatus, EventType
from newswatch.extractors.keyword_query import Query, QueryError, parse_query

SourceKind = Literal["rss", "atom", "google_news", "gdelt", "sitemap"]


class WatchError(Exception):
    """A watch file that cannot be used; the message is one line naming file, field and fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Role(_Strict):
    """A title an actor held in a dated period ("US president" from 2025-01-20)."""

    title: str
    from_: date = Field(alias="from")
    to: date | None = None

    def held_on(self, day: date) -> bool:
        """True when the role was held on `day` (the end day is exclusive)."""
        return self.from_ <= day and (self.to is None or day < self.to)


class Actor(_Strict):
    """A person the watch follows: how texts name him, which titles he held, who speaks for him."""

    names: list[str] = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    # Institutions that speak for the actor ("the Kremlin", "the White House").
    voices: list[str] = Field(default_factory=list)
    # People who speak for the actor ("Dmitry Peskov"); their words confirm or deny.
    spokespeople: list[str] = Field(default_factory=list)
    # Nationality adjectives that make "his American counterpart" point at this actor.
    demonyms: list[str] = Field(default_factory=list)

    @field_validator("names")
    @classmethod
    def _names_not_blank(cls, names: list[str]) -> list[str]:
        if any(not n.strip() for n in names):
            raise ValueError("names must not be blank")
        return names


class Source(_Strict):
    """One place to look for links."""

    kind: SourceKind
    name: str | None = None
    url: str | None = None
    query: str | None = None
    language: str = "en"
    country: str = "US"
    # GDELT timespan ("1d", "3h", "1w").
    timespan: str = "1d"
    max_records: int = Field(default=75, ge=1, le=250)
    # Google News only: where Google's feed, article pages and link decoder live (tests
    # point it at loopback), and the pause between requests to it while resolving links.
    google_host: str = "https://news.google.com"
    google_interval_seconds: float = Field(default=1.0, ge=0)

    @model_validator(mode="after")
    def _url_or_query(self) -> Source:
        if self.kind in ("rss", "atom", "sitemap") and not self.url:
            raise ValueError(f"a {self.kind} source needs a url")
        if self.kind in ("google_news", "gdelt") and not (self.query or self.url):
            raise ValueError(f"a {self.kind} source needs a query (or a url)")
        if not self.google_host.startswith(("http://", "https://")):
            raise ValueError("google_host must be an http(s) URL")
        return self

    @property
    def key(self) -> str:
        """Stable name of this source in the database and the logs."""
        return self.name or f"{self.kind}:{self.url or self.query}"


class AlertPolicy(_Strict):
    """Which events alert, and how."""

    kinds: list[EventType] = Field(default_factory=lambda: list(CONTACT_TYPES))
    statuses: list[EventStatus] = Field(default_factory=lambda: list(EVENT_STATUSES))
    mode: Literal["instant", "digest"] = "instant"
    min_independent_sources: int = Field(default=1, ge=1)
    # On a watch's first run (empty database): store quietly, or send one summary.
    first_run: Literal["silent", "summary"] = "silent"
    # A contact dated this many days before the article's publication is history.
    history_days: int = Field(default=30, ge=1)
    # Contacts without a day (only the range the text supports, e.g. "the two leaders spoke
    # by phone", no day given) alert only when this is true.
    undated: bool = False
    max_attempts: int = Field(default=5, ge=1)
    # When a user marks an alerted event wrong, tell the channels that announced it.
    retractions: bool = False
    # A contact is alerted as `new` only when its first report is at most this old by the
    # run's clock (`--as-of` sets it): a backlog is not news. Older contacts are stored.
    max_age_hours: float = Field(default=72.0, gt=0)


class OpsConfig(_Strict):
    """Messages to the operator about the watch's sources (not about contacts)."""

    # "alerts": on the alert channels; "ops": on the channels NEWSWATCH_OPS_SLACK_WEBHOOK_URL
    # and NEWSWATCH_OPS_APPRISE_URLS set (and the console); "off": none.
    notify: Literal["alerts", "ops", "off"] = "alerts"
    # A source is broken after this many failed polls in a row.
    broken_after_failures: int = Field(default=3, ge=1)
    # A source is stale when it brought no new link for longer than `stale_factor` times
    # its usual interval between new links (learned from its history), and at least
    # `stale_min_hours`; judged once it has `stale_min_history` such intervals.
    stale_factor: float = Field(default=6.0, gt=1)
    stale_min_hours: float = Field(default=6.0, ge=0)
    stale_min_history: int = Field(default=3, ge=1)


class EventsConfig(_Strict):
    """The pair whose contacts are tracked, and the alert policy."""

    pair: tuple[str, str]
    alert_on: list[EventType] | None = None
    extractor: Literal["rules", "llm"] = "rules"
    # An OpenAI-compatible endpoint (llama.cpp, vLLM, Ollama, hosted); key in NEWSWATCH_LLM_API_KEY.
    llm_url: str | None = None
    llm_model: str | None = None

    @model_validator(mode="after")
    def _llm_needs_url(self) -> EventsConfig:
        if self.extractor == "llm" and not (self.llm_url or "").startswith(("http://", "https://")):
            raise ValueError('extractor = "llm" needs llm_url, an http(s) URL')
        return self


class MatchConfig(_Strict):
    """A keyword watch: alert once per new story whose title and text match `query`."""

    # Terms, "phrases", AND, OR, NOT (or -term), parentheses, prefix* (extractors/keyword_query).
    query: str

    @field_validator("query")
    @classmethod
    def _query_parses(cls, query: str) -> str:
        try:
            parse_query(query)
        except QueryError as err:
            raise ValueError(str(err)) from None
        return query

    @property
    def parsed(self) -> Query:
        return parse_query(self.query)


class FetchConfig(_Strict):
    """How politely and how safely pages are fetched."""

    allow_private_hosts: bool = False
    user_agent: str | None = None
    contact_url: str = "https://github.com/newswatch/newswatch"
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    total_timeout: float = Field(default=60.0, gt=0)
    max_bytes: int = Field(default=5_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0)
    concurrency: int = Field(default=16, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    # Seconds between request starts to one host; unset: 1 s to publishers, none to a
    # private or loopback IP the watch allows (sources/http/policy.py). robots.txt
    # Crawl-delay raises it.
    per_host_delay: float | None = Field(default=None, ge=0)
    retries: int = Field(default=3, ge=0)
    retry_max_seconds: float = Field(default=30.0, ge=0)
    respect_robots: bool = True
    # HTTP/2 when the server offers it; needs the h2 package (pip install 'httpx[http2]').
    http2: bool = False
    max_pages_per_run: int = Field(default=500, ge=1)


class ArchiveConfig(_Strict):
    """Fetched HTML kept (compressed, with headers) so `newswatch reprocess` works offline."""

    keep_raw_pages: bool = True
    # Pages fetched longer ago than this are deleted at the end of a run (None: keep).
    raw_retention_days: int | None = Field(default=180, ge=1)
    # And the oldest beyond this many MB of stored HTML (None: no size limit).
    raw_max_mb: float | None = Field(default=None, gt=0)


class VersionsConfig(_Strict):
    """Re-checking pages that change under one URL (live pages, bulletins, updates).

    A page is looked at again (conditional GET) an hour after it was read, then twice as
    long after each unchanged look and an hour after each change, at most a day apart, and
    never once it is older than `max_age_days`: about six looks per article.
    """

    recheck: bool = True
    first_interval_minutes: float = Field(default=60, gt=0)
    max_interval_hours: float = Field(default=24, gt=0)
    # Pages published longer ago than this are never re-checked.
    max_age_days: float = Field(default=3, gt=0)
    # Re-checks per run at most, beside new links.
    max_rechecks_per_run: int = Field(default=100, ge=0)


class RuntimeConfig(_Strict):
    """Where and how the flow runs."""

    cron: str | None = None
    task_runner: Literal["default", "dask"] = "default"
    dask_address: str | None = None
    dask_workers: int = Field(default=2, ge=1)
    # Pages per chunk: one fetch, one cleaning job and one store transaction each. 250
    # rather than 100 cut the writer's CPU per page by a quarter (fewer, larger set-based
    # statements: bench/bench_throughput.py), and a crash still loses one chunk at most.
    batch_size: int = Field(default=250, ge=1)
    # Worker processes that clean pages on the default runner (unset: one per core).
    clean_workers: int | None = Field(default=None, ge=1)


class Watch(_Strict):
    """A topic: what to fetch, and either whose contacts to find or which stories to match.

    A contact watch names a pair of actors (`[events]`); a keyword watch has a query
    (`[match]`) and alerts once per new story, a group of near-copies being one story.
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str | None = None
    sources: list[Source] = Field(min_length=1)
    actors: dict[str, Actor] = Field(default_factory=dict)
    events: EventsConfig | None = None
    match: MatchConfig | None = None
    alerts: AlertPolicy = Field(default_factory=AlertPolicy)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)
    archive: ArchiveConfig = Field(default_factory=ArchiveConfig)
    versions: VersionsConfig = Field(default_factory=VersionsConfig)
    ops: OpsConfig = Field(default_factory=OpsConfig)

    @model_validator(mode="after")
    def _pair_names_actors(self) -> Watch:
        if self.events is None:
            if self.match is None:
                raise ValueError(
                    "a watch needs [events] (a pair of actors) or [match] (a keyword query)"
                )
            return self
        for key in self.events.pair:
            if key not in self.actors:
                raise ValueError(f"events.pair names '{key}', which is not in [actors]")
        if self.events.pair[0] == self.events.pair[1]:
            raise ValueError("events.pair must name two different actors")
        return self

    @property
    def alert_kinds(self) -> list[EventType]:
        """Event kinds that alert: `events.alert_on` (contract) wins over `alerts.kinds`."""
        if self.events is None:
            return [STORY]
        return list(self.events.alert_on) if self.events.alert_on is not None else self.alerts.kinds

    @property
    def contacts(self) -> EventsConfig:
        """The `[events]` table of a contact watch (the extractors' view of the watch)."""
        if self.events is None:
            raise WatchError(f"watch {self.name} is a keyword watch: it has no [events] pair")
        return self.events

    @property
    def is_keyword_watch(self) -> bool:
        """True for a watch with a query and no pair of actors."""
        return self.events is None

    def actor_display_name(self, key: str) -> str:
        """The first (full) name of an actor, for messages."""
        actor = self.actors.get(key)
        return actor.names[0] if actor else key


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def parse_watch(text: str, origin: str = "<watch>") -> Watch:
    """Parse watch TOML text; raise `WatchError` with one clear line on any fault."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WatchError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        raise WatchError(f"{origin}: not valid TOML: values nested too deeply") from None
    try:
        return Watch.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(
            p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        msg = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            msg = "required field is missing"
        elif first["type"] == "extra_forbidden":
            msg = "unknown field"
        elif first["type"] == "literal_error":
            msg = f"{msg} (got {first.get('input')!r})"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise WatchError(f"{origin}: {_field_path(loc)}: {msg}{more}") from None


def load_watch(path: str | Path) -> Watch:
    """Read and validate a watch file; raise `WatchError` naming the file on any fault."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WatchError(f"{p}: watch file not found") from None
    except UnicodeDecodeError:
        raise WatchError(f"{p}: not UTF-8 text") from None
    except OSError as exc:
        raise WatchError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse_watch(text, origin=str(p))
