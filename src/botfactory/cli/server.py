"""``botfactory server``: the REST API and the dashboard, without workers (run ``botfactory worker`` beside it)."""

from __future__ import annotations

import click

from botfactory.cli.context import common_options, get_app


@click.command("server")
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
def server_command(host: str, port: int) -> None:
    """Serve the API (/api/v1, docs at /api/v1/docs) and the dashboard until stopped (Ctrl-C)."""
    import uvicorn

    from botfactory.api import create_app
    from botfactory.builtins import install_builtins

    app_ctx = get_app()
    db = app_ctx.database()
    # Event types, filters and actions must be known here too: the API validates what it schedules and saves.
    install_builtins()
    plugins = app_ctx.load_plugins(sync=True)
    app = create_app(db, settings=app_ctx.settings, plugins=plugins)
    click.echo(f"botfactory server: http://{host}:{port}/ (API docs: /api/v1/docs) on {db.safe_url()}", err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        if plugins is not None:
            plugins.stop_sync()


commands = [server_command]
