"""The notification actions: organisers only, a festival's token limited to its festival,
bounded pages, the digest and reminders queued once (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select
from support.notify_factories import SMALL_V1, outbox_rows, release, store_festival

import models
from citylive.actions import notifications as actions
from citylive.errors import Forbidden, Invalid, NotFound
from citylive.festival import SlotRef
from citylive.scope import SYSTEM, Actor
from models.enums import NotificationStatus, Role

SMALL_ONLY = Actor(role=Role.organiser, name="小型直播节组委会", festival_id="small-2020")
GUZHEN = Actor(role=Role.coordinator, name="王芳", town="guzhen", festival_id="small-2020")


def two_festivals_outbox(db: Session) -> None:
    """small-2020: 3 rows (one failed); other-2020: 2 rows, both failed."""
    outbox_rows(db, 2, prefix="s", festival_id="small-2020")
    outbox_rows(db, 1, prefix="f", festival_id="small-2020", status="failed")
    outbox_rows(db, 2, prefix="o", festival_id="other-2020", status="failed")


def test_outbox_for_an_organiser_covers_every_festival(db: Session) -> None:
    two_festivals_outbox(db)
    page = actions.outbox(db=db, actor=SYSTEM)
    assert page.count == 5
    assert [r.recipient for r in page.data] == [
        "enterprise:o00001",
        "enterprise:o00000",
        "enterprise:f00000",
        "enterprise:s00001",
        "enterprise:s00000",
    ]
    failed = actions.outbox(db=db, actor=SYSTEM, undelivered_only=True, limit=2, offset=1)
    assert (failed.count, [r.recipient for r in failed.data]) == (
        3,
        ["enterprise:o00000", "enterprise:f00000"],
    )
    assert actions.outbox_totals(db=db, actor=SYSTEM) == {
        NotificationStatus.pending: 2,
        NotificationStatus.sending: 0,
        NotificationStatus.sent: 0,
        NotificationStatus.failed: 3,
        NotificationStatus.undeliverable: 0,
    }


def test_outbox_of_a_festival_token_is_that_festivals_only(db: Session) -> None:
    two_festivals_outbox(db)
    page = actions.outbox(db=db, actor=SMALL_ONLY)
    assert page.count == 3
    assert {r.festival_id for r in page.data} == {"small-2020"}
    assert actions.outbox(db=db, actor=SMALL_ONLY, status=NotificationStatus.failed).count == 1
    assert actions.outbox_totals(db=db, actor=SMALL_ONLY)[NotificationStatus.failed] == 1
    with pytest.raises(NotFound, match="no festival 'other-2020'"):
        actions.outbox(db=db, actor=SMALL_ONLY, festival_id="other-2020")
    assert [g.recipient for g in actions.undelivered_messages(db=db, actor=SMALL_ONLY)] == [
        "enterprise:f00000"
    ]
    # putting messages back is scoped the same way
    assert actions.requeue_undelivered(db=db, actor=SMALL_ONLY) == 1
    assert actions.outbox_totals(db=db, actor=SYSTEM)[NotificationStatus.failed] == 2


def test_outbox_is_for_organisers_only(db: Session) -> None:
    with pytest.raises(Forbidden, match="only organisers may read the outbox"):
        actions.outbox(db=db, actor=GUZHEN)
    with pytest.raises(Forbidden):
        actions.requeue_undelivered(db=db, actor=GUZHEN)
    with pytest.raises(Forbidden):
        actions.queue_digest(db=db, actor=GUZHEN, festival_id="small-2020")


@pytest.mark.parametrize(
    "bounds,field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": 10**30}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10_000_001}, "offset"),
        ({"offset": 9223372036854775808}, "offset"),
    ],
)
def test_outbox_page_bounds_are_refused_by_name(
    db: Session, bounds: dict[str, int], field: str
) -> None:
    with pytest.raises(Invalid) as err:
        actions.outbox(db=db, actor=SYSTEM, **bounds)  # type: ignore[arg-type]
    assert err.value.field == field


def test_send_outbox_is_not_for_a_festival_token_and_is_bounded() -> None:
    with pytest.raises(Forbidden, match="every festival's messages"):
        actions.send_outbox(actor=SMALL_ONLY)
    with pytest.raises(Invalid):
        actions.send_outbox(actor=SYSTEM, limit=0)
    with pytest.raises(Invalid):
        actions.send_outbox(actor=SYSTEM, wait_for_retries=10**9)


def test_queue_digest_defaults_to_the_festivals_own_today_and_runs_once(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    db.commit()
    # 17:00 UTC on 5 June is 01:00 on 6 June in Asia/Shanghai: the nightly run's day
    night = datetime(2020, 6, 5, 17, 0, tzinfo=UTC)
    done = actions.queue_digest(db=db, actor=SMALL_ONLY, festival_id=f.id, now=night)
    assert (done.day, done.queued) == (date(2020, 6, 6), 1)
    again = actions.queue_digest(db=db, actor=SYSTEM, festival_id=f.id, now=night)
    assert again.queued == 0
    other = actions.queue_digest(db=db, actor=SYSTEM, festival_id=f.id, day=date(2020, 6, 7))
    assert other.queued == 1
    keys = sorted(db.exec(select(models.Notification.key)))
    assert keys == [
        "digest:small-2020:2020-06-06:organiser",
        "digest:small-2020:2020-06-07:organiser",
    ]
    with pytest.raises(NotFound):
        actions.queue_digest(db=db, actor=SYSTEM, festival_id="nowhere")


def test_festivals_in_play_for_the_digest_and_the_reminders(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    db.commit()
    last_end = f.slot_end(SlotRef(1, 2))  # session 2, the last of SMALL_V1
    first_start = f.slot_start(SlotRef(0, 0))
    assert actions.festivals_for_digest(db=db, actor=SYSTEM, now=first_start) == [f.id]
    assert actions.festivals_for_digest(
        db=db, actor=SYSTEM, now=last_end + timedelta(hours=23)
    ) == [f.id]
    assert actions.festivals_for_digest(db=db, actor=SYSTEM, now=last_end + timedelta(days=2)) == []
    assert actions.festivals_to_remind(db=db, actor=SYSTEM, now=first_start) == [f.id]
    assert actions.festivals_to_remind(db=db, actor=SYSTEM, now=last_end) == []
    other = Actor(role=Role.organiser, name="x", festival_id="other-2020")
    assert actions.festivals_for_digest(db=db, actor=other, now=first_start) == []


def test_queue_reminders_in_scope_and_once(db: Session) -> None:
    f = store_festival(db)
    release(db, f, SMALL_V1)
    db.commit()
    now = f.slot_start(SlotRef(0, 2)) - timedelta(minutes=45)
    assert actions.queue_reminders(db=db, actor=SYSTEM, festival_id=f.id, now=now) == 6
    assert actions.queue_reminders(db=db, actor=SMALL_ONLY, festival_id=f.id, now=now) == 0
    other = Actor(role=Role.organiser, name="x", festival_id="other-2020")
    with pytest.raises(NotFound):
        actions.queue_reminders(db=db, actor=other, festival_id=f.id, now=now)
