"""Prefect flows: the festival's lifecycle as runs the organisers can watch, retry and schedule.

Importing any flow module imports this package first, and this package sets CityLive's Prefect
defaults (see `flows/_prefect.py`) before any flow module imports `prefect`.
"""

from flows import _prefect as _prefect  # noqa: F401 - must run before prefect is imported
