"""Stored articles with their kept raw pages, as a run with an older cleaner left them.

The reprocess tests write the article rows through the store stage's own copy detection
(`store_with_copy_detection`), but with the text an older cleaner produced (`stored_text`),
and keep the page's HTML the way a run keeps it. Re-cleaning that HTML with today's
cleaner gives another text, so reprocessing changes texts, fingerprints and copies.
The stories, comments and fact box below were written for these tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from newswatch.core.store import store_with_copy_detection
from newswatch.core.types import ReadArticle
from newswatch.domain import Article, CandidateLink, FetchedPage
from newswatch.extractors.clean import clean_page
from newswatch.storage.db import ensure_schema, read_session, write_session
from newswatch.storage.pages import save_raw_pages

WATCH_NAME = "trump-putin"

# One wire story about a call between the pair: the original and its syndicated copies.
WIRE_STORY = (
    "Donald Trump and Vladimir Putin spoke by phone on Tuesday, the Kremlin said in a "
    "statement released late in the evening in Moscow.",
    "The two leaders discussed a possible ceasefire along the front line, the exchange of "
    "prisoners held by both sides and the supply of grain through the ports of the Black "
    "Sea, according to the statement.",
    "A spokesman for the White House confirmed that the call had taken place and said it "
    "lasted for more than ninety minutes, longer than any earlier conversation between the "
    "two presidents this year.",
    "Officials in Kyiv said they had not been told in advance about the conversation and "
    "asked for a briefing from the American envoy before the next round of talks in the Gulf.",
)

# A second outlet's own report of the same call, written independently.
OWN_STORY = (
    "Vladimir Putin and Donald Trump held a telephone conversation on Tuesday, according to "
    "the Kremlin, which published a short account of it shortly before midnight.",
    "Our correspondent in Washington was told by two aides that the president raised the "
    "fate of detained journalists and pressed for a halt to strikes on power stations.",
    "Markets in Europe barely moved on the news, and analysts in Frankfurt said investors "
    "had long expected the two men to resume regular contact after the winter.",
    "Diplomats in Brussels described the mood as cautious and warned that earlier "
    "promises of a truce had collapsed within days of being announced.",
)

# Reader comments an older cleaner kept below the story (today's cleaner drops them).
READER_COMMENTS = (
    "Reader from Harbourview: I remember when the ferry schedule changed every winter and "
    "nobody could plan a trip to the islands without calling the office twice.",
    "Reader from Old Mill Road: the new bakery near the station sells bread that is far too "
    "expensive for a town where most families still count every coin at the market.",
    "Reader from Riverside: our allotment society has won the prize for the largest pumpkin "
    "three years running and the committee would like the paper to cover the show.",
    "Reader from the Heights: the football club should stop selling tickets online only, "
    "because older supporters cannot use the website and queue in the rain instead.",
    "Reader from Quayside: would anyone know whether the swimming pool will reopen before "
    "the summer holidays, as the children have nowhere else to go in the afternoons?",
    "Reader from Chapel Lane: the potholes on the hill have been reported four times and "
    "the council still sends a different inspector every spring to measure them again.",
    "Reader from the Meadows: thank you to the volunteers who cleared the canal path last "
    "weekend, it is a pleasure to walk the dog there before work once more.",
    "Reader from Station Row: the night bus no longer stops at the hospital gate, which "
    "leaves nurses on the late shift walking half a mile in the dark to get home.",
    "Reader from Orchard Close: can the paper find out why the library closes at four on "
    "Saturdays when that is the only day many working parents can bring their children?",
)

# A wire agency's fact box that both outlets print beside their stories; an older cleaner
# kept it in the text, today's cleaner leaves it out (it is an <aside>).
FACT_BOX = (
    "About the agency: Northern Wire is a cooperative of regional newspapers founded after "
    "the war to share the cost of foreign correspondents among its members.",
    "It keeps bureaus in eleven capitals, publishes in four languages and supplies text, "
    "photographs and graphics to more than three hundred titles every day.",
    "Its editorial charter forbids members from changing quotations, requires two sources "
    "for every claim made by an anonymous official and obliges corrections within a day.",
    "Members elect the board each spring at a meeting held in a different city every year, "
    "and the board appoints the editor in chief for a single term of five years.",
    "Complaints about coverage go to an independent ombudsman whose rulings are printed in "
    "full by every member paper within a week of being delivered to the agency.",
    "Subscriptions are priced by circulation, so the smallest weekly papers pay a fraction "
    "of what the national dailies pay for exactly the same service and archive access.",
    "The archive reaches back to the first bulletin sent by telegraph and is open to "
    "students and researchers free of charge in the reading room of the head office.",
    "Trainees spend their first year on the night desk, then six months in a regional "
    "bureau, before they may apply for a posting abroad with a senior correspondent.",
    "Photographers own the rights to their pictures after ten years, a rule the founders "
    "wrote into the statutes to keep the best of them from leaving for magazines.",
    "Readers may suggest stories through any member paper, and the agency answers every "
    "suggestion in writing, even when it decides that the story will not be covered.",
    "The cooperative publishes its accounts each summer, including the salaries of its "
    "managers, and any member may ask for an audit of the costs shared among them.",
)


@dataclass(frozen=True)
class KeptPage:
    """One fetched page: its HTML as kept, and the text the older cleaner stored."""

    url: str
    html: str
    stored_text: str
    published_at: datetime
    fetched_at: datetime


def story_page(
    title: str,
    paragraphs: Sequence[str],
    *,
    comments: Sequence[str] = (),
    fact_box: Sequence[str] = (),
) -> str:
    """A news page: navigation, the story, an optional fact box and reader comments."""

    def paras(texts: Sequence[str]) -> str:
        return "".join(f"<p>{escape(t)}</p>" for t in texts)

    aside = f'<aside class="factbox">{paras(fact_box)}</aside>' if fact_box else ""
    thread = "".join(f'<div class="comment">{paras([c])}</div>' for c in comments)
    section = f'<section id="comments" class="comments">{thread}</section>' if comments else ""
    return (
        '<!doctype html><html lang="en"><head>'
        f"<title>{escape(title)}</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{escape(title)}</h1>{paras(paragraphs)}{aside}</article>"
        f"{section}<footer><p>All rights reserved.</p></footer></body></html>"
    )


def cleaned_text(html: str, url: str) -> str:
    """What today's cleaner reads from a page (so a test can store it as already current)."""
    return clean_page(html, url).text


