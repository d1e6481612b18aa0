"""Google News links as they are today: ids resolved through Google's own decoder.

A loopback "Google" speaks the protocol's shape (fixtures in tests/fixtures/google_news,
written from the real formats): the RSS search feed, article pages carrying
`data-n-a-sg` / `data-n-a-ts`, the EU consent redirect, and the `batchexecute` endpoint
answering `garturlres` rows or errors. Publisher pages come from a second loopback site.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pytest

from newswatch.clock import RunClock
from newswatch.config import FetchConfig, load_watch
from newswatch.core import run_watch
from newswatch.domain import LinkResolution
from newswatch.sources.google_decode import (
    CONSENT_REJECT_COOKIE,
    article_token,
    batchexecute_body,
    parse_batchexecute,
    parse_signature,
    resolve_links,
)
from newswatch.sources.google_news import parse_google_news
from tests.support.loopback import LoopbackServer, Reply, Request

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "google_news"
PAGES = Path(__file__).resolve().parent / "fixtures" / "as_of"
BATCH_PATH = "/_/DotsSplashUi/data/batchexecute"

# The new-format ids of feed.xml (AU_yqL… inside) and what each one does.
PLAIN_ID = "CBMiKkFVX3lxTE5rWjNWdmQyaGhjbUp2ZFhKbllYcGxkSFJsYjJOMGIySmxjZ9IBAA"
CONSENT_ID = "CBMiJUFVX3lxTFBibTkyWlcxaVpYSmpiMjV6Wlc1MGFHRnlZbTkxY2fSAQA"
DECODER_ERROR_ID = "CBMiIUFVX3lxTE1aR1ZqYjJSbGNtVnljbTl5Wm1sNGRIVnlaUdIBAA"


def old_format_id(url: str) -> str:
    """An old-style id: the protobuf Google wrapped around the publisher URL, base64url."""
    raw = url.encode()
    body = b"\x08\x13\x22" + bytes([len(raw)]) + raw + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(body).decode().rstrip("=")


@dataclass
class FakeGoogle:
    """news.google.com's protocol on loopback: feed, article pages, consent, batchexecute."""

    server: LoopbackServer
    # id → publisher URL (None: the decoder answers an error for it)
    answers: dict[str, str | None]
    consent_ids: set[str] = field(default_factory=set)
    refuse: bool = False
    feed: bytes = b""
    times: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server.routes["/rss/search"] = self._feed
        self.server.routes[BATCH_PATH] = self._batchexecute
        for token in self.answers:
            self.server.routes[f"/rss/articles/{token}"] = self._page

    @property
    def host(self) -> str:
        return self.server.base_url

    def signature(self, token: str) -> tuple[str, str]:
        return f"AZ5r3e{token[-12:]}sig", str(1762250000 + len(token))

    def _feed(self, request: Request) -> Reply:
        self.times.append((time.monotonic(), request.path))
        return Reply(200, self.feed, {"Content-Type": "application/xml; charset=UTF-8"})

    def _page(self, request: Request) -> Reply:
        self.times.append((time.monotonic(), request.path))
        token = request.path.split("?", 1)[0].rsplit("/", 1)[-1]
        cookie = request.headers.get("Cookie", "")
        if token in self.consent_ids and CONSENT_REJECT_COOKIE not in cookie:
            target = "https://consent.google.com/ml?continue=" + self.host + request.path
            return Reply(302, b"", {"Location": target})
        signature, timestamp = self.signature(token)
        page = (
            (FIXTURES / "article_page.html")
            .read_text()
            .replace("ARTICLE_TOKEN", token)
            .replace("ARTICLE_SIGNATURE", signature)
            .replace("ARTICLE_TIMESTAMP", timestamp)
        )
        return Reply(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})

    def _batchexecute(self, request: Request) -> Reply:
        self.times.append((time.monotonic(), request.path))
        if request.method != "POST":
            return Reply(405, b"")
        if self.refuse:
            return Reply(200, (FIXTURES / "batchexecute_refused.txt").read_bytes())
        form = parse_qs(request.body.decode())
        rows: list[object] = []
        for rpc, inner_text, _, request_id in json.loads(form["f.req"][0])[0]:
            assert rpc == "Fbv4je"
            name, _context, token, timestamp, signature = json.loads(inner_text)
            url = self.answers.get(token)
            good = name == "garturlreq" and (signature, str(timestamp)) == self.signature(token)
            if good and url:
                payload = json.dumps(["garturlres", url, 1])
                rows.append(["wrb.fr", "Fbv4je", payload, None, None, None, request_id])
            else:  # the shape Google answers for an id it will not decode
                rows.append(["wrb.fr", "Fbv4je", None, None, None, [3], request_id])
        rows += [["di", 58], ["af.httprm", 57, "-4474520853154046339", 12]]
        body = ")]}'\n\n" + json.dumps(rows) + "\n"
        return Reply(200, body.encode(), {"Content-Type": "application/json; charset=utf-8"})

    def requests_to(self, prefix: str) -> list[Request]:
        return [r for r in self.server.requests if r.path.startswith(prefix)]


