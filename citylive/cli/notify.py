"""Notification commands: `citylive notify dispatch`, `citylive notifications [--failed]`."""

from __future__ import annotations

import typer
from sqlmodel import col, func, select

import models
from citylive.cli.app import app, console, fail
from citylive.db import session_scope

notify_app = typer.Typer(help="Send what the outbox holds.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("dispatch")
def dispatch_command(
    limit: int | None = typer.Option(None, "--limit", min=1, help="handle at most this many rows"),
    wait: float = typer.Option(
        0.0,
        "--wait",
        min=0,
        help="keep retrying for up to this many seconds while rows are pending",
    ),
) -> None:
    """Send what is due in the outbox; the last line is `sent=N failed=N pending=N`."""
    from citylive.notify.dispatch import dispatch
    from citylive.notify.routing import NotifyConfigError

    try:
        result = dispatch(limit=limit, wait_for_retries=wait)
    except NotifyConfigError as exc:
        fail(str(exc))
    if result.undeliverable:
        console.print(
            f"undeliverable={result.undeliverable} (see `citylive notifications --failed`)",
            highlight=False,
        )
    if result.retried:
        console.print(
            f"retrying later: {result.retried} send(s) failed and were rescheduled", highlight=False
        )
    console.print(result.line(), highlight=False, markup=False, soft_wrap=True)


@app.command("notifications")
def notifications_command(
    failed: bool = typer.Option(False, "--failed", help="only failed and undeliverable rows"),
    festival: str | None = typer.Option(None, "--festival", help="only this festival's"),
    limit: int = typer.Option(50, "--limit", min=1),
    requeue: bool = typer.Option(
        False,
        "--requeue",
        help="put failed and undeliverable rows back to pending (after a config fix)",
    ),
) -> None:
    """List the outbox (newest first), with each row's status and last error."""
    N = models.Notification
    with session_scope() as db:
        if requeue:
            from citylive.notify.outbox import requeue as do_requeue

            n = do_requeue(db=db, festival_id=festival)
            console.print(f"requeued={n}", highlight=False)
            return
        query = select(N)
        count_q = select(N.status, func.count()).group_by(N.status)
        if failed:
            query = query.where(col(N.status).in_(["failed", "undeliverable"]))
        if festival:
            query = query.where(N.festival_id == festival)
            count_q = count_q.where(N.festival_id == festival)
        rows = list(db.exec(query.order_by(col(N.id).desc()).limit(limit)))
        counts = dict(db.exec(count_q).all())
    # One line per row and its error on the next: long errors stay whole and greppable.
    for r in rows:
        console.print(
            f"#{r.id} {r.status} {r.event} {r.recipient} attempts={r.attempts} {r.subject}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        if r.last_error:
            console.print(f"    {r.last_error}", highlight=False, markup=False, soft_wrap=True)
    if not rows:
        console.print("no notifications" + (" failed" if failed else ""), highlight=False)
    summary = " ".join(
        f"{k}={counts.get(k, 0)}" for k in ("pending", "sending", "sent", "failed", "undeliverable")
    )
    console.print(summary, highlight=False, markup=False)
