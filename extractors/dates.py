"""Date expressions in news text, resolved to the day (or range of days) they name.

Pure functions: text and a reference day in, `DateRange` values out. Relative words
("today", "on Tuesday", "last week", German "am Dienstag") resolve against the article's
reference day, which is its own local publication day: the dateline's day when the text
opens with one ("ANCHORAGE, Alaska, Aug 15 (Wire Report) -"), else the day of
`published_at` in its own time zone. Whether a weekday or a year-less date lies before or
after that day depends on the tense of the clause it dates: a call that "took place on
Tuesday" is the last Tuesday, a call that "will take place on Tuesday" the next one. A
day without its year follows the tense too, unless that puts it more than half a year away
while the other occurrence is within a month: "confirmed the summit on Aug. 15", read on
Aug. 9, is the coming Aug. 15, not last year's.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

Tense = Literal["past", "future", "unknown"]

# A dateline day further than this from the UTC publication day is not the article's own
# day (a wire story republished days later keeps its old dateline).
DATELINE_MAX_SKEW_DAYS = 2
# With no tense to go by, a bare weekday is the nearest one: at most this many days away.
NEAREST_WEEKDAY_SPAN = 3
# A day written without its year ("Aug. 15", "am 12. Februar") is taken before or after the
# article as the clause's tense says, unless that occurrence is more than half a year away
# while the other one is within a month: then the other one is meant, because writers add
# the year to dates that far back, and announced contacts lie days or weeks ahead. Tense
# words are often not the contact's own ("the Kremlin confirmed the summit on Aug. 15",
# read on Aug. 9, is six days ahead, not a year back).
YEARLESS_TENSE_MAX_DAYS = 183
YEARLESS_NEAR_DAYS = 31

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "januar": 1, "jänner": 1,
    "february": 2, "feb": 2, "februar": 2,
    "march": 3, "mar": 3, "märz": 3, "maerz": 3,
    "april": 4, "apr": 4,
    "may": 5, "mai": 5,
    "june": 6, "jun": 6, "juni": 6,
    "july": 7, "jul": 7, "juli": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12, "dezember": 12, "dez": 12,
}  # fmt: skip
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5,
    "sonnabend": 5, "sonntag": 6,
}  # fmt: skip
NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3, "several": 3,
    "zwei": 2, "drei": 3, "vier": 4, "einer": 1, "einem": 1,
}  # fmt: skip

_MONTH = (
    r"(?P<{g}>Jan(?:uary|uar)?|Jänner|Feb(?:ruary|ruar)?|Mar(?:ch)?|März|Maerz|Apr(?:il)?|May|Mai|"
    r"June?|Juni|July?|Juli|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Okt(?:ober)?|"
    r"Nov(?:ember)?|Dec(?:ember)?|Dez(?:ember)?)\.?"
)
_WEEKDAY = (
    r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag)"
)
_NUM = r"(?P<n>\d{1,2}|a couple of|a few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|zwei|drei|vier|einer|einem)"
_UNIT = r"(?P<unit>days?|weeks?|months?|Tagen?|Wochen?|Monaten?)"

# Ordered: longer, more specific forms first; the scanner keeps the first match at a place.
_PATTERNS: list[tuple[str, str]] = [
    ("iso", r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
    (
        "month_day",
        _MONTH.format(g="mon")
        + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?",
    ),
    (
        "day_month",
        r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th|\.)?\s+(?:of\s+)?"
        + _MONTH.format(g="mon")
        + r"(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?",
    ),
    ("month_year", _MONTH.format(g="mon") + r"\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b"),
    (
        "month",
        r"\b(?:in|im|since|seit|until|bis|of|for|last|this|next|early|late|mid-?)\s+"
        + _MONTH.format(g="mon")
        + r"(?![\w-])",
    ),
    (
        "weekday",
        r"\b(?:(?P<mod>last|next|this|coming|past|previous|vergangenen|letzten|nächsten|kommenden|diesen)\s+)?"
        + _WEEKDAY
        + r"(?:'s|’s)?\b",
    ),
    ("rel_day", r"\b(?P<rel>today|tonight|yesterday|tomorrow|heute|gestern|morgen)\b"),
    (
        "rel_span",
        r"\b(?P<rel>(?:last|this|next|past|previous|coming)\s+(?:week|month|year|weekend)|"
        r"over the weekend|this weekend|earlier this (?:week|month)|later this (?:week|month)|"
        r"in recent days|in the past few days|in the coming days|"
        r"(?:letzte|vergangene|nächste|kommende|diese)\s+Woche|"
        r"(?:letzten|vergangenen|nächsten|kommenden|diesen)\s+Monat)\b",
    ),
    (
        "within",
        r"\b(?:within|in the next|in|innerhalb von|in den nächsten)\s+"
        + _NUM
        + r"\s+"
        + _UNIT
        + r"\b",
    ),
    ("ago", r"\b" + _NUM + r"\s+" + _UNIT + r"\s+ago\b"),
    ("year", r"(?<![\d,.$€£-])\b(?P<y>(?:19|20)\d\d)\b(?![\d%,.]\d|-\d)"),
]
_COMPILED = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS]
_MONTH_NEEDLES = tuple(sorted({m[:3] for m in MONTHS}))
_WEEKDAY_NEEDLES = ("tag", "day", "mittwoch", "sonnabend")
# Any digit `\d` matches, the Arabic-Indic and other scripts' digits too.
_DIGITS = re.compile(r"\d")
# Cheap substring tests (on lower-cased text) that a pattern needs before it is worth
# running: one needle of each group. The forms with a month name and a number need both (a
# pattern that opens with the month alternation is tried at every position: ~35 µs on a
# sentence, the most of any pattern; tests/test_dates.py checks generated matches).
_NEEDLES: dict[str, tuple[tuple[str, ...] | re.Pattern[str], ...]] = {
    "iso": (_DIGITS,),
    "month_day": (_DIGITS, _MONTH_NEEDLES),
    "day_month": (_DIGITS, _MONTH_NEEDLES),
    "month_year": (_DIGITS, _MONTH_NEEDLES),
    "month": (_MONTH_NEEDLES,),
    "weekday": (_WEEKDAY_NEEDLES,),
    "rel_day": (("today", "tonight", "yesterday", "tomorrow", "heute", "gestern", "morgen"),),
    "rel_span": (("week", "month", "year", "days", "woche", "monat"),),
    "within": (("day", "week", "month", "tag", "woche", "monat"),),
    "ago": (("ago",),),
    "year": (_DIGITS,),
}


def _may_match(kind: str, low: str, seen: dict[int, bool] | None = None) -> bool:
    """Whether lower-cased text has a needle of each of the pattern's groups.

    `seen` remembers each group's answer for this text: the patterns share groups (the
    digits test is asked five times a sentence, the month names four).
    """
    seen = {} if seen is None else seen
    for group in _NEEDLES[kind]:
        found = seen.get(id(group))
        if found is None:
            found = seen[id(group)] = _has_needle(group, low)
        if not found:
            return False
    return True


def _has_needle(group: tuple[str, ...] | re.Pattern[str], low: str) -> bool:
    if isinstance(group, re.Pattern):
        return group.search(low) is not None
    return any(needle in low for needle in group)


# A weekday or month written in lower case is a word ("may", "march"), not a date.
_CASE_SENSITIVE_KINDS = {"weekday", "month", "month_day", "day_month", "month_year"}

_DATELINE = re.compile(
    r"^\s*[A-ZÄÖÜ][A-ZÄÖÜ./' -]+(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)*)*,\s*"
    + _MONTH.format(g="mon")
    + r"\s+(?P<d>[0-3]?\d)\b"
)


@dataclass(frozen=True)
class DateRange:
    """The days a date expression may name (earliest <= latest); one day when they are equal."""

    earliest: date
    latest: date

    @property
    def day(self) -> date | None:
        """The single day named, or None for a range."""
        return self.earliest if self.earliest == self.latest else None


@dataclass(frozen=True)
class DateMention:
    """A date expression found in text: where it is, what form it has, and its parts."""

    start: int
    end: int
    text: str
    kind: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    modifier: str | None = None
    count: int | None = None
    unit: str | None = None

    @property
    def has_year(self) -> bool:
        """True when the expression names its year (then tense does not matter)."""
        return self.year is not None


def reference_day(published_at: datetime | None, text: str = "") -> date | None:
    """The article's own local day: its dateline's day when it has one, else `published_at`'s."""
    if published_at is None:
        return None
    local = published_at.date()
    match = _DATELINE.match(text[:200]) if text else None
    if match:
        month = _month_number(match.group("mon"))
        day_num = int(match.group("d"))
        if month:
            for year in (local.year, local.year - 1, local.year + 1):
                candidate = _safe_date(year, month, day_num)
                if candidate and abs((candidate - local).days) <= DATELINE_MAX_SKEW_DAYS:
                    return candidate
    return local


