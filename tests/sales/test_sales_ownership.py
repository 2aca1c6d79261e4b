"""Whose file it is: shops bound to enterprises (folded), a file naming another's shop refused
whole, collective stores split by product owner, and validation of both in the festival file.

Disputes between enterprises' files and removed files: test_sales_ownership_disputes.py.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.factories import bearer, bound_app, token
from support.sales_factories import (
    JD_HEADERS,
    SESSIONS,
    SMALL,
    TAOBAO_HEADERS,
    add_session,
    write_csv,
)

from citylive.actions import sales as actions
from citylive.festival import Festival, parse_festival
from citylive.festival.loader import FestivalFileError, read_document
from citylive.festival.storage import import_festival
from citylive.sales.ingest import IngestError, ingest_files
from citylive.scope import Actor

FID = "small-2020"
STORE = {
    "id": "guzhen-lights",
    "platform": "jd",
    "shop": "古镇灯饰联合旗舰店",
    "products": [
        {"enterprise": "huayi", "ids": [100012345678], "title_prefix": "华艺"},
        {"enterprise": "juhao", "title_prefix": "钜豪"},
    ],
}


def small_document() -> dict[str, Any]:
    """examples/small.yaml with jd, huayi's shops as a list (a name and an id), one
    collective store on jd."""
    doc = copy.deepcopy(read_document(SMALL))
    doc["platforms"] = [*doc["platforms"], "jd"]
    huayi = next(e for e in doc["enterprises"] if e["id"] == "huayi")
    huayi["shops"] = {"douyin": "华艺灯饰旗舰店", "taobao": ["华艺灯饰旗舰店", 123456789]}
    juhao = next(e for e in doc["enterprises"] if e["id"] == "juhao")
    juhao["platforms"] = ["pdd", "taobao"]
    juhao["shops"] = {"taobao": "钜豪照明店"}
    doc["collective_stores"] = [copy.deepcopy(STORE)]
    return doc


def store_festival(engine: Engine) -> Festival:
    festival = parse_festival(small_document(), "small (ownership)")
    with Session(engine) as db:
        import_festival(db, festival)
        for spec in SESSIONS:
            add_session(db, festival, *spec, status="declined" if spec[0] == 6 else "confirmed")
        db.commit()
    return festival


def taobao_row(order: str, amount: str, shop: str) -> list[Any]:
    return [order, "buyer", amount, "交易成功", "2020-06-07 10:30:00", "灯", 1, shop, "", ""]


def by_enterprise(engine: Engine) -> dict[str, tuple[str, str]]:
    with Session(engine) as db:
        rows = actions.sales_summary(db=db, actor=Actor.system(), festival_id=FID, by="enterprise")
    return {r["key"]: (r["gmv"], r["net_gmv"]) for r in rows}


def stored_lines(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM order_line")).scalar_one())


def files_stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM sales_file")).scalar_one())


@pytest.mark.parametrize(
    "shop",
    [
        "华艺灯饰旗舰店",
        "华艺灯饰旗舰店\u200b",
        "华艺灯饰旗舰店\u3000",
        "\u3000华艺灯饰旗舰店",
        "123456789",
    ],
    ids=["plain", "zero-width-space", "full-width-space-after", "full-width-space-before", "id"],
)
def test_shop_bound_to_another_enterprise_refuses_the_file_whole(
    engine: Engine, tmp_path: Path, shop: str
) -> None:
    store_festival(engine)
    own = write_csv(
        tmp_path / "juhao_own.csv",
        TAOBAO_HEADERS,
        [taobao_row("7100", "20.00", "钜豪照明店")],
    )
    wrong = write_csv(
        tmp_path / "juhao_taobao.csv",
        TAOBAO_HEADERS,
        [taobao_row("7001", "99.00", "钜豪照明店"), taobao_row("7002", "10.00", shop)],
    )
    with pytest.raises(IngestError) as exc:
        # the first file is fine, but nothing of either is stored
        ingest_files(engine=engine, festival_id=FID, paths=[own, wrong], enterprise_id="juhao")
    assert exc.value.message == (
        f"juhao_taobao.csv: the shop {shop.strip(chr(0x3000))!r} in column 店铺名称 is the shop "
        "of enterprise 'huayi', not of 'juhao'; nothing of this file was stored; ingest it as "
        "huayi's export (--enterprise huayi)"
    )
    assert (stored_lines(engine), files_stored(engine)) == (0, 0)


def test_own_shop_with_invisible_characters_is_the_enterprises_own(
    engine: Engine, tmp_path: Path
) -> None:
    store_festival(engine)
    own = write_csv(
        tmp_path / "huayi_taobao.csv",
        TAOBAO_HEADERS,
        [
            taobao_row("7001", "99.00", "华艺灯饰旗舰店\u200b"),
            taobao_row("7002", "1,234.56", "ＨＵＡＹＩ"),  # no one's shop: the file's own
            taobao_row("7003", "0.45", "\t123456789"),
        ],
    )
    result = ingest_files(engine=engine, festival_id=FID, paths=[own], enterprise_id="huayi")
    assert result.summary_line() == "read=3 stored=3 quarantined=0 duplicates=0"
    assert by_enterprise(engine) == {"huayi": ("1334.01", "1334.01")}


def jd_row(order: str, product: str, title: str, amount: str) -> list[Any]:
    return [order, f"\t{product}", title, 1, "jd_buyer", amount, "2020-06-06 14:30:00", "完成"]


def test_collective_store_file_is_split_by_product_owner(engine: Engine, tmp_path: Path) -> None:
    store_festival(engine)
    export = write_csv(
        tmp_path / "guzhen-lights_jd.csv",
        JD_HEADERS,
        [
            jd_row("j1", "100012345678", "吸顶灯 客厅", "120.00"),  # huayi's by id
            jd_row("j2", "200", "钜豪 水晶吊灯", "888.88"),  # juhao's by title prefix
            jd_row("j3", "300", "华艺 台灯", "45.50"),  # huayi's by title prefix
            jd_row("j4", "400", "无名 壁灯", "9.99"),  # no one's
        ],
        encoding="gbk",
    )
    # the store is named by the file name
    result = ingest_files(engine=engine, festival_id=FID, paths=[export])
    assert result.summary_line() == "read=4 stored=3 quarantined=1 duplicates=0"
    assert by_enterprise(engine) == {
        "juhao": ("888.88", "888.88"),
        "huayi": ("165.50", "165.50"),
    }
    with engine.connect() as conn:
        lines = conn.execute(
            sa.text("SELECT order_id, enterprise_id FROM order_line ORDER BY order_id")
        ).all()
        quarantined = conn.execute(sa.text("SELECT row_number, reason FROM quarantined_row")).all()
        files = conn.execute(
            sa.text("SELECT enterprise_id, collective_store FROM sales_file")
        ).all()
    assert [tuple(r) for r in lines] == [("j1", "huayi"), ("j2", "juhao"), ("j3", "huayi")]
    assert [tuple(r) for r in quarantined] == [
        (
            5,
            "no enterprise of collective store 'guzhen-lights' owns this line: product '400', "
            "title '无名 壁灯' match no product id or title prefix under collective_stores",
        )
    ]
    assert [tuple(r) for r in files] == [(None, "guzhen-lights")]


def test_collective_store_shop_in_a_members_file_is_refused_whole(
    engine: Engine, tmp_path: Path
) -> None:
    doc = small_document()
    doc["collective_stores"][0]["platform"] = "taobao"
    doc["collective_stores"][0]["shop"] = "古镇灯饰联合店"
    festival = parse_festival(doc)
    with Session(engine) as db:
        import_festival(db, festival)
        db.commit()
    export = write_csv(
        tmp_path / "x.csv", TAOBAO_HEADERS, [taobao_row("7001", "99.00", "古镇灯饰联合店")]
    )
    with pytest.raises(IngestError) as exc:
        ingest_files(engine=engine, festival_id=FID, paths=[export], enterprise_id="huayi")
    assert exc.value.message == (
        "x.csv: the shop '古镇灯饰联合店' in column 店铺名称 is the shop of collective store "
        "'guzhen-lights', not of 'huayi'; nothing of this file was stored; ingest it as the "
        "collective store's (--enterprise guzhen-lights): its lines are split by product owner"
    )
    assert stored_lines(engine) == 0


def test_collective_stores_and_shops_with_wrong_references_name_their_places() -> None:
    doc = small_document()
    doc["collective_stores"] = [
        {
            "id": "huayi",
            "platform": "weibo",
            "shop": "华艺灯饰旗舰店",
            "products": [
                {"enterprise": "huayii", "ids": ["1"]},
                {"enterprise": "juhao", "ids": ["1"]},
                {"enterprise": "juhao"},
            ],
        }
    ]
    doc["enterprises"][1]["shops"] = {"taobao": "华艺灯饰旗舰店\u200b"}
    with pytest.raises(FestivalFileError) as exc:
        parse_festival(doc)
    assert exc.value.errors == [
        "enterprises[1].shops.taobao: shop '华艺灯饰旗舰店\\u200b' is already bound at "
        "enterprises[0].shops.taobao[0]; a shop has one owner",
        "collective_stores[0].id: 'huayi' is already the id of an enterprise",
        "collective_stores[0].platform: unknown platform 'weibo'",
        "collective_stores[0].products[0].enterprise: unknown enterprise 'huayii' "
        "(did you mean 'huayi'?)",
        "collective_stores[0].products[1].ids[0]: product '1' is already given to 'huayii' in this store",
        "collective_stores[0].products[2]: give the products' ids or a title_prefix (or both)",
    ]


def test_collective_store_upload_is_for_a_coordinator_of_every_member_town(
    engine: Engine, tmp_path: Path
) -> None:
    store_festival(engine)
    with Session(engine) as db:
        guzhen = bearer(token(db, "coordinator", "guzhen", name="王芳"))
        shaxi = bearer(token(db, "coordinator", "shaxi", name="李强"))
    body = write_csv(
        tmp_path / "lights.csv",
        JD_HEADERS,
        [
            jd_row("j1", "100012345678", "吸顶灯", "120.00"),
            jd_row("j2", "200", "钜豪 吊灯", "1.05"),
        ],
    ).read_bytes()

    def upload(who: dict[str, str]) -> Any:
        return c.post(
            f"/api/v1/festivals/{FID}/sales/uploads",
            headers=who,
            files={"files": ("lights.csv", body, "text/csv")},
            data={"enterprise": "guzhen-lights"},
        )

    with bound_app(engine) as app, TestClient(app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        refused = upload(shaxi)
        assert refused.status_code == 404
        assert refused.json()["message"] == (
            "no enterprise 'huayi' among those you act for in 'small-2020'"
        )
        done = upload(guzhen).json()
        assert (done["stored"], done["files"][0]["enterprise"]) == (2, "guzhen-lights")
        files = c.get(
            f"/api/v1/festivals/{FID}/sales/files",
            headers=bearer_organiser(engine),
        ).json()["data"]
    assert [(f["enterprise_id"], f["collective_store"]) for f in files] == [(None, "guzhen-lights")]
    assert by_enterprise(engine) == {"huayi": ("120.00", "120.00"), "juhao": ("1.05", "1.05")}


def bearer_organiser(engine: Engine) -> dict[str, str]:
    with Session(engine) as db:
        return bearer(token(db, "organiser", name="主办方"))
