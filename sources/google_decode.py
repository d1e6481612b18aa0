"""Google News article links → publisher URLs, the way Google's own web client does it.

Since mid-2024 a Google News item links to `https://news.google.com/rss/articles/<id>`
whose id (base64 of a small protobuf) holds only an opaque token (`AU_yqL…`), no URL.
Google's page for that id carries a signature and a timestamp (`data-n-a-sg`,
`data-n-a-ts` on the article's `c-wiz > div[jscontroller]`); posting them with the id to
the `batchexecute` endpoint (RPC `Fbv4je`, request `garturlreq`) returns the URL
(`garturlres`). This is the method maintained open-source decoders use (googlenewsdecoder
and its ports); the protocol shape here follows theirs.

Old ids that embed the URL are decoded offline (`google_news.url_from_article_id`) and
never reach this module. Requests go through the project's HTTP layer (address
guard, timeouts, retries) to one configurable host, paced by the caller's per-host delay;
ids are posted in batches. In the EU, Google may first redirect to its consent page:
the page is asked for again once with the consent page's own "reject all" cookie
(essential cookies only), and an id that still meets the wall is reported unresolved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from newswatch.config import FetchConfig
from newswatch.domain import LinkResolution
from newswatch.sources.http import HttpClient, HttpPolicy, one_line, run_sync

GOOGLE_HOST = "https://news.google.com"
BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
# Ids per batchexecute POST: one request for a typical feed's new items, small enough
# that one refused batch costs little.
BATCH_SIZE = 20
# Hosts of Google's cookie-consent interstitial (EU visitors).
CONSENT_HOSTS = frozenset({"consent.google.com", "consent.youtube.com"})
# The cookie the consent page sets for "Reject all": no consent beyond essential cookies.
CONSENT_REJECT_COOKIE = "SOCS=CAI"
# The client context Google's web app sends with `garturlreq` (placeholders, as the
# maintained decoders send it); only the id, timestamp and signature vary.
_GARTURLREQ_CONTEXT: list[object] = [
    ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None, None, None, 0, 1],
    "X",
    "X",
    1,
    [1, 1, 1],
    1,
    1,
    None,
    0,
    0,
    None,
    0,
]
_SIGNATURE = re.compile(r'data-n-a-sg="([^"]+)"')
_TIMESTAMP = re.compile(r'data-n-a-ts="([^"]+)"')
_XSSI_PREFIX = ")]}'"


@dataclass(frozen=True)
class _Signed:
    token: str
    timestamp: str
    signature: str


def article_token(url: str, google_host: str = GOOGLE_HOST) -> str | None:
    """The article id of a Google News article link on `google_host`, else None."""
    try:
        parts = urlsplit(url)
        host = urlsplit(google_host)
    except ValueError:
        return None
    if parts.netloc.lower() != host.netloc.lower():
        return None
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 2 or segments[-2] not in ("articles", "read"):
        return None
    return segments[-1] or None


def signature_page_url(google_host: str, token: str, google_url: str | None = None) -> str:
    """The page that carries an id's signature: `/rss/articles/<id>` with the item's locale.

    `/articles/<id>` answers non-browser clients with a redirect to a "sorry" page; the
    RSS article URL answers with the page.
    """
    query = parse_qs(urlsplit(google_url or "").query)
    locale = {
        key: (query.get(key) or [default])[0]
        for key, default in (("hl", "en-US"), ("gl", "US"), ("ceid", "US:en"))
    }
    return f"{google_host.rstrip('/')}/rss/articles/{token}?{urlencode(locale)}"


def parse_signature(html: str) -> tuple[str, str] | None:
    """(signature, timestamp) from an article page, or None when the page has none."""
    signature = _SIGNATURE.search(html)
    timestamp = _TIMESTAMP.search(html)
    if not signature or not timestamp:
        return None
    return signature.group(1), timestamp.group(1)


def batchexecute_body(items: Sequence[tuple[str, str, str, str]]) -> bytes:
    """The form body of one batchexecute POST: `(request_id, token, timestamp, signature)`
    each, so answers are matched by id whatever their order."""
    envelopes = []
    for request_id, token, timestamp, signature in items:
        ts: int | str = int(timestamp) if timestamp.isdigit() else timestamp
        inner = ["garturlreq", _GARTURLREQ_CONTEXT, token, ts, signature]
        envelopes.append(["Fbv4je", json.dumps(inner, separators=(",", ":")), None, request_id])
    payload = json.dumps([envelopes], separators=(",", ":"))
    return f"f.req={quote(payload)}".encode("ascii")


def _response_rows(text: str) -> list[object]:
    """The envelope rows of a batchexecute answer, plain or length-chunked (`rt=c`)."""
    body = text.lstrip()
    if body.startswith(_XSSI_PREFIX):
        body = body[len(_XSSI_PREFIX) :]
    body = body.strip()
    try:
        parsed = json.loads(body)
        return list(parsed) if isinstance(parsed, list) else []
    except json.JSONDecodeError:
        pass
    rows: list[object] = []
    for line in body.splitlines():  # chunked: a length line, then a JSON array
        line = line.strip()
        if line.startswith("["):
            chunk = json.loads(line)
            rows.extend(chunk if isinstance(chunk, list) else [])
    return rows


def parse_batchexecute(text: str) -> dict[str, LinkResolution]:
    """Request id → the URL Google answered, or its error; ValueError for an answer
    that is not batchexecute at all."""
    try:
        rows = _response_rows(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a batchexecute answer: {exc.msg}") from None
    if not rows:
        raise ValueError("not a batchexecute answer: no rows")
    out: dict[str, LinkResolution] = {}
    refused: list[object] = []
    for row in rows:
        if isinstance(row, list) and row and row[0] == "er":
            refused.append(row[5] if len(row) > 5 else None)
            continue
        if not (isinstance(row, list) and len(row) >= 3 and row[0] == "wrb.fr"):
            continue
        if len(row) > 1 and row[1] not in ("Fbv4je", None):
            continue
        request_id = next((str(c) for c in reversed(row[3:]) if isinstance(c, str)), "generic")
        payload = row[2]
        if payload is None:
            code = row[5] if len(row) > 5 else None
            out[request_id] = LinkResolution("", None, f"decoder error {json.dumps(code)}")
            continue
        try:
            answer = json.loads(payload) if isinstance(payload, str) else payload
        except json.JSONDecodeError:
            out[request_id] = LinkResolution("", None, "decoder answer is not JSON")
            continue
        if (
            isinstance(answer, list)
            and len(answer) >= 2
            and answer[0] == "garturlres"
            and isinstance(answer[1], str)
            and answer[1].startswith(("http://", "https://"))
        ):
            out[request_id] = LinkResolution("", answer[1])
        else:
            out[request_id] = LinkResolution("", None, "decoder answer holds no URL")
    if not out and refused:
        raise ValueError(f"Google refused the request (error {json.dumps(refused[0])})")
    return out


def _is_consent(url: str) -> bool:
    try:
        return (urlsplit(url).hostname or "").lower() in CONSENT_HOSTS
    except ValueError:
        return False


async def _stop_at_consent(url: str) -> str | None:
    return "consent interstitial" if _is_consent(url) else None


async def _sign(
    client: HttpClient, google_host: str, token: str, google_url: str
) -> _Signed | LinkResolution:
    """Fetch an id's article page and read its signature (or say why not)."""
    page_url = signature_page_url(google_host, token, google_url)
    result = await client.get(page_url, hop_check=_stop_at_consent)
    if result.outcome == "skipped" and result.error == "consent interstitial":
        result = await client.get(
            page_url, headers={"Cookie": CONSENT_REJECT_COOKIE}, hop_check=_stop_at_consent
        )
        if result.outcome == "skipped" and result.error == "consent interstitial":
            return LinkResolution(token, None, "Google's consent page blocks the article page")
    if result.outcome != "ok":
        return LinkResolution(
            token, None, one_line(f"article page: {result.error or result.outcome}")
        )
    signed = parse_signature(result.body.decode("utf-8", "replace"))
    if signed is None:
        return LinkResolution(token, None, "article page carries no signature (data-n-a-sg)")
    return _Signed(token, signed[1], signed[0])


