"""Prefect flows: the festival's lifecycle as runs the organisers can watch, retry and schedule.

Importing this package first sets CityLive's Prefect defaults (see `flows/_prefect.py`), so every
flow module imports `flows` before it imports `prefect`.
"""

from flows import _prefect as _prefect  # noqa: F401 - must run before prefect is imported
