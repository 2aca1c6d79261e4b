"""The audit record of one attempt on a session: who, with what role and token, did what,
why, and how it ended.  Decisions (decision_rules.py) and the festival day's marks
(live/state.py) write the same record."""

from __future__ import annotations

from datetime import datetime

import models
from citylive.scope import Actor


def audit_record(
    *,
    actor: Actor,
    session: models.FestivalSession,
    action: str,
    outcome: str,
    at: datetime,
    reason: str | None = None,
) -> models.Decision:
    """The `decision` row for an attempt (not added to any database session)."""
    return models.Decision(
        session_id=session.id,
        festival_id=session.festival_id,
        town=session.town,
        action=action,
        reason=reason,
        actor=actor.name,
        role=actor.role.value,
        remote_addr=actor.remote_addr,
        token_id=actor.token_id,
        outcome=outcome,
        at=at,
    )
