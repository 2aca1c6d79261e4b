"""CityLive's tables and the public record of each (SQLModel); the API's request and response
bodies live in api/schemas/.  Importing this package registers every
table on `SQLModel.metadata`, which Alembic's migrations are generated from."""

from models.auth import ApiToken
from models.decision import Decision, DecisionPublic
from models.enums import DecisionAction, NotificationStatus, Role, SessionStatus, VenueKind
from models.festival import (
    District,
    Enterprise,
    Festival,
    FestivalPublic,
    Industry,
    SessionRequest,
    Streamer,
    Town,
    Venue,
)
from models.live import LiveState, NoShowWho, SessionLive
from models.notification import Notification, NotificationPublic
from models.planning import PlanJob
from models.sales import OrderLine, QuarantinedRow, SalesFile, SessionFigures
from models.schedule import (
    FestivalSession,
    ScheduleVersion,
    SessionPublic,
)

__all__ = [
    "ApiToken",
    "Decision",
    "DecisionAction",
    "DecisionPublic",
    "District",
    "Enterprise",
    "Festival",
    "FestivalPublic",
    "FestivalSession",
    "Industry",
    "LiveState",
    "Notification",
    "NotificationPublic",
    "NotificationStatus",
    "NoShowWho",
    "OrderLine",
    "PlanJob",
    "QuarantinedRow",
    "Role",
    "SalesFile",
    "ScheduleVersion",
    "SessionFigures",
    "SessionLive",
    "SessionPublic",
    "SessionRequest",
    "SessionStatus",
    "Streamer",
    "Town",
    "Venue",
    "VenueKind",
]
