"""`citylive token create|revoke|list`."""

from __future__ import annotations

import typer
from rich.table import Table

from citylive.actions.tokens import make_token, revoke, tokens
from citylive.cli.app import app, console
from citylive.db import db_scope
from citylive.scope import SYSTEM

token_app = typer.Typer(help="API, portal and calendar tokens for organisers and coordinators.")
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., "--role", help="organiser or coordinator"),
    town: str | None = typer.Option(None, "--town", help="the coordinator's town id"),
    name: str | None = typer.Option(None, "--name", help="who holds it, for the audit trail"),
    festival: str | None = typer.Option(
        None, "--festival", help="limit the token to one festival (a coordinator's always is)"
    ),
    kind: str = typer.Option("api", "--kind", help="api, or feed (read-only calendar feeds)"),
    days: int | None = typer.Option(None, "--days", min=1, max=3660, help="how long it lasts"),
) -> None:
    """Make a token; it is printed once, alone on the last line (only its hash is kept)."""
    with db_scope() as db:
        made = make_token(
            db=db,
            actor=SYSTEM,
            role=role,
            town=town,
            name=name,
            festival_id=festival,
            kind=kind,
            days=days,
        )
    row = made.row
    where = f" of {row.town}" if row.town else ""
    scope = f" in festival {row.festival_id}" if row.festival_id else ""
    until = row.expires_at.strftime("%Y-%m-%d") if row.expires_at else "never"
    console.print(
        f"{kind} token {row.id} for {role}{where}{scope} made, valid until {until}; "
        "copy it now, it is not shown again:",
        highlight=False,
        markup=False,
    )
    typer.echo(made.token)


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., min=1, max=2**31 - 1, help="the id from `token list`"),
) -> None:
    """Revoke a token and the tokens it made: requests with them answer 401 from now on."""
    with db_scope() as db:
        row = revoke(db=db, actor=SYSTEM, token_id=token_id)
        when = row.revoked_at
    console.print(
        f"token {token_id} revoked at {when.isoformat() if when else '?'}", highlight=False
    )


@token_app.command("list")
def token_list() -> None:
    """The tokens made so far as a tree, each maker above the tokens it made (never the
    tokens themselves)."""
    with db_scope() as db:
        rows = tokens(db=db, actor=SYSTEM)
    table = Table(show_edge=False, pad_edge=False)
    for column in (
        "id",
        "made by",
        "kind",
        "name",
        "role",
        "town",
        "festival",
        "starts with",
        "expires",
        "revoked",
    ):
        table.add_column(column)
    for depth, r in rows:
        table.add_row(
            str(r.id),
            str(r.parent_id or ""),
            r.kind,
            "  " * depth + ("└ " if depth else "") + r.name,
            r.role,
            r.town or "",
            r.festival_id or "",
            r.prefix + "…",
            r.expires_at.strftime("%Y-%m-%d") if r.expires_at else "",
            r.revoked_at.strftime("%Y-%m-%d %H:%M") if r.revoked_at else "",
        )
    console.print(table)
