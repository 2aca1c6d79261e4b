"""The API tests' app: the small festival seeded once, copied per test, with a token for the
organiser, two town coordinators and a revoked one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from support.factories import Api, bound_app, seed_small, token

import models
from citylive.db import init_db, make_engine
from citylive.token_store import revoke_token


@pytest.fixture(scope="session")
def api_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A migrated, seeded SQLite file made once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("api") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    init_db(eng)
    with Session(eng, expire_on_commit=False) as db:
        seed_small(db)
        tokens = {
            "organiser": token(db, "organiser", name="主办方"),
            "guzhen": token(db, "coordinator", "guzhen", name="王芳"),
            "shaxi": token(db, "coordinator", "shaxi", name="李强"),
            "revoked": token(db, "coordinator", "guzhen", name="old"),
        }
        token_id = db.exec(select(models.ApiToken.id).where(models.ApiToken.name == "old")).one()
        revoke_token(db=db, token_id=token_id)
        db.commit()
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path, tokens


@pytest.fixture
def api(api_template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    template, tokens = api_template
    shutil.copy(template, tmp_path / "api.db")
    eng = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    with bound_app(eng) as app, TestClient(app) as client:  # type: ignore[arg-type]
        yield Api(
            client, eng, tokens["organiser"], tokens["guzhen"], tokens["shaxi"], tokens["revoked"]
        )
    eng.dispose()
