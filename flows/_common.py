"""Small tasks and helpers the flows share: loading rows by id, artifacts, counts."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlmodel import col, func, select

import models
from citylive.db import session_scope


def run_logger() -> Any:
    """The run's logger inside a flow or task; a plain logger when a task's `.fn` is called."""
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("citylive.flows")


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    raw = "-".join(parts).lower()
    return "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in raw)


def version_counts(festival_id: str, version: int) -> dict[str, Any]:
    """Sessions of the current schedule by status, and the outbox rows this version queued."""
    with session_scope() as db:
        by_status = dict(
            db.exec(
                select(models.FestivalSession.status, func.count())
                .where(models.FestivalSession.festival_id == festival_id)
                .group_by(models.FestivalSession.status)
            ).all()
        )
        queued = db.exec(
            select(func.count())
            .select_from(models.Notification)
            .where(col(models.Notification.key).like(f"%:{festival_id}:v{version}:%"))
        ).one()
    return {"by_status": {str(k): int(v) for k, v in by_status.items()}, "queued": int(queued)}


@task(cache_policy=NO_CACHE)
def publish_schedule_artifacts(festival_id: str, version: int) -> dict[str, Any]:
    """A table of sessions per venue and day, and a markdown summary with the solver's figures."""
    with session_scope() as db:
        row = db.exec(
            select(models.ScheduleVersion).where(
                models.ScheduleVersion.festival_id == festival_id,
                models.ScheduleVersion.version == version,
            )
        ).one()
        festival = db.get(models.Festival, festival_id)
        assert festival is not None
        document, changes = row.document, row.changes or {}
        venue_names = {
            v.id: v.name
            for v in db.exec(select(models.Venue).where(models.Venue.festival_id == festival_id))
        }
        name = festival.name
    live = [s for s in document.get("sessions", []) if s.get("status") in ("proposed", "confirmed")]
    days = sorted({s["start"][:10] for s in live})
    grid: dict[str, Counter[str]] = defaultdict(Counter)
    for s in live:
        grid[s["venue"]][s["start"][:10]] += 1
    table = [
        {"venue": venue, "name": venue_names.get(venue, venue)}
        | {day: grid[venue][day] for day in days}
        | {"total": sum(grid[venue].values())}
        for venue in sorted(grid, key=lambda v: (v != "main", v))
    ]
    key = artifact_key(festival_id, "schedule")
    create_table_artifact(
        key=key,
        table=table,
        description=f"{name}: sessions per venue and day, schedule version {version}",
    )
    stats = document.get("stats", {})
    unplaced = document.get("unplaced", [])
    lines = [
        f"# {name}: schedule version {version}",
        "",
        "| figure | value |",
        "|---|---|",
        f"| sessions placed | {stats.get('placed', len(live))} |",
        f"| sessions requested | {stats.get('requested', '')} |",
        f"| value (S1) | {stats.get('value', '')} |",
        f"| solver objective | {stats.get('objective', '')} |",
        f"| solver bound | {stats.get('bound', '')} |",
        f"| solve seconds | {stats.get('solve_seconds', '')} |",
        f"| venues used | {len(table)} |",
    ]
    if changes:
        lines += [
            "",
            "Changes against the previous version: "
            + ", ".join(f"{kind} {len(ids)}" for kind, ids in changes.items()),
        ]
    if unplaced:
        lines += ["", "## Not placed", ""]
        lines += [
            f"- {u['enterprise']} x{u.get('count', 1)}: {u.get('reason', '')}"
            for u in unplaced[:50]
        ]
        if len(unplaced) > 50:
            lines.append(f"- ... and {len(unplaced) - 50} more")
    create_markdown_artifact(
        key=artifact_key(festival_id, "summary"),
        markdown="\n".join(lines),
        description=f"{name}: schedule version {version}",
    )
    return {"venues": len(table), "days": days, "sessions": len(live)}
