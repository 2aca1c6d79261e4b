"""`citylive serve`: the API and the web pages."""

from __future__ import annotations

import os

import typer

from citylive.cli.app import app, console


def log_config() -> dict:
    """uvicorn's logging, with every token in a request line replaced by `***`."""
    from uvicorn.config import LOGGING_CONFIG

    config = {**LOGGING_CONFIG, "filters": {"tokens": {"()": "citylive.token_store.RedactTokens"}}}
    config["handlers"] = {
        name: {**handler, "filters": ["tokens"]}
        for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    return config


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="port to listen on"),
    workers: int = typer.Option(
        os.cpu_count() or 1, "--workers", min=1, max=64, help="worker processes (default: cores)"
    ),
) -> None:
    """Serve the API (/api/v1, docs at /docs) and the web pages (/portal, /programme)."""
    import uvicorn

    from citylive.db import init_db

    init_db()  # migrate once, before workers start
    console.print(
        f"CityLive on http://{host}:{port}/  (API docs: /docs; {workers} worker(s))",
        highlight=False,
    )
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        # A worker busy starting on a loaded machine answers the supervisor's ping late;
        # uvicorn's 5 s would kill and restart it over and over, and the server never serves.
        timeout_worker_healthcheck=60,
        log_level="info",
        log_config=log_config(),
    )
