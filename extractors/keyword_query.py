"""Keyword queries for watches without actors: terms, "phrases", AND, OR, NOT, ( ), prefix*.

A keyword watch alerts once per new story that matches its query, the way Google Alerts
does. The grammar is the one search boxes taught users:

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := not_expr (["AND"] not_expr)*          adjacent terms mean AND
    not_expr := ("NOT" | "-") not_expr | atom
    atom     := "(" or_expr ")" | "a phrase" | term | term*

Operators are upper case (as in Google's and GDELT's syntax), so "and" or "not" in lower
case are words to find. Matching is on whole words, case- and accent-insensitive; `term*`
matches every word that starts with `term`, which is how a user finds inflected names
("Putin*" finds Putinin, Putina). A term with inner punctuation ("Trump-Putin") matches
as the phrase of its words.

`parse_query` is pure and raises `QueryError` with the position of the fault;
`Query.matches(text)` tokenises the text once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
# Tokens of the query language: parentheses, a quoted phrase, or a run of other characters.
_QUERY_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|"(?P<phrase>[^"]*)"|(?P<bare>[^\s()"]+))')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


class QueryError(ValueError):
    """A query that cannot be parsed; the message names the fault and its position."""


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Ålands" and "alands" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return _WORD.findall(fold(text))


class Words:
    """A text's folded words, indexed once for many look-ups."""

    def __init__(self, text: str) -> None:
        self.sequence = words_of(text)
        self.vocabulary = frozenset(self.sequence)

    def has_phrase(self, phrase: tuple[str, ...]) -> bool:
        if len(phrase) == 1:
            return phrase[0] in self.vocabulary
        if any(word not in self.vocabulary for word in phrase):
            return False
        width = len(phrase)
        first = phrase[0]
        seq = self.sequence
        return any(
            seq[i] == first and tuple(seq[i : i + width]) == phrase
            for i in range(len(seq) - width + 1)
        )

    def has_prefix(self, prefix: str) -> bool:
        return any(word.startswith(prefix) for word in self.vocabulary)


@dataclass(frozen=True)
class Phrase:
    """One word or a sequence of words that must stand together."""

    words: tuple[str, ...]

    def holds(self, text: Words) -> bool:
        return text.has_phrase(self.words)

    def __str__(self) -> str:
        return self.words[0] if len(self.words) == 1 else '"' + " ".join(self.words) + '"'


@dataclass(frozen=True)
class Prefix:
    """Any word that starts with `prefix` (written `prefix*`)."""

    prefix: str

    def holds(self, text: Words) -> bool:
        return text.has_prefix(self.prefix)

    def __str__(self) -> str:
        return f"{self.prefix}*"


@dataclass(frozen=True)
class Not:
    operand: Node

    def holds(self, text: Words) -> bool:
        return not self.operand.holds(text)

    def __str__(self) -> str:
        return f"NOT {self.operand}"


@dataclass(frozen=True)
class All:
    operands: tuple[Node, ...]

    def holds(self, text: Words) -> bool:
        return all(op.holds(text) for op in self.operands)

    def __str__(self) -> str:
        return "(" + " AND ".join(str(op) for op in self.operands) + ")"


@dataclass(frozen=True)
class Any_:
    operands: tuple[Node, ...]

    def holds(self, text: Words) -> bool:
        return any(op.holds(text) for op in self.operands)

    def __str__(self) -> str:
        return "(" + " OR ".join(str(op) for op in self.operands) + ")"


Node = Phrase | Prefix | Not | All | Any_


@dataclass(frozen=True)
class Query:
    """A parsed keyword query; `source` is what the user wrote."""

    source: str
    root: Node

    def matches(self, *texts: str | None) -> bool:
        """True when the texts (title, body, ...) read together satisfy the query."""
        return self.root.holds(Words("\n".join(t for t in texts if t)))

    def positive_terms(self) -> tuple[str, ...]:
        """Terms that count for a match (not under NOT), for highlighting evidence."""
        found: list[str] = []

        def walk(node: Node, negated: bool) -> None:
            if isinstance(node, Phrase | Prefix):
                if not negated:
                    found.append(str(node).strip('"*'))
            elif isinstance(node, Not):
                walk(node.operand, not negated)
            else:
                for op in node.operands:
                    walk(op, negated)

        walk(self.root, False)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "op", "phrase", "term"
    text: str
    position: int


def _tokens(source: str) -> Iterator[_Token]:
    position = 0
    while position < len(source):
        if source[position:].strip() == "":
            return
        match = _QUERY_TOKEN.match(source, position)
        if match is None:  # only an unterminated quote gets here
            quote = source.index('"', position)
            raise QueryError(f"unterminated quote at {quote + 1}")
        start = match.start(match.lastgroup or 0)
        if match.group("paren"):
            yield _Token(match.group("paren"), match.group("paren"), start)
        elif match.group("phrase") is not None:
            yield _Token("phrase", match.group("phrase"), start)
        else:
            bare = match.group("bare")
            if bare in _OPERATORS:
                yield _Token("op", bare, start)
            elif bare == "-":  # -"a phrase" or -(a group)
                yield _Token("op", "NOT", start)
            elif bare.startswith("-") and len(bare) > 1:
                yield _Token("op", "NOT", start)
                yield _Token("term", bare[1:], start + 1)
            else:
                yield _Token("term", bare, start)
        position = match.end()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = list(_tokens(source))
        self.index = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("the query is empty")
        node = self.or_expr()
        extra = self.peek()
        if extra is not None:
            raise QueryError(f"unexpected '{extra.text}' at {extra.position + 1}")
        return node

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "OR":
            self.take()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Any_(tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while (token := self.peek()) is not None and token.kind != ")":
            if token.kind == "op" and token.text == "OR":
                break
            if token.kind == "op" and token.text == "AND":
                self.take()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else All(tuple(operands))

    def not_expr(self) -> Node:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text == "NOT":
            self.take()
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError(f"a term is missing at the end (after {self.source.strip()!r})")
        if token.kind == "op":
            raise QueryError(f"'{token.text}' at {token.position + 1} needs a term before it")
        if token.kind == ")":
            raise QueryError(f"unbalanced ')' at {token.position + 1}")
        self.take()
        if token.kind == "(":
            node = self.or_expr()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(f"'(' at {token.position + 1} is never closed")
            self.take()
            return node
        if token.kind == "term" and token.text.endswith("*") and len(token.text) > 1:
            stem = words_of(token.text[:-1])
            if len(stem) == 1:
                return Prefix(stem[0])
        words = tuple(words_of(token.text))
        if not words:
            raise QueryError(f"'{token.text}' at {token.position + 1} holds no word to find")
        return Phrase(words)


def parse_query(source: str) -> Query:
    """Parse a keyword query, or raise `QueryError` naming the fault and its position."""
    return Query(source=source, root=_Parser(source).parse())
