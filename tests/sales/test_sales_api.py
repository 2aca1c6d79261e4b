"""The sales routes: summary with grouping, filters and coordinator scoping; uploads; figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.factories import bearer, bound_app, token
from support.sales_factories import DOUYIN_HEADERS, build_sales, douyin_row, write_csv

API = "/api/v1/festivals/small-2020"
S1 = "small-2020-s00001"
S3 = "small-2020-s00003"


@pytest.fixture
def client(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    build_sales(engine, tmp_path)
    with Session(engine) as db:
        tokens = {
            "organiser": bearer(token(db, "organiser", name="主办方")),
            "guzhen": bearer(token(db, "coordinator", "guzhen", name="王芳")),
            "shaxi": bearer(token(db, "coordinator", "shaxi", name="李强")),
        }
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        yield c, tokens


def test_summary_by_town_matches_the_contract_shape(client: tuple[TestClient, dict]) -> None:
    c, tok = client
    r = c.get(f"{API}/summary?by=town", headers=tok["organiser"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 2
    first = body["data"][0]
    assert {
        k: first[k] for k in ("key", "gmv", "net_gmv", "orders", "units", "buyers", "refund_rate")
    } == {
        "key": "guzhen",
        "gmv": "998.00",
        "net_gmv": "619.00",
        "orders": 7,
        "units": 11,
        "buyers": 6,
        "refund_rate": 0.4286,
    }


def test_summary_coordinator_sees_only_own_town(client: tuple[TestClient, dict]) -> None:
    c, tok = client
    r = c.get(f"{API}/summary?by=session", headers=tok["shaxi"])
    assert r.status_code == 200
    assert [(x["key"], x["gmv"]) for x in r.json()["data"]] == [(S3, "500.00")]
    assert "华艺" not in r.text and "huayi" not in r.text
    other = c.get(f"{API}/summary?by=enterprise&town=guzhen", headers=tok["shaxi"])
    assert other.status_code == 403
    assert "998" not in other.text
    flags = c.get(f"{API}/flags", headers=tok["shaxi"])
    assert flags.json() == {"data": [], "count": 0}


def test_summary_filters_and_bad_grouping(client: tuple[TestClient, dict]) -> None:
    c, tok = client
    r = c.get(f"{API}/summary?by=platform&day=2020-06-07", headers=tok["organiser"])
    assert [(x["key"], x["gmv"]) for x in r.json()["data"]] == [("taobao", "198.00")]
    r = c.get(f"{API}/summary?by=enterprise&industry=apparel", headers=tok["organiser"])
    assert [(x["key"], x["gmv"]) for x in r.json()["data"]] == [("ruiang", "500.00")]
    assert c.get(f"{API}/summary?by=colour", headers=tok["organiser"]).status_code == 422
    assert c.get(f"{API}/summary?by=town").status_code == 401
    assert (
        c.get("/api/v1/festivals/nope/summary?by=town", headers=tok["organiser"]).status_code == 404
    )


def test_upload_exports_and_figures_then_flags(
    client: tuple[TestClient, dict], tmp_path: Path
) -> None:
    c, tok = client
    path = write_csv(
        tmp_path / "more.csv",
        DOUYIN_HEADERS,
        [
            douyin_row("o9", "o9-1", "2020-06-06 19:45:00", "20.00"),
            douyin_row("o1", "o1-1", "2020-06-06 19:10:00", "100.00"),  # already stored
            douyin_row("o10", "o10-1", "yesterday"),
        ],
        encoding="gbk",
    )
    with path.open("rb") as fh:
        r = c.post(
            f"{API}/sales/uploads",
            headers=tok["guzhen"],
            files={"files": ("more.csv", fh, "text/csv")},
            data={"enterprise": "huayi"},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["read"], body["stored"], body["quarantined"], body["duplicates"]) == (3, 1, 1, 1)
    assert body["files"][0]["filename"] == "more.csv" and body["files"][0]["attributed"] == 1
    with path.open("rb") as fh:
        refused = c.post(
            f"{API}/sales/uploads",
            headers=tok["shaxi"],
            files={"files": ("more.csv", fh, "text/csv")},
            data={"enterprise": "huayi"},
        )
    assert refused.status_code == 404 and "huayi" in refused.json()["message"]
    bad = c.post(
        f"{API}/sales/uploads",
        headers=tok["organiser"],
        files={"files": ("x.csv", b"a,b\n1,2\n", "text/csv")},
        data={"enterprise": "huayi"},
    )
    assert bad.status_code == 422 and "header row matches no platform" in bad.json()["message"]
    r = c.post(
        f"{API}/sales/figures",
        headers=tok["guzhen"],
        json={"data": [{"session_id": S1, "views": 1000, "claimed_gmv": "3000.00"}]},
    )
    assert r.json() == {"sessions": 1}
    assert (
        c.post(
            f"{API}/sales/figures",
            headers=tok["guzhen"],
            json={"data": [{"session_id": S3, "views": 1}]},
        ).status_code
        == 404
    )
    row = next(
        x
        for x in c.get(f"{API}/summary?by=session", headers=tok["guzhen"]).json()["data"]
        if x["key"] == S1
    )
    assert (row["gmv"], row["views"], row["claimed_gmv"], row["claim_gap"]) == (
        "750.00",
        1000,
        "3000.00",
        "2250.00",
    )
    flags = c.get(f"{API}/flags", headers=tok["guzhen"]).json()["data"]
    assert [(f["session_id"], f["kind"]) for f in flags] == [(S1, "claim"), (S1, "brushing")]
    report = c.get(f"{API}/report?lang=en", headers=tok["guzhen"])
    assert (
        report.status_code == 200
        and "Town sales report" in report.text
        and "¥998.00" not in report.text
    )
