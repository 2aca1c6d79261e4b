"""Sales commands: ingest platform exports, upload viewer figures, summaries, lift, discount
depth, flags, ingested files, re-attribution, the report.  Each calls one
citylive.actions.sales function as the system actor and prints its answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
from citylive.errors import CityLiveError
from citylive.money import money
from citylive.scope import Actor

sales_app = typer.Typer(
    help="Post-event sales: ingest exports, viewer figures, summaries, lift, flags."
)
app.add_typer(sales_app, name="sales")
ACTOR = Actor.system("cli")


@contextmanager
def _db() -> Iterator[Session]:
    """A database session for one command; a user error ends the command with one line."""
    from citylive.db import db_scope, init_db

    try:
        with db_scope(init_db()) as db:
            yield db
    except CityLiveError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}")


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
    from citylive.actions.sales import ingest_paths
    from citylive.sales.ingest import Progress as IngestProgress

    tasks: dict[Path, TaskID] = {}
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]} rows"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar,
        _db() as db,
    ):

        def on_progress(p: IngestProgress) -> None:
            if p.path not in tasks:
                tasks[p.path] = bar.add_task(p.path.name, total=p.total or None, rows=0)
            bar.update(tasks[p.path], completed=p.done, total=p.total or None, rows=p.rows)

        result = ingest_paths(
            db=db,
            actor=ACTOR,
            festival_id=festival,
            paths=files,
            enterprise=enterprise,
            platform=platform,
            progress=on_progress,
        )
    for f in result.files:
        console.print(
            f"{f.path.name}: {f.platform} ({f.encoding}) for {f.enterprise_id}: read={f.read} "
            f"stored={f.stored} quarantined={f.quarantined} duplicates={f.duplicates} "
            f"attributed={f.attributed}" + (f" clashes={f.clashes}" if f.clashes else ""),
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
    from citylive.actions.sales import report_figures_file

    with _db() as db:
        n = report_figures_file(
            db=db, actor=ACTOR, festival_id=festival, path=file, reported_by=reported_by
        )
    print(f"sessions={n}")


def _table(columns: list[str], rows: list[list[Any]]) -> None:
    # figures are never cut or wrapped: a narrow terminal wraps the names instead
    table = Table(show_edge=False, pad_edge=False)
    for i, name in enumerate(columns):
        table.add_column(
            name, justify="left" if i == 0 else "right", no_wrap=i > 0, overflow="fold"
        )
    for r in rows:
        table.add_row(*["-" if v is None else str(v) for v in r])
    console.print(table)


@sales_app.command("summary")
def summary_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    by: str = typer.Option(
        "town",
        "--by",
        help="session|streamer|enterprise|town|district|industry|platform|venue|hour",
    ),
    town: str | None = typer.Option(None, "--town", help="only this town's enterprises"),
    district: str | None = typer.Option(
        None, "--district", help="only the enterprises of this district's towns"
    ),
    window: str = typer.Option(
        "festival",
        "--window",
        help="festival (the festival days, the default) | before | after | all (every week)",
    ),
) -> None:
    """Print the sales figures grouped one way (money in yuan), for the festival days unless
    --window says otherwise."""
    from citylive.actions.sales import sales_summary
    from citylive.sales.figures import Filters

    with _db() as db:
        rows = sales_summary(
            db=db,
            actor=ACTOR,
            festival_id=festival,
            by=by,
            town=town,
            filters=Filters(window=None if window == "all" else window, district=district),
        )
    scope = "every week of the data" if window == "all" else f"the {window} window"
    console.print(f"sales figures for {scope}, money in yuan", highlight=False)
    _table(
        [by, "GMV", "net GMV", "orders", "units", "buyers", "AOV", "refund rate"],
        [
            [
                r["label"],
                money(r["gmv"], plain=True),
                money(r["net_gmv"], plain=True),
                f"{r['orders']:,}",
                f"{r['units']:,}",
                f"{r['buyers']:,}",
                money(r["aov"], plain=True),
                f"{r['refund_rate']:.1%}",
            ]
            for r in rows
        ],
    )


def _pct(x: float | None, sign: bool = False) -> str | None:
    return None if x is None else (f"{x:+.1%}" if sign else f"{x:.1%}")


@sales_app.command("lift")
def lift_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    by: str = typer.Option("town", "--by", help="festival|enterprise|town|industry|platform"),
    town: str | None = typer.Option(None, "--town", help="only this town's enterprises"),
) -> None:
    """Mean daily net GMV before, during and after the festival, the lifts, and retention."""
    from citylive.actions.sales import sales_lift

    with _db() as db:
        rows = sales_lift(db=db, actor=ACTOR, festival_id=festival, by=by, town=town)
    _table(
        [
            by,
            "before/day",
            "during/day",
            "after/day",
            "festival lift",
            "retained lift",
            "retention",
        ],
        [
            [
                r["label"],
                money(r["before_daily"], plain=True),
                money(r["festival_daily"], plain=True),
                money(r["after_daily"], plain=True),
                _pct(r["festival_lift"], True),
                _pct(r["retained_lift"], True),
                _pct(r["retention"]),
            ]
            for r in rows
        ],
    )


@sales_app.command("discounts")
def discounts_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    town: str | None = typer.Option(None, "--town", help="only this town's sessions"),
    limit: int = typer.Option(20, "--limit", help="the deepest N sessions"),
) -> None:
    """Sessions by the share of their GMV sold deep below the pre-festival median price."""
    from citylive.actions.sales import sales_discounts

    with _db() as db:
        rows = sales_discounts(db=db, actor=ACTOR, festival_id=festival, town=town, limit=limit)
    _table(
        ["session", "GMV", "sold deep", "share", "new products"],
        [
            [
                r["session_id"],
                money(r["gmv"], plain=True),
                money(r["deep_gmv"], plain=True),
                _pct(r["deep_share"]),
                money(r["new_gmv"], plain=True),
            ]
            for r in rows
        ],
    )


@sales_app.command("flags")
def flags_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    town: str | None = typer.Option(None, "--town", help="only this town's sessions"),
) -> None:
    """List the signs of inflated figures and loss-leader selling, with their evidence."""
    from citylive.actions.sales import sales_flags

    with _db() as db:
        flags = sales_flags(db=db, actor=ACTOR, festival_id=festival, town=town)
    for f in flags:  # one flag per line, tab-separated: session, sign, what was seen
        print(f"{f.session_id or '(off-session) ' + f.enterprise}\t{f.kind}\t{f.message}")
    print(f"flags={len(flags)}")


@sales_app.command("files")
def files_cmd(festival: str = typer.Option(..., "--festival", help="festival id")) -> None:
    """The export files ingested, with their counts."""
    from citylive.actions.sales import list_sales_files

    with _db() as db:
        rows = list_sales_files(db=db, actor=ACTOR, festival_id=festival)
    _table(
        [
            "id",
            "enterprise",
            "platform",
            "file",
            "read",
            "stored",
            "quarantined",
            "duplicates",
            "clashes",
        ],
        [
            [
                r["id"],
                r["enterprise_id"],
                r["platform"],
                r["filename"],
                r["read"],
                r["stored"],
                r["quarantined"],
                r["duplicates"],
                r["clashes"],
            ]
            for r in rows
        ],
    )


@sales_app.command("remove-file")
def remove_file_cmd(
    file_id: int = typer.Argument(..., help="the file's id (`citylive sales files`)"),
    festival: str = typer.Option(..., "--festival", help="festival id"),
) -> None:
    """Take an ingested file back out (its quarantined rows, and its lines but those another
    listed file still holds)."""
    from citylive.actions.sales import remove_sales_file

    with _db() as db:
        removed = remove_sales_file(db=db, actor=ACTOR, festival_id=festival, file_id=file_id)
    print(
        f"removed file {removed.file_id} ({removed.filename}): lines={removed.lines} "
        f"quarantined={removed.quarantined} kept={removed.kept}"
    )


@sales_app.command("disputes")
def disputes_cmd(festival: str = typer.Option(..., "--festival", help="festival id")) -> None:
    """The order lines two enterprises' files both hold (they count for neither until settled),
    per pair of enterprises, with the files and the lines as evidence."""
    from citylive.actions.sales import sales_disputes

    with _db() as db:
        out = sales_disputes(db=db, actor=ACTOR, festival_id=festival)
    for d in out["data"]:
        one, other = d["enterprises"]
        gmv = " ".join(f"{e}={v}" for e, v in d["gmv"].items())
        print(
            f"{one} <-> {other} ({d['towns'][0]} / {d['towns'][1]}): lines={d['lines']} gmv {gmv}"
        )
        for f in d["files"]:
            print(f"  file {f['id']}\t{f['enterprise']}\t{f['filename']}\tlines={f['lines']}")
        for x in d["evidence"]:
            amounts = " ".join(f"{e}={v}" for e, v in x["amounts"].items())
            print(f"  {x['platform']}\t{x['order_id']}\t{x['line_id']}\t{x['paid_at']}\t{amounts}")
    for st in out["settled"]:
        lost = ", ".join(f"{e}={n}" for e, n in st["lost"].items())
        print(
            f"settled {st['settled_at']}: {st['keep']} kept {st['lines']} ({lost}) by {st['settled_by']}"
        )
    print(f"disputes={len(out['data'])}")


@sales_app.command("settle")
def settle_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    keep: str = typer.Option(..., "--keep", help="the enterprise the disputed lines count for"),
    against: str | None = typer.Option(
        None, "--against", help="the other enterprise (default: every dispute of --keep)"
    ),
    reason: str | None = typer.Option(None, "--reason", help="why (kept in the audit trail)"),
) -> None:
    """Settle disputed order lines for one enterprise; the figures move at once."""
    from citylive.actions.sales import settle_disputes

    with _db() as db:
        out = settle_disputes(
            db=db, actor=ACTOR, festival_id=festival, keep=keep, against=against, reason=reason
        )
    lost = " ".join(f"{e}={n}" for e, n in out["lost"].items())
    print(f"kept={out['lines']} for {keep}; lost {lost}")


@sales_app.command("reattribute")
def reattribute_cmd(festival: str = typer.Option(..., "--festival", help="festival id")) -> None:
    """Attribute every order line afresh (figures do this by themselves after a re-plan)."""
    from citylive.actions.sales import reattribute_festival

    with _db() as db:
        changed = reattribute_festival(db=db, actor=ACTOR, festival_id=festival)
    print(f"changed={changed}")


@app.command("report")
def report_cmd(
    festival: str = typer.Option(..., "--festival", help="festival id"),
    out: Path = typer.Option(..., "--out", help="where to write the HTML report"),
    lang: str = typer.Option("zh-CN", "--lang", help="zh-CN (default) or en"),
    town: str | None = typer.Option(None, "--town", help="a coordinator's report: one town only"),
) -> None:
    """Write the festival's sales summary report (self-contained HTML, opens without network)."""
    from citylive.actions.sales import write_report

    with _db() as db:
        path = write_report(
            db=db, actor=ACTOR, festival_id=festival, out=out, locale=lang, town=town
        )
    print(path)