@pytest.fixture
def publisher() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.static_root = PAGES
        yield server


@pytest.fixture
def google(publisher: LoopbackServer) -> Iterator[FakeGoogle]:
    with LoopbackServer() as server:
        fake = FakeGoogle(
            server,
            answers={
                PLAIN_ID: publisher.url("/pages/october-call.html"),
                CONSENT_ID: publisher.url("/pages/november-call.html"),
                DECODER_ERROR_ID: None,
            },
            consent_ids={CONSENT_ID},
        )
        old = old_format_id(publisher.url("/pages/march-call.html"))
        fake.feed = (
            (FIXTURES / "feed.xml")
            .read_bytes()
            .replace(b"OLD_FORMAT_ID", old.encode())
            .replace(b"GOOGLE", fake.host.encode())
        )
        yield fake


CONFIG = FetchConfig(allow_private_hosts=True, retries=0)


def resolve(google: FakeGoogle, tokens: list[str], interval: float = 0.0) -> list[LinkResolution]:
    pairs = [(t, f"{google.host}/rss/articles/{t}?oc=5&hl=en-US&gl=US&ceid=US:en") for t in tokens]
    return resolve_links(CONFIG, "newswatch-test/1.0", google.host, interval, pairs)


# -- the formats -----------------------------------------------------------------------


def test_the_real_answer_format_gives_urls_and_decoder_errors_by_request_id() -> None:
    answers = parse_batchexecute((FIXTURES / "batchexecute_answer.txt").read_text())
    assert answers == {
        "0": LinkResolution(
            "", "https://www.harbourgazette.example/world/2025/10/16/trump-call-putin.html"
        ),
        "1": LinkResolution("", None, "decoder error [3]"),
    }


def test_a_refused_request_and_a_non_answer_are_errors() -> None:
    with pytest.raises(ValueError, match=r"Google refused the request \(error 400\)"):
        parse_batchexecute((FIXTURES / "batchexecute_refused.txt").read_text())
    with pytest.raises(ValueError, match="not a batchexecute answer"):
        parse_batchexecute("<html>sorry</html>")


def test_the_article_page_carries_signature_and_timestamp() -> None:
    page = (FIXTURES / "article_page.html").read_text()
    page = page.replace("ARTICLE_SIGNATURE", "AZ5r3eSIG").replace("ARTICLE_TIMESTAMP", "1762250000")
    assert parse_signature(page) == ("AZ5r3eSIG", "1762250000")
    assert parse_signature("<html><body>consent</body></html>") is None


def test_the_request_body_is_the_garturlreq_envelope_googles_client_sends() -> None:
    body = batchexecute_body([("0", PLAIN_ID, "1762250000", "AZ5r3eSIG")])
    envelopes = json.loads(parse_qs(body.decode())["f.req"][0])
    assert [e[0] for e in envelopes[0]] == ["Fbv4je"]
    _rpc, inner, nothing, request_id = envelopes[0][0]
    assert (nothing, request_id) == (None, "0")
    name, context, token, timestamp, signature = json.loads(inner)
    assert (name, token, timestamp, signature) == ("garturlreq", PLAIN_ID, 1762250000, "AZ5r3eSIG")
    assert context[0][7] == "US:en"