async def resolve_tokens(
    client: HttpClient, google_host: str, links: Sequence[tuple[str, str]]
) -> list[LinkResolution]:
    """Resolve `(token, google_url)` pairs; one LinkResolution per pair, in order.

    Article pages are fetched one after another (the client's per-host delay paces
    them), then the signed ids are posted in batches of BATCH_SIZE.
    """
    done: dict[str, LinkResolution] = {}
    signed: list[_Signed] = []
    for token, google_url in links:
        if token in done or any(s.token == token for s in signed):
            continue
        outcome = await _sign(client, google_host, token, google_url)
        if isinstance(outcome, LinkResolution):
            done[token] = outcome
        else:
            signed.append(outcome)
    endpoint = google_host.rstrip("/") + BATCHEXECUTE_PATH
    for start in range(0, len(signed), BATCH_SIZE):
        batch = signed[start : start + BATCH_SIZE]
        body = batchexecute_body(
            [(str(i), s.token, s.timestamp, s.signature) for i, s in enumerate(batch)]
        )
        result = await client.post(
            endpoint,
            body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
                "Referer": google_host.rstrip("/") + "/",
            },
        )
        answers: dict[str, LinkResolution] = {}
        failure: str | None = None
        if result.outcome != "ok":
            failure = one_line(f"decoder: {result.error or result.outcome}")
        else:
            try:
                answers = parse_batchexecute(result.body.decode("utf-8", "replace"))
            except ValueError as exc:
                failure = one_line(f"decoder: {exc}")
        for i, s in enumerate(batch):
            answer = answers.get(str(i))
            if answer is None and len(batch) == 1 and len(answers) == 1:
                answer = next(iter(answers.values()))  # a lone answer tagged "generic"
            if answer is None:
                done[s.token] = LinkResolution(s.token, None, failure or "decoder: no answer")
            else:
                done[s.token] = LinkResolution(s.token, answer.url, answer.error)
    return [done[token] for token, _ in links]


def resolve_links(
    config: FetchConfig,
    user_agent: str,
    google_host: str,
    interval_seconds: float,
    links: Sequence[tuple[str, str]],
) -> list[LinkResolution]:
    """Resolve `(token, google_url)` pairs against `google_host`, requests spaced
    `interval_seconds` apart; one LinkResolution per pair, in order; never raises."""
    if not links:
        return []
    host = (urlsplit(google_host).hostname or "").lower()

    async def go() -> list[LinkResolution]:
        policy = HttpPolicy.for_fetching(config, user_agent, host_delays={host: interval_seconds})
        async with HttpClient(policy) as client:
            return await resolve_tokens(client, google_host, links)

    try:
        return run_sync(go)
    except Exception as exc:  # a bug here must not sink the run: the links stay unresolved
        reason = one_line(f"internal error: {type(exc).__name__}: {exc}")
        return [LinkResolution(token, None, reason) for token, _ in links]
