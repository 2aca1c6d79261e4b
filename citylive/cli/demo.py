"""`citylive demo`: the whole festival lifecycle on the embedded default."""

from __future__ import annotations

from pathlib import Path

import typer

from citylive.cli.app import app, console, fail


@app.command()
def demo(
    festival_file: Path = typer.Option(
        None, "--festival", help="festival file (default: examples/zhongshan-2020.yaml)"
    ),
    time_limit: float = typer.Option(8.0, help="solver time limit per plan, seconds"),
) -> None:
    """Plan, confirm and decline through the API, re-plan, notify, ingest sales, report."""
    from citylive import config

    data_dir = config.get_settings().data_dir
    # The orchestration layer is imported here, not at module level: citylive/ never depends
    # on flows/ or Prefect, and the environment must be set before Prefect is imported.
    from flows.demo import EXAMPLE, account, prepare_environment

    prepare_environment(data_dir)
    config.get_settings.cache_clear()
    from flows import demo as demo_flows

    festival = festival_file or EXAMPLE
    if not festival.exists():
        fail(f"festival file {festival} does not exist")
    outcome = demo_flows.run(festival_file=festival, time_limit=time_limit, say=console.print)
    for line in account(outcome):
        console.print(line, highlight=False, soft_wrap=True)
