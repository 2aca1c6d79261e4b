"""Confirm / decline: idempotent, one winner in a race, audited, refused after the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select
from support.factories import seed_small, sid

import models
from citylive.actions.decisions import decide
from citylive.decision_rules import DecisionInvalid, SessionNotFound, history
from citylive.scope import Actor
from models.enums import Role

GUZHEN = Actor(role=Role.coordinator, name="王芳", town="guzhen", festival_id="small-2020")
ORGANISER = Actor(role=Role.organiser, name="organiser")


def _decisions(db: Session) -> list[tuple[str, str, str]]:
    rows = db.exec(select(models.Decision).order_by(models.Decision.id)).all()
    return [(d.session_id, d.action, d.outcome) for d in rows]


def test_decide_confirm_applies_and_audits(db: Session) -> None:
    seed_small(db)
    who = Actor(
        role=Role.coordinator,
        name="王芳",
        town="guzhen",
        festival_id="small-2020",
        token_id=3,
        remote_addr="10.0.0.7",
    )
    result = decide(db=db, actor=who, session_id=sid(1), action="confirm")
    db.commit()
    assert (result.outcome, result.session.status, result.session.row_version) == (
        "applied",
        "confirmed",
        2,
    )
    d = db.exec(select(models.Decision)).one()
    assert (
        d.session_id,
        d.action,
        d.outcome,
        d.actor,
        d.role,
        d.town,
        d.remote_addr,
        d.token_id,
    ) == (
        sid(1),
        "confirm",
        "applied",
        "王芳",
        "coordinator",
        "guzhen",
        "10.0.0.7",
        3,
    )
    assert d.festival_id == "small-2020" and d.reason is None


def test_decide_same_decision_twice_is_unchanged(db: Session) -> None:
    seed_small(db)
    decide(db=db, session_id=sid(1), action="decline", reason="主播生病", actor=GUZHEN)
    again = decide(db=db, session_id=sid(1), action="decline", reason="主播生病", actor=GUZHEN)
    db.commit()
    assert (again.outcome, again.session.status, again.session.row_version) == (
        "unchanged",
        "declined",
        2,
    )
    assert _decisions(db) == [(sid(1), "decline", "applied"), (sid(1), "decline", "unchanged")]


def test_decide_opposite_decision_is_a_conflict(db: Session) -> None:
    seed_small(db)
    decide(db=db, session_id=sid(1), action="confirm", actor=GUZHEN)
    lost = decide(db=db, session_id=sid(1), action="decline", reason="改主意", actor=GUZHEN)
    db.commit()
    assert (lost.outcome, lost.session.status) == ("conflict", "confirmed")
    assert "already confirmed" in lost.message
    assert _decisions(db) == [(sid(1), "confirm", "applied"), (sid(1), "decline", "conflict")]


def test_decide_after_deadline_is_refused(db: Session) -> None:
    deadline = datetime(2020, 6, 1, 18, 0, tzinfo=UTC)
    seed_small(db, deadline=deadline)
    late = decide(
        db=db,
        session_id=sid(2),
        action="confirm",
        now=deadline + timedelta(seconds=1),
        actor=GUZHEN,
    )
    in_time = decide(db=db, session_id=sid(3), action="confirm", now=deadline, actor=GUZHEN)
    db.commit()
    assert (late.outcome, late.session.status) == ("refused", "proposed")
    assert "2020-06-01T18:00:00+00:00" in late.message and "deadline" in late.message
    assert (in_time.outcome, in_time.session.status) == ("applied", "confirmed")


def test_decide_other_towns_session_is_not_found(db: Session) -> None:
    seed_small(db)
    with pytest.raises(SessionNotFound) as info:
        decide(db=db, session_id=sid(5), action="confirm", actor=GUZHEN)  # a shaxi session
    assert "shaxi" not in str(info.value)
    with pytest.raises(SessionNotFound):
        decide(db=db, session_id="small-2020-s99999", action="confirm", actor=GUZHEN)
    db.commit()
    assert db.get(models.FestivalSession, sid(5)).status == "proposed"  # type: ignore[union-attr]
    assert _decisions(db) == []


def test_decide_organiser_decides_any_town(db: Session) -> None:
    seed_small(db)
    result = decide(
        db=db,
        session_id=sid(5),
        action="decline",
        reason="会场停电",
        actor=ORGANISER,
    )
    db.commit()
    assert (result.outcome, result.session.status) == ("applied", "declined")
    assert db.exec(select(models.Decision)).one().town == "shaxi"


@pytest.mark.parametrize(
    ("action", "reason", "field"),
    [
        ("decline", None, "reason"),
        ("decline", "   ", "reason"),
        ("cancel", None, "action"),
        ("confirm", "x" * 2001, "reason"),
    ],
)
def test_decide_invalid_requests_name_the_field(
    db: Session, action: str, reason: str | None, field: str
) -> None:
    seed_small(db)
    with pytest.raises(DecisionInvalid) as info:
        decide(db=db, session_id=sid(1), action=action, reason=reason, actor=GUZHEN)
    assert info.value.field == field


def test_decide_cancelled_session_is_a_conflict(db: Session) -> None:
    seed_small(db, statuses={3: "cancelled"})
    result = decide(db=db, session_id=sid(3), action="confirm", actor=GUZHEN)
    assert (result.outcome, result.session.status) == ("conflict", "cancelled")


def test_decide_applied_queues_a_receipt(db: Session) -> None:
    seed_small(db)
    result = decide(db=db, session_id=sid(1), action="confirm", actor=GUZHEN)
    decide(db=db, session_id=sid(1), action="confirm", actor=GUZHEN)  # unchanged: no second receipt
    db.commit()
    rows = db.exec(select(models.Notification)).all()
    assert [(r.key, r.event, r.recipient) for r in rows] == [
        (
            f"receipt:small-2020:d{result.decision_id}:coordinator:guzhen",
            "receipt",
            "coordinator:guzhen",
        )
    ]


def test_history_newest_first_per_town(db: Session) -> None:
    seed_small(db)
    decide(db=db, session_id=sid(1), action="confirm", actor=GUZHEN)
    decide(db=db, session_id=sid(2), action="decline", reason="场地冲突", actor=GUZHEN)
    decide(
        db=db,
        session_id=sid(5),
        action="confirm",
        actor=Actor(role=Role.coordinator, name="李", town="shaxi", festival_id="small-2020"),
    )
    db.commit()
    rows, count = history(db=db, festival_id="small-2020", town="guzhen")
    assert count == 2 and [r.session_id for r in rows] == [sid(2), sid(1)]
    rows, count = history(db=db, session_id=sid(5))
    assert count == 1 and rows[0].actor == "李"