def seed_kept_pages(
    db: Path, pages: Sequence[KeptPage], watch: str = WATCH_NAME, run_id: str = "run-1"
) -> dict[str, str]:
    """Store the pages as one run of the watch did; returns article id by URL."""
    ensure_schema(db)
    first = min(p.fetched_at for p in pages)
    articles = [
        Article(
            url=p.url,
            canonical_url=p.url,
            source="rss:test",
            title=None,
            text=p.stored_text,
            published_at=p.published_at,
            fetched_at=p.fetched_at,
            language="en",
        )
        for p in pages
    ]
    with write_session(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES (?, ?, ?, 'completed')",
            [run_id, watch, first],
        )
        reads = [ReadArticle(a, a.url, (), a.url) for a in articles]
        store_with_copy_detection(
            con, sorted(reads, key=lambda r: r.article.fetched_at or first), run_id=run_id
        )
        fetched = [
            FetchedPage(
                link=CandidateLink(url=p.url, canonical_url=p.url, source="rss:test"),
                status="ok",
                http_status=200,
                html=p.html,
                fetched_at=p.fetched_at,
            )
            for p in pages
        ]
        save_raw_pages(con, fetched, {a.url: a.article_id for a in articles}, watch, first)
    return {a.url: a.article_id for a in articles}


def copy_links(db: Path) -> dict[str, tuple[str | None, str | None, float | None]]:
    """Each stored article's (original URL, copy method, similarity), by URL."""
    with read_session(db) as con:
        rows = con.execute(
            "SELECT a.canonical_url, o.canonical_url, a.copy_method, a.copy_similarity "
            "FROM articles a LEFT JOIN articles o ON o.article_id = a.duplicate_of"
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


# Tables a reprocess writes, without the columns that hold the wall-clock time of the
# command (so two databases reprocessed at different moments compare equal).
_TABLES = {
    "articles": "SELECT article_id, canonical_url, text, content_hash, duplicate_of, "
    "copy_method, copy_similarity FROM articles",
    "article_signatures": "SELECT * FROM article_signatures",
    "article_bands": "SELECT * FROM article_bands",
    "events": "SELECT event_id, event_type, participants, event_date, date_earliest, "
    "date_latest, status, historical, independent_sources, copies, retracted_at IS NULL "
    "FROM events",
    "event_mentions": "SELECT event_id, article_id, evidence, status, asserted_by, is_copy, "
    "historical FROM event_mentions",
    "alerts": "SELECT alert_id, event_id, channel, kind, status FROM alerts",
    "reprocess_checkpoints": "SELECT * FROM reprocess_checkpoints",
}


def reprocessed_tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """The rows of every table a reprocess writes, sorted."""
    with read_session(db) as con:
        return {
            name: con.execute(f"{query} ORDER BY ALL").fetchall() for name, query in _TABLES.items()
        }


def all_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables a reprocess writes, timestamps included."""
    with read_session(db) as con:
        return {
            name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in _TABLES
        }


def utc(day: int, hour: int) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)
