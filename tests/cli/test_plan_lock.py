"""One planner at a time: `citylive plan --festival` takes the same planning-job lock as the
API, says which job holds it when it cannot, and holds it while it plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

import models
from citylive.cli import app

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "examples" / "small.yaml"


@pytest.fixture
def stored(data_dir: Path) -> Path:
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(SMALL)])
    assert done.exit_code == 0, done.output
    return data_dir


def _engine():  # type: ignore[no-untyped-def]
    from citylive.db import get_engine, init_db

    return init_db(get_engine())


def test_cli_plan_while_an_api_job_runs_exits_1_naming_the_job(stored: Path) -> None:
    from citylive.actions.plan_jobs import request_plan
    from citylive.scope import Actor, Role

    organiser = Actor(role=Role.organiser, name="市商务局", token_id=1)
    with Session(_engine(), expire_on_commit=False) as db:
        job = request_plan(db=db, actor=organiser, festival_id="small-2020", time_limit=30)
    out = stored / "v.json"
    result = CliRunner().invoke(
        app, ["plan", "--festival", "small-2020", "--out", str(out), "--time-limit", "3"]
    )
    assert result.exit_code == 1
    words = " ".join(result.output.split())
    assert words.startswith(
        f"error: festival 'small-2020' is being planned already by job {job.id} (scheduled since "
    )
    assert not out.exists()
    with Session(_engine()) as db:
        assert db.exec(select(models.ScheduleVersion)).first() is None


def test_cli_plan_holds_the_lock_and_records_its_job(stored: Path) -> None:
    out = stored / "v.json"
    result = CliRunner().invoke(
        app, ["plan", "--festival", "small-2020", "--out", str(out), "--time-limit", "3"]
    )
    assert result.exit_code == 0, result.output
    with Session(_engine()) as db:
        [job] = db.exec(select(models.PlanJob)).all()
    assert (job.runner, job.state, job.version, job.requested_by) == (
        "cli",
        "completed",
        1,
        "citylive plan",
    )


def test_api_request_while_the_cli_plans_is_refused_naming_the_cli_job(stored: Path) -> None:
    from citylive.actions.plan_jobs import PlanJobRunning, plan_lock, request_plan
    from citylive.scope import Actor, Role

    engine = _engine()
    organiser = Actor(role=Role.organiser, name="市商务局", token_id=1)
    with plan_lock(
        engine=engine, actor=Actor.system("citylive plan"), festival_id="small-2020", time_limit=5
    ) as lock:
        with Session(engine) as db, pytest.raises(PlanJobRunning) as err:
            request_plan(db=db, actor=organiser, festival_id="small-2020", time_limit=30)
        assert err.value.details == {"job": lock.job.id}
        assert f"by job {lock.job.id} (running since " in str(err.value)
    with Session(engine) as db:
        ended = db.get(models.PlanJob, lock.job.id)
        assert ended is not None
        assert (ended.state, ended.version, ended.message) == (
            "completed",
            None,
            "released no version",
        )
    with pytest.raises(RuntimeError, match="solver died"):
        with plan_lock(engine=engine, actor=organiser, festival_id="small-2020", time_limit=5):
            raise RuntimeError("solver died")
    with Session(engine) as db:
        [failed] = db.exec(select(models.PlanJob).where(models.PlanJob.state == "failed")).all()
        assert (failed.message, failed.requested_by) == ("solver died", "市商务局")
