"""summarise-festival: the figures, the report, artifacts, and the summaries sent out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_table_artifact

from citylive.actions import notifications
from citylive.actions import sales as actions
from citylive.config import get_settings
from citylive.db import db_scope
from citylive.paths import confined
from citylive.scope import Actor
from flows._common import artifact_key, run_logger
from flows.dispatch_notifications import dispatch_notifications


@task
def festival_figures(festival_id: str) -> dict[str, Any]:
    """Totals, figures per town and platform, lift per town and for the whole festival, and
    the loss-leader sessions (money as yuan strings)."""
    with db_scope() as db:
        return actions.festival_figures(db=db, festival_id=festival_id)


@task(retries=1, retry_delay_seconds=[2])
def write_report(festival_id: str, out: str | None, locale: str) -> str:
    """Write the HTML report; `out` must lie inside the folders flows may write."""
    path = (
        confined(out, what="out", writing=True)
        if out
        else get_settings().reports_dir / festival_id / "report.html"
    )
    with db_scope() as db:
        return str(
            actions.write_report(
                db=db,
                actor=Actor.system("summarise"),
                festival_id=festival_id,
                out=path,
                locale=locale,
            )
        )


@task(retries=2, retry_delay_seconds=[1, 5])
def queue_summaries(festival_id: str, report_path: str, totals: dict[str, Any], locale: str) -> int:
    """The summaries: the festival's figures, and each coordinator its town's lift."""
    with db_scope() as db:
        return notifications.queue_summaries(
            db=db, festival_id=festival_id, report_path=report_path, figures=totals, locale=locale
        )


@flow(name="summarise-festival", log_prints=True)
def summarise_festival(
    festival_id: str, out: str | None = None, locale: str = "zh-CN", send: bool = True
) -> dict[str, Any]:
    """Compute the figures, write the report, publish them, and send the summaries."""
    if out is not None:
        out = str(confined(out, what="out", writing=True))  # refused before any work
    figures = festival_figures(festival_id)
    report = write_report(festival_id, out, locale)
    create_table_artifact(
        key=artifact_key(festival_id, "figures-by-town"),
        table=figures["towns"] or [{"town": "-", "gmv": "0.00"}],
        description=f"{festival_id}: figures per town",
    )
    create_table_artifact(
        key=artifact_key(festival_id, "lift-by-town"),
        table=figures["lift"] or [{"town": "-", "before_daily": None}],
        description=f"{festival_id}: after the hype — mean daily net GMV before, during and "
        "after the festival per town, the lifts and retention",
    )
    create_table_artifact(
        key=artifact_key(festival_id, "loss-leaders"),
        table=figures["loss_leaders"] or [{"session_id": "-", "deep_share": 0}],
        description=f"{festival_id}: sessions whose GMV was mostly sold deep below the "
        "products' pre-festival prices",
    )
    create_link_artifact(
        key=artifact_key(festival_id, "report"),
        link=Path(report).resolve().as_uri(),
        link_text=f"{festival_id} summary report",
        description="The summary report (HTML)",
    )
    queued = queue_summaries(festival_id, report, figures["totals"], locale)
    sent = dispatch_notifications(festival_id=festival_id) if send else None
    run_logger().info("report %s; %s summaries queued", report, queued)
    return {"report": report, "figures": figures, "queued": queued, "dispatch": sent}
