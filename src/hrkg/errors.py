"""Typed errors. Each carries a one-line message and a hint that tells the user what to do.

The CLI prints ``error: <message>`` and ``hint: <hint>`` and exits with ``exit_code``;
the API maps each class to an HTTP status. No traceback reaches a user.
"""

from __future__ import annotations


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


class ResourceError(HrkgError):
    """hrkg's own files (ontology, shapes, queries, data) are broken or missing: a fault of the installation, not of
    the user's input."""

    http_status = 500
