"""What the flows share: the run's logger, artifact keys, and the artifacts of a released
schedule version."""

from __future__ import annotations

import logging
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from citylive.actions.planning import VersionReport, version_report
from citylive.db import db_scope


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


def read_version(festival_id: str, version: int) -> VersionReport:
    with db_scope() as db:
        return version_report(db=db, festival_id=festival_id, version=version)


@task(cache_policy=NO_CACHE)
def publish_schedule_artifacts(festival_id: str, version: int) -> dict[str, Any]:
    """A table of sessions per venue and day, a markdown summary with the solver's figures,
    and the price of fairness when the planner weighed it."""
    report = read_version(festival_id, version)
    name = report.festival_name
    create_table_artifact(
        key=artifact_key(festival_id, "schedule"),
        table=report.per_venue,
        description=f"{name}: sessions per venue and day, schedule version {version}",
    )
    stats = report.stats
    lines = [
        f"# {name}: schedule version {version}",
        "",
        "| figure | value |",
        "|---|---|",
        f"| sessions placed | {stats.get('placed', '')} |",
        f"| sessions requested | {stats.get('requested', '')} |",
        f"| value (S1) | {stats.get('value', '')} |",
        f"| prime-time value (S2) | {stats.get('prime_value', '')} |",
        f"| clash pairs (S3) | {stats.get('clash_pairs', '')} |",
        f"| main-venue duplicates (S4) | {stats.get('main_duplicates', '')} |",
        f"| lowest town share (S5) | {stats.get('lowest_town_share', '')} |",
        f"| freshness repeats (S8) | {stats.get('freshness_repeats', '')} |",
        f"| sessions in themed blocks | {stats.get('themed_sessions', '')} |",
        f"| solver objective | {stats.get('objective', '')} |",
        f"| solver bound | {stats.get('bound', '')} |",
        f"| solve seconds | {stats.get('solve_seconds', '')} |",
        f"| venues used | {len(report.per_venue)} |",
    ]
    if report.changes:
        lines += [
            "",
            "Changes against the previous version: "
            + ", ".join(f"{kind} {n}" for kind, n in report.changes.items()),
        ]
    if report.unplaced:
        lines += ["", "## Not placed", ""]
        lines += [
            f"- {u['enterprise']} x{u.get('count', 1)}: {u.get('reason', '')}"
            for u in report.unplaced[:50]
        ]
        if len(report.unplaced) > 50:
            lines.append(f"- ... and {len(report.unplaced) - 50} more")
    create_markdown_artifact(
        key=artifact_key(festival_id, "summary"),
        markdown="\n".join(lines),
        description=f"{name}: schedule version {version}",
    )
    if report.tradeoffs:
        create_table_artifact(
            key=artifact_key(festival_id, "fairness"),
            table=report.tradeoffs,
            description=f"{name}: what other fairness settings would have given",
        )
    return {"venues": len(report.per_venue), "days": report.days, "sessions": stats.get("placed")}
