"""clean_page: the Article it builds from one page, and its behaviour on hostile input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch.domain import CandidateLink
from newswatch.extractors.clean import clean_page

URL = "https://news.example/world/leaders-talk/?utm_source=feed"
PARAGRAPHS = [
    "The two presidents spoke by telephone for more than an hour on Tuesday, the Kremlin said.",
    "They agreed that their teams would meet in Riyadh next week to prepare a possible summit.",
    "The White House described the call as constructive but gave few details of what was agreed.",
    "Officials in Kyiv said they had been informed of the call in advance and did not object to it.",
    "It was the first confirmed conversation between the two leaders since the start of the year.",
]


def article_html(
    *,
    head: str = "",
    lang: str = "en",
    paragraphs: list[str] | None = None,
    extra_body: str = "",
) -> str:
    """An article page written for these tests, with share widgets and a sidebar."""
    body = "".join(f"<p>{p}</p>" for p in (paragraphs or PARAGRAPHS))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Leaders talk - Example News</title>'
        f'<meta property="og:title" content="Leaders talk by phone">{head}</head><body>'
        '<nav><ul><li><a href="/">Home</a></li><li><a href="/world/">World</a></li></ul></nav>'
        '<article><h1>Leaders talk by phone</h1><div class="entry-content">'
        f"<p>Leaders talk by phone</p>{body}<p>Share this: Share</p><p>Like this: Like Loading...</p>"
        f"</div></article>{extra_body}"
        '<aside class="sidebar"><h3>Trending</h3><ul><li><a href="/a">Ten tips for a healthier winter</a></li></ul></aside>'
        "<footer><p>© 2025 Example News</p></footer></body></html>"
    )


def test_text_is_the_news_body_one_paragraph_per_line() -> None:
    article = clean_page(article_html(), URL)
    assert article.text.split("\n") == PARAGRAPHS
    assert article.page_kind == "article"


def test_title_site_author_and_language_come_from_the_page() -> None:
    head = '<meta property="og:site_name" content="Example News"><meta name="author" content="Anna Keller">'
    article = clean_page(article_html(head=head, lang="en-GB"), URL)
    assert (article.title, article.site_name, article.author, article.language) == (
        "Leaders talk by phone",
        "Example News",
        "Anna Keller",
        "en",
    )


def test_arguments_are_passed_through() -> None:
    fetched = datetime(2025, 3, 18, 20, 0, tzinfo=UTC)
    article = clean_page(article_html(), URL, source="example-rss", fetched_at=fetched)
    assert (article.url, article.source, article.fetched_at) == (URL, "example-rss", fetched)


def test_canonical_url_is_the_canonicalized_og_url() -> None:
    head = '<meta property="og:url" content="https://News.Example/world/leaders-talk/?utm_medium=x#top">'
    article = clean_page(article_html(head=head), URL)
    assert article.canonical_url == "https://news.example/world/leaders-talk/"
    assert article.declared_canonical_url is None


def test_canonical_url_falls_back_to_rel_canonical_then_to_the_url() -> None:
    linked = clean_page(
        article_html(head='<link rel="canonical" href="/world/leaders-talk/">'), URL
    )
    assert linked.canonical_url == "https://news.example/world/leaders-talk/"
    assert (
        clean_page(article_html(), URL).canonical_url == "https://news.example/world/leaders-talk/"
    )


def test_rel_canonical_to_another_outlet_is_declared() -> None:
    head = (
        '<meta property="og:url" content="https://mirror.example/world/leaders-talk/">'
        '<link rel="canonical" href="https://wire.example/world/leaders-talk-2025-03-18/">'
    )
    article = clean_page(article_html(head=head), "https://mirror.example/world/leaders-talk/")
    assert article.canonical_url == "https://mirror.example/world/leaders-talk/"
    assert article.declared_canonical_url == "https://wire.example/world/leaders-talk-2025-03-18/"


def test_published_time_and_its_source() -> None:
    head = '<meta property="article:published_time" content="2025-03-18T19:35:00+00:00">'
    article = clean_page(article_html(head=head), URL)
    assert article.published_at == datetime(2025, 3, 18, 19, 35, tzinfo=UTC)
    assert article.published_source == "meta"


def test_feed_hint_fills_in_missing_title_and_date() -> None:
    hint = CandidateLink(
        URL,
        URL,
        "example-rss",
        title="Leaders talk",
        published_at=datetime(2025, 3, 18, 20, 0, tzinfo=UTC),
    )
    html = article_html().replace('<meta property="og:title" content="Leaders talk by phone">', "")
    html = html.replace("<title>Leaders talk - Example News</title>", "").replace(
        "<h1>Leaders talk by phone</h1>", ""
    )
    article = clean_page(html, URL, hint=hint)
    assert article.title == "Leaders talk"
    assert (article.published_at, article.published_source) == (hint.published_at, "feed")


def page_declaring_no_language(paragraphs: list[str]) -> str:
    return article_html(paragraphs=paragraphs).replace(' lang="en"', "")


def test_language_is_guessed_when_the_page_declares_none() -> None:
    german = [
        "Die beiden Präsidenten haben am Dienstag mehr als eine Stunde lang miteinander telefoniert.",
        "Nach Angaben des Kreml vereinbarten sie, dass sich ihre Teams in der kommenden Woche treffen.",
        "Das Weiße Haus nannte das Gespräch konstruktiv, nannte aber kaum Einzelheiten der Vereinbarung.",
    ]
    assert clean_page(page_declaring_no_language(german), URL).language == "de"


def test_the_language_guess_loads_no_second_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guess goes through the run's shared model (loaded before the workers fork), not
    py3langid's own global one: that would be a second ~75 MB copy in every worker."""
    import py3langid.langid

    monkeypatch.setattr(py3langid.langid, "IDENTIFIER", None)
    finnish = [
        "Presidentit keskustelivat puhelimessa tiistaina yli tunnin ajan, Kreml kertoi.",
        "Heidän mukaansa neuvottelijat tapaavat ensi viikolla valmistelemaan mahdollista huippukokousta.",
        "Valkoinen talo kuvaili keskustelua rakentavaksi mutta kertoi sovitusta vain vähän.",
    ]
    assert clean_page(page_declaring_no_language(finnish), URL).language == "fi"
    assert py3langid.langid.IDENTIFIER is None


