"""The festival day's use cases: mark a session live, ended or a no-show; find and take a
stand-in; watch for late sessions; read the live board; post running figures.

Coordinators act on their own town's sessions (another town's answers NotFound, as for
decisions), organisers on any; feed tokens only read.  Each use case commits before it
returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

import models
from citylive.db import lock_festival
from citylive.errors import Conflict, Invalid
from citylive.festival import Festival
from citylive.festival.storage import load_stored_festival
from citylive.live import late as late_pass
from citylive.live.board import Board, cached_board
from citylive.live.offers import offers
from citylive.live.replacement import release_replacement
from citylive.live.standins import Candidate, candidates
from citylive.live.state import (
    LiveView,
    change_state,
    check_moment,
    late_after,
    locked_live,
    view,
)
from citylive.live.takeover import release_stand_in
from citylive.notify import enqueue_schedule_release
from citylive.scope import (
    SYSTEM,
    Actor,
    require_festival,
    require_session,
    require_writer,
    town_filter,
)
from citylive.session_queries import session_public
from models._types import utcnow
from models.live import LiveState, NoShowWho

MAX_VIEWS = 10**12
MAX_GMV_FEN = 10**15


@dataclass
class LiveOutcome:
    session: models.SessionPublic
    live: LiveView
    tz: ZoneInfo
    outcome: str  # applied | unchanged
    stand_ins: list[dict[str, object]] | None = None
    reasons: list[str] = field(default_factory=list)

    def public(self) -> dict[str, object]:
        out = self.session.model_dump(mode="json")
        out["live"] = self.live.public(self.tz)
        out["outcome"] = self.outcome
        if self.stand_ins is not None:
            out["stand_ins"] = self.stand_ins
            out["stand_in_reasons"] = self.reasons
        return out


def _zone(db: Session, festival_id: str) -> tuple[ZoneInfo, dict]:
    row = db.get(models.Festival, festival_id)
    return ZoneInfo(row.timezone if row else "Asia/Shanghai"), (row.info if row else {})


def _outcome(
    db: Session, row: models.FestivalSession, live: models.SessionLive | None, outcome: str
) -> LiveOutcome:
    tz, info = _zone(db, row.festival_id)
    return LiveOutcome(
        session=session_public(row, tz),
        live=view(row, live, utcnow(), late_after(info)),
        tz=tz,
        outcome=outcome,
    )


def mark(
    *,
    db: Session,
    actor: Actor,
    session_id: str,
    state: str,
    at: datetime | None = None,
    who: str | None = None,
    reason: str | None = None,
) -> LiveOutcome:
    """Mark a session live, ended or a no-show (idempotent); a no-show's answer carries its
    stand-ins (a streamer) or the town's waiting requests (an enterprise)."""
    require_writer(actor)
    target = LiveState(state)
    row = require_session(db, actor, session_id)
    try:
        live, outcome = change_state(
            db, actor=actor, session=row, target=target, at=at, who=who, reason=reason
        )
    except Conflict:
        db.commit()  # the refused attempt stays in the audit trail
        raise
    db.commit()
    result = _outcome(db, row, live, outcome)
    if target == LiveState.no_show:
        found, reasons = _stand_ins_of(db, row, live)
        result.stand_ins, result.reasons = found, reasons
    return result


def _stand_ins_of(
    db: Session, row: models.FestivalSession, live: models.SessionLive | None
) -> tuple[list[dict[str, object]], list[str]]:
    festival = load_stored_festival(db, row.festival_id)
    if live is not None and live.no_show_who == NoShowWho.enterprise.value:
        return offers(db, festival, row)
    people, why = candidates(db, festival, row)
    return [c.public() for c in people], why


def stand_ins(
    *, db: Session, actor: Actor, session_id: str
) -> tuple[list[dict[str, object]], list[str]]:
    """Who may stand in for the session's streamer, best first, and when none, why not; for
    an enterprise that did not show, the town's waiting requests that fit its slot."""
    row = require_session(db, actor, session_id)
    live = db.get(models.SessionLive, row.id)
    found = _stand_ins_of(db, row, live)
    db.rollback()
    return found


def ranked_candidates(db: Session, session_id: str) -> list[Candidate]:
    """The ranking alone (no scope): for measurements and checks."""
    row = db.get(models.FestivalSession, session_id)
    if row is None:
        raise Invalid(f"no session {session_id!r}", field="sid")
    return candidates(db, load_stored_festival(db, row.festival_id), row)[0]


def ranked_offers(db: Session, session_id: str) -> list[dict[str, object]]:
    """The waiting requests for the session's slot alone (no scope, whatever its state):
    for measurements and checks."""
    row = db.get(models.FestivalSession, session_id)
    if row is None:
        raise Invalid(f"no session {session_id!r}", field="sid")
    return offers(db, load_stored_festival(db, row.festival_id), row)[0]


def take_stand_in(
    *, db: Session, actor: Actor, session_id: str, streamer: str, now: datetime | None = None
) -> LiveOutcome:
    """Give the session to `streamer` in a new schedule version (under the festival's write
    lock: of two racers for one streamer and slot, the second gets a Conflict naming the
    first); Invalid when the streamer would break a hard rule."""
    require_writer(actor)
    if not isinstance(streamer, str) or not streamer.strip():
        raise Invalid('name the stand-in: {"streamer": id}', field="streamer")
    return _under_lock(
        db,
        actor,
        session_id,
        lambda festival, row: release_stand_in(
            db,
            festival=festival,
            session=row,
            streamer=streamer.strip(),
            actor=actor,
            now=now or utcnow(),
        ),
    )


