"""The stand-in race on PostgreSQL with real concurrency: two coordinators name the same
streamer for the same slot at once (two threads, two connections, started together); one
wins, the other gets a Conflict naming the winner, and the schedule keeps every rule."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.live_factories import DFID, dsid, seed_day

import models
from citylive.actions import live as actions
from citylive.errors import Conflict
from citylive.schedule.checker import check_schedule
from citylive.schedule.release import current_document
from citylive.scope import Actor
from models.enums import Role

pytestmark = pytest.mark.postgres

GUZHEN = Actor(role=Role.coordinator, name="王芳", town="guzhen", festival_id=DFID)
SHAXI = Actor(role=Role.coordinator, name="李强", town="shaxi", festival_id=DFID)


def _race(engine: Engine, calls: list[Callable[[Session], object]]) -> list[object]:
    """Run the calls at once, each in its own thread and database session."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        with Session(engine, expire_on_commit=False) as db:
            start.wait()
            try:
                results[i] = calls[i](db)
            except Exception as exc:  # noqa: BLE001 - the loser's answer is the result
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _seeded(pg_engine: Engine, *no_shows: tuple[int, Actor]) -> None:
    with Session(pg_engine, expire_on_commit=False) as db:
        seed_day(db)
        for n, actor in no_shows:
            actions.mark(db=db, actor=actor, session_id=dsid(n), state="no_show", who="streamer")


def test_stand_in_race_for_one_streamer_one_wins(pg_engine: Engine) -> None:
    _seeded(pg_engine, (1, GUZHEN), (3, SHAXI))
    results = _race(
        pg_engine,
        [
            lambda db: actions.take_stand_in(
                db=db, actor=GUZHEN, session_id=dsid(1), streamer="wang-lei"
            ),
            lambda db: actions.take_stand_in(
                db=db, actor=SHAXI, session_id=dsid(3), streamer="wang-lei"
            ),
        ],
    )
    won = [r for r in results if isinstance(r, actions.LiveOutcome)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, 1), results
    winner = won[0].session.id
    assert lost[0].details["winner"]["session"] == winner
    assert lost[0].details["winner"]["by"] == ("王芳" if winner == dsid(1) else "李强")
    with Session(pg_engine) as db:
        streamers = dict(
            db.exec(
                select(models.FestivalSession.id, models.FestivalSession.streamer).where(
                    models.FestivalSession.id.in_([dsid(1), dsid(3)])  # type: ignore[attr-defined]
                )
            ).all()
        )
        row = db.get(models.Festival, DFID)
        assert row is not None and row.current_version == 2
        from citylive.festival.storage import load_stored_festival

        festival = load_stored_festival(db, DFID)
        assert check_schedule(festival, current_document(db=db, festival_id=DFID)) == []
    assert list(streamers.values()).count("wang-lei") == 1


def test_stand_in_race_for_one_session_one_wins(pg_engine: Engine) -> None:
    _seeded(pg_engine, (2, GUZHEN))
    organiser = Actor(role=Role.organiser, name="主办方")
    results = _race(
        pg_engine,
        [
            lambda db: actions.take_stand_in(
                db=db, actor=GUZHEN, session_id=dsid(2), streamer="wang-lei"
            ),
            lambda db: actions.take_stand_in(
                db=db, actor=organiser, session_id=dsid(2), streamer="zhao-min"
            ),
        ],
    )
    won = [r for r in results if isinstance(r, actions.LiveOutcome)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, 1), results
    assert lost[0].details["winner"] == {
        "session": dsid(2),
        "streamer": won[0].session.streamer,
        "by": "王芳" if won[0].session.streamer == "wang-lei" else "主办方",
    }


def test_replacement_race_for_one_enterprise_one_wins(pg_engine: Engine) -> None:
    """古镇家饰 asked for one session and fits two empty slots: two coordinators give it
    both at once; one wins, the other is told whose it is."""
    from support.factories import add_session

    from citylive.festival.storage import load_stored_festival

    with Session(pg_engine, expire_on_commit=False) as db:
        festival = seed_day(db)
        add_session(
            db, festival, 8, "juhao", "wang-lei", "pdd", "guzhen-venue", 2, 1, 2, "confirmed"
        )
        db.commit()
        for n in (1, 8):
            actions.mark(db=db, actor=GUZHEN, session_id=dsid(n), state="no_show", who="enterprise")
    organiser = Actor(role=Role.organiser, name="主办方")
    results = _race(
        pg_engine,
        [
            lambda db: actions.take_replacement(
                db=db, actor=GUZHEN, session_id=dsid(1), enterprise="guzhen-deco"
            ),
            lambda db: actions.take_replacement(
                db=db, actor=organiser, session_id=dsid(8), enterprise="guzhen-deco"
            ),
        ],
    )
    won = [r for r in results if isinstance(r, actions.LiveOutcome)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, 1), results
    winner = won[0].session.id
    assert lost[0].details["winner"]["session"] == winner
    assert lost[0].details["winner"]["by"] == ("王芳" if winner == dsid(1) else "主办方")
    with Session(pg_engine) as db:
        row = db.get(models.Festival, DFID)
        assert row is not None and row.current_version == 2
        enterprises = list(
            db.exec(
                select(models.FestivalSession.enterprise).where(
                    models.FestivalSession.id.in_([dsid(1), dsid(8)])  # type: ignore[attr-defined]
                )
            )
        )
        festival = load_stored_festival(db, DFID)
        assert check_schedule(festival, current_document(db=db, festival_id=DFID)) == []
    assert enterprises.count("guzhen-deco") == 1
