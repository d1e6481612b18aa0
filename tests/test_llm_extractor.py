"""The LLM event extractor against a loopback server speaking the OpenAI chat-completions shape."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswatch.config import Watch, WatchError, parse_watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.events import RuleBasedExtractor
from newswatch.extractors.llm import (
    API_KEY_ENV,
    HttpChatClient,
    LlmCallError,
    LlmExtractor,
    build_request,
    response_schema,
    verbatim_evidence,
)
from newswatch.extractors.selection import extractor_for
from newswatch.sources.http import JsonPoster, RetryPolicy
from newswatch.sources.llm_endpoint import llm_policy, llm_poster
from tests.support.loopback import LoopbackServer, Reply, Request

API_KEY = "sk-test-5f0c1e9a7b2d4c68"
ROUTE = "/v1/chat/completions"
# Tuesday 18 March 2025.
TUESDAY = datetime(2025, 3, 18, 14, 30, tzinfo=UTC)
TEXT = (
    "Donald Trump spoke with Vladimir Putin by phone on Monday, the White House said. "
    "The Kremlin said the two leaders “agreed to keep talking” about energy prices. "
    "The two men last met in Helsinki in July 2018."
)
FILLER = "In an imagined interview, Trump and Putin secretly met in Paris last week."
CALL_SENTENCE = "Donald Trump spoke with Vladimir Putin by phone on Monday, the White House said."


@pytest.fixture(scope="module")
def _server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback(_server: LoopbackServer) -> LoopbackServer:
    """One loopback server for the module (stopping one costs half a second), reset per test."""
    _server.routes.clear()
    _server.requests.clear()
    return _server


def watch_toml(llm_url: str, extra: str = "") -> str:
    return f"""
name = "llm-test"
[[sources]]
kind = "rss"
url = "https://news.example/feed.xml"
[actors.trump]
names = ["Donald Trump", "Trump"]
roles = [{{ title = "US president", from = "2025-01-20" }}]
voices = ["the White House"]
[actors.putin]
names = ["Vladimir Putin", "Putin"]
voices = ["the Kremlin"]
spokespeople = ["Dmitry Peskov"]
[events]
pair = ["trump", "putin"]
extractor = "llm"
llm_url = "{llm_url}"
llm_model = "qwen2.5-7b-instruct"
{extra}
"""


def make_watch(server: LoopbackServer) -> Watch:
    return parse_watch(watch_toml(server.url("/v1")))


def make_article(text: str = TEXT, **fields: Any) -> Article:
    base: dict[str, Any] = {
        "url": "https://news.example/2025/03/18/call",
        "canonical_url": "https://news.example/2025/03/18/call",
        "source": "test",
        "title": "Trump and Putin speak by phone",
        "text": text,
        "published_at": TUESDAY,
        "filler_text": FILLER,
    }
    base.update(fields)
    return Article(**base)


def poster(read_timeout: float = 2.0, retries: int = 2, connect_timeout: float = 2.0) -> JsonPoster:
    """The wiring's poster with short timeouts and no back-off wait between retries."""
    retry = RetryPolicy(retries=retries, backoff_base=0.0)
    return llm_poster(
        policy=llm_policy(connect_timeout=connect_timeout, read_timeout=read_timeout, retry=retry)
    )


def chat_client(url: str, **options: Any) -> HttpChatClient:
    return HttpChatClient(url, API_KEY, post=poster(**options))


def extractor(server: LoopbackServer, read_timeout: float = 2.0, retries: int = 2) -> LlmExtractor:
    client = chat_client(server.url("/v1"), read_timeout=read_timeout, retries=retries)
    return LlmExtractor(make_watch(server), client=client, fallback_to_rules=False)


def completion(content: str) -> Reply:
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1742308200,
        "model": "qwen2.5-7b-instruct",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020},
    }
    return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


def event(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "call",
        "participants": ["trump", "putin"],
        "status": "confirmed",
        "date_earliest": "2025-03-17",
        "date_latest": "2025-03-17",
        "historical": False,
        "evidence": CALL_SENTENCE,
        "asserted_by": "the White House",
        "location": None,
    }
    base.update(fields)
    return base


