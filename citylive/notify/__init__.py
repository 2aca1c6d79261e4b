"""Notifications: routing by Apprise tags, message templates, the outbox and its dispatcher.

Rows are queued in the same transaction as their cause (a released version, a decision, the
reminders due, the summary) and sent by `citylive.notify.dispatch.dispatch`.  The functions
the rest of the core calls are these; see docs/notifications.md.
"""

from citylive.notify.outbox import (
    enqueue_receipt_for,
    enqueue_reminders,
    enqueue_schedule_release,
    enqueue_summary,
)

__all__ = [
    "enqueue_receipt_for",
    "enqueue_reminders",
    "enqueue_schedule_release",
    "enqueue_summary",
]
