"""Racing decisions on PostgreSQL: many confirm/decline at once on one session, one winner."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.factories import bearer, live_server, seed_small, sid, token

import models
from citylive.actions.decisions import decide
from citylive.scope import Actor
from models.enums import Role

pytestmark = pytest.mark.postgres


def _final(engine: Engine, session_id: str) -> tuple[str, int, list[tuple[str, str]]]:
    with Session(engine) as db:
        row = db.get(models.FestivalSession, session_id)
        assert row is not None
        decisions = db.exec(
            select(models.Decision).where(models.Decision.session_id == session_id)
        ).all()
        return row.status, row.row_version, [(d.action, d.outcome) for d in decisions]


def test_fifty_parallel_http_decisions_have_one_winner(pg_engine: Engine) -> None:
    with Session(pg_engine, expire_on_commit=False) as db:
        seed_small(db)
        tok = token(db, "coordinator", "guzhen")
    target = sid(1)
    barrier = threading.Barrier(50)
    with live_server(pg_engine) as base, httpx.Client(base_url=base, timeout=30) as client:

        def one(i: int) -> tuple[str, int, str, str]:
            action = "confirm" if i % 2 == 0 else "decline"
            body = None if action == "confirm" else {"reason": f"冲突 {i}"}
            barrier.wait()
            r = client.post(f"/api/v1/sessions/{target}/{action}", headers=bearer(tok), json=body)
            data = r.json()
            state = data["status"] if r.status_code == 200 else data["session"]["status"]
            return action, r.status_code, data.get("outcome", ""), state

        with ThreadPoolExecutor(50) as pool:
            results = list(pool.map(one, range(50)))

    status, row_version, decisions = _final(pg_engine, target)
    assert status in ("confirmed", "declined")
    winner = "confirm" if status == "confirmed" else "decline"
    assert row_version == 2  # changed exactly once
    assert Counter(o for _, o in decisions) == Counter(r[2] for r in results)
    assert [d for d in decisions if d[1] == "applied"] == [(winner, "applied")]
    assert len(decisions) == 50
    for action, code, outcome, state in results:
        assert state == status  # everyone is told the one final state
        if action == winner:
            assert (code, outcome) in ((200, "applied"), (200, "unchanged"))
        else:
            assert (code, outcome) == (409, "conflict")
    assert sum(1 for r in results if r[2] == "applied") == 1


def test_parallel_sessions_deciding_directly_have_one_winner(pg_engine: Engine) -> None:
    with Session(pg_engine, expire_on_commit=False) as db:
        seed_small(db)
    target = sid(2)
    barrier = threading.Barrier(20)

    def one(i: int) -> str:
        action = "confirm" if i % 2 else "decline"
        with Session(pg_engine, expire_on_commit=False) as db:
            barrier.wait()
            result = decide(
                db=db,
                session_id=target,
                action=action,
                actor=Actor(
                    role=Role.coordinator, name=f"t{i}", town="guzhen", festival_id="small-2020"
                ),
                reason="x" if action == "decline" else None,
            )
            db.commit()
            return result.outcome

    with ThreadPoolExecutor(20) as pool:
        outcomes = Counter(pool.map(one, range(20)))
    status, row_version, decisions = _final(pg_engine, target)
    assert outcomes["applied"] == 1 and row_version == 2
    assert outcomes["applied"] + outcomes["unchanged"] + outcomes["conflict"] == 20
    assert outcomes["unchanged"] == 9 and outcomes["conflict"] == 10
    assert len(decisions) == 20 and status in ("confirmed", "declined")
