"""Settings, read from the environment (``HRKG_*``) in this one place."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hrkg.errors import ConfigError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HRKG_", frozen=True)

    store: str = Field(
        default="memory:",
        description="Store URL: `memory:` (embedded, loaded at start) or `oxigraph:PATH` (persistent on disk).",
    )
    host: str = Field(default="127.0.0.1", description="Address the service listens on.")
    port: int = Field(default=8000, description="Port the service listens on.")
    workers: int = Field(
        default=2, ge=1, le=64, description="Worker processes for ad-hoc SPARQL (each holds a store replica)."
    )
    validate_workers: int = Field(
        default=1, ge=1, le=64, description="Worker processes for POST /validate, apart from the query workers."
    )
    express_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Worker processes that answer ad-hoc queries while every query worker is busy, each query for at "
        "most HRKG_EXPRESS_TIMEOUT seconds (longer ones go back to the query workers), so that cheap queries stay "
        "fast while runaways run. 0: none.",
    )
    express_timeout: float = Field(
        default=1.0, gt=0, description="Seconds a query may run on the express worker before the query workers take it."
    )
    lookup_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Worker processes for the named queries (/queries/{name}), apart from the query workers, so "
        "that runaway ad-hoc queries cannot hold them up. 0: the named queries share the query workers.",
    )
    queue_limit: int = Field(
        default=16,
        ge=0,
        description="Requests that may wait for a busy pool (each pool: query, lookup, validation); beyond it 503 "
        "at once, with Retry-After.",
    )
    client_concurrency: int = Field(
        default=2,
        ge=0,
        description="Requests one client address may have running or waiting in each pool; beyond it 429 with "
        "Retry-After. 0: no limit.",
    )
    cache_entries: int = Field(
        default=1024, ge=0, description="Answers kept for repeated identical queries until the store changes. 0: none."
    )
    cache_bytes: int = Field(default=32_000_000, ge=0, description="Bytes the cached answers may take in all.")
    query_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a query may run before it is stopped and answered 503."
    )
    validate_timeout: float = Field(
        default=60.0, gt=0, description="Seconds a POST /validate may take before it is stopped and answered 503."
    )
    max_query_length: int = Field(default=100_000, ge=1, description="Longest SPARQL query text accepted (413).")
    max_result_bytes: int = Field(
        default=50_000_000, ge=1, description="Largest serialised query result, in bytes; larger ones get 400."
    )
    worker_memory_mb: int = Field(
        default=2048,
        ge=0,
        description="Memory (address space) each query worker may use, in MiB; a query that needs more is stopped "
        "and answered 503. 0: no limit. Raise it for large persistent stores (each worker holds a replica).",
    )
    max_upload_bytes: int = Field(
        default=10_000_000, ge=1, description="Largest request body (data to validate, updates), in bytes (413)."
    )
    service_allowlist: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Endpoints a SPARQL SERVICE clause may name, comma-separated; every other SERVICE is refused.",
    )
    network_sandbox: bool = Field(
        default=True,
        description="With no SERVICE endpoint allowlisted, the processes that run queries cannot open network "
        "connections (a seccomp filter, Linux). `off` relies on the query guard alone.",
    )
    update_token: SecretStr | None = Field(
        default=None,
        description="When set, POST /update accepts SPARQL Update with `Authorization: Bearer <token>`; "
        "otherwise the service is read-only.",
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("*",), description="Origins browsers may query from, comma-separated (`*`: any; empty: none)."
    )

    @field_validator("service_allowlist", "cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("service_allowlist")
    @classmethod
    def _absolute(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for endpoint in value:
            if not endpoint.startswith(("http://", "https://")):
                raise ValueError(f"{endpoint!r} is not an http(s) endpoint IRI")
        return value


@cache
def get_settings() -> Settings:
    """The settings from the environment; a bad value is a :class:`ConfigError` naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "HRKG_" + str(first["loc"][0]).upper() if first["loc"] else "HRKG_*"
        raise ConfigError(
            f"{name}={first.get('input')!r} is not a usable setting: {first['msg']}",
            hint=f"fix or unset {name} (`hrkg serve --help` lists the settings)",
        ) from None
