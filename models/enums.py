"""Enumerations shared by the tables, the API and the domain core."""

from enum import StrEnum


class VenueKind(StrEnum):
    main = "main"
    sub = "sub"


class SessionStatus(StrEnum):
    proposed = "proposed"
    confirmed = "confirmed"
    declined = "declined"
    cancelled = "cancelled"


# Sessions still in play: held, or waiting for the town's answer.  Declined and cancelled
# ones take no studio, streamer or slot.
LIVE_STATUSES: frozenset[SessionStatus] = frozenset(
    {SessionStatus.proposed, SessionStatus.confirmed}
)


class Role(StrEnum):
    organiser = "organiser"
    coordinator = "coordinator"


class DecisionAction(StrEnum):
    confirm = "confirm"
    decline = "decline"
    expire = "expire"  # silence past the confirmation deadline
    withdraw = "withdraw"  # a confirm or decline taken back before the deadline


class NotificationStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    undeliverable = "undeliverable"


class PlanJobState(StrEnum):
    scheduled = "scheduled"
    running = "running"
    completed = "completed"
    failed = "failed"


class TokenKind(StrEnum):
    api = "api"  # the API and the portal, as its role and scope allow
    feed = "feed"  # calendar feeds only: reads, never changes
