"""Which engine reads the exports: the measurement behind docs/sales.md's choice.

    python bench/reader_engines.py [--lines 1000000] [--file PATH] [--rows-by-row 100000]

On one GBK douyin export (bench/ingest.py's), with no database, each in turn:
- `pyarrow`: the product's reader (pyarrow's streaming CSV reader, GBK transcoded as it
  streams, then `columnar.parse_block`, pyarrow.compute);
- `polars`: the same blocks from the same reader, with the fast path's checks and parsing
  written as polars expressions (needs `pip install polars`; skipped without it);
- `row by row`: `rows.parse_row` for every row, the reading one cell at a time in Python that
  the columnar reader replaced (on the first N rows, scaled to the file).
CPU seconds of this process are given beside wall time (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ingest import write_file  # noqa: E402
from citylive.sales.columnar import parse_block  # noqa: E402
from citylive.sales.platforms import AFTER_SALE_REFUNDED, STATUS_NOT_STANDING, STATUS_STANDING  # noqa: E402
from citylive.sales.readers import open_export  # noqa: E402
from citylive.sales.rows import Owner, parse_row  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")


def timed(fn) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return round(time.perf_counter() - t, 2), round(time.process_time() - c, 2), out


def read_only(path: Path) -> int:
    export = open_export(path)
    return sum(b.size for b in export.blocks())


def with_pyarrow(path: Path) -> int:
    export = open_export(path)
    owner = Owner("huayi")
    return sum(parse_block(b, export.layout, TZ, owner).lines.num_rows for b in export.blocks())


def with_polars(path: Path) -> int:
    import polars as pl
    import pyarrow as pa

    export = open_export(path)
    h = export.layout
    names = [f"c{i}" for i in range(h.width)]

    def clean(c: str) -> pl.Expr:
        t = pl.col(c).str.strip_chars()
        eq = t.str.starts_with("=")
        u = t.str.slice(1).str.strip_chars().str.replace(r'^"(.*)"$', "$1")
        return pl.when(eq).then(u).otherwise(t).str.strip_chars_start("'`\t").str.strip_chars()

    control = r"[\x00-\x1f\x7f-\x9f\x{feff}]"
    n = 0
    for block in export.blocks():
        df = pl.from_arrow(pa.table(block.columns, names=names))
        money = clean(f"c{h.amount}").str.replace_all(r"[¥￥,，\s]", "").str.replace(r"元$", "")
        qty = clean(f"c{h.quantity}")
        paid = clean(f"c{h.paid}")
        status = clean(f"c{h.status}")
        naive = paid.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
        out = df.select(
            clean(f"c{h.order}").alias("order_id"),
            clean(f"c{h.line}").alias("line_id"),
            pl.when(money.str.contains(r"^\d{1,13}(\.\d{1,2})?$"))
            .then(
                (money.str.split(".").list.get(0).cast(pl.Int64) * 100)
                + money.str.split(".")
                .list.get(1, null_on_oob=True)
                .str.pad_end(2, "0")
                .fill_null("00")
                .cast(pl.Int64)
            )
            .alias("amount_fen"),
            pl.when(qty.str.contains(r"^[1-9]\d{0,6}$")).then(qty.cast(pl.Int64)).alias("quantity"),
            naive.dt.replace_time_zone(TZ.key, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
            .alias("paid_at"),
            (naive.dt.strftime("%Y-%m-%d %H:%M:%S") == paid).alias("real_time"),
            status.is_in(sorted(STATUS_STANDING)).alias("standing"),
            (
                status.is_in(sorted(STATUS_STANDING)) | status.is_in(sorted(STATUS_NOT_STANDING))
            ).alias("known"),
            pl.col(f"c{h.after}").is_in(sorted(AFTER_SALE_REFUNDED)).alias("refunded"),
            clean(f"c{h.streamer}").str.slice(0, 128).alias("streamer_account"),
            clean(f"c{h.buyer}").str.slice(0, 128).alias("buyer"),
            clean(f"c{h.note}").alias("note"),
            clean(f"c{h.product_id}").alias("product"),
            clean(f"c{h.product_title}").alias("product_title"),
        )
        ok = out.select(
            (
                pl.col("order_id").str.len_chars().is_between(1, 64)
                & pl.col("amount_fen").is_not_null()
                & pl.col("quantity").is_not_null()
                & pl.col("real_time").fill_null(False)
                & pl.col("known")
                & ~pl.concat_str(
                    [
                        "order_id",
                        "line_id",
                        "streamer_account",
                        "buyer",
                        "note",
                        "product",
                        "product_title",
                    ],
                    ignore_nulls=True,
                ).str.contains(control)
            ).sum()
        ).item()
        n += int(ok)
    return n


def row_by_row(path: Path, limit: int) -> int:
    export = open_export(path)
    owner = Owner("huayi")
    n = 0
    for block in export.blocks():
        for i in range(block.size):
            if n >= limit:
                return n
            parse_row(block.cells(i), int(block.numbers[i]), export.layout, TZ, owner)
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--file", type=Path)
    p.add_argument("--rows-by-row", type=int, default=100_000)
    args = p.parse_args(argv)
    path = args.file or Path(tempfile.mkdtemp(prefix="citylive-bench-")) / "huayi_douyin_1m.csv"
    if not path.exists():
        write_file(path, args.lines)
    print(f"{path} ({path.stat().st_size / 1e6:.0f} MB); load average {os.getloadavg()}")
    wall, cpu, n = timed(lambda: read_only(path))
    print(f"read only (pyarrow CSV, GBK transcoded): {wall} s wall, {cpu} s CPU, {n} rows")
    wall, cpu, n = timed(lambda: with_pyarrow(path))
    print(f"pyarrow (the product):                  {wall} s wall, {cpu} s CPU, {n} lines")
    try:
        import polars  # noqa: F401
    except ImportError:
        print("polars: not installed (pip install polars), skipped")
    else:
        wall, cpu, n = timed(lambda: with_polars(path))
        print(f"polars (same blocks, same checks):      {wall} s wall, {cpu} s CPU, {n} lines")
    wall, cpu, n = timed(lambda: row_by_row(path, args.rows_by_row))
    scale = args.lines / max(1, int(n))  # type: ignore[arg-type]
    print(
        f"row by row, first {n} rows:            {wall} s wall, {cpu} s CPU "
        f"(~{round(cpu * scale, 1)} s CPU for the file)"
    )
    print(f"peak memory: {round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
