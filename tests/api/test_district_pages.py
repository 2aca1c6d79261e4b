"""The programme, the coordinator's portal and the organisers' overview of a city with two
districts (west: guzhen, henglan; centre: shiqi; shaxi in none): grouped district -> town ->
venue, the district shown, the overview filtered by district; a city without districts
looks as before."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.districts import seed_districts
from support.factories import FID, bound_app, seed_small, token

ORIGIN = {"origin": "http://testserver"}


def _groups(html: str) -> list[str]:
    """The programme's rows in order: district and town headings, venues."""
    return re.findall(r'<tr (?:class="group (?:district|town)" )?data-(\w+="[^"]*")', html)


def test_programme_grouped_by_district_town_venue(engine: Engine) -> None:
    with Session(engine) as db:
        seed_districts(db)
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        html = c.get(f"/programme/{FID}?day=2020-06-06").text
        assert _groups(html) == [
            'district="city"',
            'venue="main"',
            'district="west"',
            'venue="west-hall"',
            'town="guzhen"',
            'venue="guzhen-venue"',
            'venue="huayi-rooms"',
            'district=""',
            'town="shaxi"',
            'venue="shaxi-base"',
        ]
        assert '<th colspan="5" scope="rowgroup">西部组团</th>' in html
        assert '<th colspan="5" scope="rowgroup">不属于片区</th>' in html
        assert '<th colspan="5" scope="rowgroup">全市 · 主会场</th>' in html
        assert '<option value="west" >西部组团</option>' in html
        en = c.get(f"/programme/{FID}?day=2020-06-06&lang=en").text
        assert '<th colspan="5" scope="rowgroup">City · main venue</th>' in en
        assert '<th colspan="5" scope="rowgroup">In no district</th>' in en
        assert "<label>District<select" in en
        assert 'data-count="3"' in html  # sessions 1, 3 and 5 on the first day
        west = c.get(f"/programme/{FID}?day=2020-06-06&district=west").text
        assert _groups(west) == [
            'district="city"',
            'venue="main"',
            'district="west"',
            'venue="west-hall"',
            'town="guzhen"',
            'venue="guzhen-venue"',
            'venue="huayi-rooms"',
        ]
        assert 'data-count="2"' in west  # 1 (main) and 3 (west-hall): guzhen's enterprises
        assert 'data-session="small-2020-s00005"' not in west
        assert '<option value="west" selected>西部组团</option>' in west


def test_programme_of_a_city_without_districts_is_unchanged(engine: Engine) -> None:
    with Session(engine) as db:
        seed_small(db)
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        html = c.get(f"/programme/{FID}?day=2020-06-06").text
    assert _groups(html) == ['venue="main"', 'venue="guzhen-venue"', 'venue="shaxi-base"']
    assert "rowgroup" not in html and "片区" not in html


def test_portal_and_overview_show_and_filter_by_district(engine: Engine) -> None:
    with Session(engine) as db:
        seed_districts(db, statuses={1: "confirmed", 5: "declined"})
        guzhen = token(db, "coordinator", "guzhen", name="王芳")
        shaxi = token(db, "coordinator", "shaxi", name="李强")
        organiser = token(db, "organiser", name="主办方")
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        c.post("/portal/signin", data={"token": guzhen}, headers=ORIGIN)
        assert '<p id="district">片区: <strong>西部组团</strong></p>' in c.get("/portal").text
        c.post("/portal/signin", data={"token": shaxi}, headers=ORIGIN)
        assert 'id="district"' not in c.get("/portal").text
        c.post("/portal/signin", data={"token": organiser}, headers=ORIGIN)
        every = c.get("/portal/overview").text
        west = c.get("/portal/overview?district=west").text
    assert _towns(every) == [  # districts in the file's order, then the towns in none
        ("西部组团", "古镇镇", "2", "1", "0", "3"),
        ("西部组团", "横栏镇", "1", "0", "0", "1"),
        ("中心组团", "石岐街道", "0", "0", "0", "0"),
        ("不属于片区", "沙溪镇", "1", "0", "1", "2"),
    ]
    assert _towns(west) == [
        ("西部组团", "古镇镇", "2", "1", "0", "3"),
        ("西部组团", "横栏镇", "1", "0", "0", "1"),
    ]
    assert '<option value="west" selected>西部组团</option>' in west


