"""Shared fixtures: real databases (SQLite file and PostgreSQL), example festivals.

PostgreSQL tests use a fresh schema per test run on 127.0.0.1:5432 (database `test`).  Outside
CI a missing server skips them with the reason; under CI=true it fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from citylive.db import init_db, make_engine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PG_URL = os.environ.get("CITYLIVE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        eng = sa.create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL at {PG_URL} is not reachable: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL server's URL; skips (or fails, under CI) when it is not reachable."""
    reason = _pg_available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI needs it: start it with pg_ctlcluster ... main start)")
        pytest.skip(reason)
    return PG_URL


_PG_SCHEMAS: dict[int, str] = {}


def fresh_pg_engine() -> Engine:
    """Each test gets its own schema so tests never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    engine = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    _PG_SCHEMAS[id(engine)] = schema
    return engine


def drop_pg(engine: Engine) -> None:
    schema = _PG_SCHEMAS.pop(id(engine))
    engine.dispose()
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty CityLive database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'citylive.db'}")
        init_db(eng)
        yield eng
        eng.dispose()
        return
    request.getfixturevalue("pg_url")  # skips or fails when PostgreSQL is missing
    eng = fresh_pg_engine()
    init_db(eng)
    yield eng
    drop_pg(eng)


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, empty CityLive database on PostgreSQL only."""
    request.getfixturevalue("pg_url")
    eng = fresh_pg_engine()
    init_db(eng)
    yield eng
    drop_pg(eng)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated CITYLIVE_DATA_DIR with the embedded default database inside it."""
    from citylive import config

    d = tmp_path / "data"
    monkeypatch.setenv("CITYLIVE_DATA_DIR", str(d))
    monkeypatch.delenv("CITYLIVE_DATABASE_URL", raising=False)
    config.get_settings.cache_clear()
    yield d
    config.get_settings.cache_clear()


@pytest.fixture
def example_path() -> Path:
    return EXAMPLES / "zhongshan-2020.yaml"


@pytest.fixture
def small_path() -> Path:
    return EXAMPLES / "small.yaml"


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One Prefect test server (a temporary database) for the session's flow tests; heartbeats
    off, so a sync flow does not wait for its last one.  Yields the server's API URL."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    import flows  # noqa: F401 - CityLive's Prefect defaults, before prefect is imported
    from flows._prefect import flow_runs_started_since, wait_until_recorded

    with prefect_test_harness(server_startup_timeout=180):
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            started = datetime.now(UTC)
            yield str(PREFECT_API_URL.value())
            # the harness stops its server next: its task-run recorder must be idle by then
            wait_until_recorded(flow_runs_started_since(started))
