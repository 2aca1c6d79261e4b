"""The JSON API: every role on every route, filters and pages, decisions, imports, exports."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlmodel import Session, select
from support.factories import FID, SMALL, Api, bearer, sid

import models

API = "/api/v1"
ROOT_DIR = Path(__file__).resolve().parents[2]
SHAXI_SID = sid(5)  # a session of town shaxi
GUZHEN_SID = sid(1)


# Every API route, with a body where it takes one.  Paths name town shaxi's resources.
ROUTES: list[tuple[str, str, dict | None]] = [
    ("GET", f"{API}/festivals", None),
    ("POST", f"{API}/festivals", {"format": "citylive/festival@1"}),
    ("GET", f"{API}/festivals/{FID}", None),
    ("GET", f"{API}/festivals/{FID}/capacity", None),
    ("GET", f"{API}/festivals/{FID}/confirmations", None),
    ("POST", f"{API}/festivals/{FID}/plan", {"time_limit": 1}),
    ("GET", f"{API}/festivals/{FID}/plan/nope", None),
    ("GET", f"{API}/festivals/{FID}/schedule", None),
    ("GET", f"{API}/festivals/{FID}/sessions?town=shaxi", None),
    ("GET", f"{API}/festivals/{FID}/decisions?town=shaxi", None),
    ("GET", f"{API}/sessions/{SHAXI_SID}", None),
    ("POST", f"{API}/sessions/{SHAXI_SID}/confirm", None),
    ("POST", f"{API}/sessions/{SHAXI_SID}/decline", {"reason": "不行"}),
    ("GET", f"{API}/sessions/{SHAXI_SID}/decisions", None),
    ("GET", f"{API}/festivals/{FID}/calendar.ics?town=shaxi", None),
    ("GET", f"{API}/festivals/{FID}/schedule.xlsx?town=shaxi", None),
]
ORGANISER_ONLY = {
    ("POST", f"{API}/festivals"),
    ("GET", f"{API}/festivals/{FID}/capacity"),
    ("POST", f"{API}/festivals/{FID}/plan"),
    ("GET", f"{API}/festivals/{FID}/plan/nope"),
    ("GET", f"{API}/festivals/{FID}/schedule"),
}
OTHER_TOWN_WORDS = ("shaxi", "ruiang", "瑞昂", "沙溪", "ren-jing", "任静")


def _call(api: Api, method: str, path: str, body: dict | None, tok: str | None):
    headers = bearer(tok) if tok else {}
    return api.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_without_token_is_401(api: Api, method: str, path: str, body: dict | None) -> None:
    r = _call(api, method, path, body, None)
    assert r.status_code == 401
    assert r.json()["field"] == "Authorization" and "Bearer" in r.json()["message"]
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_with_revoked_or_unknown_token_is_401(
    api: Api, method: str, path: str, body: dict | None
) -> None:
    for tok in (api.revoked, "clv_not-a-token"):
        r = _call(api, method, path, body, tok)
        assert r.status_code == 401, r.text
        assert "unknown, expired or revoked" in r.json()["message"]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_other_towns_resource_is_403_or_404_for_coordinator(
    api: Api, method: str, path: str, body: dict | None
) -> None:
    r = _call(api, method, path, body, api.guzhen)
    if (method, path) in ORGANISER_ONLY:
        assert r.status_code == 403 and r.json()["message"].startswith("only organisers may")
        return
    if (
        path.endswith(f"/festivals/{FID}")
        or path.endswith("/confirmations")
        or path == f"{API}/festivals"
    ):
        assert r.status_code == 200  # festival-wide facts, or the coordinator's own town only
    else:
        assert r.status_code in (403, 404), r.text
    for word in OTHER_TOWN_WORDS[1:]:
        assert word not in r.text
    if r.status_code in (403, 404):
        assert set(r.json()) == {"message", "field"}
    with Session(api.engine) as db:  # nothing of shaxi's changed
        assert db.get(models.FestivalSession, SHAXI_SID).status == "proposed"  # type: ignore[union-attr]
        assert db.exec(select(models.Decision)).all() == []


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_is_open_to_the_organiser(
    api: Api, method: str, path: str, body: dict | None
) -> None:
    r = _call(api, method, path, body, api.organiser)
    expected = {
        f"{API}/festivals": 422 if method == "POST" else 200,
        f"{API}/festivals/{FID}/plan": 202,
        f"{API}/festivals/{FID}/plan/nope": 404,
        f"{API}/festivals/{FID}/schedule": 404,  # the seeded sessions have no released version
    }.get(path, 200)
    assert r.status_code == expected, r.text


def test_sessions_coordinator_gets_only_own_town(api: Api) -> None:
    r = api.client.get(f"{API}/festivals/{FID}/sessions", headers=bearer(api.guzhen))
    body = r.json()
    assert r.status_code == 200 and body["count"] == 3
    assert [s["id"] for s in body["data"]] == [sid(3), sid(1), sid(2)]  # programme order
    assert {s["town"] for s in body["data"]} == {"guzhen"}
    # filters that point at other towns find nothing rather than leaking
    for q in ("venue=shaxi-base", "streamer=ren-jing", "enterprise=ruiang", "industry=apparel"):
        r = api.client.get(f"{API}/festivals/{FID}/sessions?{q}", headers=bearer(api.guzhen))
        assert r.json() == {"data": [], "count": 0}, q
    r = api.client.get(f"{API}/festivals/{FID}/sessions?town=guzhen", headers=bearer(api.guzhen))
    assert r.json()["count"] == 3


def test_sessions_fields_follow_the_schedule_file(api: Api) -> None:
    r = api.client.get(f"{API}/festivals/{FID}/sessions?limit=1", headers=bearer(api.organiser))
    assert r.json() == {
        "data": [
            {
                "id": sid(3),
                "festival": FID,
                "enterprise": "juhao",
                "streamer": "li-ming",
                "platform": "pdd",
                "venue": "guzhen-venue",
                "studio": 2,
                "start": "2020-06-06T14:00:00+08:00",
                "end": "2020-06-06T16:00:00+08:00",
                "status": "proposed",
                "town": "guzhen",
                "industry": "lighting",
                "version": 1,
                "theme": None,
            }
        ],
        "count": 6,
    }


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("day=2020-06-07", [2, 4, 6]),
        ("town=shaxi", [5, 6]),
        ("venue=main", [1, 4]),
        ("industry=apparel", [5, 6]),
        ("enterprise=huayi", [1, 2]),
        ("streamer=chen-hua", [4, 6]),
        ("status=proposed&limit=2&offset=1", [1, 5]),
        ("limit=2&offset=4", [4, 6]),
    ],
)
def test_sessions_filters_and_pages(api: Api, query: str, ids: list[int]) -> None:
    r = api.client.get(f"{API}/festivals/{FID}/sessions?{query}", headers=bearer(api.organiser))
    assert r.status_code == 200
    assert [s["id"] for s in r.json()["data"]] == [sid(n) for n in ids]


def test_sessions_bad_query_is_422_naming_the_field(api: Api) -> None:
    r = api.client.get(
        f"{API}/festivals/{FID}/sessions?day=June&limit=0", headers=bearer(api.organiser)
    )
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "query.day"
    assert [e["field"] for e in body["errors"]] == ["query.day", "query.limit"]


def test_sessions_unknown_festival_is_404(api: Api) -> None:
    r = api.client.get(f"{API}/festivals/nope/sessions", headers=bearer(api.organiser))
    assert r.status_code == 404 and r.json() == {"message": "no festival 'nope'", "field": "fid"}


def test_confirm_twice_is_200_then_decline_is_409(api: Api) -> None:
    h = bearer(api.guzhen)
    first = api.client.post(f"{API}/sessions/{GUZHEN_SID}/confirm", headers=h)
    again = api.client.post(f"{API}/sessions/{GUZHEN_SID}/confirm", headers=h)
    late = api.client.post(
        f"{API}/sessions/{GUZHEN_SID}/decline", headers=h, json={"reason": "变卦"}
    )
    assert first.status_code == 200 and first.json()["status"] == "confirmed"
    assert first.json()["outcome"] == "applied"
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert again.json()["status"] == "confirmed"
    assert late.status_code == 409
    assert late.json()["outcome"] == "conflict" and late.json()["session"]["status"] == "confirmed"
    hist = api.client.get(f"{API}/sessions/{GUZHEN_SID}/decisions", headers=h).json()
    assert hist["count"] == 3
    assert [(d["action"], d["outcome"], d["actor"]) for d in hist["data"]] == [
        ("decline", "conflict", "王芳"),
        ("confirm", "unchanged", "王芳"),
        ("confirm", "applied", "王芳"),
    ]
    assert hist["data"][0]["reason"] == "变卦" and hist["data"][0]["remote_addr"] == "testclient"


def test_decline_twice_is_200_then_confirm_is_409(api: Api) -> None:
    h = bearer(api.guzhen)
    first = api.client.post(
        f"{API}/sessions/{sid(2)}/decline", headers=h, json={"reason": "场地冲突"}
    )
    again = api.client.post(
        f"{API}/sessions/{sid(2)}/decline", headers=h, json={"reason": "场地冲突"}
    )
    late = api.client.post(f"{API}/sessions/{sid(2)}/confirm", headers=h)
    assert (first.status_code, first.json()["status"]) == (200, "declined")
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    assert (late.status_code, late.json()["session"]["status"]) == (409, "declined")


def test_decline_without_reason_is_422_on_reason(api: Api) -> None:
    h = bearer(api.guzhen)
    r = api.client.post(f"{API}/sessions/{sid(2)}/decline", headers=h, json={"reason": ""})
    assert r.status_code == 422 and r.json()["field"] == "body.reason"
    r = api.client.post(f"{API}/sessions/{sid(2)}/decline", headers=h, json={"reason": "  "})
    assert r.status_code == 422 and r.json()["field"] == "body.reason"
    r = api.client.post(f"{API}/sessions/{sid(2)}/decline", headers=h)
    assert r.status_code == 422 and r.json()["field"] == "body"


def test_decision_after_deadline_is_409_refused(api: Api) -> None:
    with Session(api.engine) as db:
        row = db.get(models.Festival, FID)
        assert row is not None
        from datetime import UTC, datetime

        row.confirmation_deadline = datetime(2020, 6, 1, tzinfo=UTC)
        db.add(row)
        db.commit()
    r = api.client.post(f"{API}/sessions/{GUZHEN_SID}/confirm", headers=bearer(api.guzhen))
    assert r.status_code == 409
    assert r.json()["outcome"] == "refused" and "deadline" in r.json()["message"]
    assert r.json()["session"]["status"] == "proposed"


def test_confirmations_per_town(api: Api) -> None:
    api.client.post(f"{API}/sessions/{sid(1)}/confirm", headers=bearer(api.guzhen))
    api.client.post(
        f"{API}/sessions/{sid(2)}/decline", headers=bearer(api.guzhen), json={"reason": "x"}
    )
    api.client.post(f"{API}/sessions/{sid(5)}/confirm", headers=bearer(api.shaxi))
    org = api.client.get(
        f"{API}/festivals/{FID}/confirmations", headers=bearer(api.organiser)
    ).json()
    got = {
        x["town"]: (x["proposed"], x["confirmed"], x["declined"], x["total"]) for x in org["data"]
    }
    assert got == {
        "guzhen": (1, 1, 1, 3),
        "henglan": (1, 0, 0, 1),
        "shaxi": (1, 1, 0, 2),
        "shiqi": (0, 0, 0, 0),
    }
    mine = api.client.get(f"{API}/festivals/{FID}/confirmations", headers=bearer(api.guzhen)).json()
    assert [x["town"] for x in mine["data"]] == ["guzhen"] and mine["count"] == 1
    hist = api.client.get(f"{API}/festivals/{FID}/decisions", headers=bearer(api.guzhen)).json()
    assert [d["session_id"] for d in hist["data"]] == [sid(2), sid(1)]


def test_festival_import_from_json_and_upload(api: Api, tmp_path: Path) -> None:
    import yaml

    doc = json.loads(json.dumps(yaml.safe_load(SMALL.read_text(encoding="utf-8")), default=str))
    doc["festival"]["id"] = "small-json"
    r = api.client.post(f"{API}/festivals", headers=bearer(api.organiser), json=doc)
    assert r.status_code == 200, r.text
    assert (
        r.json()["created"],
        r.json()["festival"]["towns"],
        r.json()["festival"]["requested_sessions"],
    ) == (True, 4, 10)
    again = api.client.post(f"{API}/festivals", headers=bearer(api.organiser), json=doc)
    assert (again.json()["created"], again.json()["changed"]) == (False, False)
    text = SMALL.read_text(encoding="utf-8").replace("id: small-2020", "id: small-upload")
    up = api.client.post(
        f"{API}/festivals/upload",
        headers=bearer(api.organiser),
        files={"file": ("festival.yaml", text.encode(), "application/yaml")},
    )
    assert up.status_code == 200, up.text
    assert up.json()["festival"]["id"] == "small-upload"
    listed = api.client.get(f"{API}/festivals", headers=bearer(api.organiser)).json()
    assert [f["id"] for f in listed["data"]] == ["small-2020", "small-json", "small-upload"]
    # a coordinator's token names its festival: it sees that one only
    mine = api.client.get(f"{API}/festivals", headers=bearer(api.guzhen)).json()
    assert [f["id"] for f in mine["data"]] == ["small-2020"]


def test_festival_import_invalid_names_the_place(api: Api) -> None:
    import yaml

    doc = json.loads(json.dumps(yaml.safe_load(SMALL.read_text(encoding="utf-8")), default=str))
    doc["enterprises"][0]["town"] = "atlantis"
    r = api.client.post(f"{API}/festivals", headers=bearer(api.organiser), json=doc)
    assert r.status_code == 422
    body = r.json()
    assert "atlantis" in body["message"] and "nothing was stored" in body["message"]
    assert body["field"] is not None and body["field"].startswith("enterprises")
    bad = api.client.post(
        f"{API}/festivals/upload",
        headers=bearer(api.organiser),
        files={"file": ("f.yaml", b"festival: [", "application/yaml")},
    )
    assert bad.status_code == 422 and "not valid YAML" in bad.json()["message"]
    with Session(api.engine) as db:
        assert [f.id for f in db.exec(select(models.Festival))] == [FID]


def test_capacity_for_organiser(api: Api) -> None:
    r = api.client.get(f"{API}/festivals/{FID}/capacity", headers=bearer(api.organiser))
    body = r.json()
    assert r.status_code == 200
    assert (
        body["festival"],
        body["towns"],
        body["requested"],
        body["days"],
        body["slots_per_day"],
    ) == (FID, 4, 10, 2, 4)
    assert {x["key"] for x in body["by_town"]} == {"guzhen", "henglan", "shaxi", "shiqi"} or len(
        body["by_town"]
    ) >= 3


def test_calendar_feed_per_town_and_streamer(api: Api) -> None:
    r = api.client.get(
        f"{API}/festivals/{FID}/calendar.ics?town=guzhen", headers=bearer(api.organiser)
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = cal.walk("VEVENT")
    assert sorted(str(e["uid"]) for e in events) == [f"{sid(n)}@citylive" for n in (1, 2, 3)]
    first = next(e for e in events if str(e["uid"]) == f"{sid(1)}@citylive")
    assert first.decoded("dtstart").isoformat() == "2020-06-06T19:00:00+08:00"
    assert str(first["status"]) == "TENTATIVE" and "华艺灯饰 × 李明 (douyin)" == str(
        first["summary"]
    )
    assert cal.walk("VTIMEZONE")[0]["tzid"] == "Asia/Shanghai"
    # a feed token in the query works for calendar apps; the coordinator's feed stays in town
    made = api.client.post(f"{API}/tokens/feed", headers=bearer(api.guzhen))
    assert made.status_code == 201, made.text
    feed_token = made.json()["token"]
    assert made.json()["calendar_url"].endswith(
        f"/api/v1/festivals/{FID}/calendar.ics?token={feed_token}&town=guzhen"
    )
    feed = api.client.get(
        f"{API}/festivals/{FID}/calendar.ics?streamer=chen-hua&token={feed_token}"
    )
    assert feed.status_code == 200 and Calendar.from_ical(feed.content).walk("VEVENT") == []
    mine = api.client.get(f"{API}/festivals/{FID}/calendar.ics?venue=main&token={feed_token}")
    assert [str(e["uid"]) for e in Calendar.from_ical(mine.content).walk("VEVENT")] == [
        f"{sid(1)}@citylive"
    ]


def test_schedule_workbook(api: Api) -> None:
    api.client.post(f"{API}/sessions/{sid(1)}/confirm", headers=bearer(api.guzhen))
    r = api.client.get(f"{API}/festivals/{FID}/schedule.xlsx", headers=bearer(api.guzhen))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["日程 Schedule"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "场次 Session" and len(rows) == 4
    assert [row[0] for row in rows[1:]] == [sid(3), sid(1), sid(2)]
    assert rows[2][4:12] == (
        "主会场",
        1,
        "古镇镇",
        "灯饰照明",
        "华艺灯饰",
        "李明",
        "douyin",
        "已确认 confirmed",
    )
    towns = list(wb["确认 Confirmations"].iter_rows(values_only=True))
    assert towns[1:] == [("guzhen", "古镇镇", 2, 1, 0)]


def test_plan_launch_stores_a_new_version(api: Api) -> None:
    r = api.client.post(
        f"{API}/festivals/{FID}/plan", headers=bearer(api.organiser), json={"time_limit": 2}
    )
    assert r.status_code == 202
    run = r.json()
    assert run["festival"] == FID and run["status"] in ("scheduled", "running")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        state = api.client.get(
            f"{API}/festivals/{FID}/plan/{run['id']}", headers=bearer(api.organiser)
        ).json()
        if state["status"] in ("completed", "failed"):
            break
        time.sleep(0.2)
    assert state["status"] == "completed", state
    assert (state["version"], state["message"]) == (2, "stored schedule version 2")
    with Session(api.engine) as db:
        assert db.get(models.Festival, FID).current_version == 2  # type: ignore[union-attr]
        versions = db.exec(select(models.ScheduleVersion.version)).all()
        assert versions == [2]


def test_openapi_documents_every_route_with_models(api: Api) -> None:
    spec = api.client.get(f"{API}/openapi.json").json()
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if not {"festivals", "sessions", "exports"} & set(op.get("tags", [])):
                continue
            ok = op["responses"].get("200") or op["responses"].get("202")
            assert ok is not None, (method, path)
            content = ok.get("content", {})
            assert content, (method, path)
            if "application/json" in content:
                assert content["application/json"]["schema"], (method, path)
            assert "401" in op["responses"], (method, path)


def test_serve_command_answers_on_its_port(data_dir: Path) -> None:
    import subprocess
    import sys

    import httpx
    from support.factories import free_port

    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "citylive"), "serve", "--port", str(port)],
        cwd=ROOT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/festivals", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert r.status_code == 401 and r.json()["field"] == "Authorization"
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
        assert (data_dir / "citylive.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_session_event_without_prefect_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.prefect_events import emit_session_event

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert (
        emit_session_event(
            "citylive.session.declined", session_id=sid(1), festival_id=FID, town="guzhen"
        )
        is False
    )
