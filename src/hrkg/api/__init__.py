"""The HTTP service: ``create_app(settings)`` builds it; one router per concern."""

from hrkg.api.app import create_app

__all__ = ["create_app"]
