"""Tokens: made on the organisers' machine (the command line), feed tokens made by their
holders for their calendars, revoked when lost; signing in with one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

import models
from citylive.scope import Actor, require_organiser
from citylive.token_store import (
    create_token,
    feed_token_for,
    list_tokens,
    revoke_token,
    token_tree,
    verify_token,
)
from models.enums import TokenKind


def sign_in(
    *, db: Session, token: str, kinds: tuple[TokenKind, ...] = (TokenKind.api,)
) -> Actor | None:
    """Who `token` stands for, or None for a token that is unknown, revoked, expired or not
    of one of `kinds`.  Its last use is recorded (once in a few minutes per token).
    Committed."""
    actor = verify_token(db=db, token=token, kinds=kinds)
    if actor is not None:
        db.commit()
    return actor


@dataclass
class MadeToken:
    row: models.ApiToken
    token: str  # shown once, never stored


def make_token(
    *,
    db: Session,
    actor: Actor,
    role: str,
    town: str | None = None,
    name: str | None = None,
    festival_id: str | None = None,
    kind: str = "api",
    days: int | None = None,
) -> MadeToken:
    """A new token (organisers, or the command line).  Committed."""
    require_organiser(actor, "make tokens")
    row, token = create_token(
        db=db, role=role, town=town, name=name, festival_id=festival_id, kind=kind, days=days
    )
    db.commit()
    return MadeToken(row, token)


def make_feed_token(*, db: Session, actor: Actor) -> MadeToken:
    """A read-only calendar token with the actor's own scope.  Committed."""
    row, token = feed_token_for(db=db, actor=actor)
    db.commit()
    return MadeToken(row, token)


def revoke(*, db: Session, actor: Actor, token_id: int) -> models.ApiToken:
    """Revoke a token and every token it made.  Committed."""
    require_organiser(actor, "revoke tokens")
    row = revoke_token(db=db, token_id=token_id)
    db.commit()
    return row


def tokens(*, db: Session, actor: Actor) -> list[tuple[int, models.ApiToken]]:
    """Every token as a tree: each maker, then the tokens it made (with their depth)."""
    require_organiser(actor, "list tokens")
    return token_tree(list_tokens(db=db))
