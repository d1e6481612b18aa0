"""Page metadata read from a parsed HTML tree: meta tags, JSON-LD, <html lang>, canonical links.

One pass over the <head> and the JSON-LD scripts; the clean stage and the publication-date
finder both read the resulting `PageMeta` instead of querying the tree again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement

# schema.org types that mark a page as one article (a news story, a blog post, ...).
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "techarticle",
        "report",
    }
)
# schema.org types that mark a page as a list of other pages (tag, section, search result).
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})

# A JSON-LD script larger than this is a data dump (product feeds, whole site maps), not
# page metadata; parsing it would cost more than the page itself. 500 kB is ~50x the
# largest article JSON-LD in the article-extraction benchmark pages.
MAX_JSON_LD_CHARS = 500_000

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself in markup, gathered once per page."""

    meta: Mapping[str, str]
    json_ld: tuple[Mapping[str, object], ...]
    html_lang: str | None
    title_tag: str | None
    h1: str | None
    canonical_link: str | None

    def first_meta(self, *names: str) -> str | None:
        """The content of the first of `names` (lower-case name/property/itemprop) present."""
        for name in names:
            value = self.meta.get(name)
            if value:
                return value
        return None

    def json_ld_types(self) -> set[str]:
        """Every schema.org @type named by the page's JSON-LD, lower-cased."""
        return {t for node in self.json_ld for t in node_types(node)}

    def article_nodes(self) -> list[Mapping[str, object]]:
        """JSON-LD nodes typed as an article, in page order."""
        return [n for n in self.json_ld if node_types(n) & ARTICLE_TYPES]


def squash(text: str | None) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return _SPACES.sub(" ", text or "").strip()


def node_types(node: Mapping[str, object]) -> set[str]:
    """The @type values of one JSON-LD node, lower-cased, without a schema.org prefix."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _walk_json_ld(data: object, depth: int = 0) -> Iterator[Mapping[str, object]]:
    # Depth 3 reaches nodes inside @graph inside a list; deeper nesting is embedded
    # sub-objects (authors, images) which callers read through their parent.
    if depth > 3:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_json_ld(item, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _walk_json_ld(graph, depth + 1)


def _parse_json_ld(text: str) -> list[Mapping[str, object]]:
    text = text.strip()
    if not text or len(text) > MAX_JSON_LD_CHARS:
        return []
    # Some CMSs wrap the JSON in HTML comments or CDATA markers.
    text = re.sub(
        r"^\s*(<!--|/\*<!\[CDATA\[\*/|//<!\[CDATA\[)|(-->|/\*\]\]>\*/|//\]\]>)\s*$", "", text
    )
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return []
    return list(_walk_json_ld(data))


def read_page_meta(tree: HtmlElement) -> PageMeta:
    """Gather meta tags, JSON-LD nodes, <html lang>, <title>, the first <h1> and rel=canonical."""
    meta: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if content is None:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attribute)
            if key:
                meta.setdefault(key.strip().lower(), content.strip())
    json_ld: list[Mapping[str, object]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            json_ld.extend(_parse_json_ld(script.text))
    root = tree.getroottree().getroot()
    html_lang = root.get("lang") or root.get("xml:lang") if root is not None else None
    title_element = tree.find(".//title")
    title_tag = squash(title_element.text_content()) if title_element is not None else None
    h1_element = tree.find(".//h1")
    h1 = squash(h1_element.text_content()) if h1_element is not None else None
    canonical = None
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            canonical = link.get("href", "").strip()
            break
    return PageMeta(
        meta=meta,
        json_ld=tuple(json_ld),
        html_lang=(html_lang or "").strip() or None,
        title_tag=title_tag or None,
        h1=h1 or None,
        canonical_link=canonical or None,
    )


def _name_of(value: object) -> str | None:
    """A person or organisation name from a JSON-LD value (string, object, or list of them)."""
    if isinstance(value, str):
        return squash(value) or None
    if isinstance(value, Mapping):
        return _name_of(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_name_of(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None


def page_title(meta: PageMeta) -> str | None:
    """The headline: og:title, twitter:title, JSON-LD headline, <h1>, then <title>."""
    title = meta.first_meta("og:title", "twitter:title")
    if not title:
        for node in meta.article_nodes():
            title = _name_of(node.get("headline"))
            if title:
                break
    return squash(title or meta.h1 or meta.title_tag) or None


# Elements that hold the byline in common templates (WordPress "author vcard", rel=author).
# One pass over the tree (a union of four paths walked it four times), elements without
# those attributes dismissed before the class test: a third of the cost, same elements in
# the same order.
_BYLINE_ELEMENTS = etree.XPath(
    '//*[@rel or @itemprop or @class][(self::a and @rel="author") or @itemprop="author"'
    ' or contains(concat(" ", normalize-space(@class), " "), " author ")'
    ' or contains(concat(" ", normalize-space(@class), " "), " byline ")]'
)
# A link to an author archive page (WordPress /author/x/).
_AUTHOR_ARCHIVE_LINKS = etree.XPath('//a[contains(@href, "/author/")]')
# A byline longer than this is a bio box or a list of articles, not a name.
MAX_BYLINE_CHARS = 80
_BY_PREFIX = re.compile(r"^(?:by|von|par|por|di|door|posted by|written by)\s+", re.I)


def page_author(meta: PageMeta, tree: HtmlElement | None = None) -> str | None:
    """The byline: JSON-LD article author, meta author tags that are names, then a byline element."""
    for node in meta.article_nodes():
        author = _name_of(node.get("author"))
        if author:
            return author
    author = meta.first_meta(
        "author", "article:author", "dc.creator", "parsely-author", "sailthru.author"
    )
    if author and not author.startswith(("http://", "https://")):
        return squash(author)
    if tree is not None:
        # Byline markup first; then a link to an author archive page (WordPress /author/x/).
        for xpath in (_BYLINE_ELEMENTS, _AUTHOR_ARCHIVE_LINKS):
            for element in xpath(tree):
                text = _BY_PREFIX.sub("", squash(element.text_content()))
                if text and len(text) <= MAX_BYLINE_CHARS:
                    return text
    return None


def page_site_name(meta: PageMeta) -> str | None:
    """The outlet's name: og:site_name, JSON-LD publisher, then application-name."""
    site = meta.first_meta("og:site_name")
    if not site:
        for node in meta.article_nodes():
            site = _name_of(node.get("publisher"))
            if site:
                break
    return squash(site or meta.first_meta("application-name")) or None


def page_languages(meta: PageMeta, headers: Mapping[str, str] | None) -> list[str]:
    """Language tags the page declares, best first: <html lang>, meta, og:locale, JSON-LD, header."""
    found = [
        meta.html_lang,
        meta.first_meta("content-language", "language", "dc.language"),
        meta.first_meta("og:locale"),
    ]
    for node in meta.article_nodes():
        value = node.get("inLanguage")
        if isinstance(value, str):
            found.append(value)
    if headers:
        for key, value in headers.items():
            if key.lower() == "content-language":
                found.append(value.split(",")[0])
    return [tag for tag in found if tag]


def resolve_url(base: str, href: str | None) -> str | None:
    """`href` made absolute against `base`; None when empty or not http(s)."""
    if not href:
        return None
    try:
        absolute = urljoin(base, href.strip())
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None