def replying(*events: dict[str, Any]) -> Any:
    content = json.dumps({"events": list(events)})
    return lambda request: completion(content)


def run(server: LoopbackServer, article: Article | None = None) -> list[CandidateEvent]:
    found = extractor(server).extract(article or make_article(), make_watch(server))
    return found


def warnings_from(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "newswatch.extractors.llm" and r.levelno >= logging.WARNING
    ]


GOOD_CALL = CandidateEvent(
    event_type="call",
    participants=("putin", "trump"),
    status="confirmed",
    date_earliest=date(2025, 3, 17),
    date_latest=date(2025, 3, 17),
    evidence=CALL_SENTENCE,
    asserted_by="the White House",
)


# -- the request ---------------------------------------------------------------------------


def test_request_carries_schema_pair_names_publication_date_and_bearer_key(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    loopback.routes[ROUTE] = replying()
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    watch = make_watch(loopback)
    # Configured from the watch and env, as the flow wires it.
    extractor_for(watch, post_json=llm_poster(watch)).extract(make_article(), watch)

    (request,) = loopback.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = json.loads(request.body)
    prompt = "\n".join(m["content"] for m in body["messages"])
    assert (request.method, request.path) == ("POST", ROUTE)
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert body["model"] == "qwen2.5-7b-instruct"
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "contact_events", "schema": response_schema(), "strict": True},
    }
    assert "Donald Trump" in prompt and "Vladimir Putin" in prompt
    assert "2025-03-18 (Tuesday)" in body["messages"][-1]["content"]
    assert TEXT in body["messages"][-1]["content"]


def test_the_call_goes_through_the_http_layer(loopback: LoopbackServer) -> None:
    # The wiring's poster sends with the layer's client: its User-Agent and encodings.
    loopback.routes[ROUTE] = replying()
    watch = make_watch(loopback)
    extractor_for(watch, post_json=llm_poster(watch)).extract(make_article(), watch)
    (request,) = loopback.requests
    assert request.headers["User-Agent"].startswith("newswatch/")
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert request.headers["Content-Type"] == "application/json"


def test_request_never_carries_the_filler_text(loopback: LoopbackServer) -> None:
    loopback.routes[ROUTE] = replying()
    run(loopback)
    assert FILLER not in loopback.requests[0].body.decode()


def test_schema_is_strict_every_object_closed_and_every_key_required() -> None:
    def objects(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            found = [node] if node.get("type") == "object" else []
            return found + [o for value in node.values() for o in objects(value)]
        return []

    schema_objects = objects(response_schema())
    assert len(schema_objects) == 2
    for obj in schema_objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])


def test_an_article_naming_neither_of_the_pair_is_not_sent(loopback: LoopbackServer) -> None:
    loopback.routes[ROUTE] = replying(event())
    article = make_article("Emmanuel Macron met Olaf Scholz in Berlin.", title="Berlin talks")
    assert run(loopback, article) == []
    assert loopback.requests == []


# -- the reply -------------------------------------------------------------------------------


def test_a_good_reply_becomes_candidate_events(loopback: LoopbackServer) -> None:
    meeting = event(
        kind="meeting",
        status="confirmed",
        date_earliest="2018-07-01",
        date_latest="2018-07-31",
        historical=True,
        evidence="The two men last met in Helsinki in July 2018.",
        asserted_by=None,
        location="Helsinki",
    )
    loopback.routes[ROUTE] = replying(event(), meeting)
    assert run(loopback) == [
        GOOD_CALL,
        CandidateEvent(
            event_type="meeting",
            participants=("putin", "trump"),
            status="confirmed",
            date_earliest=date(2018, 7, 1),
            date_latest=date(2018, 7, 31),
            evidence="The two men last met in Helsinki in July 2018.",
            location="Helsinki",
            historical=True,
        ),
    ]


def test_participants_may_be_written_as_names(loopback: LoopbackServer) -> None:
    loopback.routes[ROUTE] = replying(event(participants=["Vladimir Putin", "Donald Trump"]))
    assert run(loopback) == [GOOD_CALL]


def test_evidence_not_in_the_article_text_is_dropped(loopback: LoopbackServer) -> None:
    invented = event(evidence="Trump told Putin by phone that sanctions would be lifted.")
    loopback.routes[ROUTE] = replying(invented, event())
    assert run(loopback) == [GOOD_CALL]


