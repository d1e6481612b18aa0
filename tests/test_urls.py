"""canonicalize_url: one spelling per page, never an exception."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from newswatch.urls import TRACKING_PARAMS, TRACKING_PREFIXES, canonicalize_url

# --- strategies: URLs built from parts, so each property knows what went in ---------

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_label = st.text(alphabet=_ALNUM, min_size=1, max_size=10)
hosts = st.lists(_label, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "example"]))
_segment = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8
).map(lambda s: quote(s, safe="-._~!$'()*+,;=:@"))
paths = st.lists(_segment, max_size=4).map(lambda segs: "/" + "/".join(segs))
_param_name = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8
).filter(lambda n: n not in TRACKING_PARAMS and not n.startswith(TRACKING_PREFIXES))
_param_value = st.text(max_size=8).map(lambda v: quote(v, safe=""))
kept_params = st.lists(st.tuples(_param_name, _param_value), max_size=4)
tracking_names = st.one_of(
    st.sampled_from(sorted(TRACKING_PARAMS)),
    st.tuples(st.sampled_from(TRACKING_PREFIXES), st.text(alphabet="abcxyz", max_size=6)).map(
        "".join
    ),
)
tracking_params = st.lists(st.tuples(tracking_names, _param_value), max_size=3)
fragments = st.text(max_size=10).map(lambda f: quote(f, safe=""))


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]:
    """(url, host, kept params, tracking params), params shuffled together."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    host = draw(hosts)
    shown_host = "".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in host)
    kept = draw(kept_params)
    tracking = draw(tracking_params)
    params = draw(st.permutations([*kept, *tracking]))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(fragments)
    url = f"{scheme}://{shown_host}{draw(paths)}" + (f"?{query}" if query else "")
    url += f"#{fragment}" if draw(st.booleans()) else ""
    return url, host, kept, tracking


# --- properties ---------------------------------------------------------------------


@given(urls())
def test_canonicalizing_twice_changes_nothing(case: tuple[str, str, list, list]) -> None:
    once = canonicalize_url(case[0])
    assert canonicalize_url(once) == once


@given(st.text(max_size=60))
def test_any_text_is_accepted_and_idempotent(text: str) -> None:
    once = canonicalize_url(text)
    assert canonicalize_url(once) == once


@given(urls())
def test_tracking_parameters_are_removed(case: tuple[str, str, list, list]) -> None:
    url, _host, _kept, tracking = case
    names = {k for k, _ in parse_qsl(urlsplit(canonicalize_url(url)).query)}
    assert not names & {k for k, _ in tracking}


@given(urls())
def test_other_parameters_are_kept_with_their_values(case: tuple[str, str, list, list]) -> None:
    url, _host, kept, _tracking = case
    pairs = parse_qsl(urlsplit(canonicalize_url(url)).query, keep_blank_values=True)
    expected = parse_qsl("&".join(f"{k}={v}" for k, v in kept), keep_blank_values=True)
    assert sorted(pairs) == sorted(expected)


@given(urls())
def test_fragment_is_dropped(case: tuple[str, str, list, list]) -> None:
    assert "#" not in canonicalize_url(case[0])


@given(urls())
def test_scheme_and_host_are_lower_case(case: tuple[str, str, list, list]) -> None:
    parts = urlsplit(canonicalize_url(case[0]))
    assert parts.scheme in ("http", "https")
    assert parts.netloc == case[1].lower()


# --- examples -----------------------------------------------------------------------


def test_default_port_is_dropped_and_other_ports_kept() -> None:
    assert canonicalize_url("https://a.example:443/x") == "https://a.example/x"
    assert canonicalize_url("http://a.example:80/x") == "http://a.example/x"
    assert canonicalize_url("http://a.example:8080/x") == "http://a.example:8080/x"


def test_empty_path_becomes_slash_and_dot_segments_resolve() -> None:
    assert canonicalize_url("https://a.example") == "https://a.example/"
    assert canonicalize_url("https://a.example/a/./b/../c") == "https://a.example/a/c"


def test_percent_escapes_are_normalised() -> None:
    assert (
        canonicalize_url("https://a.example/%7euser/%e2%80%9c")
        == "https://a.example/~user/%E2%80%9C"
    )


def test_query_parameters_are_sorted_by_name_keeping_repeats_in_order() -> None:
    got = canonicalize_url("https://a.example/s?b=2&a=9&b=1&utm_source=x")
    assert got == "https://a.example/s?a=9&b=2&b=1"


def test_user_info_is_dropped() -> None:
    assert canonicalize_url("https://user:secret@a.example/x") == "https://a.example/x"


def test_ipv6_literal_keeps_its_brackets() -> None:
    assert canonicalize_url("http://[2001:DB8::1]:8080/x") == "http://[2001:db8::1]:8080/x"


def test_unicode_host_is_written_in_ascii() -> None:
    assert canonicalize_url("https://Bücher.example/") == "https://xn--bcher-kva.example/"


def test_text_that_is_not_a_url_comes_back_stripped() -> None:
    assert canonicalize_url("  not a url ") == "not a url"
    assert canonicalize_url("http://[::1/broken") == "http://[::1/broken"
