"""The HTTP service: ``create_app(settings)`` builds it; one router per concern."""

from hrkg.service.app import create_app

__all__ = ["create_app"]
