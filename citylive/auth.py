"""API tokens for organisers and town coordinators.

A token is shown once, when it is made; only its SHA-256 is stored, so a leaked database
does not leak working tokens.  Tokens are random (`secrets.token_urlsafe`), so a plain hash
is enough: there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

import models
from citylive.errors import Invalid, NotFound
from citylive.scope import Actor
from models._types import utcnow
from models.enums import Role

TOKEN_PREFIX = "clv_"
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


def create_token(
    *,
    db: Session,
    role: str,
    town: str | None = None,
    name: str | None = None,
    festival_id: str | None = None,
) -> tuple[models.ApiToken, str]:
    """Make a token; returns the stored row and the token itself (never stored)."""
    try:
        role_ = Role(role)
    except ValueError:
        raise TokenError(f"role {role!r} is not one of: organiser, coordinator") from None
    if role_ == Role.coordinator and not town:
        raise TokenError("a coordinator token needs its town: add --town ID")
    if role_ == Role.organiser and town:
        raise TokenError("an organiser token sees every town; leave out --town")
    if festival_id is not None and db.get(models.Festival, festival_id) is None:
        raise TokenError(f"no festival {festival_id!r} is stored; import it first")
    if town:
        query = select(models.Town.festival_id).where(models.Town.id == town)
        if festival_id is not None:
            query = query.where(models.Town.festival_id == festival_id)
        if db.exec(query).first() is None:
            where = f"festival {festival_id!r}" if festival_id else "any stored festival"
            raise TokenError(
                f"town {town!r} is not in {where}; use a town id from the festival file "
                "(import the festival first)"
            )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = models.ApiToken(
        name=name or (f"{role_.value}:{town}" if town else role_.value),
        role=role_.value,
        town=town,
        festival_id=festival_id,
        token_hash=hash_token(token),
        prefix=token[: len(TOKEN_PREFIX) + 6],
    )
    db.add(row)
    db.flush()
    return row, token


def verify_token(*, db: Session, token: str) -> Actor | None:
    """The principal a token stands for, or None for an unknown or revoked token."""
    if not token or len(token) > 200:
        return None
    T = models.ApiToken
    # One indexed read of the columns a principal needs (no ORM object on the hot path).
    row = (
        db.connection()
        .execute(
            sa.select(
                col(T.id),
                col(T.role),
                col(T.town),
                col(T.name),
                col(T.festival_id),
                col(T.revoked_at),
                col(T.last_used_at),
            ).where(col(T.token_hash) == hash_token(token))
        )
        .first()
    )
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        stored = db.get(T, row.id)
        if stored is not None:
            stored.last_used_at = now  # written with the caller's next commit
            db.add(stored)
    return Actor(
        role=Role(row.role),
        town=row.town,
        token_id=row.id,
        name=row.name,
        festival_id=row.festival_id,
    )


def revoke_token(*, db: Session, token_id: int) -> models.ApiToken:
    """Revoke a token (idempotent: revoking twice keeps the first time)."""
    row = db.get(models.ApiToken, token_id)
    if row is None:
        raise TokenNotFound(token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.add(row)
        db.flush()
    return row


def list_tokens(*, db: Session) -> list[models.ApiToken]:
    return list(db.exec(select(models.ApiToken).order_by(col(models.ApiToken.id))))
