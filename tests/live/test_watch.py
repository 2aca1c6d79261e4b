"""Late detection on SQLite and PostgreSQL: the exact minute a session becomes late, one
alert per late session to its coordinator and the organisers, never twice, a pass that died
halfway repeated safely; the command line and the Prefect deployment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.live_factories import DFID, dsid, local

import models
from citylive.actions import live as actions
from citylive.festival import Festival
from citylive.live import late as late_pass
from citylive.scope import SYSTEM

ROOT = Path(__file__).resolve().parents[2]


def _late_rows(engine: Engine) -> list[tuple[str, str]]:
    N = models.Notification
    with Session(engine) as db:
        return sorted((n.key, n.recipient) for n in db.exec(select(N).where(N.event == "late")))


def _watch(engine: Engine, when: str) -> late_pass.LatePass:
    with Session(engine, expire_on_commit=False) as db:
        return actions.watch(db=db, festival_id=DFID, at=local(when))


def test_watch_not_late_at_exactly_ten_minutes(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    result = _watch(engine, "2020-06-06 19:10")
    assert (result.late, result.queued) == (0, 0)
    assert _late_rows(engine) == []


def test_watch_late_one_second_past_ten_minutes(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    with Session(engine, expire_on_commit=False) as db:
        result = actions.watch(
            db=db, festival_id=DFID, at=local("2020-06-06 19:10").replace(second=1)
        )
    assert (result.late, result.queued) == (3, 6)
    assert result.by_town == {"guzhen": [dsid(1), dsid(2)], "shaxi": [dsid(3)]}


def test_watch_alerts_coordinator_and_organisers(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    with Session(engine, expire_on_commit=False) as db:
        actions.mark(db=db, actor=SYSTEM, session_id=dsid(1), state="live")
    result = _watch(engine, "2020-06-06 19:11")
    assert (result.late, result.queued) == (2, 4)
    assert _late_rows(engine) == [
        (f"late:{DFID}:{dsid(2)}:coordinator:guzhen", "coordinator:guzhen"),
        (f"late:{DFID}:{dsid(2)}:organiser", "organiser"),
        (f"late:{DFID}:{dsid(3)}:coordinator:shaxi", "coordinator:shaxi"),
        (f"late:{DFID}:{dsid(3)}:organiser", "organiser"),
    ]
    with Session(engine) as db:
        subject = db.exec(
            select(models.Notification.subject).where(
                models.Notification.key == f"late:{DFID}:{dsid(3)}:coordinator:shaxi"
            )
        ).one()
    assert (
        subject
        == f"【小型直播节】迟到：场次 {dsid(3)} 未开播（2020-06-06 19:00 开始，已过 10 分钟）"
    )


def test_watch_twice_queues_each_alert_once(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    first = _watch(engine, "2020-06-06 19:11")
    second = _watch(engine, "2020-06-06 19:12")
    assert (first.late, first.queued) == (3, 6)
    assert (second.late, second.queued) == (3, 0)
    assert len(_late_rows(engine)) == 6


def test_watch_after_a_pass_that_died_halfway(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    at = local("2020-06-06 19:11")
    with Session(engine, expire_on_commit=False) as db:  # the first town's alerts, then death
        grace = late_pass.grace_of(db, DFID)
        found = late_pass.late_sessions(db, DFID, at, grace)
        d = late_pass.festival_directory(db, DFID)
        assert late_pass.queue_alerts(db, d, late_pass.by_town(found)["guzhen"], grace) == 4
        db.commit()
    again = _watch(engine, "2020-06-06 19:11")
    assert (again.late, again.queued) == (3, 2)
    assert len(_late_rows(engine)) == 6


def test_watch_ignores_live_ended_and_no_show(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    with Session(engine, expire_on_commit=False) as db:
        actions.mark(db=db, actor=SYSTEM, session_id=dsid(1), state="live")
        actions.mark(db=db, actor=SYSTEM, session_id=dsid(2), state="ended")
        actions.mark(db=db, actor=SYSTEM, session_id=dsid(3), state="no_show", who="enterprise")
    result = _watch(engine, "2020-06-06 19:30")
    assert (result.late, result.queued) == (0, 0)


def test_watch_counts_from_the_festival_setting(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(models.Festival, DFID)
        assert row is not None
        row.info = {**row.info, "late_after_minutes": 20}
        db.add(row)
        db.commit()
    assert _watch(engine, "2020-06-06 19:20").late == 0
    assert _watch(engine, "2020-06-06 19:21").late == 3


def test_day_watch_command_prints_the_counts(
    day_db: tuple[Engine, Festival, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from citylive import config
    from citylive.cli import app

    engine, _, _ = day_db
    if engine.dialect.name != "sqlite":
        url = engine.url.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{engine.url.database}"
    monkeypatch.setenv("CITYLIVE_DATABASE_URL", url)
    config.get_settings.cache_clear()
    try:
        args = ["day", "watch", "--festival", DFID, "--at", "2020-06-06T19:11:00+08:00"]
        first = CliRunner().invoke(app, args)
        second = CliRunner().invoke(app, args)
    finally:
        config.get_settings.cache_clear()
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        f"late in guzhen: {dsid(1)}, {dsid(2)}",
        f"late in shaxi: {dsid(3)}",
        f"festival={DFID} late=3 alerts_queued=6",
    ]
    assert second.output.splitlines()[-1] == f"festival={DFID} late=3 alerts_queued=0"


def test_watch_deployment_runs_every_minute_in_shanghai_time() -> None:
    doc = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (dep,) = [
        d for d in doc["deployments"] if d["entrypoint"] == "flows/watch_festival.py:watch_festival"
    ]
    assert dep["schedules"] == [{"cron": "* 8-23 * * *", "timezone": "Asia/Shanghai"}]
    from flows.watch_festival import watch_festival

    assert watch_festival.name == "watch-festival"


def test_festivals_on_day_by_their_own_zone(day_db: tuple[Engine, Festival, dict]) -> None:
    engine, _, _ = day_db
    with Session(engine) as db:
        assert actions.festivals_on_day(db=db, now=local("2020-06-06 00:30")) == [DFID]
        assert actions.festivals_on_day(db=db, now=local("2020-06-05 23:59")) == []
