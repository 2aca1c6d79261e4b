"""Planning through the API is a durable job: one per festival at a time, seen by every server
worker, still reported after a restart, and abandoned (not stuck) when its runner died."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.factories import FID, bearer, live_server, seed_small, token

import models
from citylive.db import init_db, make_engine
from models._types import utcnow


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def planned_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
        init_db(eng)
    else:
        eng = request.getfixturevalue("pg_engine")
    with Session(eng, expire_on_commit=False) as db:
        seed_small(db)
        organiser = token(db, "organiser", name="主办方")
    yield eng, organiser
    if request.param == "sqlite":
        eng.dispose()


def _wait_done(client: httpx.Client, organiser: str, job: str) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = client.get(f"/api/v1/festivals/{FID}/plan/{job}", headers=bearer(organiser))
        assert got.status_code == 200, got.text
        if got.json()["status"] in ("completed", "failed"):
            return got.json()
        time.sleep(0.2)
    raise AssertionError(f"job {job} did not finish")


def test_three_parallel_plan_requests_make_one_job_and_two_conflicts(
    planned_db: tuple[Engine, str],
) -> None:
    engine, organiser = planned_db
    barrier = threading.Barrier(3)
    answers: list[httpx.Response] = []
    with live_server(engine) as base, httpx.Client(base_url=base, timeout=60) as client:

        def ask() -> None:
            barrier.wait()
            answers.append(
                client.post(
                    f"/api/v1/festivals/{FID}/plan",
                    json={"time_limit": 2},
                    headers=bearer(organiser),
                )
            )

        threads = [threading.Thread(target=ask) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in answers)
        assert codes == [202, 409, 409], [r.text for r in answers]
        job = next(r.json() for r in answers if r.status_code == 202)
        assert (job["festival"], job["status"], job["runner"]) == (FID, "scheduled", "embedded")
        for refused in (r for r in answers if r.status_code == 409):
            body = refused.json()
            assert body["job"] == job["id"] and body["field"] == "fid"
            assert f"being planned already by job {job['id']}" in body["message"]
            for sql_word in ("INSERT", "UNIQUE", "SELECT", "constraint", "sqlite", "psycopg"):
                assert sql_word not in refused.text
        done = _wait_done(client, organiser, job["id"])
        released = client.get(f"/api/v1/festivals/{FID}/schedule", headers=bearer(organiser))
        assert released.status_code == 200
        document = released.json()
        assert (document["format"], document["festival"], document["version"]) == (
            "citylive/schedule@1",
            FID,
            2,
        )
        assert document["reason"] == "requested by 主办方"
        assert document["stats"]["placed"] == sum(
            1 for s in document["sessions"] if s["status"] in ("proposed", "confirmed")
        )
        # the answer is the stored document as it was dumped once, the spec's figures included
        with Session(engine) as db:
            stored = db.exec(
                select(models.ScheduleVersion.document).where(
                    models.ScheduleVersion.festival_id == FID, models.ScheduleVersion.version == 2
                )
            ).one()
        assert document == stored
        assert {"objective", "bound", "solve_seconds"} <= set(document["stats"])
    assert (done["status"], done["version"], done["message"]) == (
        "completed",
        2,
        "stored schedule version 2",
    )
    # the answer reads as a plan: each town, every unplaced request, the terms in words
    towns = {t["town"]: (t["requested"], t["placed"]) for t in done["readout"]["towns"]}
    assert {t: r for t, (r, _p) in towns.items()} == {
        "guzhen": 4, "henglan": 2, "shaxi": 4, "shiqi": 0,
    }  # fmt: skip
    assert sum(p for _r, p in towns.values()) == document["stats"]["placed"]
    assert len(done["readout"]["unplaced"]) == len(document["unplaced"])
    assert done["readout"]["terms"]["objective_means"].startswith("the schedule's score")
    with Session(engine) as db:
        assert db.exec(select(models.PlanJob.id)).all() == [job["id"]]
        assert db.get(models.Festival, FID).current_version == 2  # type: ignore[union-attr]
    # a restarted server (a new process would see the same rows) still reports the job
    with live_server(engine) as base, httpx.Client(base_url=base, timeout=30) as client:
        again = client.get(f"/api/v1/festivals/{FID}/plan/{job['id']}", headers=bearer(organiser))
        assert again.status_code == 200
        assert (again.json()["status"], again.json()["version"]) == ("completed", 2)
        # and the festival can be planned again now that the job is over
        next_job = client.post(
            f"/api/v1/festivals/{FID}/plan", json={"time_limit": 2}, headers=bearer(organiser)
        )
        assert next_job.status_code == 202
        assert _wait_done(client, organiser, next_job.json()["id"])["version"] == 3


def test_job_whose_runner_died_is_reported_abandoned(planned_db: tuple[Engine, str]) -> None:
    """A server killed mid-plan leaves a running row; its stopped heartbeat marks it failed,
    and the festival is free to be planned again."""
    engine, organiser = planned_db
    long_ago = utcnow() - timedelta(minutes=5)
    with Session(engine) as db:
        db.add(
            models.PlanJob(
                id="dead-job",
                festival_id=FID,
                state="running",
                requested_by="主办方",
                time_limit=30,
                created_at=long_ago,
                started_at=long_ago,
                heartbeat_at=long_ago,
            )
        )
        db.commit()
    with live_server(engine) as base, httpx.Client(base_url=base, timeout=30) as client:
        dead = client.get(f"/api/v1/festivals/{FID}/plan/dead-job", headers=bearer(organiser))
        assert dead.status_code == 200
        assert dead.json()["status"] == "failed"
        assert dead.json()["message"].startswith("abandoned: whatever ran it stopped")
        fresh = client.post(
            f"/api/v1/festivals/{FID}/plan", json={"time_limit": 2}, headers=bearer(organiser)
        )
        assert fresh.status_code == 202
        _wait_done(client, organiser, fresh.json()["id"])


def test_a_running_job_with_a_live_heartbeat_blocks_a_second_request(
    planned_db: tuple[Engine, str],
) -> None:
    engine, organiser = planned_db
    with Session(engine) as db:
        db.add(
            models.PlanJob(
                id="live-job",
                festival_id=FID,
                state="running",
                requested_by="主办方",
                time_limit=30,
                heartbeat_at=utcnow(),
            )
        )
        db.commit()
    with live_server(engine) as base, httpx.Client(base_url=base, timeout=30) as client:
        refused = client.post(
            f"/api/v1/festivals/{FID}/plan", json={"time_limit": 2}, headers=bearer(organiser)
        )
        assert refused.status_code == 409 and refused.json()["job"] == "live-job"
    with Session(engine) as db:
        assert db.exec(sa.select(sa.func.count()).select_from(models.PlanJob)).one()[0] == 1
