"""The outbox for organisers: every notification with its status, failed ones included."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, func, select

from api.deps import OrganiserUser, SessionDep
from models import Notification, NotificationPublic, NotificationsPublic
from models.enums import NotificationStatus

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=NotificationsPublic)
def list_notifications(
    db: SessionDep,
    user: OrganiserUser,
    festival: Annotated[
        str | None, Query(max_length=64, description="only this festival's")
    ] = None,
    status: Annotated[
        NotificationStatus | None, Query(description="only rows in this state")
    ] = None,
    failed: Annotated[bool, Query(description="only failed and undeliverable rows")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> NotificationsPublic:
    """Organisers only: the outbox, newest first, with each row's attempts and last error."""
    conditions = []
    if user.festival_id is not None:  # a festival's token sees that festival's messages only
        conditions.append(col(Notification.festival_id) == user.festival_id)
    if festival is not None:
        conditions.append(col(Notification.festival_id) == festival)
    if status is not None:
        conditions.append(col(Notification.status) == status.value)
    if failed:
        conditions.append(col(Notification.status).in_(["failed", "undeliverable"]))
    count = db.exec(select(func.count()).select_from(Notification).where(*conditions)).one()
    rows = db.exec(
        select(Notification)
        .where(*conditions)
        .order_by(col(Notification.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return NotificationsPublic(
        data=[NotificationPublic.model_validate(r, from_attributes=True) for r in rows],
        count=int(count),
    )
