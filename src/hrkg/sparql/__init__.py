"""A SPARQL 1.1 parser: the recommendation's grammar (``sparql11.lark``) under Lark's LALR(1) parser, fed by the
longest-match lexer of :mod:`hrkg.sparql.lexer`.

It builds a parse tree and nothing else (no algebra, no evaluation): :mod:`hrkg.guard` reads the tree to decide what
a query may do. LALR parsing keeps its own stack, so deeply nested text costs memory, never Python recursion.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from hrkg.sparql.lexer import LexError, tokenize

__all__ = ["SparqlParseError", "Tree", "parse", "warm"]


class SparqlParseError(ValueError):
    """Text that is not SPARQL 1.1: ``line`` and ``column`` (1-based) say where reading stopped."""

    def __init__(self, message: str, *, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class _Tokens(Lexer):
    """Lark's view of :func:`tokenize`."""

    def __init__(self, conf: Any) -> None:
        pass

    def lex(self, data: str) -> Iterator[Token]:  # type: ignore[override]  # Lark calls custom lexers with the text
        for token in tokenize(data):
            yield Token(token.type, token.value, start_pos=token.start)


def _cache_file() -> str | bool:
    """Where Lark keeps the built parse tables (building them takes about a second; loading them, a tenth): in the
    user's own cache directory, made private to the user; ``False`` (no cache) when that cannot be had."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hrkg"
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = root.stat()
    except OSError:
        return False
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False  # a directory others can write to: never load tables from it
    return str(root / f"sparql11-lark{lark.__version__}.cache")


@cache
def _parser() -> Lark:
    grammar = files(__package__).joinpath("sparql11.lark").read_text(encoding="utf-8")
    # Lark checks the cached tables against a digest of the grammar, the options and its own version
    return Lark(grammar, parser="lalr", lexer=_Tokens, start=["query_unit", "update_unit"], cache=_cache_file())


def warm() -> None:
    """Build (or load) the parse tables now rather than on the first query."""
    _parser()


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse(text: str, *, update: bool = False) -> Tree[Token]:
    """The parse tree of a query (or, with ``update``, of an update request). Raises :class:`SparqlParseError`."""
    try:
        return _parser().parse(text, start="update_unit" if update else "query_unit")
    except LexError as exc:
        line, column = _position(text, exc.offset)
        raise SparqlParseError(str(exc), line=line, column=column) from None
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        offset = getattr(token, "start_pos", None)
        if offset is None:
            offset = len(text)
        line, column = _position(text, offset)
        found = "the end of the text" if token is None or token.type == "$END" else repr(str(token)[:40])
        raise SparqlParseError(f"unexpected {found}", line=line, column=column) from None
