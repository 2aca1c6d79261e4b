"""A decision can be withdrawn until the deadline: the session is proposed again, audited;
not after the deadline, not once a re-plan answered a decline, not for another town."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session
from support.factories import FID, Api, bearer, sid

import models

API = "/api/v1"


def test_withdraw_a_confirm_makes_the_session_proposed_again(api: Api) -> None:
    h = bearer(api.guzhen)
    api.client.post(f"{API}/sessions/{sid(1)}/confirm", headers=h)
    back = api.client.post(f"{API}/sessions/{sid(1)}/withdraw", headers=h, json={"note": "再想想"})
    again = api.client.post(f"{API}/sessions/{sid(1)}/withdraw", headers=h)
    assert (back.status_code, back.json()["status"], back.json()["outcome"]) == (
        200, "proposed", "applied",
    )  # fmt: skip
    assert back.json()["message"] == f"the confirmed decision on session {sid(1)} is withdrawn"
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    hist = api.client.get(f"{API}/sessions/{sid(1)}/decisions", headers=h).json()
    assert [(d["action"], d["outcome"], d["reason"]) for d in hist["data"]] == [
        ("withdraw", "unchanged", None),
        ("withdraw", "applied", "再想想"),
        ("confirm", "applied", None),
    ]
    # and it can be decided again
    decline = api.client.post(
        f"{API}/sessions/{sid(1)}/decline", headers=h, json={"reason": "主播临时有事"}
    )
    assert (decline.status_code, decline.json()["status"]) == (200, "declined")


def test_withdraw_after_the_deadline_is_409_refused(api: Api) -> None:
    h = bearer(api.guzhen)
    api.client.post(f"{API}/sessions/{sid(1)}/confirm", headers=h)
    with Session(api.engine) as db:
        row = db.get(models.Festival, FID)
        assert row is not None
        row.confirmation_deadline = datetime(2020, 6, 1, tzinfo=UTC)
        db.add(row)
        db.commit()
    r = api.client.post(f"{API}/sessions/{sid(1)}/withdraw", headers=h)
    assert r.status_code == 409
    assert r.json()["outcome"] == "refused" and r.json()["session"]["status"] == "confirmed"


def test_withdraw_a_decline_a_replan_answered_is_409(api: Api) -> None:
    h = bearer(api.guzhen)
    api.client.post(f"{API}/sessions/{sid(2)}/decline", headers=h, json={"reason": "场地冲突"})
    with Session(api.engine) as db:
        db.add(
            models.ScheduleVersion(
                festival_id=FID, version=9, document={}, changes={},
                created_at=datetime(2100, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
        db.commit()
    r = api.client.post(f"{API}/sessions/{sid(2)}/withdraw", headers=h)
    assert r.status_code == 409 and r.json()["session"]["status"] == "declined"
    assert "a re-plan has already answered it" in r.json()["message"]


def test_withdraw_another_towns_session_is_404(api: Api) -> None:
    api.client.post(f"{API}/sessions/{sid(5)}/confirm", headers=bearer(api.shaxi))
    r = api.client.post(f"{API}/sessions/{sid(5)}/withdraw", headers=bearer(api.guzhen))
    assert r.status_code == 404 and "shaxi" not in r.text