def test_appended_interview_is_cut_into_filler_text() -> None:
    dialogue = [
        "Interview between Time.news Editor and a Foreign Policy Expert",
        "Editor: What does the call mean for Europe?",
        "Dr. Anna Novak: It means Europe must prepare its own proposals.",
        "Editor: Thank you.",
    ]
    article = clean_page(article_html(paragraphs=PARAGRAPHS + dialogue), URL)
    assert article.text.split("\n") == PARAGRAPHS
    assert article.filler_text == "\n".join(dialogue)
    assert article.filler_reason is not None and article.filler_reason.startswith(
        "editor-interview-heading"
    )


def test_tag_page_is_a_listing_without_text_or_date() -> None:
    cards = "".join(
        f'<article class="card"><h2><a href="/world/story-{i}/">Story number {i} about the talks</a></h2>'
        f'<div class="card-meta">March {i + 1}, 2025</div><p>Teaser {i} about the talks.</p></article>'
        for i in range(6)
    )
    html = f'<html lang="en"><head><title>Talks Archives</title></head><body><h1>Tag: talks</h1>{cards}</body></html>'
    article = clean_page(html, "https://news.example/tag/talks/")
    assert article.page_kind == "listing"
    assert (article.text, article.published_at) == ("", None)


def _page_with_teasers(intro: list[str]) -> str:
    """A page whose own text is short paragraphs, beside six linked teaser headlines."""
    teasers = "".join(
        f'<h3><a href="/world/other-story-{i}/">Other story number {i}</a></h3>' for i in range(6)
    )
    body = "".join(f"<p>{p}</p>" for p in intro)
    return f'<html lang="en"><head><title>Page</title></head><body><div class="main">{body}</div><div class="more">{teasers}</div></body></html>'


