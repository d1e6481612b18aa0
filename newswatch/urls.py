"""Canonical URLs: one spelling per page, so a page is stored and fetched once.

The rules are the safe normalisations of RFC 3986 §6 plus dropping what only tracks
the reader: scheme and host lower-cased, IDN hosts in their ASCII (punycode) form,
default ports, user info and fragments dropped, dot segments removed, percent escapes
upper-cased (and decoded where they encode an unreserved character), tracking query
parameters removed and the rest sorted by name. The function never raises: text that
is not a URL comes back stripped, as it was.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

# Query parameters that only track the reader; dropping them never changes the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
        "igshid", "yclid", "_ga", "_gl", "ref_src", "ref_url", "cmpid", "ocid", "smid",
        "spm", "share", "s_cid", "ito", "at_medium", "at_campaign", "guccounter",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "__hs", "oly_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# RFC 3986 §2.3: characters that never need escaping; `%41` and `A` are the same URL.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _is_tracking(name: str) -> bool:
    low = unquote(name.replace("+", " ")).strip().lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _normalize_escapes(text: str) -> str:
    """Upper-case percent escapes and decode the ones that encode unreserved characters."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT_ESCAPE.sub(fix, text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: resolve `.` and `..` segments ("/a/./b/../c" → "/a/c")."""
    if "." not in path:
        return path
    segments = path.split("/")
    output: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def _ascii_host(host: str) -> str:
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def canonicalize_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port or IPv6 literal: not a URL we can normalise
        return url
    scheme = parts.scheme.lower()
    if not parts.netloc:
        return url
    host = _ascii_host(parts.hostname or "")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and _DEFAULT_PORTS.get(scheme) == port:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    path = _remove_dot_segments(_normalize_escapes(parts.path)) or "/"
    # Query pieces stay as they were written (no re-encoding); only tracking ones go.
    pieces = [p for p in parts.query.split("&") if p and not _is_tracking(p.split("=", 1)[0])]
    pieces = [_normalize_escapes(p) for p in pieces]
    pieces.sort(key=lambda p: p.split("=", 1)[0])  # stable: repeated names keep their order
    return urlunsplit((scheme, netloc, path, "&".join(pieces), ""))
