"""The demo's festival day: an evening of the festival's first day, told through the real API.

Every session before the slot told (prime time first, where two streamers can be stood in
for) went on air and ended; at that slot's start the coordinators mark their sessions live, except one nobody marks (late) and
two whose streamers do not show; for each of those the coordinator asks for stand-ins and
takes the first, who goes on air.  One session's enterprise does not show: its coordinator
asks for the town's waiting requests and gives the slot to the first, whose session goes on
air (where none fits, the session stays a no-show and the API's reason is told).  Organisers
post running figures for a few sessions.  The
watch runs once at a quarter past (the late session's alerts), and the board at that moment
is saved as a page that opens without the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


@dataclass
class Day:
    at: datetime | None = None
    live: int = 0
    late: list[str] = field(default_factory=list)
    stand_ins: list[tuple[str, str, str]] = field(default_factory=list)  # session, old, new
    no_candidates: list[str] = field(default_factory=list)
    replaced: tuple[str, str, str] | None = None  # session, enterprise replaced, newcomer
    no_replacement: tuple[str, str, str] | None = None  # session, enterprise, the API's reason
    watch: str = ""
    board: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Evening:
    """The slot told: its start, its sessions, the day's sessions before it, those of its
    sessions that have a stand-in, and the session whose enterprise does not show."""

    start: datetime
    slot: list[Any]
    earlier: list[Any]
    covered: set[str]
    absent: str | None = None


def _enterprise_absent(db: Any, slot: list[Any], covered: set[str]) -> str | None:
    """The session of the slot whose enterprise does not show: the first, after the late
    one, that no streamer's no-show takes and that a waiting request fits, else the first
    such session (told without a replacement)."""
    from citylive.actions import live as live_actions

    spare = [r.id for r in slot[2:] if r.id not in covered]
    spare += [r.id for r in slot[2:] if r.id in covered][2:]
    fits = [sid for sid in spare if live_actions.ranked_offers(db, sid)]
    return (fits or spare or [None])[0]


def _evening(db: Any, festival_id: str) -> Evening:
    """The first day's slot to tell (prime time first, where two streamers can be stood in
    for): see Evening."""
    from sqlmodel import col, select

    import models
    from citylive.actions import live as live_actions
    from models.enums import LIVE_STATUSES

    row = db.get(models.Festival, festival_id)
    tz = ZoneInfo(row.timezone)
    info = row.info or {}
    starts = [s["start"] for s in info["slots"]]
    prime = [p for p in info.get("prime_slots") or [] if p in starts]
    order = prime + [s for s in reversed(starts) if s not in prime]
    S = models.FestivalSession
    live = col(S.status).in_([s.value for s in LIVE_STATUSES])
    first_day = datetime.fromisoformat(f"{info['days'][0]}T00:00").date()
    rows = list(
        db.exec(
            select(S)
            .where(S.festival_id == festival_id, live, S.day == first_day)
            .order_by(col(S.start), col(S.venue), col(S.studio))
        )
    )
    best: tuple[int, int, datetime, list[Any], set[str]] | None = None
    for hhmm in order:
        start = datetime.fromisoformat(f"{info['days'][0]}T{hhmm}").replace(tzinfo=tz)
        slot = [r for r in rows if r.start == start]
        covered = {r.id for r in slot[2:] if live_actions.ranked_candidates(db, r.id)}
        if len(covered) >= 2:
            before = [r for r in rows if r.start < start]
            return Evening(start, slot, before, covered, _enterprise_absent(db, slot, covered))
        if best is None or (len(covered), len(slot)) > best[:2]:
            best = (len(covered), len(slot), start, slot, covered)
    assert best is not None, "a festival has at least one slot"
    _, _, start, slot, covered = best  # a small festival: the fullest slot of the first day
    before = [r for r in rows if r.start < start]
    return Evening(start, slot, before, covered, _enterprise_absent(db, slot, covered))


def _earlier_slots_ran(db: Any, earlier: list[Any]) -> None:
    from citylive.actions import live as live_actions
    from citylive.scope import SYSTEM

    for r in earlier:
        live_actions.mark(
            db=db, actor=SYSTEM, session_id=r.id, state="live", at=r.start + timedelta(minutes=1)
        )
        live_actions.mark(db=db, actor=SYSTEM, session_id=r.id, state="ended", at=r.end)


def festival_day(festival_id: str, out_dir: Path, say: Any = print) -> Day:
    """Run the evening (see the module's docstring); returns what happened."""
    import warnings

    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    from fastapi.testclient import TestClient

    from api.main import app
    from citylive.actions import live as live_actions
    from citylive.db import open_db
    from demo.story import _token

    day = Day()
    db = open_db()
    try:
        evening = _evening(db, festival_id)
        _earlier_slots_ran(db, evening.earlier)
    finally:
        db.close()
    day.at = evening.start + timedelta(minutes=15)
    organiser = {"Authorization": "Bearer " + _token("organiser", festival_id, name="指挥中心")}
    towns: dict[str, dict[str, str]] = {}
    with TestClient(app) as client:

        def coordinator(town: str) -> dict[str, str]:
            if town not in towns:
                value = _token("coordinator", festival_id, town=town, name=f"{town} 协调员")
                towns[town] = {"Authorization": f"Bearer {value}"}
            return towns[town]

        _evening_on_air(client, day, evening, coordinator, organiser)
        db = open_db()
        try:
            day.watch = live_actions.watch(db=db, festival_id=festival_id, at=day.at).line()
        finally:
            db.close()
        day.board = _save_board(client, festival_id, day, organiser, out_dir)
    say(
        f"  festival day: {day.live} sessions live at {day.at:%Y-%m-%d %H:%M}, "
        f"{len(day.late)} late, {len(day.stand_ins)} stand-ins taken, "
        f"{'a' if day.replaced else 'no'} slot given to a waiting request; "
        f"board saved to {day.board}"
    )
    return day


def _evening_on_air(
    client: Any, day: Day, evening: Evening, coordinator: Any, organiser: Any
) -> None:
    """Mark the evening slot: one late, two no-shows with stand-ins, an enterprise's no-show
    with a waiting request in its place, the rest live."""
    api = "/api/v1/sessions"
    start = evening.start
    at = (start + timedelta(minutes=2)).isoformat()
    late_at = (start + timedelta(minutes=9)).isoformat()
    no_shows = 0
    for i, r in enumerate(evening.slot):
        who = coordinator(r.town)
        if i == 1 and not day.late:
            day.late.append(r.id)  # nobody marks it: the watch will find it
            continue
        if r.id == evening.absent:
            if _replaced(client, day, r, who):
                client.post(f"{api}/{r.id}/live", headers=who, json={"at": late_at})
                day.live += 1
            continue
        if no_shows < 2 and r.id in evening.covered:
            client.post(f"{api}/{r.id}/no-show", headers=who, json={"who": "streamer"})
            found = client.get(f"{api}/{r.id}/stand-ins", headers=who).json()
            if found["data"]:
                pick = found["data"][0]["streamer"]
                taken = client.post(f"{api}/{r.id}/stand-in", headers=who, json={"streamer": pick})
                if taken.status_code == 200:
                    day.stand_ins.append((r.id, r.streamer, pick))
                    no_shows += 1
                    client.post(f"{api}/{r.id}/live", headers=who, json={"at": late_at})
                    day.live += 1
                    continue
            day.no_candidates.append(r.id)
            continue
        client.post(f"{api}/{r.id}/live", headers=who, json={"at": at})
        day.live += 1
        if i % 4 == 0:
            figures = {"views": 5000 + 731 * i, "gmv": f"{18000 + 2950 * i}.00"}
            client.post(f"{api}/{r.id}/figures", headers=organiser, json=figures)


def _replaced(client: Any, day: Day, r: Any, who: dict[str, str]) -> bool:
    """The session's enterprise does not show: the first of the town's waiting requests
    takes the slot (True), or the API's reason why none fits is kept."""
    api = f"/api/v1/sessions/{r.id}"
    client.post(f"{api}/no-show", headers=who, json={"who": "enterprise"})
    found = client.get(f"{api}/replacements", headers=who).json()
    if found["data"]:
        pick = found["data"][0]["enterprise"]
        taken = client.post(f"{api}/replacement", headers=who, json={"enterprise": pick})
        if taken.status_code == 200:
            day.replaced = (r.id, r.enterprise, pick)
            return True
        found["reasons"] = [taken.json().get("message") or f"HTTP {taken.status_code}"]
    day.no_replacement = (r.id, r.enterprise, " ".join(found["reasons"]))
    return False


def _save_board(
    client: Any, festival_id: str, day: Day, organiser: dict[str, str], out_dir: Path
) -> Path:
    assert day.at is not None
    at = day.at.isoformat()
    data = client.get(
        f"/api/v1/festivals/{festival_id}/live", params={"at": at}, headers=organiser
    ).json()
    day.counts = data.get("counts", {})
    client.cookies.set("citylive_token", organiser["Authorization"][7:])
    page = client.get(
        f"/live/{festival_id}", params={"at": at, "layout": "screen", "standalone": "true"}
    )
    client.cookies.clear()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"live-board-{festival_id}.html"
    path.write_text(page.text, encoding="utf-8")
    return path


def day_lines(day: Day) -> list[str]:
    swaps = "; ".join(f"{sid}: {new} for {old}" for sid, old, new in day.stand_ins)
    c = day.counts
    return [
        f"  Live day    {day.at:%Y-%m-%d %H:%M}: {c.get('live', 0)} live, {c.get('late', 0)} late, "
        f"{c.get('no_show', 0)} no-show, {c.get('ended', 0)} ended; late: {', '.join(day.late)}.",
        f"  Stand-ins   {len(day.stand_ins)} taken ({swaps}); watch: {day.watch}.",
        *_replaced_line(day),
        f"  Board       {day.board}",
    ]


def _replaced_line(day: Day) -> list[str]:
    """The enterprise that did not show and who took its slot, or why nobody could."""
    if day.replaced is not None:
        sid, old, new = day.replaced
        return [f"  Replaced    {sid}: {new} for {old}, who did not show (a waiting request)."]
    if day.no_replacement is not None:
        sid, old, why = day.no_replacement
        return [f"  Replaced    none for {sid} ({old} did not show): {why}."]
    return []
