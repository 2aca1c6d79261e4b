"""The festival-day tests' fixtures: tests/live/day.yaml seeded (tests/support/live_factories.py)
on SQLite and PostgreSQL, and an API over it with an organiser's and two coordinators' tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.factories import bearer, bound_app, token
from support.live_factories import DayApi, seed_day

from citylive.festival import Festival


@pytest.fixture
def day_db(engine: Engine) -> Iterator[tuple[Engine, Festival, dict[str, str]]]:
    with Session(engine, expire_on_commit=False) as db:
        festival = seed_day(db)
        tokens = {
            "organiser": token(db, "organiser", name="主办方"),
            "guzhen": token(db, "coordinator", "guzhen", name="王芳"),
            "shaxi": token(db, "coordinator", "shaxi", name="李强"),
        }
    yield engine, festival, tokens


@pytest.fixture
def day_api(day_db: tuple[Engine, Festival, dict[str, str]]) -> Iterator[DayApi]:
    engine, festival, tokens = day_db
    with bound_app(engine) as app, TestClient(app) as client:  # type: ignore[arg-type]
        yield DayApi(
            client,
            engine,
            festival,
            bearer(tokens["organiser"]),
            bearer(tokens["guzhen"]),
            bearer(tokens["shaxi"]),
        )
