"""Schedules: the `citylive/schedule@1` document, releasing versions, the hard-rule checker,
and what is published from a schedule (calendars, workbooks).

    document.py  the typed document: one load, one dump, schedule files (a session in a
                 themed showcase block carries its `theme`; `tradeoffs` the price of fairness)
    release.py   releasing a version in the database: what it changed, who is told
    checker.py   every hard rule H1-H8, and the themed blocks, on any document, sharing no
                 code with the planner
    publish.py   iCalendar feeds and the Excel workbook of the sessions
"""

from citylive.schedule.document import (
    SCHEDULE_FORMAT,
    ScheduleDocument,
    ScheduledSession,
    ScheduleFileError,
    ScheduleStats,
    Tradeoff,
    Unplaced,
    load_schedule,
    read_schedule,
    write_schedule,
)
from citylive.schedule.release import ScheduleRefused, current_document, store_schedule

__all__ = [
    "SCHEDULE_FORMAT",
    "ScheduleDocument",
    "ScheduleFileError",
    "ScheduleRefused",
    "ScheduleStats",
    "ScheduledSession",
    "Tradeoff",
    "Unplaced",
    "current_document",
    "load_schedule",
    "read_schedule",
    "store_schedule",
    "write_schedule",
]
