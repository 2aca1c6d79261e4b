"""festival-lifecycle: the whole story in one flow, for the demo and for small cities.

plan -> tell everyone -> wait for the coordinators' answers until the confirmation deadline
-> settle silence and re-plan the declines -> tell whoever's sessions changed -> collect the
platforms' exports -> report and send the summaries.

Larger cities run the same flows as separate deployments instead (prefect.yaml): re-plans
triggered by decline events, reminders on a schedule, sales collected as exports arrive.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from prefect import flow, task

from citylive.actions.festivals import confirmations
from citylive.db import db_scope
from citylive.paths import confined
from citylive.scope import SYSTEM
from flows._common import run_logger
from flows.collect_sales import collect_sales, waiting_files
from flows.dispatch_notifications import dispatch_notifications
from flows.plan_festival import plan_festival
from flows.replan_festival import replan_festival
from flows.summarise_festival import summarise_festival
from models._types import utcnow
from models.enums import SessionStatus


def _round(festival_id: str) -> tuple[dict[str, int], datetime | None]:
    """Sessions by status, and the confirmation deadline as it stands now."""
    with db_scope() as db:
        found = confirmations(db=db, actor=SYSTEM, festival_id=festival_id)
    counts = {
        status.value: sum(getattr(line, status.value) for line in found.lines)
        for status in SessionStatus
    }
    return {k: n for k, n in counts.items() if n}, found.festival.confirmation_deadline


@task
def await_answers(
    festival_id: str, window_seconds: float, poll_seconds: float = 0.5
) -> dict[str, Any]:
    """Wait until every session is answered or the confirmation deadline passes.

    The deadline is read from the festival on every poll, so organisers can close the round
    early by moving it; a festival without one waits `window_seconds` from now.
    """
    fallback = utcnow() + timedelta(seconds=window_seconds)
    while True:
        counts, deadline = _round(festival_id)
        if counts.get("proposed", 0) == 0:
            return {"closed_by": "all answered", "counts": counts}
        if utcnow() >= (deadline or fallback):
            return {"closed_by": "deadline", "counts": counts}
        time.sleep(poll_seconds)


@task
def await_exports(festival_id: str, window_seconds: float, poll_seconds: float = 0.5) -> int:
    """Wait up to `window_seconds` for exports in the inbox, then until no more arrive for a
    second (files still being copied in are not read half-way)."""
    deadline = time.monotonic() + window_seconds
    seen: list[str] = []
    quiet_since = time.monotonic()
    while True:
        found = waiting_files.fn(festival_id)
        now = time.monotonic()
        if found != seen:
            seen, quiet_since = found, now
        if seen and now - quiet_since >= 1.0:
            return len(seen)
        if now >= deadline:
            return len(seen)
        time.sleep(poll_seconds)


@flow(name="festival-lifecycle", log_prints=True)
def festival_lifecycle(
    festival_file: str,
    time_limit: float = 30.0,
    decision_window: float = 3600.0,
    sales_window: float = 3600.0,
    report_out: str | None = None,
    locale: str = "zh-CN",
) -> dict[str, Any]:
    """Run a festival from its file to its report; returns what happened at each step."""
    confined(festival_file, what="festival_file")  # both refused before the festival starts
    if report_out is not None:
        confined(report_out, what="report_out", writing=True)
    logger = run_logger()
    planned = plan_festival(festival_file=festival_file, time_limit=time_limit)
    fid = planned["festival_id"]
    told = dispatch_notifications(festival_id=fid)
    answers = await_answers(fid, decision_window)
    logger.info("answers closed (%s): %s", answers["closed_by"], answers["counts"])
    replanned = replan_festival(
        fid, reason="declines and silence at the deadline", at_deadline=True, time_limit=time_limit
    )
    told_again = dispatch_notifications(festival_id=fid)
    await_exports(fid, sales_window)
    sales = collect_sales(fid)
    summary = summarise_festival(fid, out=report_out, locale=locale)
    return {
        "festival_id": fid,
        "plan": planned,
        "first_dispatch": told,
        "answers": answers,
        "replan": replanned,
        "second_dispatch": told_again,
        "sales": sales,
        "summary": summary,
    }
