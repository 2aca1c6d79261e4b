"""Sales hardening: an order line belongs to its enterprise, numbers are bounded, bad files get
a clear 4xx (never a 500), the figures stay consistent when an enterprise goes."""

from __future__ import annotations

import hashlib
import io
import zipfile
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
    build_sales,
    douyin_row,
    small_festival_with_sessions,
    write_csv,
    write_xlsx,
)

from citylive import config

API = "/api/v1/festivals/small-2020"


@pytest.fixture
def client(
    engine: Engine, data_dir: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    small_festival_with_sessions(engine)
    with Session(engine) as db:
        tokens = {
            "organiser": bearer(token(db, "organiser", name="主办方")),
            "guzhen": bearer(token(db, "coordinator", "guzhen", name="王芳")),
            "shaxi": bearer(token(db, "coordinator", "shaxi", name="李强")),
        }
    with bound_app(engine) as app, TestClient(app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        yield c, tokens


def upload(c: TestClient, who: dict, name: str, body: bytes, enterprise: str | None) -> object:
    data = {"enterprise": enterprise} if enterprise else {}
    return c.post(
        f"{API}/sales/uploads", headers=who, files={"files": (name, body, "text/csv")}, data=data
    )


def _ruiang_export(tmp_path: Path) -> bytes:
    rows = [
        douyin_row(f"88{i}", f"88{i}-1", "2020-06-06 11:00:00", "100.00", account="renjing_live")
        for i in range(3)
    ]
    return write_csv(tmp_path / "export.csv", DOUYIN_HEADERS, rows, encoding="gbk").read_bytes()


def test_another_enterprises_order_lines_are_disputed_for_neither_and_can_be_undone(
    client: tuple[TestClient, dict], tmp_path: Path
) -> None:
    c, tok = client
    body = _ruiang_export(tmp_path)
    # guzhen's coordinator sends shaxi's export as one of guzhen's own enterprises
    rogue = upload(c, tok["guzhen"], "export.csv", body, "huayi").json()
    assert (rogue["stored"], rogue["duplicates"]) == (3, 0)
    # the real owner's upload is stored too; the lines count for neither until settled
    real = upload(c, tok["shaxi"], "export.csv", body, "ruiang").json()
    assert (real["read"], real["stored"], real["quarantined"], real["duplicates"]) == (3, 3, 0, 0)
    assert real["files"][0]["clashes"] == 3
    assert c.get(f"{API}/summary?by=enterprise", headers=tok["organiser"]).json()["data"] == []
    disputes = c.get(f"{API}/sales/disputes", headers=tok["shaxi"]).json()["data"]
    assert [(d["enterprises"], d["towns"], d["lines"]) for d in disputes] == [
        (["huayi", "ruiang"], ["guzhen", "shaxi"], 3)
    ]
    # the organisers take the wrong file out; the real one's lines then count
    files = c.get(f"{API}/sales/files", headers=tok["organiser"]).json()["data"]
    wrong = next(f["id"] for f in files if f["enterprise_id"] == "huayi")
    assert c.get(f"{API}/sales/files", headers=tok["guzhen"]).status_code == 403
    removed = c.delete(f"{API}/sales/files/{wrong}", headers=tok["organiser"]).json()
    assert (removed["enterprise"], removed["lines"], removed["kept"]) == ("huayi", 3, 0)
    assert c.get(f"{API}/sales/disputes", headers=tok["shaxi"]).json()["data"] == []
    by = c.get(f"{API}/summary?by=enterprise", headers=tok["organiser"]).json()["data"]
    assert [(r["key"], r["gmv"]) for r in by] == [("ruiang", "300.00")]


def test_a_file_naming_another_enterprises_shop_is_refused_whole(
    client: tuple[TestClient, dict], tmp_path: Path
) -> None:
    c, tok = client
    headers = [*DOUYIN_HEADERS, "店铺名称"]
    rows = [
        [*douyin_row("9001", "9001-1", "2020-06-06 14:30:00"), "华艺灯饰旗舰店"],
        [*douyin_row("9002", "9002-1", "2020-06-06 14:40:00"), "钜豪照明店"],
    ]
    # henglan-light sells on douyin (juhao, on pdd only, could not send a douyin export)
    body = write_csv(tmp_path / "henglan.csv", headers, rows).read_bytes()
    r = upload(c, tok["organiser"], "henglan.csv", body, "henglan-light")
    assert r.status_code == 422
    saved = f"{hashlib.sha256(body).hexdigest()[:12]}_henglan.csv"
    assert r.json()["message"] == (
        f"{saved}: the shop '华艺灯饰旗舰店' in column 店铺名称 is the shop of enterprise "
        "'huayi', not of 'henglan-light'; nothing of this file was stored; ingest it as "
        "huayi's export (--enterprise huayi)"
    )
    files = c.get(f"{API}/sales/files", headers=tok["organiser"]).json()["data"]
    assert files == []


def test_uploads_name_an_enterprise_of_the_coordinators_own_town(
    client: tuple[TestClient, dict], tmp_path: Path
) -> None:
    c, tok = client
    body = _ruiang_export(tmp_path)
    assert upload(c, tok["guzhen"], "x.csv", body, None).status_code == 422
    other = upload(c, tok["guzhen"], "x.csv", body, "ruiang")
    assert other.status_code == 404 and "ruiang" in other.json()["message"]
    assert upload(c, tok["organiser"], "x.csv", body, "nobody").status_code == 404


def test_viewer_figures_are_bounded_and_the_figures_never_fail_after(
    client: tuple[TestClient, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, tok = client
    sid = "small-2020-s00001"
    post = lambda row: c.post(f"{API}/sales/figures", headers=tok["guzhen"], json={"data": [row]})  # noqa: E731
    huge = post({"session_id": sid, "views": 9223372036854775807})
    assert huge.status_code == 422
    assert (
        huge.json()["message"]
        == "data row 1 views: 9223372036854775807 is outside 0..1,000,000,000"
    )
    claim = post({"session_id": sid, "claimed_gmv": "1e400"})
    assert claim.status_code == 422 and "claimed_gmv" in claim.json()["message"]
    assert post({"session_id": sid, "views": 1_000_000_000}).json() == {"sessions": 1}
    for by in ("town", "industry", "session"):
        assert c.get(f"{API}/summary?by={by}", headers=tok["organiser"]).status_code == 200
    assert c.get(f"{API}/report", headers=tok["organiser"]).status_code == 200
    monkeypatch.setenv("CITYLIVE_FIGURES_MAX_COUNT", "100")
    config.get_settings.cache_clear()
    try:
        assert post({"session_id": sid, "views": 101}).status_code == 422
    finally:
        monkeypatch.delenv("CITYLIVE_FIGURES_MAX_COUNT")
        config.get_settings.cache_clear()


def test_figures_csv_with_a_superscript_is_a_one_line_cli_error(
    data_dir: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from citylive.cli import app
    from citylive.db import get_engine, init_db

    small_festival_with_sessions(init_db(get_engine()))
    f = tmp_path / "f.csv"
    f.write_text("session_id,views\nsmall-2020-s00001,²\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["sales", "figures", str(f), "--festival", "small-2020"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: f.csv row 1 views: '²' is not a whole number"


def test_a_day_no_sale_can_have_is_a_422(client: tuple[TestClient, dict]) -> None:
    c, tok = client
    r = c.get(f"{API}/summary?by=town&day=0001-01-01", headers=tok["organiser"])
    assert r.status_code == 422 and r.json()["field"] == "day"
    assert (
        c.get(f"{API}/summary?by=town&window=someday", headers=tok["organiser"]).status_code == 422
    )


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _bomb() -> bytes:
    """151 KB holding a 150 MB cell (the shared strings of a workbook)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as m:
            m.write(b"<sst><si><t>")
            chunk = b"A" * 2**20
            for _ in range(150):
                m.write(chunk)
            m.write(b"</t></si></sst>")
    return out.getvalue()


def test_bad_workbooks_get_a_clear_422_and_store_nothing(
    client: tuple[TestClient, dict], engine: Engine, tmp_path: Path
) -> None:
    c, tok = client
    good = write_xlsx(
        tmp_path / "g.xlsx", DOUYIN_HEADERS, [douyin_row("1", "1-1", "2020-06-06 19:30:00")]
    )
    with zipfile.ZipFile(good) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    dtd = dict(parts)
    dtd["xl/workbook.xml"] = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + parts["xl/workbook.xml"]
    no_types = {n: d for n, d in parts.items() if n != "[Content_Types].xml"}
    bomb = _bomb()
    assert len(bomb) < 200_000
    cases = {
        "garbage.xlsx": (b"this is not a workbook at all", "not a zip archive"),
        "orders.csv": (b"PK\x03\x04 and then nothing a zip would hold", "not a zip archive"),
        "no_types.xlsx": (_zip(no_types), "no [Content_Types].xml"),
        "dtd.xlsx": (_zip(dtd), "declares a DTD"),
        "bomb.xlsx": (bomb, "a cell longer than a cell may hold"),
    }
    for name, (body, why) in cases.items():
        r = upload(c, tok["organiser"], name, body, "huayi")
        assert r.status_code == 422, (name, r.text)
        message = r.json()["message"]
        assert message.startswith("nothing was stored: ") and "\n" not in message
        assert name.split("_")[-1] in message
        assert why in r.json()["message"], (name, r.json())
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sales_file")).scalar_one() == 0


def test_a_huge_cell_and_a_nul_in_an_order_id_are_quarantined_with_their_reason(
    client: tuple[TestClient, dict], engine: Engine, tmp_path: Path
) -> None:
    c, tok = client
    rows = [
        douyin_row("1001", "1001-1", "2020-06-06 19:30:00"),
        douyin_row("1001\x00", "1001-1", "2020-06-06 19:30:00"),
        douyin_row("1002", "1002-1", "2020-06-06 19:31:00", note="x" * 128 * 1024),
    ]
    body = write_csv(tmp_path / "huayi.csv", DOUYIN_HEADERS, rows).read_bytes()
    r = upload(c, tok["organiser"], "huayi.csv", body, "huayi").json()
    assert (r["read"], r["stored"], r["quarantined"], r["duplicates"]) == (3, 1, 2, 0)
    with engine.connect() as conn:
        reasons = [
            row[0]
            for row in conn.execute(
                sa.text("SELECT reason FROM quarantined_row ORDER BY row_number")
            )
        ]
    assert reasons == [
        "control character in order id (主订单编号)",
        "cell longer than 32,767 characters in 商家备注",
    ]


def test_uploads_stay_within_the_upload_limit(
    client: tuple[TestClient, dict], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    c, tok = client
    monkeypatch.setenv("CITYLIVE_MAX_UPLOAD_BYTES", "2048")
    config.get_settings.cache_clear()
    try:
        r = upload(c, tok["organiser"], "big.csv", b"x" * 2049, "huayi")
        assert r.status_code == 413 and "larger than" in r.json()["message"]
    finally:
        monkeypatch.delenv("CITYLIVE_MAX_UPLOAD_BYTES")
        config.get_settings.cache_clear()


def test_exports_are_read_off_the_event_loop() -> None:
    import inspect

    from api.routes import sales

    # FastAPI runs a plain function in its worker threads; a coroutine would run on the loop
    assert not inspect.iscoroutinefunction(sales.upload_exports)


def test_summaries_agree_after_an_enterprise_leaves_or_moves(
    engine: Engine, tmp_path: Path
) -> None:
    from citylive.actions.sales import sales_summary
    from citylive.scope import Actor

    build_sales(engine, tmp_path)
    actor = Actor.system()

    def totals(db: Session) -> dict[str, list[tuple]]:
        return {
            by: sorted(
                (r["key"], r["gmv"])
                for r in sales_summary(db=db, actor=actor, festival_id="small-2020", by=by)
            )
            for by in ("enterprise", "town", "industry", "platform")
        }

    with Session(engine) as db:
        assert totals(db)["town"] == [("guzhen", "998.00"), ("shaxi", "500.00")]
        # a re-import (the festival file changed) removes ruiang and moves huayi to henglan
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM enterprise WHERE id = 'ruiang'"))
            conn.execute(sa.text("UPDATE enterprise SET town_id = 'henglan' WHERE id = 'huayi'"))
            conn.execute(sa.text("UPDATE festival SET source_sha256 = 'reimported'"))
        after = totals(db)
    assert after == {
        "enterprise": [("huayi", "998.00")],
        "town": [("henglan", "998.00")],
        "industry": [("lighting", "998.00")],
        "platform": [("douyin", "800.00"), ("taobao", "198.00")],
    }


def test_a_bad_workbook_is_a_one_line_cli_error(data_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from citylive.cli import app
    from citylive.db import get_engine, init_db

    small_festival_with_sessions(init_db(get_engine()))
    bad = tmp_path / "huayi_douyin.xlsx"
    bad.write_bytes(b"not a workbook")
    result = CliRunner().invoke(app, ["sales", "ingest", str(bad), "--festival", "small-2020"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: nothing was stored: huayi_douyin.xlsx: not a readable XLSX workbook (not a zip "
        "archive); export the order list again, or save it as CSV"
    )
