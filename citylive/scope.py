"""Who may act on what: the one scope check every route, page, command and flow goes through.

An `Actor` is whoever acts: an organiser or a town coordinator holding a token, or the
system itself (the command line on the organisers' machine, a Prefect flow).  A token may be
limited to one festival; a coordinator's always is, and to one town; a feed token only reads.

The answers are chosen so that nothing leaks: a festival, session or enterprise outside the
actor's scope answers NotFound, the same as one that does not exist; asking for another
town's data by name answers Forbidden (the caller named it, so there is nothing to hide).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

import models
from citylive.errors import Forbidden, NotFound
from models.enums import Role

TokenKind = Literal["api", "feed", "system"]


@dataclass(frozen=True)
class Actor:
    role: Role
    name: str
    town: str | None = None
    festival_id: str | None = None
    token_id: int | None = None
    kind: TokenKind = "api"
    remote_addr: str | None = None

    @property
    def is_organiser(self) -> bool:
        return self.role == Role.organiser

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The command line or a flow: an organiser in every festival, with no token."""
        return cls(role=Role.organiser, name=name, kind="system")

    def at(self, remote_addr: str | None) -> Actor:
        """The same actor, noting where the request came from (for the audit trail)."""
        return Actor(
            role=self.role,
            name=self.name,
            town=self.town,
            festival_id=self.festival_id,
            token_id=self.token_id,
            kind=self.kind,
            remote_addr=remote_addr,
        )


SYSTEM = Actor.system()


class FestivalOutOfScope(NotFound):
    def __init__(self, festival_id: str):
        super().__init__(f"no festival {festival_id!r}", field="fid")
        self.festival_id = festival_id


def festival_visible(actor: Actor, festival_id: str) -> bool:
    return actor.festival_id is None or actor.festival_id == festival_id


def require_festival(db: Session, actor: Actor, festival_id: str) -> models.Festival:
    """The festival's row (its large document deferred), if the actor may see it."""
    if not festival_visible(actor, festival_id):
        raise FestivalOutOfScope(festival_id)
    row = db.exec(
        select(models.Festival)
        .where(col(models.Festival.id) == festival_id)
        .options(defer(models.Festival.document))  # type: ignore[arg-type]
    ).first()
    if row is None:
        raise FestivalOutOfScope(festival_id)
    return row


def require_organiser(actor: Actor, what: str = "do this") -> None:
    if not actor.is_organiser:
        raise Forbidden(f"only organisers may {what}", field="Authorization")


def require_writer(actor: Actor) -> None:
    """Feed tokens (calendar subscriptions) read; they never change anything."""
    if actor.kind == "feed":
        raise Forbidden(
            "a calendar feed token only reads; use your own token to change things",
            field="Authorization",
        )


def town_filter(actor: Actor, town: str | None) -> str | None:
    """The town a read may cover: a coordinator's own, whatever it asked for."""
    if actor.is_organiser:
        return town
    if town is not None and town != actor.town:
        raise Forbidden(f"a coordinator sees only town {actor.town!r}", field="town")
    return actor.town


def require_enterprise(
    db: Session, actor: Actor, festival_id: str, enterprise_id: str
) -> models.Enterprise:
    """An enterprise the actor may act for: any, for an organiser; its own town's, for a
    coordinator (another town's answers NotFound, like one that does not exist)."""
    if not festival_visible(actor, festival_id):
        raise FestivalOutOfScope(festival_id)
    row = db.get(models.Enterprise, (festival_id, enterprise_id))
    if row is None or (not actor.is_organiser and row.town_id != actor.town):
        raise NotFound(
            f"no enterprise {enterprise_id!r} among those you act for in {festival_id!r}",
            field="enterprise",
        )
    return row


def require_session(
    db: Session, actor: Actor, session_id: str, festival_id: str | None = None
) -> models.FestivalSession:
    """A session the actor may see and decide on; NotFound for any other."""
    row = db.get(models.FestivalSession, session_id)
    if (
        row is None
        or not festival_visible(actor, row.festival_id)
        or (festival_id is not None and row.festival_id != festival_id)
        or (not actor.is_organiser and row.town != actor.town)
    ):
        raise NotFound(f"no session {session_id!r} among the sessions you decide on", field="sid")
    return row


def require_sessions(
    db: Session, actor: Actor, festival_id: str, session_ids: Iterable[str]
) -> dict[str, str]:
    """Several sessions of one festival at once (town by session id); the first one the
    actor may not act on, or that does not exist, answers NotFound naming it."""
    wanted = sorted(set(session_ids))
    S = models.FestivalSession
    towns: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        towns.update(
            db.exec(
                select(S.id, S.town).where(S.festival_id == festival_id, col(S.id).in_(chunk))
            ).all()
        )
    for sid in wanted:
        town = towns.get(sid)
        if town is None or (not actor.is_organiser and town != actor.town):
            raise NotFound(
                f"no session {sid!r} among those you report for in {festival_id!r}",
                field="session_id",
            )
    return towns