def test_teasers_beside_short_text_make_a_front_page_a_listing() -> None:
    article = clean_page(_page_with_teasers(PARAGRAPHS), "https://news.example/")
    assert (article.page_kind, article.text) == ("listing", "")


def test_an_article_address_outweighs_teaser_blocks() -> None:
    # A slug of three words or more, an id of four digits or more, or a file name.
    for url in (
        "https://news.example/world/leaders-talk-by-phone",
        "https://news.example/news/3-11212601",
        "https://news.example/news/2025/leaders.html",
        "https://news.example/?p=2895",
    ):
        article = clean_page(_page_with_teasers(PARAGRAPHS), url)
        assert (url, article.page_kind, article.text) == (url, "article", "\n".join(PARAGRAPHS))


def test_a_site_root_without_teasers_is_its_text() -> None:
    html = f'<html lang="en"><head><title>Smith Carpentry</title></head><body><main>{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</main></body></html>'
    article = clean_page(html, "https://smith-carpentry.example/")
    assert (article.page_kind, article.text) == ("article", "\n".join(PARAGRAPHS))


def test_very_short_text_is_a_stub() -> None:
    article = clean_page(article_html(paragraphs=["The call lasted an hour."]), URL)
    assert article.page_kind == "stub"


def test_empty_page_is_a_stub() -> None:
    article = clean_page("", URL, source="s")
    assert (article.page_kind, article.text, article.url, article.source) == ("stub", "", URL, "s")


def test_binary_garbage_is_a_stub() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 40
    assert clean_page(garbage, URL).page_kind == "stub"


def test_page_without_body_is_a_stub() -> None:
    assert (
        clean_page("<html><head><title>Nothing here</title></head></html>", URL).page_kind == "stub"
    )


def test_page_larger_than_the_size_cap_is_cleaned() -> None:
    huge = article_html(extra_body="<script>" + "x" * 6_000_000 + "</script>")
    article = clean_page(huge, URL)
    assert article.text.split("\n") == PARAGRAPHS


def test_page_with_a_huge_number_of_elements_keeps_its_article() -> None:
    many = article_html(extra_body="<div>" + "<p>filler words for size</p>" * 60_000 + "</div>")
    article = clean_page(many, URL)
    assert PARAGRAPHS[0] in article.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_clean_page_never_raises_on_arbitrary_text(html: str) -> None:
    article = clean_page(html, URL)
    assert article.page_kind in ("article", "listing", "stub")
    assert article.published_at is None or article.published_at.tzinfo is not None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<div>",
                "</div>",
                "<p>",
                "</p>",
                "<html>",
                "<body>",
                "<script>",
                "<!--",
                "&#0;",
                "\x00",
                "<meta content='2025-99-99' property='article:published_time'>",
                "text",
                "<h1>",
            ]
        ),
        max_size=60,
    )
)
def test_clean_page_never_raises_on_broken_markup(pieces: list[str]) -> None:
    article = clean_page("".join(pieces), URL)
    assert isinstance(article.text, str)


def test_author_falls_back_to_the_byline_link() -> None:
    byline = '<div class="entry-meta">by <a rel="author" href="/author/j-doe/">J. Doe</a></div>'
    html = article_html().replace(
        "<h1>Leaders talk by phone</h1>", f"<h1>Leaders talk by phone</h1>{byline}"
    )
    assert clean_page(html, URL).author == "J. Doe"


def test_language_comes_from_og_locale_when_html_lang_is_missing() -> None:
    html = article_html(head='<meta property="og:locale" content="de_DE">').replace(
        ' lang="en"', ""
    )
    assert clean_page(html, URL).language == "de"
