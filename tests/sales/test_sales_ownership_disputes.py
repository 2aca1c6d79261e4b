"""A line two enterprises' files hold counts for neither until an organiser settles it; both
towns and the organisers see the dispute; a removed file never takes a line another listed
file holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.factories import bearer, bound_app, token
from support.sales_factories import (
    DOUYIN_HEADERS,
    douyin_row,
    small_festival_with_sessions,
    write_csv,
)

from citylive.actions import sales as actions
from citylive.sales.ingest import ingest_files
from citylive.scope import Actor

FID = "small-2020"
API = f"/api/v1/festivals/{FID}"


def by_enterprise(engine: Engine) -> dict[str, tuple[str, str]]:
    with Session(engine) as db:
        rows = actions.sales_summary(db=db, actor=Actor.system(), festival_id=FID, by="enterprise")
    return {r["key"]: (r["gmv"], r["net_gmv"]) for r in rows}


def ingest(engine: Engine, path: Path, enterprise: str) -> str:
    result = ingest_files(engine=engine, festival_id=FID, paths=[path], enterprise_id=enterprise)
    return result.summary_line()


def huayi_export(tmp_path: Path, name: str = "huayi_douyin.csv") -> Path:
    return write_csv(
        tmp_path / name,
        DOUYIN_HEADERS,
        [
            douyin_row("o1", "o1-1", "2020-06-06 19:10:00", "100.00", 1, buyer="A"),
            douyin_row("o1", "o1-2", "2020-06-06 19:10:00", "50.00", 2, buyer="A"),
            douyin_row("o5", "o5-1", "2020-06-06 22:00:00", "70.00", 1, buyer="D"),
        ],
    )


def ruiang_export(tmp_path: Path) -> Path:
    # ruiang's file holds huayi's order o1 too (one of the two was exported from the wrong shop)
    return write_csv(
        tmp_path / "ruiang_douyin.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("o1", "o1-1", "2020-06-06 19:10:00", "100.00", 1, buyer="A"),
            douyin_row("o1", "o1-2", "2020-06-06 19:10:00", "50.00", 2, buyer="A"),
            douyin_row(
                "r1", "r1-1", "2020-06-06 11:00:00", "500.00", 5, account="renjing_live", buyer="R"
            ),
        ],
    )


@pytest.fixture
def client(engine: Engine) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    small_festival_with_sessions(engine)
    with Session(engine) as db:
        tokens = {
            "organiser": bearer(token(db, "organiser", name="主办方")),
            "guzhen": bearer(token(db, "coordinator", "guzhen", name="王芳")),
            "shaxi": bearer(token(db, "coordinator", "shaxi", name="李强")),
            "henglan": bearer(token(db, "coordinator", "henglan", name="赵敏")),
        }
    with bound_app(engine) as app, TestClient(app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        yield c, tokens


def test_clash_counts_for_neither_is_listed_for_both_and_is_settled(
    engine: Engine, client: tuple[TestClient, dict], tmp_path: Path
) -> None:
    c, tok = client
    assert ingest(engine, huayi_export(tmp_path), "huayi") == (
        "read=3 stored=3 quarantined=0 duplicates=0"
    )
    assert by_enterprise(engine) == {"huayi": ("220.00", "220.00")}
    # the second file's lines are stored (not quarantined): o1 now counts for neither
    assert ingest(engine, ruiang_export(tmp_path), "ruiang") == (
        "read=3 stored=3 quarantined=0 duplicates=0"
    )
    assert by_enterprise(engine) == {"ruiang": ("500.00", "500.00"), "huayi": ("70.00", "70.00")}
    town = c.get(f"{API}/summary?by=town", headers=tok["organiser"]).json()["data"]
    assert [(r["key"], r["gmv"], r["orders"]) for r in town] == [
        ("shaxi", "500.00", 1),
        ("guzhen", "70.00", 1),
    ]
    files = {
        f["enterprise_id"]: f
        for f in c.get(f"{API}/sales/files", headers=tok["organiser"]).json()["data"]
    }
    assert (files["huayi"]["clashes"], files["ruiang"]["clashes"]) == (0, 2)
    huayi_file, ruiang_file = files["huayi"]["id"], files["ruiang"]["id"]

    expected = {
        "enterprises": ["huayi", "ruiang"],
        "towns": ["guzhen", "shaxi"],
        "lines": 2,
        "gmv": {"huayi": "150.00", "ruiang": "150.00"},
        "files": [
            {"id": huayi_file, "enterprise": "huayi", "filename": "huayi_douyin.csv", "lines": 2},
            {
                "id": ruiang_file,
                "enterprise": "ruiang",
                "filename": "ruiang_douyin.csv",
                "lines": 2,
            },
        ],
    }
    for who in ("organiser", "guzhen", "shaxi"):
        listed = c.get(f"{API}/sales/disputes", headers=tok[who]).json()
        assert [{k: d[k] for k in expected} for d in listed["data"]] == [expected], who
        assert listed["settled"] == []
    evidence = c.get(f"{API}/sales/disputes", headers=tok["shaxi"]).json()["data"][0]["evidence"]
    assert [
        (e["order_id"], e["line_id"], e["amounts"], e["files"]["huayi"]["id"], e["paid_at"])
        for e in evidence
    ] == [
        ("o1", "o1-1", {"huayi": "100.00", "ruiang": "100.00"}, huayi_file, "2020-06-06T11:10:00Z"),
        ("o1", "o1-2", {"huayi": "50.00", "ruiang": "50.00"}, huayi_file, "2020-06-06T11:10:00Z"),
    ]
    # each town's flags (and report) show its own side
    for who, me, other, gmv in (
        ("guzhen", "huayi", "ruiang", "150.00"),
        ("shaxi", "ruiang", "huayi", "150.00"),
    ):
        flags = c.get(f"{API}/flags?kind=dispute", headers=tok[who]).json()["data"]
        assert [
            (
                f["enterprise"],
                f["evidence"]["other_enterprise"],
                f["evidence"]["lines"],
                f["evidence"]["gmv"],
            )
            for f in flags
        ] == [(me, other, 2, gmv)]
    assert c.get(f"{API}/flags?kind=dispute", headers=tok["henglan"]).json()["data"] == []
    # another town sees nothing of it
    assert c.get(f"{API}/sales/disputes", headers=tok["henglan"]).json() == {
        "data": [],
        "settled": [],
    }

    # only organisers settle
    body = {"keep": "huayi", "against": "ruiang"}
    refused = c.post(f"{API}/sales/disputes/settle", headers=tok["guzhen"], json=body)
    assert refused.status_code == 403
    assert by_enterprise(engine) == {"ruiang": ("500.00", "500.00"), "huayi": ("70.00", "70.00")}
    assert (
        c.post(
            f"{API}/sales/disputes/settle",
            headers=tok["organiser"],
            json={"keep": "huayi", "against": "juhao"},
        ).status_code
        == 404
    )

    settled = c.post(
        f"{API}/sales/disputes/settle",
        headers=tok["organiser"],
        json=body | {"reason": "店铺后台核对"},
    ).json()
    assert (settled["keep"], settled["against"], settled["lines"], settled["lost"]) == (
        "huayi",
        "ruiang",
        2,
        {"ruiang": 2},
    )
    # the figures move at once (the cached summary is not read back)
    assert by_enterprise(engine) == {"ruiang": ("500.00", "500.00"), "huayi": ("220.00", "220.00")}
    listed = c.get(f"{API}/sales/disputes", headers=tok["shaxi"]).json()
    assert listed["data"] == []
    assert [
        (s["keep"], s["against"], s["lines"], s["lost"], s["settled_by"], s["reason"])
        for s in listed["settled"]
    ] == [("huayi", "ruiang", 2, {"ruiang": 2}, "主办方", "店铺后台核对")]
    # ruiang sending its file again reopens nothing: its copies are settled away
    assert ingest(engine, ruiang_export(tmp_path), "ruiang") == (
        "read=3 stored=0 quarantined=0 duplicates=3"
    )
    assert c.get(f"{API}/sales/disputes", headers=tok["organiser"]).json()["data"] == []
    assert by_enterprise(engine) == {"ruiang": ("500.00", "500.00"), "huayi": ("220.00", "220.00")}


def test_settling_without_against_keeps_every_dispute_of_the_enterprise(
    engine: Engine, tmp_path: Path
) -> None:
    small_festival_with_sessions(engine)
    ingest(engine, huayi_export(tmp_path), "huayi")
    ingest(engine, ruiang_export(tmp_path), "ruiang")
    third = write_csv(
        tmp_path / "henglan.csv",
        DOUYIN_HEADERS,
        [douyin_row("o1", "o1-1", "2020-06-06 19:10:00", "100.00", 1, buyer="A")],
    )
    assert ingest(engine, third, "henglan-light") == "read=1 stored=1 quarantined=0 duplicates=0"
    with Session(engine) as db:
        listed = actions.sales_disputes(db=db, actor=Actor.system(), festival_id=FID)
    assert [(d["enterprises"], d["lines"]) for d in listed["data"]] == [
        (["henglan-light", "huayi"], 1),
        (["henglan-light", "ruiang"], 1),
        (["huayi", "ruiang"], 2),
    ]
    with Session(engine) as db:
        out = actions.settle_disputes(
            db=db, actor=Actor.system("cli"), festival_id=FID, keep="ruiang"
        )
    assert (out["lines"], out["lost"]) == (2, {"henglan-light": 1, "huayi": 2})
    assert by_enterprise(engine) == {"ruiang": ("650.00", "650.00"), "huayi": ("70.00", "70.00")}
    with engine.connect() as conn:
        claims = conn.execute(
            sa.text(
                "SELECT enterprise_id, line_id, claim FROM order_line WHERE order_id = 'o1' "
                "ORDER BY enterprise_id, line_id"
            )
        ).all()
    assert [tuple(r) for r in claims] == [
        ("henglan-light", "o1-1", "lost"),
        ("huayi", "o1-1", "lost"),
        ("huayi", "o1-2", "lost"),
        ("ruiang", "o1-1", None),
        ("ruiang", "o1-2", None),
    ]


def test_removed_file_leaves_the_lines_another_listed_file_holds(
    engine: Engine, client: tuple[TestClient, dict], tmp_path: Path
) -> None:
    c, tok = client
    first = write_csv(
        tmp_path / "huayi_june.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("o1", "o1-1", "2020-06-06 19:10:00", "100.00"),
            douyin_row("o2", "o2-1", "2020-06-06 19:20:00", "200.00"),
        ],
    )
    resent = write_csv(
        tmp_path / "huayi_june_again.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("o2", "o2-1", "2020-06-06 19:20:00", "200.00"),
            douyin_row("o3", "o3-1", "2020-06-06 19:30:00", "30.01"),
        ],
    )
    assert ingest(engine, first, "huayi") == "read=2 stored=2 quarantined=0 duplicates=0"
    assert ingest(engine, resent, "huayi") == "read=2 stored=1 quarantined=0 duplicates=1"
    assert by_enterprise(engine) == {"huayi": ("330.01", "330.01")}
    files = c.get(f"{API}/sales/files", headers=tok["organiser"]).json()["data"]
    first_id, resent_id = (f["id"] for f in files)
    removed = c.delete(f"{API}/sales/files/{first_id}", headers=tok["organiser"]).json()
    assert (removed["lines"], removed["kept"], removed["quarantined"]) == (1, 1, 0)
    assert by_enterprise(engine) == {"huayi": ("230.01", "230.01")}
    with engine.connect() as conn:
        held = conn.execute(
            sa.text("SELECT order_id, file_id FROM order_line ORDER BY order_id")
        ).all()
        notes = conn.execute(sa.text("SELECT count(*) FROM order_line_file")).scalar_one()
    assert [tuple(r) for r in held] == [("o2", resent_id), ("o3", resent_id)]
    assert notes == 0
    removed = c.delete(f"{API}/sales/files/{resent_id}", headers=tok["organiser"]).json()
    assert (removed["lines"], removed["kept"]) == (2, 0)
    assert by_enterprise(engine) == {}


def test_an_export_sent_twice_keeps_the_gmv_when_either_copy_is_removed(
    engine: Engine, client: tuple[TestClient, dict], tmp_path: Path
) -> None:
    c, tok = client
    ingest(engine, huayi_export(tmp_path), "huayi")
    assert ingest(engine, huayi_export(tmp_path, "huayi_douyin_2.csv"), "huayi") == (
        "read=3 stored=0 quarantined=0 duplicates=3"
    )
    ingest(engine, huayi_export(tmp_path, "huayi_douyin_3.csv"), "huayi")
    files = c.get(f"{API}/sales/files", headers=tok["organiser"]).json()["data"]
    ids = [f["id"] for f in files]
    removed = c.delete(f"{API}/sales/files/{ids[0]}", headers=tok["organiser"]).json()
    assert (removed["lines"], removed["kept"]) == (0, 3)
    assert by_enterprise(engine) == {"huayi": ("220.00", "220.00")}
    removed = c.delete(f"{API}/sales/files/{ids[2]}", headers=tok["organiser"]).json()
    assert (removed["lines"], removed["kept"]) == (0, 0)
    assert by_enterprise(engine) == {"huayi": ("220.00", "220.00")}
    removed = c.delete(f"{API}/sales/files/{ids[1]}", headers=tok["organiser"]).json()
    assert (removed["lines"], removed["kept"]) == (3, 0)
    assert by_enterprise(engine) == {}


def test_cli_lists_and_settles_disputes(data_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from citylive.cli import app
    from citylive.db import get_engine, init_db

    engine = init_db(get_engine())
    small_festival_with_sessions(engine)
    ingest(engine, huayi_export(tmp_path), "huayi")
    ingest(engine, ruiang_export(tmp_path), "ruiang")
    runner = CliRunner()
    listed = runner.invoke(app, ["sales", "disputes", "--festival", FID])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [
        "huayi <-> ruiang (guzhen / shaxi): lines=2 gmv huayi=150.00 ruiang=150.00",
        "  file 1\thuayi\thuayi_douyin.csv\tlines=2",
        "  file 2\truiang\truiang_douyin.csv\tlines=2",
        "  douyin\to1\to1-1\t2020-06-06 11:10:00+00:00\thuayi=100.00 ruiang=100.00",
        "  douyin\to1\to1-2\t2020-06-06 11:10:00+00:00\thuayi=50.00 ruiang=50.00",
        "disputes=1",
    ]
    settled = runner.invoke(
        app, ["sales", "settle", "--festival", FID, "--keep", "ruiang", "--against", "huayi"]
    )
    assert settled.exit_code == 0, settled.output
    assert settled.output.splitlines() == ["kept=2 for ruiang; lost huayi=2"]
    assert by_enterprise(engine) == {"ruiang": ("650.00", "650.00"), "huayi": ("70.00", "70.00")}
    again = runner.invoke(app, ["sales", "settle", "--festival", FID, "--keep", "ruiang"])
    assert again.exit_code == 1
    assert again.output.strip() == (
        "error: no disputed order line between 'ruiang' and another enterprise in festival "
        "'small-2020'"
    )


def test_migration_0006_goes_down_and_up_with_the_lines_kept(
    engine: Engine, tmp_path: Path
) -> None:
    from alembic import command

    from citylive.db import alembic_config

    small_festival_with_sessions(engine)
    ingest(engine, huayi_export(tmp_path), "huayi")
    ingest(engine, ruiang_export(tmp_path), "ruiang")

    def migrate(down: bool) -> None:
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, "0005" if down else "head")

    def columns(table: str) -> set[str]:
        return {c["name"] for c in sa.inspect(engine).get_columns(table)}

    migrate(down=True)
    assert "claim" not in columns("order_line")
    assert not sa.inspect(engine).has_table("order_line_file")
    migrate(down=False)
    assert {"claim"} <= columns("order_line")
    assert {"collective_store"} <= columns("sales_file")
    with engine.connect() as conn:
        n, claimed = conn.execute(sa.text("SELECT count(*), count(claim) FROM order_line")).one()
    assert (n, claimed) == (6, 0)  # the disputes are forgotten with the column; lines stay