def _towns(html: str) -> list[tuple[str, ...]]:
    """(district, town, waiting, confirmed, declined, total) per line of the overview."""
    return re.findall(
        r'<tr data-town="[^"]*"><td data-district="[^"]*">([^<]*)</td><td><a href="[^"]*" title="[^"]*">([^ <]*)</a> <span'
        r'[^>]*>[^<]*</span></td>\s*<td class="num">(\d+)</td><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>',
        html,
    )


def test_workbook_and_calendar_name_the_district(engine: Engine) -> None:
    from io import BytesIO

    from icalendar import Calendar
    from openpyxl import load_workbook
    from support.factories import bearer

    with Session(engine) as db:
        seed_districts(db)
        organiser = bearer(token(db, "organiser", name="主办方"))
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        xlsx = c.get(f"/api/v1/festivals/{FID}/schedule.xlsx", headers=organiser)
        ics = c.get(f"/api/v1/festivals/{FID}/calendar.ics", headers=organiser)
    assert xlsx.status_code == 200 and ics.status_code == 200
    sheet = load_workbook(BytesIO(xlsx.content))["日程 Schedule"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][5:9] == ("直播间 Studio", "镇街 Town", "片区 District", "行业 Industry")
    assert [(r[0][-1], r[4], r[6], r[7]) for r in rows[1:]] == [
        ("3", "西部分会场", "古镇镇", "西部组团"),
        ("1", "主会场", "古镇镇", "西部组团"),
        ("2", "华艺直播间", "古镇镇", "西部组团"),
        ("4", "主会场", "横栏镇", "西部组团"),
        ("5", "沙溪分会场", "沙溪镇", "不属于片区"),
        ("6", "沙溪分会场", "沙溪镇", "不属于片区"),
    ]
    events = {
        str(e["uid"]): e for e in Calendar.from_ical(ics.content).walk() if e.name == "VEVENT"
    }
    first = events[f"{FID}-s00001@citylive"]
    assert "district: 西部组团\n" in str(first["description"])
    assert [str(x) for x in first["categories"].cats] == ["guzhen", "west", "lighting", "douyin"]
    assert "district: -\n" in str(events[f"{FID}-s00005@citylive"]["description"])


def test_programme_of_the_full_example(engine: Engine) -> None:
    from support.factories import ROOT

    from citylive.festival import load_festival
    from citylive.festival.storage import import_festival

    with Session(engine) as db:
        import_festival(db, load_festival(ROOT / "examples" / "full.yaml"))
        db.commit()
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        html = c.get("/programme/full-2020").text
    assert _groups(html) == [
        'district="city"',
        'venue="main"',
        'district="west"',
        'venue="west-hall"',
        'town="guzhen"',
        'venue="guzhen-venue"',
        'venue="huayi-rooms"',
        'district="centre"',
        'town="shaxi"',
        'venue="shaxi-base"',
    ]
    assert '<th colspan="5" scope="rowgroup">中心组团</th>' in html


def test_sessions_route_filters_by_district(engine: Engine) -> None:
    from support.factories import bearer

    with Session(engine) as db:
        seed_districts(db)
        organiser = bearer(token(db, "organiser", name="主办方"))
        shaxi = bearer(token(db, "coordinator", "shaxi", name="李强"))
    api = f"/api/v1/festivals/{FID}"
    with bound_app(engine) as app, TestClient(app) as c:  # type: ignore[arg-type]
        west = c.get(f"{api}/sessions?district=west", headers=organiser).json()
        centre = c.get(f"{api}/sessions?district=centre", headers=organiser).json()
        other = c.get(f"{api}/sessions?district=west", headers=shaxi).json()
        xlsx = c.get(f"{api}/schedule.xlsx?district=west", headers=organiser)
    assert [(s["id"][-1], s["town"]) for s in west["data"]] == [
        ("3", "guzhen"),
        ("1", "guzhen"),
        ("2", "guzhen"),
        ("4", "henglan"),
    ]
    assert (centre["count"], other["count"]) == (0, 0)  # a coordinator stays in its town
    assert 'filename="small-2020-west.xlsx"' in xlsx.headers["content-disposition"]
