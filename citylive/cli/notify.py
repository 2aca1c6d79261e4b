"""Notification commands: `citylive notify dispatch`, `citylive notify digest`,
`citylive notifications [--failed] [--requeue]`."""

from __future__ import annotations

from datetime import datetime

import typer

from citylive.actions import notifications as actions
from citylive.cli.app import app, console
from citylive.db import db_scope
from citylive.scope import SYSTEM
from models.enums import NotificationStatus

notify_app = typer.Typer(help="Send what the outbox holds.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


def _say(line: str) -> None:
    console.print(line, highlight=False, markup=False, soft_wrap=True)


@notify_app.command("dispatch")
def dispatch_command(
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=actions.MAX_SEND, help="handle at most this many rows"
    ),
    wait: float = typer.Option(
        0.0,
        "--wait",
        min=0,
        max=actions.MAX_WAIT_SECONDS,
        help="keep retrying for up to this many seconds while rows are pending",
    ),
) -> None:
    """Send what is due in the outbox; the last line is `sent=N failed=N pending=N`."""
    result = actions.send_outbox(actor=SYSTEM, limit=limit, wait_for_retries=wait)
    if result.undeliverable:
        _say(f"undeliverable={result.undeliverable} (see `citylive notifications --failed`)")
    if result.retried:
        _say(f"retrying later: {result.retried} send(s) failed and were rescheduled")
    _say(result.line())


@notify_app.command("digest")
def digest_command(
    festival: str = typer.Option(..., "--festival", help="the festival's id"),
    day: datetime | None = typer.Option(
        None,
        "--day",
        formats=["%Y-%m-%d"],
        help="the digest's day, YYYY-MM-DD (default: today in the festival's time zone)",
    ),
) -> None:
    """Queue the organisers' daily digest (once per day); `citylive notify dispatch` sends it."""
    with db_scope() as db:
        done = actions.queue_digest(
            db=db, actor=SYSTEM, festival_id=festival, day=day.date() if day else None
        )
    if not done.queued:
        _say(f"the digest of {done.day.isoformat()} was queued before; nothing new")
    _say(f"festival={done.festival_id} day={done.day.isoformat()} queued={done.queued}")


@app.command("notifications")
def notifications_command(
    failed: bool = typer.Option(False, "--failed", help="only failed and undeliverable rows"),
    festival: str | None = typer.Option(None, "--festival", help="only this festival's"),
    limit: int = typer.Option(50, "--limit", min=1, max=actions.MAX_PAGE),
    requeue: bool = typer.Option(
        False,
        "--requeue",
        help="put failed and undeliverable rows back to pending (after a config fix)",
    ),
) -> None:
    """List the outbox (newest first), with each row's status and last error."""
    with db_scope() as db:
        if requeue:
            n = actions.requeue_undelivered(db=db, actor=SYSTEM, festival_id=festival)
            _say(f"requeued={n}")
            return
        page = actions.outbox(
            db=db, actor=SYSTEM, festival_id=festival, undelivered_only=failed, limit=limit
        )
        counts = actions.outbox_totals(db=db, actor=SYSTEM, festival_id=festival)
    # One line per row and its error on the next: long errors stay whole and greppable.
    for r in page.data:
        _say(f"#{r.id} {r.status} {r.event} {r.recipient} attempts={r.attempts} {r.subject}")
        if r.last_error:
            _say(f"    {r.last_error}")
    if not page.data:
        _say("no notifications" + (" failed" if failed else ""))
    _say(" ".join(f"{s.value}={counts[s]}" for s in NotificationStatus))
