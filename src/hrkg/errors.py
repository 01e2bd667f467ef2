"""Typed errors. Each carries a one-line message and a hint that tells the user what to do.

The CLI prints ``error: <message>`` and ``hint: <hint>`` and exits with ``exit_code``;
the API maps each class to an HTTP status. No traceback reaches a user.
"""

from __future__ import annotations

from typing import Any


class HrkgError(Exception):
    """Base class: something the user can fix."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(HrkgError):
    """A command or request that is not well formed: a missing or contradictory argument, an option value that is
    not one of the allowed ones, a format that does not fit the result."""


class ResourceError(HrkgError):
    """The product's own files (shapes, queries, ontology, data) are broken: not the user's fault, a server error."""

    exit_code = 3
    http_status = 500


class OutputError(HrkgError):
    """A file or directory the product was asked to write cannot be written."""


class InputError(HrkgError):
    """A file or text that cannot be read or parsed."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        line: int | None = None,
        column: int | None = None,
        hint: str = "",
    ) -> None:
        where = source
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.source = source
        self.line = line
        self.column = column


class QuerySyntaxError(HrkgError):
    """A SPARQL query that does not parse."""


class QueryRefusedError(HrkgError):
    """A query that is valid SPARQL but not allowed here (e.g. a SERVICE clause to an arbitrary host)."""


class UnknownQueryError(HrkgError):
    """A named query that does not exist."""

    http_status = 404


class ParameterError(HrkgError):
    """A named-query parameter that is missing, unknown or has a value outside the allowed ones."""

    http_status = 422


class StoreError(HrkgError):
    """A store URL that cannot be opened, or a store that cannot be used."""

    http_status = 503


class JavaMissingError(HrkgError):
    """The OWL reasoner (HermiT) needs a Java runtime."""

    http_status = 503

    def __init__(self) -> None:
        super().__init__(
            "the OWL reasoner HermiT needs Java, and no `java` executable was found on PATH",
            hint="install a Java runtime (Debian: apt-get install default-jre-headless) or set JAVA_HOME",
        )


class ReasonerError(HrkgError):
    """The reasoner failed for a reason other than inconsistency."""

    http_status = 500


class QueryTimeoutError(HrkgError):
    """A query ran longer than the configured timeout and was stopped."""

    http_status = 503


class QueryStoppedError(HrkgError):
    """A query whose worker ran out of memory or crashed, and was replaced."""

    http_status = 503


class ServiceBusyError(HrkgError):
    """Every worker stayed busy for as long as a query may run, or the pool's wait queue is full."""

    http_status = 503


class ClientLimitError(HrkgError):
    """A client that already has as many requests running or waiting in a pool as one client may."""

    http_status = 429
    retry_after = 2


class RemoteEndpointError(HrkgError):
    """A SERVICE endpoint that failed (unreachable, an error, a redirect: redirects are not followed)."""

    http_status = 502


class ResultTooLargeError(HrkgError):
    """A result larger than the configured limit."""


class ConfigError(HrkgError):
    """An HRKG_* environment variable with a value that cannot be used."""


class UnsupportedMediaTypeError(HrkgError):
    """A body whose Content-Type is not one of the organisation data formats."""

    http_status = 415


class SandboxError(HrkgError):
    """The network sandbox cannot be installed on this system."""

    http_status = 500


# -- crossing a process boundary --------------------------------------------------------------------------------

#: the error classes a worker may send back, by name: the service re-raises only these (never an arbitrary class)
REGISTRY: dict[str, type[HrkgError]] = {
    cls.__name__: cls
    for cls in (
        HrkgError,
        UsageError,
        ResourceError,
        OutputError,
        InputError,
        QuerySyntaxError,
        QueryRefusedError,
        UnknownQueryError,
        ParameterError,
        StoreError,
        JavaMissingError,
        ReasonerError,
        QueryTimeoutError,
        QueryStoppedError,
        ServiceBusyError,
        ClientLimitError,
        RemoteEndpointError,
        ResultTooLargeError,
        ConfigError,
        UnsupportedMediaTypeError,
        SandboxError,
    )
}

_Plain = str | int | float | bool | None


def to_wire(exc: HrkgError) -> tuple[str, str, str, dict[str, _Plain]]:
    """``exc`` as plain data (class name, message, hint, its other plain attributes) that :func:`from_wire` turns
    back into the same class. A class outside :data:`REGISTRY` travels as its nearest registered base class."""
    cls: type[BaseException] = type(exc)
    while cls.__name__ not in REGISTRY or REGISTRY[cls.__name__] is not cls:
        cls = cls.__mro__[1]
    attributes = {
        k: v
        for k, v in vars(exc).items()
        if k not in ("message", "hint") and not k.startswith("_") and isinstance(v, _Plain)
    }
    if getattr(exc, "http_status", None) != getattr(cls, "http_status", None):
        attributes["http_status"] = exc.http_status
    return cls.__name__, exc.message, exc.hint, attributes


def from_wire(name: str, message: str, hint: str, attributes: dict[str, Any]) -> HrkgError:
    """The error :func:`to_wire` described; an unknown class name gives the base class :class:`HrkgError`, and only
    plain attributes are set (no constructor of the class runs, so none can be made to do anything)."""
    cls = REGISTRY.get(name, HrkgError)
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.message = message
    exc.hint = hint
    for key, value in attributes.items():
        if isinstance(value, _Plain) and not key.startswith("_") and key not in ("message", "hint"):
            setattr(exc, key, value)
    return exc
