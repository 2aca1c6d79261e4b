"""Telling the orchestration layer about decisions, as Prefect events.

Only when a Prefect API is configured (PREFECT_API_URL); an event that cannot be sent is
logged and dropped: the decision itself is already committed, and the outbox row written
with it is the durable record.
"""

from __future__ import annotations

import logging
import os

from citylive.decision_rules import DecisionResult

log = logging.getLogger("citylive.api.prefect_events")


def emit_session_event(event: str, *, session_id: str, festival_id: str, town: str) -> bool:
    """Emit `event` (e.g. `citylive.session.declined`) for a session; True when sent."""
    if not os.environ.get("PREFECT_API_URL"):
        return False
    try:
        from prefect.events import emit_event

        emitted = emit_event(
            event=event,
            resource={
                "prefect.resource.id": f"citylive.session.{session_id}",
                "citylive.festival": festival_id,
                "citylive.town": town,
            },
            related=[
                {
                    "prefect.resource.id": f"citylive.festival.{festival_id}",
                    "prefect.resource.role": "festival",
                }
            ],
            payload={"session_id": session_id, "festival_id": festival_id, "town": town},
        )
        return emitted is not None
    except Exception:  # noqa: BLE001 - an event must never fail a request
        log.warning("could not emit %s for %s", event, session_id, exc_info=True)
        return False


def emit_decision(result: DecisionResult) -> bool:
    """Emit an applied decision's event (`citylive.session.confirmed` or `.declined`); a
    decision that changed nothing emits nothing.  True when sent."""
    if result.outcome != "applied":
        return False
    row = result.session
    return emit_session_event(
        f"citylive.session.{row.status}",
        session_id=row.id,
        festival_id=row.festival_id,
        town=row.town,
    )
