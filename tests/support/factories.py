"""Factories for the API, auth and decision tests: the small festival with a handful of
sessions written straight into `festival_session`, tokens, and an app bound to a database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import models
from citylive.festival import Festival, SlotRef, load_festival
from citylive.festival.storage import import_festival
from citylive.token_store import create_token

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "examples" / "small.yaml"
FID = "small-2020"

# (n, enterprise, streamer, platform, venue, studio, day index, slot index)
SMALL_SESSIONS = [
    (1, "huayi", "li-ming", "douyin", "main", 1, 0, 2),  # guzhen
    (2, "huayi", "huayi-host", "taobao", "guzhen-venue", 1, 1, 0),  # guzhen
    (3, "juhao", "li-ming", "pdd", "guzhen-venue", 2, 0, 1),  # guzhen
    (4, "henglan-light", "chen-hua", "pdd", "main", 2, 1, 1),  # henglan
    (5, "ruiang", "ren-jing", "douyin", "shaxi-base", 1, 0, 2),  # shaxi
    (6, "shaxi-denim", "chen-hua", "1688", "shaxi-base", 2, 1, 2),  # shaxi
]
TOWN_OF = {1: "guzhen", 2: "guzhen", 3: "guzhen", 4: "henglan", 5: "shaxi", 6: "shaxi"}


def sid(n: int, festival_id: str = FID) -> str:
    return f"{festival_id}-s{n:05d}"


def add_session(
    db: Session,
    festival: Festival,
    n: int,
    enterprise: str,
    streamer: str,
    platform: str,
    venue: str,
    studio: int,
    day: int,
    slot: int,
    status: str = "proposed",
    version: int = 1,
) -> models.FestivalSession:
    ref = SlotRef(day, slot)
    e = festival.enterprise[enterprise]
    row = models.FestivalSession(
        id=sid(n, festival.id),
        festival_id=festival.id,
        enterprise=enterprise,
        streamer=streamer,
        platform=platform,
        venue=venue,
        studio=studio,
        start=festival.slot_start(ref),
        end=festival.slot_end(ref),
        status=models.SessionStatus(status),
        town=e.town,
        industry=e.industry,
        day=festival.days[day],
        slot=slot,
        version=version,
    )
    db.add(row)
    return row


def seed_small(
    db: Session, *, deadline: datetime | None = None, statuses: dict[int, str] | None = None
) -> Festival:
    """examples/small.yaml imported, with the six sessions of SMALL_SESSIONS (version 1)."""
    festival = load_festival(SMALL)
    import_festival(db, festival)
    for n, *rest in SMALL_SESSIONS:
        add_session(db, festival, n, *rest, status=(statuses or {}).get(n, "proposed"))  # type: ignore[arg-type]
    row = db.get(models.Festival, festival.id)
    assert row is not None
    row.current_version = 1
    row.confirmation_deadline = deadline
    db.add(row)
    db.commit()
    return festival


def token(db: Session, role: str, town: str | None = None, name: str | None = None) -> str:
    _, value = create_token(db=db, role=role, town=town, name=name)
    db.commit()
    return value


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@contextmanager
def bound_app(engine: Engine) -> Iterator[object]:
    """api.main.app, using `engine` for its database while the block runs."""
    from api.main import app

    previous = getattr(app.state, "engine", None)
    app.state.engine = engine
    try:
        yield app
    finally:
        app.state.engine = previous


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(engine: Engine) -> Iterator[str]:
    """A real uvicorn server for api.main.app on a free loopback port; yields its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    with bound_app(engine) as app:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@dataclass
class Api:
    client: TestClient
    engine: Engine
    organiser: str
    guzhen: str  # coordinator of guzhen
    shaxi: str  # coordinator of shaxi
    revoked: str
