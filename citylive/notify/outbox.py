"""The outbox's queuing functions under their earlier module name, for callers that still
import them from here; new code imports from `citylive.notify` (see events.py, queue.py)."""

from citylive.notify.events import (
    enqueue_daily_digest,
    enqueue_receipt_for,
    enqueue_reminders,
    enqueue_schedule_release,
    enqueue_summary,
)
from citylive.notify.queue import requeue

__all__ = [
    "enqueue_daily_digest",
    "enqueue_receipt_for",
    "enqueue_reminders",
    "enqueue_schedule_release",
    "enqueue_summary",
    "requeue",
]
