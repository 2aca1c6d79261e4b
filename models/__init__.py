"""CityLive's tables and API data shapes (SQLModel).  Importing this package registers every
table on `SQLModel.metadata`, which Alembic's migrations are generated from."""

from models.auth import ApiToken
from models.decision import Decision, DecisionPublic, DecisionsPublic
from models.enums import DecisionAction, NotificationStatus, Role, SessionStatus, VenueKind
from models.festival import (
    District,
    Enterprise,
    Festival,
    FestivalPublic,
    FestivalsPublic,
    Industry,
    SessionRequest,
    Streamer,
    Town,
    Venue,
)
from models.live import LiveState, NoShowWho, SessionLive
from models.notification import Notification, NotificationPublic, NotificationsPublic
from models.planning import PlanJob
from models.sales import OrderLine, QuarantinedRow, SalesFile, SessionFigures
from models.schedule import (
    FestivalSession,
    ScheduleVersion,
    SessionPublic,
    SessionsPublic,
)

__all__ = [
    "ApiToken",
    "Decision",
    "DecisionAction",
    "DecisionPublic",
    "DecisionsPublic",
    "District",
    "Enterprise",
    "Festival",
    "FestivalPublic",
    "FestivalSession",
    "FestivalsPublic",
    "Industry",
    "LiveState",
    "Notification",
    "NotificationPublic",
    "NotificationStatus",
    "NotificationsPublic",
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
    "SessionsPublic",
    "Streamer",
    "Town",
    "Venue",
    "VenueKind",
]