def test_feed_items_keep_the_google_link_unless_the_id_holds_the_url(
    google: FakeGoogle, publisher: LoopbackServer
) -> None:
    links = parse_google_news(google.feed, "gn", google_host=google.host)
    assert [link.url for link in links] == [
        publisher.url("/pages/march-call.html"),  # old format: decoded offline
        f"{google.host}/rss/articles/{PLAIN_ID}?oc=5",
        f"{google.host}/rss/articles/{CONSENT_ID}?oc=5",
        f"{google.host}/rss/articles/{DECODER_ERROR_ID}?oc=5",
    ]
    assert [article_token(link.url, google.host) for link in links[1:]] == [
        PLAIN_ID,
        CONSENT_ID,
        DECODER_ERROR_ID,
    ]
    assert article_token(links[0].url, google.host) is None


# -- the protocol against loopback Google ----------------------------------------------


def test_new_ids_resolve_with_one_batch_post_past_the_consent_page_and_name_decoder_errors(
    google: FakeGoogle, publisher: LoopbackServer
) -> None:
    results = resolve(google, [PLAIN_ID, CONSENT_ID, DECODER_ERROR_ID])
    assert results == [
        LinkResolution(PLAIN_ID, publisher.url("/pages/october-call.html")),
        LinkResolution(CONSENT_ID, publisher.url("/pages/november-call.html")),
        LinkResolution(DECODER_ERROR_ID, None, "decoder error [3]"),
    ]
    posts = google.requests_to(BATCH_PATH)
    assert len(posts) == 1 and posts[0].method == "POST"
    assert posts[0].headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    consent_pages = google.requests_to(f"/rss/articles/{CONSENT_ID}")
    # Asked once plainly (redirected to consent.google.com, which is never requested),
    # then once with the consent page's "reject all" cookie.
    assert [r.headers.get("Cookie") for r in consent_pages] == [None, CONSENT_REJECT_COOKIE]
    assert all(r.path.endswith("hl=en-US&gl=US&ceid=US%3Aen") for r in consent_pages)


def test_consent_that_will_not_go_away_leaves_the_id_unresolved(google: FakeGoogle) -> None:
    google.server.routes[f"/rss/articles/{CONSENT_ID}"] = lambda r: Reply(
        302, b"", {"Location": "https://consent.google.com/ml?continue=x"}
    )
    assert resolve(google, [CONSENT_ID]) == [
        LinkResolution(CONSENT_ID, None, "Google's consent page blocks the article page")
    ]
    assert google.requests_to(BATCH_PATH) == []


def test_a_refused_batch_leaves_each_of_its_ids_unresolved_with_the_reason(
    google: FakeGoogle,
) -> None:
    google.refuse = True
    assert resolve(google, [PLAIN_ID, CONSENT_ID]) == [
        LinkResolution(PLAIN_ID, None, "decoder: Google refused the request (error 400)"),
        LinkResolution(CONSENT_ID, None, "decoder: Google refused the request (error 400)"),
    ]


def test_requests_to_google_are_paced_by_the_sources_interval(google: FakeGoogle) -> None:
    resolve(google, [PLAIN_ID, DECODER_ERROR_ID], interval=0.3)
    starts = [t for t, _ in google.times]
    assert len(starts) == 3  # two article pages, one POST
    assert all(b - a >= 0.28 for a, b in itertools.pairwise(starts)), starts


# -- in the real run -------------------------------------------------------------------

# A run of the watch at an ISO time: (watch file, database, as-of) -> None.
RunAt = Callable[[Path, Path, str], None]
ALERT_VARIABLES = ("SLACK_WEBHOOK_URL", "NEWSWATCH_SMTP_URL", "NEWSWATCH_APPRISE_URLS")


