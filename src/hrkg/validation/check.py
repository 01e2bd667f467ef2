"""Check organisation data sent as text (an HTTP request body) and render the report: what ``POST /validate`` runs,
in a query worker (see :mod:`hrkg.service.workers`), with the same parser, rules and report as ``hrkg validate``."""

from __future__ import annotations

from typing import cast

from hrkg.errors import InputError
from hrkg.orgdata import decode_text, parse_organisation_text
from hrkg.store import Store
from hrkg.validation.model import Engine, Severity
from hrkg.validation.render import render
from hrkg.validation.validator import validate

#: the name of the document in messages
SOURCE = "request body"


def check_text(
    body: bytes, *, media_type: str, store: Store, engine: str, severity: str, suggest: bool, fmt: str
) -> str:
    """The report on ``body`` (organisation data in ``media_type``) in ``fmt``, findings at least ``severity``.

    A body that cannot be read raises :class:`InputError` whose message starts with the line and column.
    """
    try:
        text = decode_text(body, SOURCE, noun="body", hint="send the data as UTF-8")
        data = parse_organisation_text(text, media_type=media_type, source=SOURCE)
    except InputError as exc:
        raise _located(exc) from None
    report = validate(data, store=store, engine=cast(Engine, engine), suggest=suggest)
    return render(report.at_least(cast(Severity, severity)), fmt)


def _located(exc: InputError) -> InputError:
    """The parse error with its position spelled out (``request body, line 3, column 7: ...``)."""
    if exc.line is None:
        return exc
    where = exc.source + f":{exc.line}" + (f":{exc.column}" if exc.column is not None else "")
    detail = exc.message.removeprefix(f"{where}: ")
    position = f"line {exc.line}" + (f", column {exc.column}" if exc.column is not None else "")
    located = InputError(f"{position}: {detail}", source=exc.source, hint=exc.hint)
    located.line, located.column = exc.line, exc.column
    return located


#: the smallest organisation: validating it reads the rules, the shapes and the knowledge graph's copy once
_WARM_UP = b"organisation: {id: warm-up, roles: []}\n"


def warm(store: Store) -> None:
    """Validate a minimal organisation once, so that the first real validation in this process finds the rules, the
    shapes and the workspace's copy of the knowledge graph ready."""
    check_text(
        _WARM_UP, media_type="application/yaml", store=store, engine="fast", severity="info", suggest=True, fmt="json"
    )
