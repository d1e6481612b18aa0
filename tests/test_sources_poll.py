"""poll_sources against loopback sources: links, conditional GET, failures kept per source."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newswatch.config import Watch, parse_watch
from newswatch.domain import SourceState
from newswatch.sources.poll import poll_sources
from tests.support.loopback import LoopbackServer, Reply, Request

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
RSS = (FIXTURES / "rss.xml").read_bytes()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback(shared_server: LoopbackServer) -> LoopbackServer:
    """One server for the module (stopping one takes half a second), fresh routes per test."""
    shared_server.routes.clear()
    shared_server.requests.clear()
    return shared_server


def watch(
    *sources: str, fetch: str = "allow_private_hosts = true\nretries = 0\nread_timeout = 0.4"
) -> Watch:
    """A watch with the given [[sources]] bodies (TOML lines) and fast, loopback-friendly fetching."""
    blocks = "".join(f"[[sources]]\n{body}\n" for body in sources)
    return parse_watch(
        f'name = "t"\n{blocks}'
        '[actors.a]\nnames = ["A"]\n[actors.b]\nnames = ["B"]\n[events]\npair = ["a", "b"]\n'
        f"[fetch]\n{fetch}\n"
    )


def serve(
    body: bytes, content_type: str = "application/rss+xml", **headers: str
) -> Callable[[Request], Reply]:
    return lambda _req: Reply(200, body, {"Content-Type": content_type, **headers})


def requests_to(server: LoopbackServer, path: str) -> list[Request]:
    return [r for r in server.requests if r.path.split("?", 1)[0] == path]


def test_rss_source_gives_links_and_validators(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = serve(
        RSS, ETag='"v1"', **{"Last-Modified": "Wed, 12 Feb 2025 20:15:00 GMT"}
    )
    (result,) = poll_sources(
        watch(f'kind = "rss"\nname = "harbour"\nurl = "{loopback.url("/feed")}"'), {}
    )
    assert (result.source, result.status, result.http_status, result.error) == (
        "harbour",
        "ok",
        200,
        None,
    )
    assert len(result.links) == 3 and all(link.source == "harbour" for link in result.links)
    assert (result.etag, result.last_modified) == ('"v1"', "Wed, 12 Feb 2025 20:15:00 GMT")
    assert requests_to(loopback, "/feed")[0].headers["User-Agent"].startswith("newswatch/")


def test_conditional_get_304_means_not_modified_without_links(loopback: LoopbackServer) -> None:
    def conditional(req: Request) -> Reply:
        if req.headers.get("If-None-Match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return Reply(200, RSS, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    loopback.routes["/feed"] = conditional
    url = loopback.url("/feed")
    state = SourceState("harbour", url, etag='"v1"', last_modified="Wed, 12 Feb 2025 20:15:00 GMT")
    (result,) = poll_sources(
        watch(f'kind = "rss"\nname = "harbour"\nurl = "{url}"'), {"harbour": state}
    )
    assert (result.status, result.http_status, result.links) == ("not_modified", 304, ())
    assert (result.etag, result.last_modified) == ('"v1"', "Wed, 12 Feb 2025 20:15:00 GMT")
    sent = requests_to(loopback, "/feed")[0].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Wed, 12 Feb 2025 20:15:00 GMT"


def test_only_a_source_with_content_not_seen_before_announces_it(loopback: LoopbackServer) -> None:
    """`on_new_content` fires before a new body is read for links (the run starts loading
    what reading pages needs); a 304, a body seen before and a failure do not fire it."""
    loopback.routes["/new"] = serve(RSS)
    loopback.routes["/same"] = serve(RSS)
    loopback.routes["/304"] = lambda _req: Reply(304, b"", {})
    loopback.routes["/gone"] = lambda _req: Reply(404, b"no", {})
    seen = SourceState("same", loopback.url("/same"), body_sha256=hashlib.sha256(RSS).hexdigest())
    announced: list[int] = []  # the sizes of the bodies announced
    results = poll_sources(
        watch(
            *(
                f'kind = "rss"\nname = "{name}"\nurl = "{loopback.url("/" + name)}"'
                for name in ("new", "same", "304", "gone")
            )
        ),
        {"same": seen, "304": SourceState("304", loopback.url("/304"), etag='"v1"')},
        on_new_content=announced.append,
    )
    assert [r.status for r in results] == ["ok", "not_modified", "not_modified", "failed"]
    assert announced == [len(RSS)]


def test_validators_of_another_url_are_not_sent(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = serve(RSS)
    state = SourceState("harbour", loopback.url("/old-feed"), etag='"v1"')
    url = loopback.url("/feed")
    (result,) = poll_sources(
        watch(f'kind = "rss"\nname = "harbour"\nurl = "{url}"'), {"harbour": state}
    )
    assert result.status == "ok"
    assert "If-None-Match" not in requests_to(loopback, "/feed")[0].headers


def test_a_failing_source_does_not_stop_the_others(loopback: LoopbackServer) -> None:
    loopback.routes["/good"] = serve(RSS)
    loopback.routes["/broken"] = serve((FIXTURES / "malformed_feed.xml").read_bytes())
    loopback.routes["/slow"] = lambda _r: Reply(200, RSS, delay=2.0)
    loopback.routes["/down"] = lambda _r: Reply(503, b"maintenance")
    results = poll_sources(
        watch(
            f'kind = "rss"\nname = "broken"\nurl = "{loopback.url("/broken")}"',
            f'kind = "rss"\nname = "slow"\nurl = "{loopback.url("/slow")}"',
            f'kind = "atom"\nname = "down"\nurl = "{loopback.url("/down")}"',
            f'kind = "rss"\nname = "good"\nurl = "{loopback.url("/good")}"',
        ),
        {},
    )
    by_name = {r.source: r for r in results}
    assert [r.source for r in results] == ["broken", "slow", "down", "good"]
    assert by_name["good"].status == "ok" and len(by_name["good"].links) == 3
    assert by_name["broken"].status == "failed"
    assert by_name["broken"].error == "malformed feed: not well-formed (invalid token) at line 2"
    assert (by_name["slow"].status, by_name["slow"].error) == (
        "failed",
        "read timeout: no data for 0.4s",
    )
    assert (by_name["down"].status, by_name["down"].http_status) == ("failed", 503)
    assert by_name["down"].error == "HTTP 503 Service Unavailable"
    assert all(r.links == () for r in results if r.status == "failed")


def test_source_key_is_kind_and_url_when_unnamed(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = serve(RSS)
    url = loopback.url("/feed")
    (result,) = poll_sources(watch(f'kind = "rss"\nurl = "{url}"'), {})
    assert result.source == f"rss:{url}"
    assert {link.source for link in result.links} == {f"rss:{url}"}


def test_private_source_is_refused_by_default(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = serve(RSS)
    (result,) = poll_sources(watch(f'kind = "rss"\nurl = "{loopback.url("/feed")}"', fetch=""), {})
    assert result.status == "failed" and result.error is not None
    assert result.error.startswith("refused: host 127.0.0.1")
    assert loopback.requests == []


def test_gdelt_source_with_url_gives_links(loopback: LoopbackServer) -> None:
    loopback.routes["/api/v2/doc/doc"] = serve(
        (FIXTURES / "gdelt.json").read_bytes(), "application/json"
    )
    url = loopback.url("/api/v2/doc/doc?query=x&mode=artlist&format=json")
    (result,) = poll_sources(watch(f'kind = "gdelt"\nname = "g"\nurl = "{url}"'), {})
    assert result.status == "ok" and len(result.links) == 3


def test_gdelt_text_error_becomes_a_failed_source(loopback: LoopbackServer) -> None:
    loopback.routes["/api"] = serve((FIXTURES / "gdelt_rate_limit.txt").read_bytes(), "text/html")
    (result,) = poll_sources(
        watch(f'kind = "gdelt"\nname = "g"\nurl = "{loopback.url("/api")}"'), {}
    )
    assert (result.status, result.http_status) == ("failed", 200)
    assert result.error == "GDELT error: Please limit requests to one every 5 seconds."


def test_gdelt_empty_body_becomes_a_failed_source(loopback: LoopbackServer) -> None:
    loopback.routes["/api"] = serve(b"", "application/json")
    (result,) = poll_sources(
        watch(f'kind = "gdelt"\nname = "g"\nurl = "{loopback.url("/api")}"'), {}
    )
    assert (result.status, result.error) == ("failed", "GDELT returned an empty response")


def test_google_news_source_with_url_resolves_publishers(loopback: LoopbackServer) -> None:
    loopback.routes["/rss/search"] = serve((FIXTURES / "google_news.xml").read_bytes())
    url = loopback.url("/rss/search?q=leaders")
    (result,) = poll_sources(watch(f'kind = "google_news"\nname = "gn"\nurl = "{url}"'), {})
    assert result.status == "ok"
    assert result.links[0].url.startswith("https://www.dailyledger.example/")
    assert all(link.redirect_url for link in result.links)


def test_sitemap_index_children_are_fetched_and_links_merged(loopback: LoopbackServer) -> None:
    index = (
        (FIXTURES / "sitemap_index.xml")
        .read_bytes()
        .replace(b"http://HOST", loopback.base_url.encode())
    )
    loopback.routes["/sitemap.xml"] = serve(index, "application/xml")
    loopback.routes["/sitemaps/news.xml"] = serve(
        (FIXTURES / "sitemap_news.xml").read_bytes(), "application/xml"
    )
    loopback.routes["/sitemaps/older.xml"] = serve(
        (FIXTURES / "sitemap_older.xml").read_bytes(), "application/xml"
    )
    (result,) = poll_sources(
        watch(f'kind = "sitemap"\nname = "herald"\nurl = "{loopback.url("/sitemap.xml")}"'), {}
    )
    assert result.status == "ok"
    urls = [link.url for link in result.links]
    # Newest child first; the article listed by both children appears once, with its news title.
    assert urls == [
        "https://valleyherald.example/2025/08/15/summit-in-alaska",
        "https://valleyherald.example/2025/08/14/what-to-expect",
        "https://valleyherald.example/about",
        "https://valleyherald.example/2025/07/31/week-in-review",
    ]
    assert result.links[1].title == "What to expect & what not to"


def test_sitemap_index_with_one_broken_child_keeps_the_others(loopback: LoopbackServer) -> None:
    index = (
        (FIXTURES / "sitemap_index.xml")
        .read_bytes()
        .replace(b"http://HOST", loopback.base_url.encode())
    )
    loopback.routes["/sitemap.xml"] = serve(index, "application/xml")
    loopback.routes["/sitemaps/news.xml"] = serve(
        (FIXTURES / "sitemap_news.xml").read_bytes(), "application/xml"
    )
    (result,) = poll_sources(watch(f'kind = "sitemap"\nurl = "{loopback.url("/sitemap.xml")}"'), {})
    assert result.status == "ok" and len(result.links) == 3


def test_sitemap_index_whose_children_all_fail_is_a_failed_source(loopback: LoopbackServer) -> None:
    index = (
        (FIXTURES / "sitemap_index.xml")
        .read_bytes()
        .replace(b"http://HOST", loopback.base_url.encode())
    )
    loopback.routes["/sitemap.xml"] = serve(index, "application/xml")
    (result,) = poll_sources(watch(f'kind = "sitemap"\nurl = "{loopback.url("/sitemap.xml")}"'), {})
    assert result.status == "failed" and result.error is not None
    assert result.error.startswith("no child sitemap could be read (2 failed); first: ")
    assert result.error.endswith("HTTP 404 Not Found")


def test_sitemap_index_that_lists_itself_is_fetched_once(loopback: LoopbackServer) -> None:
    url = loopback.url("/sitemap.xml")
    looping = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{url}</loc></sitemap></sitemapindex>"
    ).encode()
    loopback.routes["/sitemap.xml"] = serve(looping, "application/xml")
    (result,) = poll_sources(watch(f'kind = "sitemap"\nurl = "{url}"'), {})
    assert result.status == "ok" and result.links == ()
    assert len(requests_to(loopback, "/sitemap.xml")) == 1


def test_poll_works_when_called_from_a_running_event_loop(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = serve(RSS)
    w = watch(f'kind = "rss"\nurl = "{loopback.url("/feed")}"')

    async def inside_a_loop() -> str:
        return poll_sources(w, {})[0].status

    assert asyncio.run(inside_a_loop()) == "ok"
