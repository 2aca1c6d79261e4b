"""The portal's pages share one guard: without a signed-in token each answers the sign-in
form (401) and changes nothing; a decision posted by a signed-in coordinator goes through."""

from __future__ import annotations

from sqlmodel import Session, select
from support.factories import Api, sid

import models

ORIGIN = {"origin": "http://testserver"}


def test_portal_guard_pages_without_sign_in_answer_the_form(api: Api) -> None:
    answers = [
        api.client.get("/portal", follow_redirects=False),
        api.client.get("/portal/overview", follow_redirects=False),
        api.client.post(
            f"/portal/sessions/{sid(1)}/confirm", headers=ORIGIN, follow_redirects=False
        ),
        api.client.get("/portal?lang=en", follow_redirects=False),
    ]
    assert [r.status_code for r in answers] == [401, 401, 401, 401]
    assert all('name="token"' in r.text for r in answers)
    assert '<html lang="en"' in answers[3].text
    with Session(api.engine) as db:
        assert db.exec(select(models.Decision)).all() == []
        assert db.get(models.FestivalSession, sid(1)).status == "proposed"  # type: ignore[union-attr]


def test_portal_guard_signed_in_coordinator_decides(api: Api) -> None:
    api.client.post("/portal/signin", data={"token": api.guzhen}, headers=ORIGIN)
    r = api.client.post(
        f"/portal/sessions/{sid(1)}/confirm", headers=ORIGIN, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"].endswith(f"done=applied&sid={sid(1)}#{sid(1)}")
    with Session(api.engine) as db:
        row = db.get(models.FestivalSession, sid(1))
        assert row is not None and row.status == "confirmed"
        assert [d.outcome for d in db.exec(select(models.Decision))] == ["applied"]
