"""GET /festivals/{fid}/schedule answers with the released document as it was stored: one
dump, the spec's figures written as null where the run has none, as the schedule file has
them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.factories import FID, SMALL, bearer, bound_app, token

from citylive.festival import load_festival
from citylive.festival.storage import import_festival
from citylive.schedule import load_schedule, store_schedule


def test_schedule_response_is_the_stored_dump(engine: Engine) -> None:
    festival = load_festival(SMALL)
    document = load_schedule(
        {
            "format": "citylive/schedule@1",
            "festival": FID,
            "sessions": [
                {
                    "id": f"{FID}-s00001",
                    "enterprise": "huayi",
                    "streamer": "li-ming",
                    "platform": "douyin",
                    "venue": "main",
                    "studio": 1,
                    "start": "2020-06-06T19:00:00+08:00",
                    "end": "2020-06-06T21:00:00+08:00",
                    "status": "proposed",
                }
            ],
            "stats": {"placed": 1, "requested": 10, "value": 5},
        }
    )
    with Session(engine, expire_on_commit=False) as db:
        import_festival(db, festival)
        stored = store_schedule(db=db, festival=festival, document=document)
        db.commit()
        value = token(db, "organiser")
    with bound_app(engine) as app, TestClient(app) as client:  # type: ignore[arg-type]
        answer = client.get(f"/api/v1/festivals/{FID}/schedule", headers=bearer(value))
    assert answer.status_code == 200
    assert answer.json() == stored.document
    assert answer.json()["stats"] == {
        "placed": 1,
        "requested": 10,
        "value": 5,
        "objective": None,
        "bound": None,
        "solve_seconds": None,
    }
    assert answer.json()["sessions"][0]["start"] == "2020-06-06T19:00:00+08:00"