def replacements(
    *, db: Session, actor: Actor, session_id: str
) -> tuple[list[dict[str, object]], list[str]]:
    """The town's waiting requests that may take the slot of a session whose enterprise did
    not show, best first, each keeping every hard rule; when none, why not."""
    row = require_session(db, actor, session_id)
    found = offers(db, load_stored_festival(db, row.festival_id), row)
    db.rollback()
    return found


def take_replacement(
    *, db: Session, actor: Actor, session_id: str, enterprise: str, now: datetime | None = None
) -> LiveOutcome:
    """Give the slot of an enterprise that did not show to one of its town's waiting
    requests, in a new schedule version (under the festival's write lock: of two racers,
    the second gets a Conflict naming the first); Invalid when it would break a hard rule."""
    require_writer(actor)
    if not isinstance(enterprise, str) or not enterprise.strip():
        raise Invalid('name the enterprise: {"enterprise": id}', field="enterprise")
    return _under_lock(
        db,
        actor,
        session_id,
        lambda festival, row: release_replacement(
            db,
            festival=festival,
            session=row,
            enterprise=enterprise.strip(),
            actor=actor,
            now=now or utcnow(),
        ),
    )


Change = Callable[
    [Festival, models.FestivalSession],
    tuple[models.FestivalSession, models.SessionLive, str],
]


def _under_lock(db: Session, actor: Actor, session_id: str, change: Change) -> LiveOutcome:
    """Make one session's change as a new schedule version under the festival's write lock
    (every read after the lock), queue the version's messages, commit."""
    row = require_session(db, actor, session_id)
    festival_id = row.festival_id
    db.rollback()  # the lock comes first, then every read
    lock_festival(db, festival_id)
    row = require_session(db, actor, session_id)
    db.refresh(row)
    festival = load_stored_festival(db, festival_id)
    try:
        row, live, outcome = change(festival, row)
        if outcome == "applied":
            enqueue_schedule_release(db=db, festival_id=festival_id, version=row.version)
    except Exception:
        db.rollback()
        raise
    db.commit()
    return _outcome(db, row, live, outcome)


def post_figures(
    *,
    db: Session,
    actor: Actor,
    session_id: str,
    views: int | None,
    gmv: str | float | int | None,
    at: datetime | None = None,
) -> LiveOutcome:
    """Running figures of a session as the platform's live screen shows them: provisional,
    replaced by each new post, shown beside the figures the exports give later."""
    require_writer(actor)
    if views is None and gmv is None:
        raise Invalid("post `views`, `gmv` or both", field="views")
    if views is not None and not 0 <= int(views) <= MAX_VIEWS:
        raise Invalid(f"views are 0 to {MAX_VIEWS:,}", field="views")
    fen = _fen(gmv)
    row = require_session(db, actor, session_id)
    live = locked_live(db, row)
    live.views = int(views) if views is not None else live.views
    live.gmv_fen = fen if fen is not None else live.gmv_fen
    live.figures_at = at or utcnow()
    live.figures_by = actor.name
    live.row_version += 1
    live.updated_at = utcnow()
    db.add(live)
    db.commit()
    return _outcome(db, row, live, "applied")


def _fen(gmv: str | float | int | None) -> int | None:
    if gmv is None:
        return None
    try:
        value = Decimal(str(gmv))
    except InvalidOperation:
        raise Invalid(f"gmv {gmv!r} is not a number of CNY", field="gmv") from None
    fen = int((value * 100).to_integral_value())
    if not 0 <= fen <= MAX_GMV_FEN:
        raise Invalid("gmv is 0 or more CNY, within reason", field="gmv")
    return fen


def board(*, db: Session, actor: Actor, festival_id: str, at: datetime | None = None) -> Board:
    """The live board at `at` (now by default); a coordinator's covers its own town."""
    if at is not None:
        check_moment(at)
    festival = require_festival(db, actor, festival_id)
    result = cached_board(
        db, festival=festival, at=(at or utcnow()).astimezone(UTC), town=town_filter(actor, None)
    )
    db.expunge_all()  # the rows stay as read: ending the read must not expire them
    db.rollback()
    return result


def watch(*, db: Session, festival_id: str, at: datetime | None = None) -> late_pass.LatePass:
    """One pass of the festival-day watch: late sessions alerted once each, town by town
    (each town's alerts committed before the next), so a pass that dies halfway is safe to
    repeat.  A time without an offset is the festival's local time."""
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=_zone(db, festival_id)[0])
    at = (at or utcnow()).astimezone(UTC)
    require_festival(db, SYSTEM, festival_id)
    grace = late_pass.grace_of(db, festival_id)
    found = late_pass.late_sessions(db, festival_id, at, grace)
    result = late_pass.LatePass(festival_id=festival_id, at=at, late=len(found))
    if found:
        d = late_pass.festival_directory(db, festival_id)
        for town, mine in late_pass.by_town(found).items():
            result.queued += late_pass.queue_alerts(db, d, mine, grace)
            result.by_town[town] = [s.id for s in mine]
            db.commit()
    db.rollback()
    return result


def festivals_on_day(*, db: Session, now: datetime | None = None) -> list[str]:
    """Festivals with a released schedule whose festival day it is now (their own zone)."""
    now = now or utcnow()
    F = models.Festival
    out = []
    for fid, tz, info in db.exec(
        select(F.id, F.timezone, F.info).where(col(F.current_version) > 0).order_by(col(F.id))
    ):
        today: date = now.astimezone(ZoneInfo(tz)).date()
        if today.isoformat() in [str(d) for d in (info or {}).get("days", [])]:
            out.append(fid)
    db.rollback()
    return out