@pytest.fixture
def core_run(monkeypatch: pytest.MonkeyPatch) -> RunAt:
    """The pipeline core in this process (what the Prefect flow calls)."""
    for var in ALERT_VARIABLES:
        monkeypatch.delenv(var, raising=False)

    def run_at(watch: Path, db: Path, as_of: str) -> None:
        summary = run_watch(load_watch(watch), db, clock=RunClock.as_of(as_of))
        assert summary.skipped is None

    return run_at


@pytest.fixture
def command_run(tmp_path: Path) -> RunAt:
    """`newswatch run` in a subprocess: the CLI, the Prefect flow and its own server."""
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp_path / "home")}
    for var in ALERT_VARIABLES:
        env.pop(var, None)

    def run_at(watch: Path, db: Path, as_of: str) -> None:
        command = [sys.executable, "-m", "newswatch", "run", "--watch", str(watch), "--db", str(db)]
        run = subprocess.run(
            [*command, "--as-of", as_of], capture_output=True, text=True, env=env, timeout=240
        )
        assert run.returncode == 0, run.stderr[-3000:]

    return run_at


@pytest.mark.parametrize(
    "runner", ["core_run", pytest.param("command_run", marks=pytest.mark.slow)]
)
def test_a_run_stores_publisher_articles_records_the_unresolved_and_asks_google_once(
    tmp_path: Path,
    google: FakeGoogle,
    publisher: LoopbackServer,
    runner: str,
    request: pytest.FixtureRequest,
) -> None:
    run_at: RunAt = request.getfixturevalue(runner)
    watch = tmp_path / "watch.toml"
    watch.write_text(
        (PAGES / "watch.toml")
        .read_text()
        .replace(
            'kind = "rss"\nname = "harbour-gazette"\nurl = "FEED_URL"',
            f'kind = "google_news"\nname = "google"\nquery = "Trump Putin"\n'
            f'google_host = "{google.host}"\ngoogle_interval_seconds = 0',
        )
    )
    db = tmp_path / "news.duckdb"
    run_at(watch, db, "2025-11-04T12:00Z")

    con = duckdb.connect(str(db), read_only=True)
    try:
        urls = sorted(r[0] for r in con.execute("SELECT url FROM articles").fetchall())
        unresolved = con.execute(
            "SELECT url, status, error FROM fetches WHERE status = 'unresolved'"
        ).fetchall()
        cached = con.execute(
            "SELECT article_token, status FROM google_news_links ORDER BY article_token"
        ).fetchall()
        google_pages = con.execute(
            "SELECT count(*) FROM articles WHERE url LIKE ? OR final_url LIKE ?",
            [google.host + "%", google.host + "%"],
        ).fetchone()
    finally:
        con.close()
    assert urls == sorted(
        publisher.url(f"/pages/{p}.html") for p in ("march-call", "october-call", "november-call")
    )
    assert google_pages == (0,)
    assert unresolved == [
        (
            f"{google.host}/rss/articles/{DECODER_ERROR_ID}?oc=5",
            "unresolved",
            "Google News link not resolved: decoder error [3]",
        )
    ]
    assert cached == sorted(
        [(PLAIN_ID, "resolved"), (CONSENT_ID, "resolved"), (DECODER_ERROR_ID, "failed")]
    )
    pages_asked = len(google.requests_to("/rss/articles/"))
    assert pages_asked == 4  # plain, consent twice, decoder error

    # The next run reads the same feed: resolved ids come from the cache; only the failed
    # one is asked again (a later attempt may succeed).
    google.answers[DECODER_ERROR_ID] = publisher.url("/pages/alaska-meeting.html")
    run_at(watch, db, "2025-11-04T12:30Z")
    asked_again = [r.path for r in google.requests_to("/rss/articles/")[pages_asked:]]
    assert [p.split("?")[0] for p in asked_again] == [f"/rss/articles/{DECODER_ERROR_ID}"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute(
            "SELECT count(*) FROM articles WHERE url = ?",
            [publisher.url("/pages/alaska-meeting.html")],
        ).fetchone() == (1,)
    finally:
        con.close()
