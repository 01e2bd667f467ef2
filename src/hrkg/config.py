"""Settings, read from the environment (``HRKG_*``) in this one place."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HRKG_", frozen=True)

    store: str = Field(
        default="memory:",
        description="Store URL: `memory:` (embedded, loaded at start) or `oxigraph:PATH` (persistent on disk).",
    )
    host: str = Field(default="127.0.0.1", description="Address the service listens on.")
    port: int = Field(default=8000, description="Port the service listens on.")
    max_query_length: int = Field(default=100_000, description="Longest SPARQL query text accepted, in characters.")


@cache
def get_settings() -> Settings:
    return Settings()
