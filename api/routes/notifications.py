"""The outbox for organisers: every notification with its status, failed ones included."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentActor, DbDep
from api.schemas.errors import ERRORS, ErrorPublic
from api.schemas.notifications import NotificationsPublic
from citylive.actions import notifications as actions
from models.enums import NotificationStatus

router = APIRouter(tags=["notifications"])

OUTBOX_ERRORS = ERRORS | {
    422: {"model": ErrorPublic, "description": "a filter or page bound out of range"},
}


@router.get("/notifications", response_model=NotificationsPublic, responses=OUTBOX_ERRORS)
def list_notifications(
    db: DbDep,
    actor: CurrentActor,
    festival: Annotated[
        str | None, Query(max_length=64, description="only this festival's")
    ] = None,
    status: Annotated[
        NotificationStatus | None, Query(description="only rows in this state")
    ] = None,
    failed: Annotated[bool, Query(description="only failed and undeliverable rows")] = False,
    limit: Annotated[int, Query(ge=1, le=actions.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=actions.MAX_OFFSET)] = 0,
) -> NotificationsPublic:
    """Organisers only: the outbox, newest first, with each row's attempts and last error.
    A token limited to one festival sees that festival's messages alone."""
    page = actions.outbox(
        db=db,
        actor=actor,
        festival_id=festival,
        status=status,
        undelivered_only=failed,
        limit=limit,
        offset=offset,
    )
    return NotificationsPublic(data=page.data, count=page.count)
