"""Engines, sessions and the schema (owned by Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

import models  # noqa: F401 - registers every table on SQLModel.metadata
from citylive.config import get_settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets the portal read while a flow writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20)


@lru_cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(get_settings().resolved_database_url)


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    migrations = resources.files("citylive.migrations")
    cfg = Config(str(migrations / "alembic.ini"))
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine | None = None) -> None:
    """Bring the schema to the newest migration (idempotent; one migrator at a time)."""
    from alembic import command

    engine = engine or get_engine()
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with _one_migrator(engine), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def _one_migrator(engine: Engine) -> Iterator[None]:
    """Processes that start together on a new database (a demo's threads, server workers,
    flow runs) migrate one after the other: the others then find it at head."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(4242001)"))
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(4242001)"))
                conn.commit()
        return
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        yield
        return
    import fcntl

    with open(f"{path}.migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_migrated: set[str] = set()
_migrating = threading.Lock()


def init_db(engine: Engine | None = None) -> Engine:
    engine = engine or get_engine()
    key = engine.url.render_as_string(hide_password=False)
    if key not in _migrated:
        with _migrating:
            if key not in _migrated:
                migrate(engine)
                _migrated.add(key)
    return engine


def lock_festival(db: Session, festival_id: str) -> int | None:
    """Take the festival's write lock for the rest of `db`'s transaction; returns the festival's
    current schedule version (None: no such festival).

    PostgreSQL locks the festival's row (`FOR NO KEY UPDATE`: decisions, which only reference
    the row, are not held up).  SQLite has one writer at a time: the transaction starts
    `BEGIN IMMEDIATE`, so what it reads next cannot change before it commits.
    """
    conn = db.connection()
    F = models.Festival
    query = sa.select(col(F.current_version)).where(col(F.id) == festival_id)
    if conn.dialect.name == "sqlite":
        raw = conn.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        query = query.with_for_update(key_share=True)
    found = conn.execute(query).first()
    return None if found is None else int(found[0] or 0)


def warm_pool(engine: Engine, connections: int) -> None:
    """Open up to `connections` of the engine's pool now, as a server starts, so the first
    burst of requests does not open them one by one."""
    held = []
    try:
        for _ in range(connections):
            conn = engine.connect()
            conn.execute(sa.text("SELECT 1"))
            held.append(conn)
    finally:
        for conn in held:
            conn.close()


def open_db(engine: Engine | None = None) -> Session:
    """A database session for one unit of work (a request, a command); the caller closes it.
    Use cases commit their own work (docs/architecture.md)."""
    return Session(init_db(engine), expire_on_commit=False)


@contextmanager
def db_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    engine = init_db(engine)
    with Session(engine, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
