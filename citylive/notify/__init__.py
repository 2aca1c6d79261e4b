"""Notifications: who is told what, the outbox, and the dispatcher that sends it.

    recipients.py  who a message is for (`Recipient`, its Apprise tag) and why (`MessageEvent`)
    directory.py   the names and places of a festival, as messages show them
    messages.py    the bodies (subject, text, markdown, html) from the templates, values escaped
    queue.py       writing outbox rows with idempotency keys, and putting failed ones back
    events.py      what each cause queues: a released version, a receipt, reminders, the
                   organisers' digest, the summary
    listing.py     reading the outbox: pages of rows, counts by state, what was not delivered
    routing.py     the Apprise config: channels by tag, secrets kept out of logs
    dispatch.py    claiming (claims.py), sending (sending.py, vendors.py) and recording

Rows are queued in the same transaction as their cause and sent by `dispatch.dispatch`.  The
functions the rest of the core calls are these; see docs/notifications.md.
"""

from citylive.notify.events import (
    enqueue_daily_digest,
    enqueue_receipt_for,
    enqueue_reminders,
    enqueue_schedule_release,
    enqueue_summary,
)
from citylive.notify.recipients import MessageEvent, Recipient, RecipientKind

__all__ = [
    "MessageEvent",
    "Recipient",
    "RecipientKind",
    "enqueue_daily_digest",
    "enqueue_receipt_for",
    "enqueue_reminders",
    "enqueue_schedule_release",
    "enqueue_summary",
]
