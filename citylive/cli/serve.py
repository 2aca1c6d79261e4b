"""`citylive serve` and `citylive token create|revoke|list`."""

from __future__ import annotations

import typer
from rich.table import Table

from citylive.auth import TokenError, TokenNotFound, create_token, list_tokens, revoke_token
from citylive.cli.app import app, console, fail
from citylive.db import session_scope

token_app = typer.Typer(help="API and portal tokens for organisers and town coordinators.")
app.add_typer(token_app, name="token")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    workers: int = typer.Option(1, "--workers", help="worker processes"),
) -> None:
    """Serve the API (/api/v1, docs at /docs) and the web pages (/portal, /programme)."""
    import uvicorn

    from citylive.db import init_db

    init_db()  # migrate once, before workers start
    console.print(f"CityLive on http://{host}:{port}/  (API docs: /docs)", highlight=False)
    uvicorn.run("api.main:app", host=host, port=port, workers=workers, log_level="info")


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., "--role", help="organiser or coordinator"),
    town: str | None = typer.Option(None, "--town", help="the coordinator's town id"),
    name: str | None = typer.Option(None, "--name", help="who holds it, for the audit trail"),
    festival: str | None = typer.Option(None, "--festival", help="limit the token to one festival"),
) -> None:
    """Make a token; it is printed once, alone on the last line (only its hash is kept)."""
    try:
        with session_scope() as db:
            row, token = create_token(db=db, role=role, town=town, name=name, festival_id=festival)
            token_id = row.id
    except TokenError as exc:
        fail(str(exc))
    console.print(
        f"token {token_id} for {role}{' of ' + town if town else ''} made; "
        "copy it now, it is not shown again:",
        highlight=False,
    )
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., help="the id from `citylive token list`"),
) -> None:
    """Revoke a token: requests with it answer 401 from now on."""
    try:
        with session_scope() as db:
            row = revoke_token(db=db, token_id=token_id)
            when = row.revoked_at
    except TokenNotFound as exc:
        fail(str(exc))
    console.print(
        f"token {token_id} revoked at {when.isoformat() if when else '?'}", highlight=False
    )


@token_app.command("list")
def token_list() -> None:
    """The tokens made so far (never the tokens themselves)."""
    with session_scope() as db:
        rows = list_tokens(db=db)
    table = Table(show_edge=False, pad_edge=False)
    for column in ("id", "name", "role", "town", "festival", "starts with", "created", "revoked"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r.id),
            r.name,
            r.role,
            r.town or "",
            r.festival_id or "",
            r.prefix + "…",
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            r.revoked_at.strftime("%Y-%m-%d %H:%M") if r.revoked_at else "",
        )
    console.print(table)
