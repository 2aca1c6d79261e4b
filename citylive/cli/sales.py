"""Sales commands: ingest platform exports, upload viewer figures, summaries, flags, the report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlmodel import Session

from citylive.cli.app import app, console, fail
from citylive.db import init_db
from citylive.festival.storage import FestivalNotFound

sales_app = typer.Typer(help="Post-event sales: ingest exports, viewer figures, summaries, flags.")
app.add_typer(sales_app, name="sales")


@sales_app.command("ingest")
def ingest(
    files: list[Path] = typer.Argument(..., help="order exports (CSV in UTF-8/GBK, or XLSX)"),
    festival: str = typer.Option(..., "--festival", help="festival id"),
    enterprise: str | None = typer.Option(
        None, "--enterprise", help="the enterprise the files belong to (default: from file names)"
    ),
    platform: str | None = typer.Option(
        None, "--platform", help="douyin|taobao|tmall|jd|pdd|1688|kuaishou (default: from headers)"
    ),
) -> None:
    """Store every row as an order line or in quarantine; last line: read= stored= quarantined= duplicates=."""
    from citylive.sales.ingest import IngestError, ingest_files
    from citylive.sales.ingest import Progress as IngestProgress

    engine = init_db()
    tasks: dict[Path, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]} rows"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:

        def on_progress(p: IngestProgress) -> None:
            if p.path not in tasks:
                tasks[p.path] = bar.add_task(p.path.name, total=p.total or None, rows=0)
            bar.update(tasks[p.path], completed=p.done, total=p.total or None, rows=p.rows)

        try:
            result = ingest_files(
                engine=engine,
                festival_id=festival,
                paths=files,
                enterprise_id=enterprise,
                platform=platform,
                progress=on_progress,
            )
        except FestivalNotFound as exc:
            fail(str(exc))
        except IngestError as exc:
            fail(str(exc))
    for f in result.files:
        console.print(
            f"{f.path.name}: {f.platform} ({f.encoding}) for {f.enterprise_id}: read={f.read} "
            f"stored={f.stored} quarantined={f.quarantined} duplicates={f.duplicates} "
            f"attributed={f.attributed}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    print(result.summary_line())


@sales_app.command("figures")
def figures_upload(
    file: Path = typer.Argument(
        ..., help="CSV: session_id/场次编号, 场观, 人数峰值, 新增粉丝, 自报GMV"
    ),
    festival: str = typer.Option(..., "--festival", help="festival id"),
    reported_by: str | None = typer.Option(None, "--reported-by", help="who reported them"),
) -> None:
    """Store viewer figures and self-reported GMV per session (a later report replaces one)."""
    from citylive.sales.session_figures import FiguresError, read_figures_csv, store_figures

    engine = init_db()
    try:
        rows = read_figures_csv(file)
        with Session(engine) as db:
            n = store_figures(db=db, festival_id=festival, rows=rows, reported_by=reported_by)
            db.commit()
    except FiguresError as exc:
        fail(f"nothing was stored:\n{exc}")
    except OSError as exc:
        fail(f"{file}: {exc.strerror}")
    print(f"sessions={n}")


@sales_app.command("summary")
def summary_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    by: str = typer.Option(
        "town", "--by", help="session|streamer|enterprise|town|industry|platform|venue|hour"
    ),
    town: str | None = typer.Option(None, "--town", help="only this town's enterprises"),
) -> None:
    """Print the sales figures grouped one way."""
    from citylive.sales.figures import UnknownGrouping, summary

    engine = init_db()
    with Session(engine) as db:
        try:
            rows = summary(db=db, festival_id=festival, by=by, town=town)
        except UnknownGrouping as exc:
            fail(str(exc))
    table = Table(show_edge=False, pad_edge=False)
    for name in (by, "GMV", "net GMV", "orders", "units", "buyers", "AOV", "refund rate"):
        table.add_column(name, justify="left" if name == by else "right")
    for r in rows:
        table.add_row(
            str(r["label"]),
            r["gmv"],
            r["net_gmv"],
            str(r["orders"]),
            str(r["units"]),
            str(r["buyers"]),
            r["aov"] or "-",
            f"{r['refund_rate']:.1%}",
        )
    console.print(table)


@sales_app.command("flags")
def flags_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    town: str | None = typer.Option(None, "--town", help="only this town's sessions"),
) -> None:
    """List the signs of inflated figures, with their evidence."""
    from citylive.sales.flags import flag_sessions

    engine = init_db()
    with Session(engine) as db:
        flags = flag_sessions(db=db, festival_id=festival, town=town)
    for f in flags:  # one flag per line, tab-separated: session, sign, what was seen
        print(f"{f.session_id or '(off-session) ' + f.enterprise}\t{f.kind}\t{f.message}")
    print(f"flags={len(flags)}")


@app.command("report")
def report_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    out: Path = typer.Option(..., "--out", help="where to write the HTML report"),
    lang: str = typer.Option("zh-CN", "--lang", help="zh-CN (default) or en"),
    town: str | None = typer.Option(None, "--town", help="a coordinator's report: one town only"),
) -> None:
    """Write the festival's sales summary report (self-contained HTML, opens without network)."""
    from citylive.report import render_report

    engine = init_db()
    with Session(engine) as db:
        try:
            path = render_report(db=db, festival_id=festival, out=out, locale=lang, town=town)
        except FestivalNotFound as exc:
            fail(str(exc))
        except ValueError as exc:
            fail(str(exc))
    print(path)
