"""The dashboard: server-rendered pages on the same app as the API (``install_dashboard(app)``)."""

from fastapi import FastAPI


def install_dashboard(app: FastAPI) -> None:
    from botfactory.web.routes import install

    install(app)


__all__ = ["install_dashboard"]
