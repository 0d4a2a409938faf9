"""The HTTP API (FastAPI) and the app that also serves the dashboard: ``create_app(db)``."""

from botfactory.api.app import create_app

__all__ = ["create_app"]
