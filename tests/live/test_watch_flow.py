"""The watch-festival flow under Prefect (the session's test server): one pass over the
festivals of the day, the alerts queued once however often it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from support.live_factories import DFID, dsid, local, seed_day

import models

pytestmark = pytest.mark.xdist_group("prefect")


def test_watch_festival_flow_alerts_once(
    data_dir: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CITYLIVE_NOTIFY_CONFIG", raising=False)
    from citylive.db import get_engine, init_db
    from flows.watch_festival import watch_festival

    engine = init_db(get_engine())
    with Session(engine, expire_on_commit=False) as db:
        seed_day(db)
    now = local("2020-06-06 19:11")
    first = watch_festival(now=now)  # the festivals of the day: found by the flow itself
    again = watch_festival(now=now)
    assert first["festivals"] == {
        DFID: {
            "late": 3,
            "queued": 6,
            "by_town": {"guzhen": [dsid(1), dsid(2)], "shaxi": [dsid(3)]},
        }
    }
    assert again["festivals"][DFID]["queued"] == 0
    N = models.Notification
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(N).where(N.event == "late")).one() == 6
    assert watch_festival(now=local("2020-06-09 19:11"))["festivals"] == {}
