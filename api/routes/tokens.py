"""Tokens a holder makes for itself: read-only calendar feed tokens."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentActor, DbDep
from api.schemas.errors import ERRORS
from api.schemas.tokens import FeedTokenPublic
from citylive.actions.tokens import make_feed_token
from citylive.config import get_settings

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.post("/feed", response_model=FeedTokenPublic, responses=ERRORS, status_code=201)
def create_feed_token(db: DbDep, actor: CurrentActor) -> FeedTokenPublic:
    """A read-only token for calendar apps, with your own scope (town, festival); shown once.
    It opens the calendar feeds and the schedule workbook, read-only; it expires no later
    than the token that made it and dies when that token is revoked."""
    made = make_feed_token(db=db, actor=actor)
    base = get_settings().public_url.rstrip("/")
    festival = made.row.festival_id or "<festival>"
    town = f"&town={made.row.town}" if made.row.town else ""
    return FeedTokenPublic(
        token=made.token,
        expires_at=made.row.expires_at,
        calendar_url=f"{base}/api/v1/festivals/{festival}/calendar.ics?token={made.token}{town}",
    )
