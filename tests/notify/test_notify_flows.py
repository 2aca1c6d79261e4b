"""The notification flows through Prefect's test harness: the nightly digest, queued once per
festival in play and day, then sent."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from support.notify_factories import SMALL_V1, release, store_festival

import flows  # noqa: F401 - CityLive's Prefect defaults before prefect is imported
import models
from citylive.db import db_scope
from citylive.festival import SlotRef

pytestmark = pytest.mark.xdist_group("prefect")


@pytest.fixture
def city(data_dir: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CITYLIVE_NOTIFY_CONFIG", raising=False)
    return data_dir


def test_send_digest_queues_each_festival_in_play_once_and_sends_it(city: Path) -> None:
    from flows.send_digest import send_digest

    with db_scope() as db:
        f = store_festival(db)
        release(db, f, SMALL_V1)
    # the night before the festival: 01:00 on 5 June in Asia/Shanghai
    now = f.slot_start(SlotRef(0, 0)) - timedelta(hours=33)
    first = send_digest(now=now)
    assert first["queued"] == {"small-2020": {"day": "2020-06-05", "queued": 1}}
    # no channel configured: the digest stays in the outbox, marked undeliverable
    assert (first["dispatch"]["sent"], first["dispatch"]["undeliverable"]) == (0, 1)
    again = send_digest(now=now)
    assert again == {"queued": {"small-2020": {"day": "2020-06-05", "queued": 0}}, "dispatch": None}
    later = send_digest(festival_id="small-2020", day=date(2020, 6, 6))
    assert later["queued"] == {"small-2020": {"day": "2020-06-06", "queued": 1}}
    after = send_digest(now=f.slot_end(SlotRef(1, 2)) + timedelta(days=2))
    assert after == {"queued": {}, "dispatch": None}
    with db_scope() as db:
        keys = sorted(db.exec(select(models.Notification.key)))
    assert keys == [
        "digest:small-2020:2020-06-05:organiser",
        "digest:small-2020:2020-06-06:organiser",
    ]