def dateline_end(text: str) -> int:
    """Where a wire dateline ("MOSCOW, March 17 (Wire Report) -") ends, or 0 when there is none."""
    match = _DATELINE.match(text[:200])
    if not match:
        return 0
    tail = re.match(r"\s*(?:\([^)]{0,40}\))?\s*[-–—]?", text[match.end() :])
    return match.end() + (tail.end() if tail else 0)


@dataclass(frozen=True)
class CalendarWords:
    """Date words of the language packs a text is read with (regular-expression fragments).

    `weekdays[i]` are the spellings of weekday i (Monday = 0) in every pack, `months[i]` of
    month i + 1; `relative_days` word = offset from the reference day ("вчера" = -1);
    `past_modifiers`/`next_modifiers` put a weekday before or after the reference day
    whichever side of it they stand ("viime tiistaina", "mardi dernier");
    `relative_spans` maps a phrase to the English span it means ("la semaine dernière" =
    "last week"). Built from the packs by `events.vocabulary`; no language lives here.
    """

    weekdays: tuple[tuple[str, ...], ...] = ()
    months: tuple[tuple[str, ...], ...] = ()
    relative_days: tuple[tuple[str, int], ...] = ()
    past_modifiers: tuple[str, ...] = ()
    next_modifiers: tuple[str, ...] = ()
    relative_spans: tuple[tuple[str, str], ...] = ()


