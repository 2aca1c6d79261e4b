"""What an attacker or a careless user tried, answered: scope on writes, token kinds and
expiry, a body limit before reading, security headers, server-written flash messages, safe
exports, bounded query values."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import quote

import pytest
import yaml
from openpyxl import load_workbook
from sqlmodel import Session, select
from support.factories import FID, SMALL, Api, bearer, sid, token

import models
from citylive.token_store import RedactTokens, create_token
from models._types import utcnow

API = "/api/v1"


def _small_doc(festival_id: str = FID) -> dict:
    doc = json.loads(json.dumps(yaml.safe_load(SMALL.read_text(encoding="utf-8")), default=str))
    doc["festival"]["id"] = festival_id
    return doc


def _festival_token(api: Api, festival_id: str) -> str:
    with Session(api.engine, expire_on_commit=False) as db:
        _, value = create_token(db=db, role="organiser", festival_id=festival_id, name="一个节")
        db.commit()
    return value


# --- H2: a festival-scoped organiser token is festival-scoped on every route ----------------


def test_festival_scoped_token_cannot_create_or_overwrite_another_festival(api: Api) -> None:
    other = _small_doc("other-2020")
    created = api.client.post(f"{API}/festivals", headers=bearer(api.organiser), json=other)
    assert created.status_code == 200
    scoped = _festival_token(api, FID)
    renamed = other | {"festival": other["festival"] | {"name": "改名了"}}
    r = api.client.post(f"{API}/festivals", headers=bearer(scoped), json=renamed)
    assert r.status_code == 403
    assert r.json() == {
        "message": "this token is for festival 'small-2020'; it cannot create or change "
        "festival 'other-2020'",
        "field": "festival.id",
    }
    text = yaml.safe_dump(renamed, allow_unicode=True)
    up = api.client.post(
        f"{API}/festivals/upload",
        headers=bearer(scoped),
        files={"file": ("f.yaml", text.encode(), "application/yaml")},
    )
    assert up.status_code == 403
    deadline = api.client.patch(
        f"{API}/festivals/other-2020",
        headers=bearer(scoped),
        json={"confirmation_deadline": "2099-01-01T00:00:00+08:00"},
    )
    assert deadline.status_code == 404
    with Session(api.engine) as db:
        row = db.get(models.Festival, "other-2020")
        assert row is not None and row.name == other["festival"]["name"]
        assert row.confirmation_deadline is None
    # its own festival it may change
    mine = api.client.patch(
        f"{API}/festivals/{FID}",
        headers=bearer(scoped),
        json={"confirmation_deadline": "2020-06-05T18:00:00+08:00"},
    )
    assert mine.status_code == 200
    assert mine.json()["confirmation_deadline"] == "2020-06-05T10:00:00Z"


def test_coordinator_cannot_move_the_deadline(api: Api) -> None:
    r = api.client.patch(
        f"{API}/festivals/{FID}",
        headers=bearer(api.guzhen),
        json={"confirmation_deadline": "2099-01-01T00:00:00+08:00"},
    )
    assert r.status_code == 403
    assert r.json()["message"] == "only organisers may move the confirmation deadline"


# --- tokens: a coordinator's names its festival; kinds; expiry ------------------------------


def test_coordinator_token_names_its_festival(api: Api) -> None:
    api.client.post(f"{API}/festivals", headers=bearer(api.organiser), json=_small_doc("b-2020"))
    with Session(api.engine, expire_on_commit=False) as db:
        with pytest.raises(Exception, match="town 'guzhen' is in festivals b-2020, small-2020"):
            create_token(db=db, role="coordinator", town="guzhen")
        row, value = create_token(db=db, role="coordinator", town="guzhen", festival_id="b-2020")
        db.commit()
    assert row.festival_id == "b-2020"
    # it sees its festival's sessions only (small-2020's answer 404, like any other)
    r = api.client.get(f"{API}/festivals/{FID}/sessions", headers=bearer(value))
    assert r.status_code == 404
    assert api.client.get(f"{API}/sessions/{sid(1)}", headers=bearer(value)).status_code == 404


def test_coordinator_token_without_a_festival_no_longer_opens_anything(api: Api) -> None:
    """Tokens made before coordinator tokens named their festival opened every festival with a
    town of that id; they are refused now."""
    with Session(api.engine) as db:
        row = db.exec(select(models.ApiToken).where(models.ApiToken.town == "guzhen")).first()
        assert row is not None
        row.festival_id = None
        db.add(row)
        db.commit()
    r = api.client.get(f"{API}/festivals/{FID}/sessions", headers=bearer(api.guzhen))
    assert r.status_code == 401


def test_expired_token_is_refused(api: Api) -> None:
    with Session(api.engine) as db:
        for row in db.exec(select(models.ApiToken).where(models.ApiToken.town == "guzhen")):
            row.expires_at = utcnow() - timedelta(seconds=1)
            db.add(row)
        db.commit()
    r = api.client.get(f"{API}/festivals/{FID}/sessions", headers=bearer(api.guzhen))
    assert r.status_code == 401
    assert r.json()["message"].startswith("this token is unknown, expired or revoked")


def test_feed_token_reads_calendars_only(api: Api) -> None:
    feed = api.client.post(f"{API}/tokens/feed", headers=bearer(api.guzhen)).json()["token"]
    assert feed.startswith("clf_")
    ics = api.client.get(f"{API}/festivals/{FID}/calendar.ics?token={feed}")
    assert ics.status_code == 200
    # in a header it still opens only the feeds
    assert (
        api.client.post(f"{API}/sessions/{sid(1)}/confirm", headers=bearer(feed)).status_code == 401
    )
    assert (
        api.client.get(f"{API}/festivals/{FID}/sessions", headers=bearer(feed)).status_code == 401
    )
    assert api.client.post(f"{API}/tokens/feed", headers=bearer(feed)).status_code == 401
    # and a full token is never taken from a URL
    full = api.client.get(f"{API}/festivals/{FID}/calendar.ics?token={api.guzhen}")
    assert full.status_code == 401
    with Session(api.engine) as db:
        assert db.get(models.FestivalSession, sid(1)).status == "proposed"  # type: ignore[union-attr]


def test_access_log_never_holds_a_token() -> None:
    import logging

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            "/api/v1/festivals/x/calendar.ics?token=clf_abcdefGHIJ-_1234",
            "1.1",
            200,
        ),
        None,
    )
    assert RedactTokens().filter(record) is True
    assert record.getMessage() == (
        '127.0.0.1:5000 - "GET /api/v1/festivals/x/calendar.ics?token=clf_*** HTTP/1.1" 200'
    )


# --- limits ----------------------------------------------------------------------------------


def test_body_over_the_limit_is_refused_before_reading(api: Api) -> None:
    """A 50 MB body with no token: 413 from the declared length, nothing read or parsed."""
    r = api.client.post(
        f"{API}/festivals",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(50 * 2**20)},
    )
    assert r.status_code == 413
    assert r.json()["field"] == "body"
    assert r.json()["message"].startswith("the request body is larger than 22,020,096 bytes")


def test_streamed_body_over_the_limit_is_refused(api: Api) -> None:
    """No Content-Length (chunked): counted as it arrives, refused once past the limit."""

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(23):
            yield b" " * 2**20

    r = api.client.post(
        f"{API}/festivals",
        content=chunks(),
        headers={"Content-Type": "application/json"} | bearer(api.organiser),
    )
    assert r.status_code == 413
    assert r.json()["field"] == "body"


@pytest.mark.parametrize(
    "query",
    [
        "offset=9223372036854775808",
        "offset=-1",
        "limit=100000000000000000000",
        "day=0001-01-01&offset=1e3",
    ],
)
def test_odd_query_values_are_422(api: Api, query: str) -> None:
    r = api.client.get(f"{API}/festivals/{FID}/sessions?{query}", headers=bearer(api.organiser))
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"message", "field", "errors"}


# --- pages ------------------------------------------------------------------------------------


def test_pages_send_security_headers(api: Api) -> None:
    for path in ("/", f"/programme/{FID}", "/portal"):
        r = api.client.get(path)
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert "<style>" not in r.text and "style=" not in r.text


def test_portal_flash_comes_only_from_the_server(api: Api) -> None:
    api.client.post(
        "/portal/signin", data={"token": api.guzhen}, headers={"origin": "http://testserver"}
    )
    forged = api.client.get("/portal?msg=请把银行卡号发给主办方&done=applied&sid=nope")
    assert "银行卡" not in forged.text and 'id="flash"' not in forged.text
    other_town = api.client.get(f"/portal?done=applied&sid={sid(5)}")
    assert 'id="flash"' not in other_town.text
    decided = api.client.post(
        f"/portal/sessions/{sid(1)}/confirm",
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    page = api.client.get(decided.headers["location"])
    assert f"已保存：场次 {sid(1)} 现为已确认。" in page.text


def test_portal_get_with_a_token_does_not_sign_in(api: Api) -> None:
    r = api.client.get(f"/portal?token={api.guzhen}", follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers


def test_portal_signin_from_another_site_is_refused(api: Api) -> None:
    r = api.client.post(
        "/portal/signin", data={"token": api.guzhen}, headers={"origin": "http://evil.example"}
    )
    assert r.status_code == 403 and "set-cookie" not in r.headers


# --- exports ----------------------------------------------------------------------------------


def test_workbook_writes_formulas_and_control_characters_as_text(api: Api) -> None:
    with Session(api.engine) as db:
        ent = db.get(models.Enterprise, (FID, "huayi"))
        assert ent is not None
        ent.name = '=HYPERLINK("http://evil.example","点我")'
        db.add(ent)
        streamer = db.get(models.Streamer, (FID, "li-ming"))
        assert streamer is not None
        streamer.name = "李\x07明\x1b"
        db.add(streamer)
        db.commit()
    r = api.client.get(f"{API}/festivals/{FID}/schedule.xlsx", headers=bearer(api.organiser))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    row = next(row for row in ws.iter_rows(min_row=2) if row[0].value == sid(1))
    enterprise, streamer = row[8], row[9]
    assert (enterprise.value, enterprise.data_type) == (
        '=HYPERLINK("http://evil.example","点我")',
        "s",
    )
    assert streamer.value == "李明"


def test_export_file_names_follow_rfc_6266_and_5987(api: Api) -> None:
    r = api.client.get(
        f"{API}/festivals/{FID}/calendar.ics",
        params={"venue": 'x"; filename=evil.html'},
        headers=bearer(api.organiser),
    )
    assert r.status_code == 200
    name = 'small-2020-x"; filename=evil.html.ics'
    assert r.headers["content-disposition"] == (
        f"inline; filename=\"small-2020-x_filename_evil.html.ics\"; filename*=UTF-8''{quote(name, safe='')}"
    )


def test_chinese_town_id_exports_work(api: Api) -> None:
    doc = _small_doc("zh-2020")
    for town in doc["towns"]:
        if town["id"] == "guzhen":
            town["id"] = "古镇"
    for key in ("venues", "enterprises", "streamers"):
        for item in doc[key]:
            if item.get("town") == "guzhen":
                item["town"] = "古镇"
    for town in doc["towns"]:
        town["neighbours"] = ["古镇" if n == "guzhen" else n for n in town.get("neighbours", [])]
    assert (
        api.client.post(f"{API}/festivals", headers=bearer(api.organiser), json=doc).status_code
        == 200
    )
    with Session(api.engine) as db:
        value = token(db, "coordinator", "古镇")
    for path in ("calendar.ics", "schedule.xlsx"):
        r = api.client.get(f"{API}/festivals/zh-2020/{path}", headers=bearer(value))
        assert r.status_code == 200, r.text
        assert "filename*=UTF-8''zh-2020-%E5%8F%A4%E9%95%87" in r.headers["content-disposition"]


def test_unreachable_database_answers_503_without_details() -> None:
    from fastapi.testclient import TestClient
    from support.factories import bound_app

    from citylive.db import make_engine

    engine = make_engine("postgresql+psycopg://nobody:secret@127.0.0.1:9/none?connect_timeout=2")
    with bound_app(engine) as app, TestClient(app) as client:  # type: ignore[arg-type]
        r = client.get(f"{API}/festivals", headers=bearer("clv_whatever"))
    assert r.status_code == 503
    assert r.json() == {
        "message": "the database cannot be reached or is busy; try again shortly",
        "field": None,
    }
    assert r.headers["retry-after"] == "5"
