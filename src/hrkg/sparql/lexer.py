"""The tokens of SPARQL 1.1 (https://www.w3.org/TR/sparql11-query/#terminals), by longest match.

Section 19.8 of the recommendation tokenises by choosing the longest match among its terminals; so does this lexer:
at each position it tries the terminals that can start with the character found there and keeps the longest. Two
choices follow the engine (Oxigraph) where the recommendation leaves room: codepoint escapes (``\\u0041``,
``\\U00000041``) are read only inside IRIs and strings, where they are part of the token, never as a rewrite of the
query text; and a bare word is a keyword only if it is one of SPARQL's (anything else is an error, not a name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# -- the recommendation's terminals [139]-[173] ------------------------------------------------------------------

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\\\"']"
_EXPONENT = r"[eE][+-]?[0-9]+"
_WS = "[ \t\r\n]"

_TERMINALS: dict[str, str] = {
    "IRIREF": f'<(?:[^<>"{{}}|^`\\\\\\x00-\\x20]|{_UCHAR})*>',
    "PNAME_LN": f"(?:{_PN_PREFIX})?:{_PN_LOCAL}",
    "PNAME_NS": f"(?:{_PN_PREFIX})?:",
    "BLANK_NODE_LABEL": f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?",
    "VAR1": f"\\?{_VARNAME}",
    "VAR2": f"\\${_VARNAME}",
    "LANGTAG": "@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*",
    "INTEGER": "[0-9]+",
    "DECIMAL": r"[0-9]*\.[0-9]+",
    "DOUBLE": f"(?:[0-9]+\\.[0-9]*{_EXPONENT}|\\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT})",
    "INTEGER_POSITIVE": r"\+[0-9]+",
    "DECIMAL_POSITIVE": r"\+[0-9]*\.[0-9]+",
    "DOUBLE_POSITIVE": f"\\+(?:[0-9]+\\.[0-9]*{_EXPONENT}|\\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT})",
    "INTEGER_NEGATIVE": r"-[0-9]+",
    "DECIMAL_NEGATIVE": r"-[0-9]*\.[0-9]+",
    "DOUBLE_NEGATIVE": f"-(?:[0-9]+\\.[0-9]*{_EXPONENT}|\\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT})",
    "STRING_LITERAL1": f"'(?:[^'\\\\\\n\\r]|{_ECHAR}|{_UCHAR})*'",
    "STRING_LITERAL2": f'"(?:[^"\\\\\\n\\r]|{_ECHAR}|{_UCHAR})*"',
    "STRING_LITERAL_LONG1": f"'''(?:(?:'|'')?(?:[^'\\\\]|{_ECHAR}|{_UCHAR}))*'''",
    "STRING_LITERAL_LONG2": f'"""(?:(?:"|"")?(?:[^"\\\\]|{_ECHAR}|{_UCHAR}))*"""',
    "NIL": f"\\({_WS}*\\)",
    "ANON": f"\\[{_WS}*\\]",
    "WORD": "[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*",
}

_OPERATORS = {
    "||": "OR",
    "&&": "AND",
    "^^": "DCARET",
    "<=": "LE",
    ">=": "GE",
    "!=": "NE",
    "{": "LBRACE",
    "}": "RBRACE",
    "(": "LPAR",
    ")": "RPAR",
    "[": "LSQB",
    "]": "RSQB",
    ";": "SEMI",
    ",": "COMMA",
    ".": "DOT",
    "+": "PLUS",
    "-": "DASH",
    "*": "STAR",
    "/": "SLASH",
    "<": "LT",
    ">": "GT",
    "=": "EQ",
    "!": "BANG",
    "^": "CARET",
    "|": "VBAR",
    "?": "QMARK",
}

_KEYWORDS = """BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY HAVING
    ORDER ASC DESC
    LIMIT OFFSET VALUES LOAD SILENT INTO CLEAR DROP CREATE ADD TO MOVE COPY INSERT DATA DELETE WITH USING DEFAULT ALL
    GRAPH OPTIONAL SERVICE BIND UNDEF MINUS UNION FILTER IN NOT EXISTS STR LANG LANGMATCHES DATATYPE BOUND IRI URI
    BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE
    STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE
    IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG
    SAMPLE GROUP_CONCAT SEPARATOR TRUE FALSE"""
#: SPARQL 1.1's keywords, matched without regard to case (``a`` excepted, which is lower case only)
KEYWORDS = frozenset(_KEYWORDS.split())

_COMPILED = {name: re.compile(pattern) for name, pattern in _TERMINALS.items()}
_PNAME = ("PNAME_LN", "PNAME_NS")
_NUMBER = ("DOUBLE", "DECIMAL", "INTEGER")


def _candidates(char: str) -> tuple[str, ...]:
    """The terminals that can start with ``char`` (besides the operators)."""
    if char == "<":
        return ("IRIREF",)
    if char == "?":
        return ("VAR1",)
    if char == "$":
        return ("VAR2",)
    if char == ":":
        return _PNAME
    if char == "_":
        return ("BLANK_NODE_LABEL",)
    if char == "@":
        return ("LANGTAG",)
    if char == "'":
        return ("STRING_LITERAL_LONG1", "STRING_LITERAL1")
    if char == '"':
        return ("STRING_LITERAL_LONG2", "STRING_LITERAL2")
    if char == "(":
        return ("NIL",)
    if char == "[":
        return ("ANON",)
    if char == "+":
        return ("DOUBLE_POSITIVE", "DECIMAL_POSITIVE", "INTEGER_POSITIVE")
    if char == "-":
        return ("DOUBLE_NEGATIVE", "DECIMAL_NEGATIVE", "INTEGER_NEGATIVE")
    if char == "." or char.isdigit():
        return _NUMBER
    if char.isascii() and char.isalpha():
        return ("WORD", *_PNAME)
    if not char.isascii():
        return _PNAME
    return ()


@dataclass(frozen=True)
class Token:
    """One token: its terminal's name (a keyword's upper-case spelling for keywords), its text and offset."""

    type: str
    value: str
    start: int


class LexError(ValueError):
    """Text that is no SPARQL token, at ``offset``."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


_SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)+")


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of ``text``; white space and comments are skipped. Raises :class:`LexError`."""
    i, n = 0, len(text)
    while True:
        skipped = _SKIP.match(text, i)
        if skipped:
            i = skipped.end()
        if i >= n:
            return
        char = text[i]
        best, best_end = "", i
        for name in _candidates(char):
            match = _COMPILED[name].match(text, i)
            if match and match.end() > best_end:
                best, best_end = name, match.end()
        operator = text[i : i + 2] if text[i : i + 2] in _OPERATORS else char if char in _OPERATORS else ""
        if operator and i + len(operator) > best_end:
            best, best_end = _OPERATORS[operator], i + len(operator)
        if not best:
            raise LexError(f"{char!r} cannot start a SPARQL token", i)
        value = text[i:best_end]
        if best == "WORD":
            if value == "a":
                best = "A"
            elif value.upper() in KEYWORDS:
                best = value.upper()
            else:
                raise LexError(f"{value!r} is not a SPARQL keyword (names need a prefix: ex:{value})", i)
        yield Token(best, value, i)
        i = best_end