class DateGrammar:
    """The packs' date words compiled into patterns that add to the built-in ones."""

    def __init__(self, words: CalendarWords) -> None:
        self.words = words
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        weekday = _indexed("wd", words.weekdays)
        month = _indexed("mo", words.months)
        past = _join(words.past_modifiers)
        nxt = _join(words.next_modifiers)
        if weekday:
            before = _modifier(past, nxt, "")
            after = _modifier(past, nxt, "2")
            before = rf"(?:{before}\s+)?" if before else ""
            after = rf"(?:\s+{after})?" if after else ""
            self.patterns.append(
                (
                    "pack_weekday",
                    re.compile(rf"(?<!\w){before}(?:{weekday})(?!\w){after}(?!\w)", re.I),
                )
            )
        if month:
            self.patterns.append(
                (
                    "pack_day_month",
                    re.compile(
                        rf"(?<![\w.])(?P<d>[0-3]?\d)\.?\s+(?:de\s+)?(?:{month})(?!\w)"
                        rf"(?:,?\s+(?:de\s+|del\s+)?(?P<y>(?:19|20)\d\d)\b)?",
                        re.I,
                    ),
                )
            )
        if words.relative_days:
            self.patterns.append(
                ("pack_relative_day", re.compile(_indexed_words("rd", words.relative_days), re.I))
            )
        if words.relative_spans:
            self.patterns.append(
                ("pack_relative_span", re.compile(_indexed_words("rs", words.relative_spans), re.I))
            )

    def mentions(self, text: str) -> list[tuple[int, int, DateMention]]:
        out: list[tuple[int, int, DateMention]] = []
        for kind, pattern in self.patterns:
            for match in pattern.finditer(text):
                mention = self._mention(kind, match)
                if mention is not None:
                    out.append((match.start(), match.end(), mention))
        return out

    def _mention(self, kind: str, match: re.Match[str]) -> DateMention | None:
        start, end = match.span()
        text = match.group(0)
        index = _group_index(match)
        if index is None:
            return None
        if kind == "pack_weekday":
            groups = match.groupdict()
            modifier = (
                "last"
                if groups.get("past") or groups.get("past2")
                else "next"
                if groups.get("next") or groups.get("next2")
                else None
            )
            return DateMention(start, end, text, "weekday", weekday=index, modifier=modifier)
        if kind == "pack_day_month":
            day_num = int(match.group("d"))
            if not 1 <= day_num <= 31:
                return None
            year = int(match.group("y")) if match.group("y") else None
            return DateMention(start, end, text, "day", year, index + 1, day_num)
        if kind == "pack_relative_day":
            word, offset = self.words.relative_days[index]
            return DateMention(start, end, text, "relative_day", modifier=word, count=offset)
        if kind == "pack_relative_span":
            return DateMention(
                start, end, text, "relative_span", modifier=self.words.relative_spans[index][1]
            )
        return None  # pragma: no cover - every kind is handled above


