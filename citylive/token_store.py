"""Tokens for organisers and town coordinators, and read-only feed tokens for calendars.

A token is shown once, when it is made; only its SHA-256 is stored, so a leaked database
does not leak working tokens.  Tokens are random (`secrets.token_urlsafe`), so a plain hash
is enough: there is nothing to guess that a slow hash would protect.

Kinds (docs/security.md):
- `api`: the JSON API and the portal, as far as its role and scope allow; sent in the
  `Authorization` header or the portal's cookie, never in a URL.
- `feed`: calendar feeds only (`?token=` in the feed URL, since calendar apps cannot send
  headers); it reads the same sessions its maker could, and changes nothing.
Every token expires (`token_days`, `feed_token_days`) and can be revoked.  A coordinator's
token names its festival and its town.  A feed token made with another token belongs to it
(`parent_id`): it expires no later than its maker and dies when its maker is revoked or
expires, checked up the chain on every use.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

import models
from citylive.config import get_settings
from citylive.errors import Invalid, NotFound
from citylive.scope import Actor
from models._types import UTCDateTime, utcnow
from models.enums import Role, TokenKind

TOKEN_PREFIX = "clv_"
FEED_PREFIX = "clf_"
MAX_TOKEN_ID = 2**31 - 1
# last_used_at is a hint for people auditing tokens, not a log: write it at most this often
# so that a busy coordinator's requests do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(Invalid):
    """A token request that cannot be honoured; the message says what to change."""


class TokenNotFound(NotFound):
    def __init__(self, token_id: int):
        super().__init__(f"no token with id {token_id}; `citylive token list` shows them")
        self.token_id = token_id


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _festival_of_town(db: Session, town: str, festival_id: str | None) -> str:
    """The festival a coordinator token names: the one given, or the only stored festival
    with that town."""
    query = select(models.Town.festival_id).where(models.Town.id == town)
    if festival_id is not None:
        if db.get(models.Festival, festival_id) is None:
            raise TokenError(f"no festival {festival_id!r} is stored; import it first")
        query = query.where(models.Town.festival_id == festival_id)
    found = sorted(db.exec(query).all())
    if not found:
        where = f"festival {festival_id!r}" if festival_id else "any stored festival"
        raise TokenError(
            f"town {town!r} is not in {where}; use a town id from the festival file "
            "(import the festival first)"
        )
    if len(found) > 1:
        raise TokenError(
            f"town {town!r} is in festivals {', '.join(found)}; add --festival ID to say which"
        )
    return found[0]


def create_token(
    *,
    db: Session,
    role: str,
    town: str | None = None,
    name: str | None = None,
    festival_id: str | None = None,
    kind: str = TokenKind.api,
    days: int | None = None,
    parent: models.ApiToken | None = None,
) -> tuple[models.ApiToken, str]:
    """Make a token; returns the stored row and the token itself (never stored).  A token
    made by another (`parent`) expires no later than it.  Does not commit."""
    try:
        role_ = Role(role)
    except ValueError:
        raise TokenError(f"role {role!r} is not one of: organiser, coordinator") from None
    try:
        kind_ = TokenKind(kind)
    except ValueError:
        raise TokenError(f"kind {kind!r} is not one of: api, feed") from None
    if role_ == Role.coordinator and not town:
        raise TokenError("a coordinator token needs its town: add --town ID")
    if role_ == Role.organiser and town:
        raise TokenError("an organiser token sees every town; leave out --town")
    if name is not None and not 0 < len(name) <= 128:
        raise TokenError("a token's name is 1 to 128 characters")
    settings = get_settings()
    if days is None:
        days = settings.feed_token_days if kind_ == TokenKind.feed else settings.token_days
    if not 1 <= days <= 3660:
        raise TokenError(f"a token lasts 1 to 3660 days, not {days}")
    if town:
        festival_id = _festival_of_town(db, town, festival_id)
    elif festival_id is not None and db.get(models.Festival, festival_id) is None:
        raise TokenError(f"no festival {festival_id!r} is stored; import it first")
    prefix = FEED_PREFIX if kind_ == TokenKind.feed else TOKEN_PREFIX
    token = prefix + secrets.token_urlsafe(32)
    label = f"{role_.value}:{town}" if town else role_.value
    expires_at = utcnow() + timedelta(days=days)
    if parent is not None and parent.expires_at is not None:
        expires_at = min(expires_at, _aware(parent.expires_at))
    row = models.ApiToken(
        name=name or (f"{label} feed" if kind_ == TokenKind.feed else label),
        role=role_.value,
        town=town,
        festival_id=festival_id,
        token_hash=hash_token(token),
        prefix=token[: len(prefix) + 6],
        kind=kind_.value,
        expires_at=expires_at,
        parent_id=parent.id if parent is not None else None,
    )
    db.add(row)
    db.flush()
    return row, token


def feed_token_for(*, db: Session, actor: Actor) -> tuple[models.ApiToken, str]:
    """A read-only calendar token with the actor's own scope (role, town, festival)."""
    if actor.kind == "feed":
        raise TokenError("a feed token cannot make tokens; sign in with your own token")
    if actor.kind == "system":
        raise TokenError("make feed tokens with `citylive token create --kind feed`")
    maker = db.get(models.ApiToken, actor.token_id) if actor.token_id is not None else None
    if maker is None or maker.revoked_at is not None:
        raise TokenError("the token making this one is unknown or revoked")
    return create_token(
        db=db,
        role=actor.role,
        town=actor.town,
        festival_id=actor.festival_id,
        kind=TokenKind.feed,
        name=f"{actor.name} feed"[:128],
        parent=maker,
    )


