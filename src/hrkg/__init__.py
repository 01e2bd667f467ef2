"""hrkg: the BSR human rights-based guide to genAI risk mitigation as an executable knowledge graph."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hrkg")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from hrkg.errors import HrkgError
from hrkg.namespaces import HRKG, HRKG_BASE
from hrkg.store import Store, open_store

__all__ = ["HRKG", "HRKG_BASE", "HrkgError", "Store", "__version__", "open_store"]
