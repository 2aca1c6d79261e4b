"""A session in a themed showcase block carries its theme through storing, the API, the
programme grid and the portal."""

from __future__ import annotations

import json

import yaml
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.factories import SMALL, bearer, bound_app, token

import models
from citylive.festival import parse_festival
from citylive.festival.storage import import_festival
from citylive.notify import enqueue_schedule_release
from citylive.schedule import load_schedule, store_schedule

FID = "small-2020"


def _festival_with_theme() -> dict:
    doc = json.loads(json.dumps(yaml.safe_load(SMALL.read_text(encoding="utf-8")), default=str))
    doc["themes"] = [
        {
            "id": "meiju",
            "name": "中山美居",
            "industries": ["lighting"],
            "slots": ["2020-06-06T19:00"],
            "studios": 1,
        }
    ]
    return doc


def test_theme_is_stored_served_and_shown(engine: Engine) -> None:
    festival = parse_festival(_festival_with_theme())
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
                    "theme": "meiju",
                }
            ],
        }
    )
    with Session(engine, expire_on_commit=False) as db:
        import_festival(db, festival)
        stored = store_schedule(db=db, festival=festival, document=document)
        enqueue_schedule_release(db=db, festival_id=festival.id, version=stored.version)
        db.commit()
        value = token(db, "coordinator", "guzhen")
    with bound_app(engine) as app, TestClient(app) as client:  # type: ignore[arg-type]
        api = client.get(f"/api/v1/festivals/{FID}/sessions", headers=bearer(value)).json()
        assert [(s["id"], s["theme"]) for s in api["data"]] == [(f"{FID}-s00001", "meiju")]
        grid = client.get(f"/programme/{FID}").text
        assert '<span class="theme" data-theme="中山美居">中山美居</span>' in grid
        client.post(
            "/portal/signin", data={"token": value}, headers={"origin": "http://testserver"}
        )
        portal = client.get("/portal").text
        assert '<dt>主题专场</dt><dd class="theme">中山美居</dd>' in portal
    with Session(engine) as db:
        message = db.exec(
            select(models.Notification).where(
                models.Notification.key == f"assignment:{FID}:v1:coordinator:guzhen"
            )
        ).one()
    assert "| 主会场 · 中山美居 |" in message.body_markdown