_T = models.ApiToken
# built once: every request verifies a token
_BY_HASH = sa.select(
    col(_T.id),
    col(_T.role),
    col(_T.town),
    col(_T.name),
    col(_T.festival_id),
    col(_T.kind),
    col(_T.revoked_at),
    col(_T.expires_at),
    col(_T.last_used_at),
    col(_T.parent_id),
).where(col(_T.token_hash) == sa.bindparam("p_hash"))
_MAKER = sa.select(col(_T.revoked_at), col(_T.expires_at), col(_T.parent_id)).where(
    col(_T.id) == sa.bindparam("p_id")
)
MAX_CHAIN = 8  # tokens made by tokens: a feed token's maker is an API token, so 1 in practice
_USED = (
    sa.update(_T)
    .where(col(_T.id) == sa.bindparam("p_id"))
    .values(last_used_at=sa.bindparam("p_now", type_=UTCDateTime()))
)


def verify_token(
    *, db: Session, token: str, kinds: tuple[TokenKind, ...] = (TokenKind.api,)
) -> Actor | None:
    """The actor a token stands for, or None for a token that is unknown, revoked, expired,
    or not of one of `kinds`."""
    if not token or len(token) > 200:
        return None
    # One indexed read of the columns an actor needs (no ORM object on the hot path).
    row = db.connection().execute(_BY_HASH, {"p_hash": hash_token(token)}).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.kind not in kinds:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return None
    if row.role == Role.coordinator and row.festival_id is None:
        return None  # made before tokens named their festival: it would open every festival
    if row.parent_id is not None and not _makers_alive(db, row.parent_id, now):
        return None  # its maker was revoked or has expired
    if row.last_used_at is None or now - _aware(row.last_used_at) > LAST_USED_RESOLUTION:
        db.connection().execute(_USED, {"p_id": row.id, "p_now": now})  # with the next commit
    return Actor(
        role=Role(row.role),
        town=row.town,
        token_id=row.id,
        name=row.name,
        festival_id=row.festival_id,
        kind="feed" if row.kind == TokenKind.feed else "api",
    )


def _makers_alive(db: Session, parent_id: int, now: datetime) -> bool:
    """Every token up the chain from `parent_id` exists, is not revoked and has not expired."""
    next_id: int | None = parent_id
    for _ in range(MAX_CHAIN):
        if next_id is None:
            return True
        maker = db.connection().execute(_MAKER, {"p_id": next_id}).first()
        if maker is None or maker.revoked_at is not None:
            return False
        if maker.expires_at is not None and _aware(maker.expires_at) <= now:
            return False
        next_id = maker.parent_id
    return False  # deeper than any token CityLive makes


def _aware(value: datetime) -> datetime:
    # Core reads of SQLite columns come back naive: they are stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def revoke_token(*, db: Session, token_id: int) -> models.ApiToken:
    """Revoke a token (idempotent: revoking twice keeps the first time).  Does not commit."""
    if not 0 < token_id <= MAX_TOKEN_ID:
        raise TokenNotFound(token_id)
    row = db.get(models.ApiToken, token_id)
    if row is None:
        raise TokenNotFound(token_id)
    now = utcnow()
    if row.revoked_at is None:
        row.revoked_at = now
        db.add(row)
    # the tokens it made die with it (verify_token checks the chain too; this shows it)
    makers = [row.id]
    for _ in range(MAX_CHAIN):
        made = list(db.exec(select(_T).where(col(_T.parent_id).in_(makers))))
        for child in made:
            if child.revoked_at is None:
                child.revoked_at = now
                db.add(child)
        makers = [child.id for child in made]
        if not makers:
            break
    db.flush()
    return row


def list_tokens(*, db: Session) -> list[models.ApiToken]:
    return list(db.exec(select(models.ApiToken).order_by(col(models.ApiToken.id))))


def token_tree(rows: list[models.ApiToken]) -> list[tuple[int, models.ApiToken]]:
    """The tokens as a tree: each maker followed by the tokens it made, with their depth."""
    children: dict[int | None, list[models.ApiToken]] = {}
    ids = {r.id for r in rows}
    for r in rows:
        children.setdefault(r.parent_id if r.parent_id in ids else None, []).append(r)
    out: list[tuple[int, models.ApiToken]] = []

    def walk(parent: int | None, depth: int) -> None:
        for r in children.get(parent, []):
            out.append((depth, r))
            if depth < MAX_CHAIN:
                walk(r.id, depth + 1)

    walk(None, 0)
    return out


class RedactTokens(logging.Filter):
    """For access logs: a token in a request line (a calendar feed's `?token=`) becomes
    `***`, so no token is ever written to a log."""

    pattern = re.compile(r"((?:clv|clf)_)[A-Za-z0-9_\-]{6,}")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.pattern.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = self.pattern.sub(r"\1***", record.msg)
        return True
