"""`citylive demo`: the whole festival lifecycle on the embedded default.

The command comes with the demo package (an entry point in the `citylive.commands` group), so
the core's command line knows nothing of the flows, the API or the demo's receivers.
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        festival_file: Path = typer.Option(
            None, "--festival", help="festival file (default: the Zhongshan 2020 example)"
        ),
        time_limit: float = typer.Option(8.0, min=0.1, help="solver time limit per plan, seconds"),
    ) -> None:
        """Plan, confirm and decline through the API, re-plan, notify, ingest sales, report."""
        from citylive import config
        from citylive.cli.app import console, fail

        try:
            import aiosmtpd  # noqa: F401 - the demo's mailbox
        except ImportError:
            fail("the demo needs its extra: pip install 'citylive[demo]'")
        data_dir = config.get_settings().data_dir
        # The environment must be set before Prefect is imported (flows/_prefect.py).
        from demo.story import EXAMPLE, prepare_environment

        prepare_environment(data_dir)
        config.get_settings.cache_clear()
        from demo import story

        festival = festival_file or EXAMPLE
        if not festival.exists():
            fail(f"festival file {festival} does not exist")
        outcome = story.run(festival_file=festival, time_limit=time_limit, say=console.print)
        from citylive.festival import load_festival
        from demo.day import day_lines, festival_day

        console.print("The festival day: the first evening on air ...")
        day = festival_day(
            load_festival(festival).id, config.get_settings().data_dir, say=console.print
        )
        for line in story.account(outcome) + day_lines(day):
            console.print(line, highlight=False, soft_wrap=True, markup=False)
        if outcome["story"].failed:
            # a side actor (the coordinators, the platforms) raised: the story did not happen
            fail(f"the demo's {', '.join(outcome['story'].failed)} failed; see the notes above")
