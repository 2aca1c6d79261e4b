"""Ingest into the real databases (SQLite, then PostgreSQL): nothing lost, no duplicates,
attribution exactly as the spec says."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from support.sales_factories import (
    DOUYIN_HEADERS,
    TAOBAO_HEADERS,
    douyin_row,
    small_festival_with_sessions,
    write_csv,
    write_xlsx,
)
from typer.testing import CliRunner

from citylive.sales.ingest import IngestError, ingest_files

ROOT_SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"

S1 = "small-2020-s00001"  # huayi, li-ming (douyin: liming_dy), 2020-06-06 19:00-21:00
S2 = "small-2020-s00002"  # huayi, huayi-host, taobao, 2020-06-07 10:00-12:00
S3 = "small-2020-s00003"  # ruiang, ren-jing (douyin: renjing_live), 2020-06-06 10:00-12:00


def lines(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT order_id, line_id, amount_fen, session_id FROM order_line ORDER BY order_id, line_id"
                )
            )
        ]


def quarantined(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text("SELECT row_number, reason FROM quarantined_row ORDER BY id")
            )
        ]


def test_ingest_stores_or_quarantines_every_row(engine: Engine, tmp_path: Path) -> None:
    small_festival_with_sessions(engine)
    path = write_csv(
        tmp_path / "huayi_douyin.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("1001", "1001-1", "2020-06-06 19:30:00", "128.00"),
            douyin_row("1001", "1001-2", "2020-06-06 19:31:00", "￥1,000.50", 2),
            douyin_row("", "x-1", "2020-06-06 19:30:00"),
            douyin_row("1002", "1002-1", "2020-06-06 19:30:00", status="待审核"),
        ],
        encoding="gbk",
    )
    result = ingest_files(engine=engine, festival_id="small-2020", paths=[path])
    assert result.summary_line() == "read=4 stored=2 quarantined=2 duplicates=0"
    assert result.files[0].enterprise_id == "huayi"
    assert result.attributed == 2
    assert lines(engine) == [("1001", "1001-1", 12800, S1), ("1001", "1001-2", 100050, S1)]
    assert quarantined(engine) == [
        (4, "missing order id (主订单编号)"),
        (5, "unknown status in 订单状态: '待审核'"),
    ]
    with engine.connect() as conn:
        f = conn.execute(
            sa.text(
                "SELECT platform, enterprise_id, read, stored, quarantined, duplicates FROM sales_file"
            )
        ).one()
    assert tuple(f) == ("douyin", "huayi", 4, 2, 2, 0)


def test_ingest_same_file_twice_counts_duplicates(engine: Engine, tmp_path: Path) -> None:
    small_festival_with_sessions(engine)
    rows = [douyin_row(str(1000 + i), f"{1000 + i}-1", "2020-06-06 19:30:00") for i in range(5)]
    path = write_csv(tmp_path / "huayi_douyin.csv", DOUYIN_HEADERS, rows)
    first = ingest_files(engine=engine, festival_id="small-2020", paths=[path])
    second = ingest_files(engine=engine, festival_id="small-2020", paths=[path])
    assert first.summary_line() == "read=5 stored=5 quarantined=0 duplicates=0"
    assert second.summary_line() == "read=5 stored=0 quarantined=0 duplicates=5"
    assert len(lines(engine)) == 5


def test_ingest_overlapping_file_stores_only_new_lines(engine: Engine, tmp_path: Path) -> None:
    small_festival_with_sessions(engine)
    a = write_csv(
        tmp_path / "huayi_douyin_a.csv",
        DOUYIN_HEADERS,
        [douyin_row(str(i), f"{i}-1", "2020-06-06 19:30:00") for i in range(1, 5)],
    )
    # the second export overlaps the first (orders 3, 4) and repeats one line within itself
    b = write_csv(
        tmp_path / "huayi_douyin_b.csv",
        DOUYIN_HEADERS,
        [douyin_row(str(i), f"{i}-1", "2020-06-06 19:30:00") for i in (3, 4, 5, 6, 6)],
    )
    result = ingest_files(engine=engine, festival_id="small-2020", paths=[a, b])
    assert result.summary_line() == "read=9 stored=6 quarantined=0 duplicates=3"
    assert [(f.stored, f.duplicates) for f in result.files] == [(4, 0), (2, 3)]


def _taobao(order: str, title: str, paid: str, at: str = "2020-06-07 10:30:00") -> list:
    return [order, "b1", paid, "交易成功", at, title, 1, "华艺灯饰旗舰店", "", ""]


def test_item_lines_of_an_export_without_line_ids_are_kept_apart(
    engine: Engine, tmp_path: Path
) -> None:
    """An order's item lines in a taobao export (no line-id column) differ by product: each
    is stored; the same row again is a duplicate, in the file and in a later export.  The
    amount is the order's, written on each item row: split over the items (no price column:
    by quantity), the repeated row taking no share."""
    small_festival_with_sessions(engine)
    rows = [
        _taobao("7001", "吊灯", "380.00"),
        _taobao("7001", "台灯", "380.00"),
        _taobao("7001", "台灯", "380.00"),  # the same row twice in one file
        _taobao("7002", "吊灯", "¥1,280.50", "2020-06-07 13:00:00"),
    ]
    first = write_csv(tmp_path / "huayi_taobao.csv", TAOBAO_HEADERS, rows)
    got = ingest_files(engine=engine, festival_id="small-2020", paths=[first])
    assert got.summary_line() == "read=4 stored=3 quarantined=0 duplicates=1"
    assert lines(engine) == [
        ("7001", "台灯", 19000, S2),
        ("7001", "吊灯", 19000, S2),
        ("7002", "吊灯", 128050, None),
    ]
    # exported again a day later, with one more order
    again = write_csv(
        tmp_path / "huayi_taobao_2.csv", TAOBAO_HEADERS, [*rows, _taobao("7003", "落地灯", "60.00")]
    )
    got = ingest_files(engine=engine, festival_id="small-2020", paths=[again])
    assert got.summary_line() == "read=5 stored=1 quarantined=0 duplicates=4"
    with engine.connect() as conn:
        orders, gmv = conn.execute(
            sa.text("SELECT count(DISTINCT order_id), sum(amount_fen) FROM order_line")
        ).one()
    assert (orders, gmv) == (3, 19000 + 19000 + 128050 + 6000)


@pytest.mark.parametrize(
    ("paid", "account", "expected"),
    [
        ("2020-06-06 18:59:00", "liming_dy", None),  # a minute before the slot
        ("2020-06-06 19:00:00", "liming_dy", S1),  # the slot's first second
        ("2020-06-06 21:29:00", "liming_dy", S1),  # 29 minutes after the end
        ("2020-06-06 21:31:00", "liming_dy", None),  # 31 minutes after the end
        ("2020-06-06 19:30:00", "someone_else", None),  # wrong streamer account
        ("2020-06-06 19:30:00", "", None),  # the file names no streamer for this line
    ],
)
def test_attribution_edges(
    engine: Engine, tmp_path: Path, paid: str, account: str, expected: str | None
) -> None:
    small_festival_with_sessions(engine)
    path = write_csv(
        tmp_path / "huayi_douyin.csv",
        DOUYIN_HEADERS,
        [douyin_row("1", "1-1", paid, account=account)],
    )
    ingest_files(engine=engine, festival_id="small-2020", paths=[path])
    assert lines(engine) == [("1", "1-1", 10000, expected)]


def test_attribution_without_streamer_column_and_declined_session(
    engine: Engine, tmp_path: Path
) -> None:
    small_festival_with_sessions(engine)
    taobao = write_xlsx(
        tmp_path / "华艺灯饰旗舰店_taobao.xlsx",
        TAOBAO_HEADERS,
        [
            [
                "7001",
                "b1",
                "99.00",
                "交易成功",
                "2020-06-07 10:30:00",
                "灯",
                1,
                "华艺灯饰旗舰店",
                "",
                "",
            ],
            [
                "7002",
                "b2",
                "99.00",
                "交易成功",
                "2020-06-07 13:00:00",
                "灯",
                1,
                "华艺灯饰旗舰店",
                "",
                "",
            ],
        ],
    )
    # ruiang's 2020-06-07 19:00 session was declined: it did not go on air
    douyin = write_csv(
        tmp_path / "ruiang_douyin.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("8001", "8001-1", "2020-06-07 19:30:00", account="renjing_live"),
            douyin_row("8002", "8002-1", "2020-06-06 11:00:00", account="renjing_live"),
        ],
    )
    result = ingest_files(engine=engine, festival_id="small-2020", paths=[taobao, douyin])
    assert [f.enterprise_id for f in result.files] == ["huayi", "ruiang"]
    assert lines(engine) == [
        ("7001", "灯", 9900, S2),  # no line-id column: the product keys the line
        ("7002", "灯", 9900, None),
        ("8001", "8001-1", 10000, None),
        ("8002", "8002-1", 10000, S3),
    ]


def test_ingest_refuses_unknown_enterprise_and_shape_before_storing(
    engine: Engine, tmp_path: Path
) -> None:
    small_festival_with_sessions(engine)
    good = write_csv(
        tmp_path / "huayi_douyin.csv",
        DOUYIN_HEADERS,
        [douyin_row("1", "1-1", "2020-06-06 19:30:00")],
    )
    nameless = write_csv(
        tmp_path / "orders.csv", DOUYIN_HEADERS, [douyin_row("2", "2-1", "2020-06-06 19:30:00")]
    )
    odd = write_csv(tmp_path / "huayi_odd.csv", ["a", "b"], [["1", "2"]])
    with pytest.raises(IngestError) as err:
        ingest_files(engine=engine, festival_id="small-2020", paths=[good, nameless, odd])
    msg = str(err.value)
    assert msg.startswith("nothing was stored:\n")
    assert "orders.csv: which enterprise's export is this? Give --enterprise ID" in msg
    assert "huayi_odd.csv: header row matches no platform's order export" in msg
    assert lines(engine) == []
    with pytest.raises(IngestError, match="unknown enterprise 'nobody'"):
        ingest_files(engine=engine, festival_id="small-2020", paths=[good], enterprise_id="nobody")


def test_cli_sales_ingest_prints_counts_last(data_dir: Path, tmp_path: Path) -> None:
    from citylive.cli import app
    from citylive.db import get_engine, init_db

    engine = init_db(get_engine())
    small_festival_with_sessions(engine)
    path = write_csv(
        tmp_path / "exports.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("1", "1-1", "2020-06-06 19:30:00"),
            douyin_row("1", "1-1", "2020-06-06 19:30:00"),
            douyin_row("2", "2-1", "never"),
        ],
        encoding="gbk",
    )
    result = CliRunner().invoke(
        app, ["sales", "ingest", str(path), "--festival", "small-2020", "--enterprise", "huayi"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "read=3 stored=1 quarantined=1 duplicates=1"
    bad = CliRunner().invoke(app, ["sales", "ingest", str(path), "--festival", "small-2020"])
    assert bad.exit_code == 1
    assert "which enterprise's export is this?" in bad.output


def test_reattribute_after_the_schedule_changed(engine: Engine, tmp_path: Path) -> None:
    from sqlmodel import Session

    import models
    from citylive.actions.sales import reattribute_festival
    from citylive.scope import Actor

    small_festival_with_sessions(engine)
    path = write_csv(
        tmp_path / "ruiang_douyin.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("8001", "8001-1", "2020-06-07 19:30:00", account="renjing_live"),
            douyin_row("8002", "8002-1", "2020-06-06 11:00:00", account="renjing_live"),
        ],
    )
    ingest_files(engine=engine, festival_id="small-2020", paths=[path])
    assert [r[3] for r in lines(engine)] == [None, S3]
    with Session(engine) as db:
        declined = db.get(models.FestivalSession, "small-2020-s00006")
        assert declined is not None
        # the declined session went on air after all
        declined.status = models.SessionStatus.confirmed
        db.add(declined)
        db.commit()
        assert reattribute_festival(db=db, actor=Actor.system(), festival_id="small-2020") == 1
        assert reattribute_festival(db=db, actor=Actor.system(), festival_id="small-2020") == 0
    assert [r[3] for r in lines(engine)] == ["small-2020-s00006", S3]


def test_cli_figures_summary_and_flags(data_dir: Path, tmp_path: Path) -> None:
    from support.sales_factories import build_sales

    from citylive.cli import app
    from citylive.db import get_engine, init_db

    engine = init_db(get_engine())
    build_sales(engine, tmp_path)
    figures = tmp_path / "figures.csv"
    figures.write_text("场次编号,场观,自报GMV\nsmall-2020-s00001,1000,2000.00\n", encoding="gbk")
    runner = CliRunner()
    result = runner.invoke(app, ["sales", "figures", str(figures), "--festival", "small-2020"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "sessions=1"
    result = runner.invoke(app, ["sales", "summary", "--festival", "small-2020", "--by", "town"])
    assert result.exit_code == 0, result.output
    assert "古镇镇" in result.output and "998.00" in result.output and "619.00" in result.output
    result = runner.invoke(app, ["sales", "flags", "--festival", "small-2020"])
    assert result.exit_code == 0, result.output
    out = result.output.strip().splitlines()
    assert out[-1] == "flags=2"
    assert out[0].startswith("small-2020-s00001\tclaim\t")
    bad = runner.invoke(app, ["sales", "summary", "--festival", "small-2020", "--by", "colour"])
    assert bad.exit_code == 1 and "unknown grouping 'colour'" in bad.output


def test_a_deleted_festival_takes_its_sales_rows_with_it(engine: Engine, tmp_path: Path) -> None:
    from support.sales_factories import build_sales

    build_sales(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM sales_cache"))
        conn.execute(sa.text("DELETE FROM sales_state"))
        conn.execute(sa.text("DELETE FROM quarantined_row"))
        conn.execute(sa.text("DELETE FROM sales_file"))
        conn.execute(sa.text("DELETE FROM festival WHERE id = 'small-2020'"))
    with engine.connect() as conn:
        counts = [
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("order_line", "order_rollup")
        ]
    assert counts == [0, 0]


def test_a_file_with_no_line_to_store_is_counted_whole(engine: Engine, tmp_path: Path) -> None:
    small_festival_with_sessions(engine)
    empty = write_csv(tmp_path / "huayi_douyin.csv", DOUYIN_HEADERS, [])
    bad = write_csv(
        tmp_path / "huayi_douyin_bad.csv",
        DOUYIN_HEADERS,
        [douyin_row("1", "1-1", "never"), douyin_row("2", "2-1", "2020-06-06 19:30:00", qty=0)],
    )
    result = ingest_files(engine=engine, festival_id="small-2020", paths=[empty, bad])
    assert [(f.read, f.stored, f.quarantined, f.duplicates) for f in result.files] == [
        (0, 0, 0, 0),
        (2, 0, 2, 0),
    ]
    assert lines(engine) == []


def test_lines_stored_before_line_keys_are_found_again_after_the_migration(
    engine: Engine, tmp_path: Path
) -> None:
    """Migration 0004 gives the lines stored with an empty line id (before products keyed the
    lines of exports without a line-id column) the key they get now: the same export again
    is all duplicates."""
    from alembic import command

    from citylive.db import alembic_config

    small_festival_with_sessions(engine)
    rows = [_taobao("7001", "吊灯", "300.00"), _taobao("7002", "台灯", "80.00")]
    path = write_csv(tmp_path / "huayi_taobao.csv", TAOBAO_HEADERS, rows)
    douyin = write_csv(
        tmp_path / "huayi_douyin.csv",
        DOUYIN_HEADERS,
        [douyin_row("1001", "1001-1", "2020-06-06 19:30:00")],
    )
    ingest_files(engine=engine, festival_id="small-2020", paths=[path, douyin])

    def migrate_to(revision: str) -> None:
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            if revision == "0003":
                command.downgrade(cfg, revision)
            else:
                command.upgrade(cfg, revision)

    migrate_to("0003")  # as the lines were stored before
    assert [(o, line) for o, line, *_ in lines(engine)] == [
        ("1001", "1001-1"),
        ("7001", ""),
        ("7002", ""),
    ]
    migrate_to("head")
    assert [(o, line) for o, line, *_ in lines(engine)] == [
        ("1001", "1001-1"),
        ("7001", "吊灯"),
        ("7002", "台灯"),
    ]
    again = ingest_files(engine=engine, festival_id="small-2020", paths=[path])
    assert again.summary_line() == "read=2 stored=0 quarantined=0 duplicates=2"