def test_evidence_quoted_from_the_filler_text_is_dropped(loopback: LoopbackServer) -> None:
    loopback.routes[ROUTE] = replying(event(kind="meeting", evidence=FILLER))
    assert run(loopback) == []


def test_an_event_with_someone_outside_the_pair_is_dropped(loopback: LoopbackServer) -> None:
    loopback.routes[ROUTE] = replying(event(participants=["trump", "Volodymyr Zelensky"]))
    assert run(loopback) == []


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "visit"},
        {"status": "rumoured"},
        {"date_earliest": "2025-03-20", "date_latest": "2025-03-17"},
        {"date_earliest": "last Monday"},
        {"participants": ["trump"]},
        {"evidence": "Donald Trump spoke"},
    ],
    ids=["unknown kind", "unknown status", "earliest after latest", "not a date", "one", "short"],
)
def test_an_invalid_event_is_dropped_and_the_valid_one_kept(
    loopback: LoopbackServer, fault: dict[str, Any]
) -> None:
    loopback.routes[ROUTE] = replying(event(**fault), event())
    assert run(loopback) == [GOOD_CALL]


def test_evidence_with_retyped_quote_marks_is_stored_as_the_articles_own_sentence(
    loopback: LoopbackServer,
) -> None:
    retyped = 'The Kremlin said the two leaders "agreed to keep talking" about energy prices.'
    loopback.routes[ROUTE] = replying(event(evidence=retyped))
    (found,) = run(loopback)
    assert found.evidence == (
        "The Kremlin said the two leaders “agreed to keep talking” about energy prices."
    )


def test_a_contact_older_than_history_days_is_historical_whatever_the_model_says(
    loopback: LoopbackServer,
) -> None:
    old = event(
        kind="meeting",
        date_earliest="2018-07-16",
        date_latest="2018-07-16",
        evidence="The two men last met in Helsinki in July 2018.",
        historical=False,
    )
    loopback.routes[ROUTE] = replying(old)
    (found,) = run(loopback)
    assert found.historical


def test_a_statement_is_confirmed_and_never_historical(loopback: LoopbackServer) -> None:
    statement = event(kind="statement", status="planned", historical=True)
    loopback.routes[ROUTE] = replying(statement)
    (found,) = run(loopback)
    assert (found.event_type, found.status, found.historical) == ("statement", "confirmed", False)


