"""Parsing SCIM filters with scim2-filter-parser's grammar, with fixes the library lacks.

- String literals are JSON strings (RFC 7644 §3.4.2.2, compValue): the library's lexer stops
  at the first `"`, so `userName eq "a\\"b"` failed. We lex and decode them as JSON, and
  refuse what PostgreSQL cannot store (NUL, lone surrogates) here rather than as a 500 later.
- Numbers are JSON numbers (the library reads a single digit), and `true`/`false`/`null`
  become Python values, so the translator can tell `true` from `"true"`. They are whole
  words (the library read `trueName` as `true` `Name`), and their case does not matter:
  RFC 7644 §3.4.2.2 makes attribute names and operators case-insensitive, and although
  compValue's `true` comes from JSON (RFC 7159 §3: "literal names MUST be lowercase"),
  `primary eq True` has only one meaning, so refusing it would help no one.
- Precedence: RFC 7644 §3.4.2.2 says "and" binds tighter than "or". The library declares
  both at one level, so `a or b and c` parsed as `(a or b) and c`.
- Errors name the offending text and its position instead of a token's repr.

PATCH paths (`scim.patch.paths`) lex and parse their bracket filters with this grammar too.
"""

import json
from collections.abc import Iterable
from typing import Any

from scim2_filter_parser import ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError
from sly.lex import Token

from scim.errors import invalid_filter

# Entra's filters are a few dozen characters; the limits keep hostile input cheap to refuse.
MAX_FILTER_LENGTH = 8192
MAX_DEPTH = 64


class FilterSyntaxError(Exception):
    def __init__(self, message: str, index: int | None = None, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index
        self.end = end


# A literal is a whole word: `nullable` or `trueName` is an attribute name.
_WORD_END = r"(?![A-Za-z0-9_$-])"


class FilterLexer(SCIMLexer):
    tokens = SCIMLexer.tokens

    @_(r"(?i:false)" + _WORD_END)  # noqa: F821
    def FALSE(self, t: Any) -> Any:
        t.value = False
        return t

    @_(r"(?i:true)" + _WORD_END)  # noqa: F821
    def TRUE(self, t: Any) -> Any:
        t.value = True
        return t

    @_(r"(?i:null)" + _WORD_END)  # noqa: F821
    def NULL(self, t: Any) -> Any:
        t.value = None
        return t

    @_(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # noqa: F821
    def NUMBER(self, t: Any) -> Any:
        try:
            t.value = json.loads(t.value)
        except ValueError as exc:  # more digits than int() reads (4,300)
            raise FilterSyntaxError("number too long", t.index, t.end) from exc
        return t

    @_(r'"(?:[^"\\]|\\.)*"')  # noqa: F821
    def COMP_VALUE(self, t: Any) -> Any:
        try:
            value = json.loads(t.value, strict=False)
            value.encode("utf-8")  # a lone surrogate (\ud800) cannot be sent to the database
        except (json.JSONDecodeError, UnicodeEncodeError) as exc:
            raise FilterSyntaxError("invalid string", t.index, t.end) from exc
        if "\x00" in value:
            raise FilterSyntaxError("NUL characters are not allowed in strings", t.index, t.end)
        t.value = value
        return t

    def error(self, t: Any) -> None:
        if t.value.startswith('"'):
            raise FilterSyntaxError("unterminated string", t.index, len(t.value) + t.index)
        raise FilterSyntaxError("unexpected character", t.index, t.index + 1)


class FilterParser(SCIMParser):
    """The library's grammar rules, rebuilt with RFC precedence (sly builds tables per class)."""

    tokens = SCIMParser.tokens
    precedence = (
        ("left", "OR"),
        ("left", "AND"),
        ("right", "NOT"),
    )
    # The first rule is the start symbol, so `filter` comes first.
    filter = SCIMParser.filter
    value_path = SCIMParser.value_path
    attr_exp = SCIMParser.attr_exp
    log_exp = SCIMParser.log_exp
    comp_value = SCIMParser.comp_value
    attr_path = SCIMParser.attr_path
    sub_attr = SCIMParser.sub_attr

    def error(self, token: Any) -> None:
        if token is None:
            raise FilterSyntaxError("unexpected end of filter")
        raise FilterSyntaxError("unexpected", token.index, token.end)


def parse_filter(expression: str) -> ast.Filter:
    """The AST of a filter, or ScimError invalidFilter."""
    if not expression or not expression.strip():
        raise invalid_filter("The filter is empty.")
    if len(expression) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    try:
        return parse_tokens(FilterLexer().tokenize(expression))
    except FilterSyntaxError as exc:
        detail = f"The filter could not be parsed: {describe_syntax_error(exc, expression)}."
        raise invalid_filter(detail) from exc


def comparisons(tree: ast.Filter) -> int:
    """How many comparisons (`attr op value`, `attr pr`) a filter makes, brackets included.

    Each one is a predicate that PostgreSQL evaluates per row it reads, so this is what a
    filter costs, whatever its length in characters.
    """
    count = 0
    pending: list[Any] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Filter):
            pending.append(node.expr)
        elif isinstance(node, ast.LogExpr):
            pending += [node.expr1, node.expr2]
        elif isinstance(node, ast.AttrExpr):
            count += 1
            if isinstance(node.attr_path.attr_name, ast.Filter):
                pending.append(node.attr_path.attr_name)
    return count


def parse_tokens(tokens: Iterable[Token]) -> ast.Filter:
    """The AST of a filter given as tokens; raises FilterSyntaxError."""
    try:
        tree = FilterParser().parse(iter(tokens))
    except SCIMParserError as exc:
        # The library's only error of its own: `emails.value[type eq "x"].display`.
        raise FilterSyntaxError("a sub-attribute both before and after '[...]'") from exc
    if not isinstance(tree, ast.Filter):
        raise FilterSyntaxError("unexpected end of filter")
    return tree


def lex(text: str, *, start: int = 0) -> list[Token]:
    """The tokens of `text` from `start` on (positions count from the start of `text`);
    raises FilterSyntaxError on text that is not tokens."""
    return list(FilterLexer().tokenize(text, index=start))


def tokenize(text: str) -> list[tuple[str, Any]]:
    """(type, value) tokens of `text`; raises FilterSyntaxError on text that is not tokens."""
    return [(token.type, token.value) for token in FilterLexer().tokenize(text)]


def describe_syntax_error(exc: FilterSyntaxError, expression: str) -> str:
    """The error's message with the text it is about and where that starts."""
    if exc.index is None:
        return exc.message
    text = expression[exc.index : exc.end]
    if len(text) > 40:
        text = text[:40] + "…"
    return f"{exc.message} '{text}' at position {exc.index}"
