"""Notifications: routing by Apprise tags, message templates, the outbox and its dispatcher.

Rows are queued by `citylive.notify.outbox` in the same transaction as their cause and sent
by `citylive.notify.dispatch.dispatch`.  See docs/notifications.md.
"""
