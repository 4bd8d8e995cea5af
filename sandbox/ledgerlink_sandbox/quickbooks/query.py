"""Tokenizer and recursive-descent parser for the QBO query language (reference §1.2).

Grammar (keywords case-insensitive, whitespace free)::

    query   := SELECT ("*" ("," path)* | COUNT "(" "*" ")") FROM ident
               [WHERE cond (AND cond)*] [(ORDERBY | ORDER BY) key ("," key)*]
               [STARTPOSITION int] [MAXRESULTS int]          -- either order
    cond    := path ("=" | "<" | ">" | "<=" | ">=") value
             | path IN "(" value ("," value)* ")" | path LIKE string
    key     := path [ASC | DESC]
    value   := 'string' | TRUE | FALSE | number

Syntax errors read like QBO's JavaCC parser: ``Encountered " <IDENTIFIER> "foo "" at line 1,
column 29.`` Semantic checks (unknown property, operator not allowed) happen in ``queryexec``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .faults import parse_error

TokKind = Literal["ident", "string", "number", "op", "punct", "eof"]
Op = Literal["=", "<", ">", "<=", ">=", "IN", "LIKE"]


@dataclass(frozen=True)
class Token:
    kind: TokKind
    text: str  # for strings: the unescaped value
    image: str  # the source text, for error messages
    line: int
    column: int

    def is_kw(self, word: str) -> bool:
        return self.kind == "ident" and self.text.upper() == word


@dataclass(frozen=True)
class Literal_:
    """A literal as written: ``quoted`` distinguishes ``'10'`` from ``10``."""

    text: str
    quoted: bool
    kind: Literal["string", "number", "bool"]


@dataclass(frozen=True)
class Condition:
    path: str
    op: Op
    values: tuple[Literal_, ...]
    op_token: Token


@dataclass(frozen=True)
class OrderKey:
    path: str
    desc: bool


@dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list[Condition] = field(default_factory=list)
    order: list[OrderKey] = field(default_factory=list)
    start: int | None = None
    max_results: int | None = None
    extra_keys: bool = False  # ORDERBY had more than one key (policy checked later)
    extra_key_token: Token | None = None


_KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "ORDERBY",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "IN",
    "LIKE",
    "STARTPOSITION",
    "MAXRESULTS",
    "COUNT",
    "TRUE",
    "FALSE",
}
_PUNCT = "(),*."


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, line, col = 0, 1, 1
    n = len(text)

    def advance(count: int) -> None:
        nonlocal i, line, col
        for ch in text[i : i + count]:
            if ch == "\n":
                line, col = line + 1, 1
            else:
                col += 1
        i += count

    while i < n:
        ch = text[i]
        if ch.isspace():
            advance(1)
            continue
        start_line, start_col = line, col
        if ch == "'":
            j, chars = i + 1, []
            while j < n and text[j] != "'":
                if text[j] == "\\" and j + 1 < n:
                    j += 1  # \' and \\ escape the next character
                chars.append(text[j])
                j += 1
            if j >= n:
                raise parse_error(
                    f"Lexical error at line {start_line}, column {start_col}.  "
                    f'Encountered: <EOF> after : "{text[i:]}"'
                )
            image = text[i : j + 1]
            tokens.append(Token("string", "".join(chars), image, start_line, start_col))
            advance(j + 1 - i)
        elif ch in "<>=!":
            two = text[i : i + 2]
            image = two if two in ("<=", ">=", "!=", "<>") else ch
            tokens.append(Token("op", image, image, start_line, start_col))
            advance(len(image))
        elif ch in _PUNCT:
            tokens.append(Token("punct", ch, ch, start_line, start_col))
            advance(1)
        elif ch.isdigit() or (ch in "-+" and i + 1 < n and text[i + 1].isdigit()):
            j = i + 1
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            image = text[i:j]
            tokens.append(Token("number", image, image, start_line, start_col))
            advance(j - i)
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            image = text[i:j]
            tokens.append(Token("ident", image, image, start_line, start_col))
            advance(j - i)
        else:
            raise parse_error(
                f"Lexical error at line {start_line}, column {start_col}.  "
                f'Encountered: "{ch}" ({ord(ch)}), after : ""'
            )
    tokens.append(Token("eof", "", "", line, col))
    return tokens


def encountered(tok: Token) -> str:
    """The JavaCC-style ``Encountered …`` sentence QBO puts in its 4000 details."""
    if tok.kind == "eof":
        return f'Encountered "<EOF>" at line {tok.line}, column {tok.column}.'
    if tok.kind == "ident" and tok.text.upper() in _KEYWORDS:
        kind = f'"{tok.text.upper()}"'
    elif tok.kind == "ident":
        kind = "<IDENTIFIER>"
    elif tok.kind == "string":
        kind = "<STRING_LITERAL>"
    elif tok.kind == "number":
        kind = "<INTEGER>" if tok.image.lstrip("+-").isdigit() else "<DECIMAL>"
    else:
        kind = f'"{tok.image}"'
    return f'Encountered " {kind} "{tok.image} "" at line {tok.line}, column {tok.column}.'


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.pos]

    def fail(self, tok: Token | None = None) -> Exception:
        return parse_error(encountered(tok or self.tok))

    def take(self) -> Token:
        tok = self.tok
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def expect_kw(self, word: str) -> Token:
        if not self.tok.is_kw(word):
            raise self.fail()
        return self.take()

    def expect_punct(self, ch: str) -> Token:
        if not (self.tok.kind == "punct" and self.tok.text == ch):
            raise self.fail()
        return self.take()

    def at_punct(self, ch: str) -> bool:
        return self.tok.kind == "punct" and self.tok.text == ch

    def ident(self) -> str:
        # Keywords cannot be property or entity names.
        if self.tok.kind != "ident" or self.tok.text.upper() in _KEYWORDS:
            raise self.fail()
        return self.take().text

    def path(self) -> str:
        parts = [self.ident()]
        while self.at_punct("."):
            self.take()
            parts.append(self.ident())
        return ".".join(parts)

    def integer(self) -> int:
        tok = self.tok
        if tok.kind != "number" or not tok.image.isdigit():
            raise self.fail()
        self.take()
        return int(tok.image)

    def value(self) -> Literal_:
        tok = self.tok
        if tok.kind == "string":
            self.take()
            return Literal_(tok.text, True, "string")
        if tok.is_kw("TRUE") or tok.is_kw("FALSE"):
            self.take()
            return Literal_(tok.text.lower(), False, "bool")
        if tok.kind == "number":
            self.take()
            return Literal_(tok.text, False, "number")
        raise self.fail()

    def condition(self) -> Condition:
        path = self.path()
        tok = self.tok
        if tok.is_kw("IN"):
            self.take()
            self.expect_punct("(")
            values = [self.value()]
            while self.at_punct(","):
                self.take()
                values.append(self.value())
            self.expect_punct(")")
            return Condition(path, "IN", tuple(values), tok)
        if tok.is_kw("LIKE"):
            self.take()
            if self.tok.kind != "string":
                raise self.fail()
            return Condition(path, "LIKE", (self.value(),), tok)
        if tok.kind == "op" and tok.text in ("=", "<", ">", "<=", ">="):
            self.take()
            return Condition(path, tok.text, (self.value(),), tok)  # type: ignore[arg-type]
        raise self.fail()

    def parse(self) -> Query:
        self.expect_kw("SELECT")
        count = False
        if self.tok.is_kw("COUNT"):
            self.take()
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            count = True
        else:
            self.expect_punct("*")
            while self.at_punct(","):  # "SELECT *, Sku FROM Item" (python-quickbooks)
                self.take()
                self.path()
        self.expect_kw("FROM")
        query = Query(self.ident(), count=count)
        if self.tok.is_kw("WHERE"):
            self.take()
            query.conditions.append(self.condition())
            while self.tok.is_kw("AND"):
                self.take()
                query.conditions.append(self.condition())
        if self.tok.is_kw("ORDERBY") or self.tok.is_kw("ORDER"):
            if self.take().is_kw("ORDER"):
                self.expect_kw("BY")
            query.order.append(self.order_key())
            while self.at_punct(","):
                query.extra_keys = True
                query.extra_key_token = query.extra_key_token or self.tok
                self.take()
                query.order.append(self.order_key())
        while self.tok.is_kw("STARTPOSITION") or self.tok.is_kw("MAXRESULTS"):
            word = self.take().text.upper()
            value = self.integer()
            if word == "STARTPOSITION" and query.start is None:
                query.start = value
            elif word == "MAXRESULTS" and query.max_results is None:
                query.max_results = value
            else:
                raise self.fail(self.toks[self.pos - 2])
        if self.tok.kind != "eof":
            raise self.fail()
        return query

    def order_key(self) -> OrderKey:
        path = self.path()
        desc = False
        if self.tok.is_kw("ASC") or self.tok.is_kw("DESC"):
            desc = self.take().text.upper() == "DESC"
        return OrderKey(path, desc)


def parse(text: str) -> Query:
    """Parse a statement; raises ``QboFault`` 4000 on syntax errors."""
    return _Parser(text).parse()