def test_malformed_json_content_gives_no_events_and_one_logged_line(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.routes[ROUTE] = lambda request: completion('{"events": [{"kind": "call", ')
    assert run(loopback) == []
    (line,) = warnings_from(caplog)
    assert "not valid JSON" in line.getMessage()
    assert "news.example" in line.getMessage()


def test_a_reply_outside_the_schema_gives_no_events(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.routes[ROUTE] = lambda request: completion('{"contacts": []}')
    assert run(loopback) == []
    assert "schema" in warnings_from(caplog)[0].getMessage()


def test_a_body_that_is_not_a_chat_completion_gives_no_events(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.routes[ROUTE] = lambda request: Reply(200, b'{"error": "model not loaded"}')
    assert run(loopback) == []
    assert len(warnings_from(caplog)) == 1


# -- the transport -----------------------------------------------------------------------------


def test_a_server_error_then_success_is_retried(loopback: LoopbackServer) -> None:
    replies = [Reply(500, b"busy"), None]

    def flaky(request: Request) -> Reply:
        return replies.pop(0) or replying(event())(request)

    loopback.routes[ROUTE] = flaky
    assert run(loopback) == [GOOD_CALL]
    assert len(loopback.requests) == 2


def test_a_rate_limit_is_retried_after_the_servers_delay(loopback: LoopbackServer) -> None:
    replies = [Reply(429, b"slow down", {"Retry-After": "0"}), None]
    loopback.routes[ROUTE] = lambda request: replies.pop(0) or replying(event())(request)
    assert run(loopback) == [GOOD_CALL]
    assert len(loopback.requests) == 2


def test_retries_are_bounded(loopback: LoopbackServer, caplog: pytest.LogCaptureFixture) -> None:
    loopback.routes[ROUTE] = lambda request: Reply(503, b"overloaded")
    assert extractor(loopback, retries=2).extract(make_article(), make_watch(loopback)) == []
    assert len(loopback.requests) == 3
    assert "HTTP 503 Service Unavailable (after 2 retries)" in warnings_from(caplog)[0].getMessage()


def test_a_client_error_is_not_retried(loopback: LoopbackServer) -> None:
    loopback.routes[ROUTE] = lambda request: Reply(400, b"bad request")
    assert run(loopback) == []
    assert len(loopback.requests) == 1


def test_a_timeout_gives_no_events_quickly_and_is_not_retried(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.routes[ROUTE] = lambda request: Reply(200, b"{}", delay=1.5)
    started = time.monotonic()
    found = extractor(loopback, read_timeout=0.2).extract(make_article(), make_watch(loopback))
    assert found == []
    assert time.monotonic() - started < 1.0
    assert len(loopback.requests) == 1
    assert "read timeout: no data for 0.2s" in warnings_from(caplog)[0].getMessage()


def test_an_unreachable_server_gives_no_events(caplog: pytest.LogCaptureFixture) -> None:
    server = LoopbackServer()  # bound, never started: then closed, so the port refuses
    watch, url = make_watch(server), server.url("/v1")
    server.httpd.server_close()
    client = chat_client(url, connect_timeout=0.5, retries=1)
    llm = LlmExtractor(watch, client=client, fallback_to_rules=False)
    assert llm.extract(make_article(), watch) == []
    assert "cannot connect" in warnings_from(caplog)[0].getMessage()


def test_the_api_key_never_appears_in_logs_exceptions_or_reprs(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    # A server that echoes the key back in its error body.
    loopback.routes[ROUTE] = lambda request: Reply(401, f"invalid key {API_KEY}".encode())
    llm = extractor(loopback)
    assert llm.extract(make_article(), make_watch(loopback)) == []
    with pytest.raises(LlmCallError) as raised:
        chat_client(loopback.url("/v1")).complete(
            build_request(make_article(), make_watch(loopback), None)
        )
    assert caplog.records and warnings_from(caplog)
    assert all(API_KEY not in r.getMessage() for r in caplog.records)
    assert API_KEY not in caplog.text
    assert API_KEY not in str(raised.value) and API_KEY not in repr(raised.value)
    assert API_KEY not in repr(llm)


def test_a_failed_call_falls_back_to_the_rules_by_default(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.routes[ROUTE] = lambda request: Reply(500, b"down")
    watch = make_watch(loopback)
    client = chat_client(loopback.url("/v1"), retries=0)
    found = LlmExtractor(watch, client=client).extract(make_article(), watch)
    rules = RuleBasedExtractor().extract(make_article(), watch)
    assert rules and found == rules
    assert "rule-based" in warnings_from(caplog)[0].getMessage()


# -- configuration ----------------------------------------------------------------------------


def test_extractor_for_a_watch_asking_for_the_llm_gives_an_llm_extractor() -> None:
    watch = parse_watch(watch_toml("http://127.0.0.1:8080/v1"))
    assert isinstance(extractor_for(watch, post_json=llm_poster(watch)), LlmExtractor)


def test_an_llm_extractor_without_the_http_layer_is_refused_in_one_line() -> None:
    watch = parse_watch(watch_toml("http://127.0.0.1:8080/v1"))
    with pytest.raises(WatchError, match=r"needs the HTTP layer"):
        extractor_for(watch)


def test_an_llm_watch_without_a_url_is_refused_when_the_watch_loads() -> None:
    with pytest.raises(WatchError, match=r"events: .*needs llm_url"):
        parse_watch(watch_toml("").replace('llm_url = ""', ""))


# -- verbatim evidence (property) -------------------------------------------------------------


@given(st.text(), st.text())
def test_evidence_found_is_always_the_articles_own_characters(text: str, evidence: str) -> None:
    found = verbatim_evidence(evidence, text)
    assert found is None or found in text


@given(st.text(min_size=1), st.data())
def test_any_quote_from_the_article_is_found(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    found = verbatim_evidence(quote, text)
    assert (found is None) == (not quote.strip())