def _modifier(past: str, nxt: str, suffix: str) -> str:
    """ "(?P<past>...)|(?P<next>...)" for the words that put a weekday back or ahead."""
    parts = []
    if past:
        parts.append(f"(?P<past{suffix}>{past})")
    if nxt:
        parts.append(f"(?P<next{suffix}>{nxt})")
    return f"(?:{'|'.join(parts)})" if parts else ""


def _join(fragments: tuple[str, ...]) -> str:
    return "|".join(fragments)


def _indexed(prefix: str, entries: tuple[tuple[str, ...], ...]) -> str:
    """One named group per index ("wd0" ... "wd6") holding that index's spellings."""
    return "|".join(
        f"(?P<{prefix}{i}>{'|'.join(spellings)})"
        for i, spellings in enumerate(entries)
        if spellings
    )


def _indexed_words(prefix: str, table: tuple[tuple[str, object], ...]) -> str:
    return (
        r"(?<!\w)(?:"
        + "|".join(f"(?P<{prefix}{i}>{word})" for i, (word, _) in enumerate(table))
        + r")(?!\w)"
    )


def _group_index(match: re.Match[str]) -> int | None:
    for name, value in match.groupdict().items():
        if value is not None and name[:2] in ("wd", "mo", "rd", "rs") and name[2:].isdigit():
            return int(name[2:])
    return None


def find_date_mentions(text: str, grammar: DateGrammar | None = None) -> list[DateMention]:
    """Every date expression in `text`, left to right, without overlaps (the first form wins).

    `grammar` adds the date words of the language packs the text is read with (weekdays,
    "12 февраля", "вчера", "viime viikolla"); its forms win over the built-in English and
    German ones where they overlap.
    """
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    if grammar is not None:
        # The packs' forms first: "12 de febrero de 2025" is one day, not the year 2025.
        for start, end, pack_mention in grammar.mentions(text):
            if not any(start < t_end and t_start < end for t_start, t_end in taken):
                found.append(pack_mention)
                taken.append((start, end))
    low = text.lower()
    seen: dict[int, bool] = {}
    for kind, pattern in _COMPILED:
        if not _may_match(kind, low, seen):
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            mention = _mention_from_match(kind, match)
            if mention is None:
                continue
            found.append(mention)
            taken.append((start, end))
    found.sort(key=lambda m: m.start)
    return found


def resolve_mention(
    mention: DateMention, reference: date, tense: Tense = "unknown"
) -> DateRange | None:
    """The days `mention` names, read on `reference` in a clause of the given tense."""
    try:
        return _resolve(mention, reference, tense)
    except (ValueError, OverflowError):
        return None


def resolve_event_date(
    expression: str,
    reference: date,
    tense: Tense = "unknown",
    grammar: DateGrammar | None = None,
) -> DateRange | None:
    """The days the first date expression in `expression` names, or None; never raises."""
    try:
        mentions = find_date_mentions(expression, grammar)
    except (ValueError, OverflowError):  # pragma: no cover - regexes do not raise on text
        return None
    for mention in mentions:
        resolved = resolve_mention(mention, reference, tense)
        if resolved is not None:
            return resolved
    return None


def month_range(year: int, month: int) -> DateRange:
    """All days of one month."""
    last = calendar.monthrange(year, month)[1]
    return DateRange(date(year, month, 1), date(year, month, last))


