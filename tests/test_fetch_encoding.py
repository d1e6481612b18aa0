"""Page bytes → text: header charset, then <meta>, then detection; windows-1252 read right."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newswatch.config import FetchConfig
from newswatch.domain import CandidateLink
from newswatch.sources.encoding import decode_html, detect_encoding
from newswatch.sources.fetch import fetch_pages
from tests.support.loopback import LoopbackServer, Reply

# Written for these tests: accents and typographic quotes a wrong guess would garble.
FRENCH = (
    "<html><head><title>Le sommet</title></head><body>"
    "<p>« Nous avons parlé pendant deux heures », a déclaré le porte-parole à la presse.</p>"
    "<p>Le président a qualifié l’échange de “très productif” et évoqué une prochaine étape.</p>"
    "<p>Les négociations reprendront à Genève après l’été, selon le ministère.</p>"
    "</body></html>"
)


def test_windows_1252_page_without_charset_is_detected() -> None:
    text = decode_html(FRENCH.encode("cp1252"), "text/html")
    assert text == FRENCH
    assert "“très productif”" in text and "l’échange" in text


def test_header_charset_wins_over_meta() -> None:
    body = ('<meta charset="utf-8"><p>Müller</p>').encode("iso-8859-1")
    assert (
        decode_html(body, "text/html; charset=ISO-8859-1") == '<meta charset="utf-8"><p>Müller</p>'
    )


def test_meta_charset_is_used_when_the_header_has_none() -> None:
    body = '<html><head><meta charset="koi8-r"></head><body>Кремль</body></html>'.encode("koi8-r")
    assert "Кремль" in decode_html(body, "text/html")


def test_http_equiv_content_type_is_understood() -> None:
    html = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Песков</p>'
    assert "Песков" in decode_html(html.encode("cp1251"), None)


def test_latin_1_label_is_read_as_windows_1252() -> None:
    body = "<p>“quoted” – dash</p>".encode("cp1252")
    assert decode_html(body, "text/html; charset=iso-8859-1") == "<p>“quoted” – dash</p>"


def test_a_wrong_declaration_falls_back_to_what_decodes() -> None:
    body = "<p>Zürich – “Gipfel”</p>".encode("cp1252")
    assert detect_encoding(body, "text/html; charset=utf-8") != "utf-8"
    assert decode_html(body, "text/html; charset=utf-8") == "<p>Zürich – “Gipfel”</p>"


def test_utf8_byte_order_mark_is_honoured_and_removed() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>\xc3\xa9</p>", "text/html; charset=cp1252") == "<p>é</p>"


def test_unknown_charset_label_is_ignored() -> None:
    assert decode_html("<p>é</p>".encode(), "text/html; charset=no-such-thing") == "<p>é</p>"


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


def test_fetched_windows_1252_page_decodes_accents_and_curly_quotes(
    loopback: LoopbackServer,
) -> None:
    loopback.routes["/fr"] = lambda _r: Reply(
        200, FRENCH.encode("cp1252"), {"Content-Type": "text/html"}
    )
    link = CandidateLink(url=loopback.url("/fr"), canonical_url=loopback.url("/fr"), source="t")
    (page,) = fetch_pages([link], FetchConfig(allow_private_hosts=True, retries=0), "t")
    assert page.status == "ok"
    assert page.html == FRENCH


def test_cyrillic_windows_1251_page_without_charset_is_not_read_as_1252() -> None:
    html = "<p>Президент заявил, что разговор был «конструктивным» и продлился два часа.</p>"
    assert decode_html(html.encode("cp1251"), "text/html") == html