def _month_number(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def _mention_from_match(kind: str, match: re.Match[str]) -> DateMention | None:
    text = match.group(0)
    groups = match.groupdict()
    if kind in _CASE_SENSITIVE_KINDS:
        word = groups.get("mon") or groups.get("wd") or ""
        if word and not word[0].isupper():
            return None
    start, end = match.span()
    if kind == "iso":
        return DateMention(
            start, end, text, "day", int(groups["y"]), int(groups["m"]), int(groups["d"])
        )
    if kind in ("month_day", "day_month"):
        month = _month_number(groups["mon"])
        day_num = int(groups["d"])
        if not month or not 1 <= day_num <= 31:
            return None
        year = int(groups["y"]) if groups.get("y") else None
        return DateMention(start, end, text, "day", year, month, day_num)
    if kind == "month_year":
        month = _month_number(groups["mon"])
        return DateMention(start, end, text, "month", int(groups["y"]), month) if month else None
    if kind == "month":
        month = _month_number(groups["mon"])
        if not month:
            return None
        # Drop the leading preposition from the span: "in July" dates with "July".
        offset = match.start("mon")
        modifier = text.split()[0].lower()
        return DateMention(
            offset, end, match.string[offset:end], "month", None, month, modifier=modifier
        )
    if kind == "weekday":
        weekday = WEEKDAYS[groups["wd"].lower()]
        weekday_modifier = (groups.get("mod") or "").lower() or None
        return DateMention(start, end, text, "weekday", weekday=weekday, modifier=weekday_modifier)
    if kind == "rel_day":
        rel = groups["rel"]
        if rel == "Morgen":  # German noun "morning", not "tomorrow"
            return None
        return DateMention(start, end, text, "relative_day", modifier=rel.lower())
    if kind == "rel_span":
        return DateMention(
            start, end, text, "relative_span", modifier=" ".join(groups["rel"].lower().split())
        )
    if kind in ("within", "ago"):
        count = _number(groups["n"])
        if count is None:
            return None
        unit = groups["unit"].lower()
        return DateMention(start, end, text, kind, count=count, unit=unit)
    if kind == "year":
        return DateMention(start, end, text, "year", int(groups["y"]))
    return None  # pragma: no cover - every kind is handled above


def _unit_days(unit: str, count: int) -> int:
    if unit.startswith(("week", "woche")):
        return 7 * count
    if unit.startswith(("month", "monat")):
        return 31 * count
    return count


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _resolve(mention: DateMention, reference: date, tense: Tense) -> DateRange | None:
    kind = mention.kind
    if kind == "day":
        assert mention.month is not None and mention.day is not None
        if mention.year is not None:
            exact = _safe_date(mention.year, mention.month, mention.day)
            return DateRange(exact, exact) if exact else None
        return _yearless_day(mention.month, mention.day, reference, tense)
    if kind == "month":
        assert mention.month is not None
        if mention.year is not None:
            return month_range(mention.year, mention.month)
        return _yearless_month(mention.month, mention.modifier, reference, tense)
    if kind == "year":
        assert mention.year is not None
        return DateRange(date(mention.year, 1, 1), date(mention.year, 12, 31))
    if kind == "weekday":
        assert mention.weekday is not None
        return _weekday(mention.weekday, mention.modifier, reference, tense)
    if kind == "relative_day" and mention.count is not None:
        day = reference + timedelta(days=mention.count)  # a pack's word and its offset
        return DateRange(day, day)
    if kind == "relative_day":
        shift = {
            "today": 0,
            "tonight": 0,
            "heute": 0,
            "yesterday": -1,
            "gestern": -1,
            "tomorrow": 1,
            "morgen": 1,
        }
        day = reference + timedelta(days=shift[mention.modifier or "today"])
        return DateRange(day, day)
    if kind == "relative_span":
        return _relative_span(mention.modifier or "", reference)
    if kind == "within":
        assert mention.count is not None and mention.unit is not None
        return DateRange(
            reference, reference + timedelta(days=_unit_days(mention.unit, mention.count))
        )
    if kind == "ago":
        assert mention.count is not None and mention.unit is not None
        back = _unit_days(mention.unit, mention.count)
        if mention.unit.startswith("day"):
            day = reference - timedelta(days=back)
            return DateRange(day, day)
        # "two weeks ago" is about then, give or take half a unit.
        slack = _unit_days(mention.unit, 1) // 2
        return DateRange(
            reference - timedelta(days=back + slack),
            reference - timedelta(days=max(back - slack, 0)),
        )
    return None


def _yearless_day(month: int, day_num: int, reference: date, tense: Tense) -> DateRange | None:
    options = [
        d
        for y in (reference.year - 1, reference.year, reference.year + 1)
        if (d := _safe_date(y, month, day_num))
    ]
    if not options:
        return None
    nearest = min(options, key=lambda d: abs((d - reference).days))
    before = max((d for d in options if d <= reference), default=None)
    after = min((d for d in options if d >= reference), default=None)
    if tense == "past":
        chosen = _tense_or_near(before, after, reference) or nearest
    elif tense == "future":
        chosen = _tense_or_near(after, before, reference) or nearest
    else:
        chosen = nearest
    return DateRange(chosen, chosen)


def _tense_or_near(wanted: date | None, other: date | None, reference: date) -> date | None:
    """The occurrence the tense asks for, unless it is far away and the other one is near."""
    if wanted is None:
        return other
    far = abs((wanted - reference).days) > YEARLESS_TENSE_MAX_DAYS
    if far and other is not None and abs((other - reference).days) <= YEARLESS_NEAR_DAYS:
        return other
    return wanted


def _yearless_month(month: int, modifier: str | None, reference: date, tense: Tense) -> DateRange:
    if modifier in ("last",) or (tense == "past" and modifier not in ("next",)):
        year = reference.year if month <= reference.month else reference.year - 1
        if modifier == "last" and month == reference.month:
            year -= 1
        return month_range(year, month)
    if modifier in ("next",) or tense == "future":
        year = reference.year if month >= reference.month else reference.year + 1
        return month_range(year, month)
    # Unknown tense: the nearest such month, looking back first (news mostly reports).
    back_year = reference.year if month <= reference.month else reference.year - 1
    forward_year = reference.year if month >= reference.month else reference.year + 1
    back_gap = (reference.month - month) % 12
    forward_gap = (month - reference.month) % 12
    return month_range(back_year if back_gap <= forward_gap else forward_year, month)


def _weekday(weekday: int, modifier: str | None, reference: date, tense: Tense) -> DateRange:
    back = (reference.weekday() - weekday) % 7  # 0..6 days back to that weekday
    forward = (weekday - reference.weekday()) % 7  # 0..6 days ahead
    if modifier in ("last", "past", "previous", "vergangenen", "letzten"):
        day = reference - timedelta(days=back or 7)
    elif modifier in ("next", "coming", "nächsten", "kommenden"):
        day = reference + timedelta(days=forward or 7)
    elif tense == "past":
        day = reference - timedelta(days=back)
    elif tense == "future":
        day = reference + timedelta(days=forward)
    else:
        day = (
            reference - timedelta(days=back)
            if back <= NEAREST_WEEKDAY_SPAN
            else reference + timedelta(days=forward)
        )
    return DateRange(day, day)


def _relative_span(phrase: str, reference: date) -> DateRange | None:
    week = _week_start(reference)
    if phrase in ("last week", "past week", "previous week", "letzte woche", "vergangene woche"):
        return DateRange(week - timedelta(days=7), week - timedelta(days=1))
    if phrase in ("this week", "diese woche"):
        return DateRange(week, week + timedelta(days=6))
    if phrase in ("earlier this week",):
        return DateRange(week, reference)
    if phrase in ("later this week",):
        return DateRange(reference, week + timedelta(days=6))
    if phrase in ("next week", "coming week", "nächste woche", "kommende woche"):
        return DateRange(week + timedelta(days=7), week + timedelta(days=13))
    if phrase in ("last weekend", "over the weekend", "past weekend", "previous weekend"):
        saturday = reference - timedelta(days=(reference.weekday() - 5) % 7 or 7)
        return DateRange(saturday, min(saturday + timedelta(days=1), reference))
    if phrase in ("this weekend", "next weekend", "coming weekend"):
        saturday = reference + timedelta(days=(5 - reference.weekday()) % 7)
        return DateRange(saturday, saturday + timedelta(days=1))
    if phrase in ("in recent days", "in the past few days"):
        return DateRange(reference - timedelta(days=7), reference)
    if phrase in ("in the coming days",):
        return DateRange(reference, reference + timedelta(days=7))
    first = reference.replace(day=1)
    if phrase in (
        "last month",
        "past month",
        "previous month",
        "letzten monat",
        "vergangenen monat",
    ):
        prev = first - timedelta(days=1)
        return month_range(prev.year, prev.month)
    if phrase in ("this month", "diesen monat", "earlier this month", "later this month"):
        return month_range(reference.year, reference.month)
    if phrase in ("next month", "coming month", "nächsten monat", "kommenden monat"):
        nxt = first + timedelta(days=32)
        return month_range(nxt.year, nxt.month)
    if phrase in ("last year", "past year", "previous year"):
        return DateRange(date(reference.year - 1, 1, 1), date(reference.year - 1, 12, 31))
    if phrase in ("this year",):
        return DateRange(date(reference.year, 1, 1), date(reference.year, 12, 31))
    if phrase in ("next year", "coming year"):
        return DateRange(date(reference.year + 1, 1, 1), date(reference.year + 1, 12, 31))
    return None
