"""The schedule document, `citylive/schedule@1` (shared/spec/schedule-file.md), typed.

One load and one dump: the planner's output, a stored version, the file a re-plan reads back,
the checker's input, calendars, messages and the API all go through `ScheduleDocument`.
Fields the spec does not name are kept as they came (`extra="allow"`), so a document
written by another tool survives a round trip.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from citylive.errors import Invalid
from models.enums import LIVE_STATUSES, SessionStatus

SCHEDULE_FORMAT = "citylive/schedule@1"
MAX_SCHEDULE_BYTES = 256 * 2**20


class ScheduleFileError(Invalid):
    """A schedule file or document that cannot be read; the message names the place."""


class ScheduledSession(BaseModel):
    """One session: an enterprise selling with a streamer on a platform, in a studio-slot."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(max_length=96)
    enterprise: str = Field(max_length=64)
    streamer: str = Field(max_length=64)
    platform: str = Field(max_length=32)
    venue: str = Field(max_length=64)
    studio: int = Field(ge=1, le=10_000)
    start: datetime
    end: datetime
    status: SessionStatus = SessionStatus.proposed
    # the planner's additions: the enterprise's town and industry, the themed block
    town: str | None = None
    industry: str | None = None
    theme: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("needs its UTC offset, e.g. 2020-06-06T19:00:00+08:00")
        return v

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES

    def placement(self) -> tuple[str, str, str, str, int, datetime, datetime]:
        """Where and with whom: what a move changes."""
        return (
            self.enterprise,
            self.streamer,
            self.platform,
            self.venue,
            self.studio,
            self.start,
            self.end,
        )


class Unplaced(BaseModel):
    model_config = ConfigDict(extra="allow")

    enterprise: str
    count: int = Field(ge=0)
    reason: str = ""


class ScheduleStats(BaseModel):
    """The spec's figures; the planner adds its own (clash pairs, shares, timings)."""

    model_config = ConfigDict(extra="allow")

    placed: int = 0
    requested: int = 0
    value: int = 0
    objective: float | None = None
    bound: float | None = None
    solve_seconds: float | None = None


# the keys schedule-file.md names: always written
SPEC_STATS = ("placed", "requested", "value", "objective", "bound", "solve_seconds")
SPEC_TRADEOFF = ("fairness", "value", "min_town_share", "prime_value", "clash_pairs")


class Tradeoff(BaseModel):
    """What one fairness setting would have given (the price of fairness)."""

    model_config = ConfigDict(extra="allow")

    fairness: str
    value: int
    min_town_share: float
    prime_value: int | None = None
    clash_pairs: int | None = None


class ScheduleDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: str = SCHEDULE_FORMAT
    festival: str = Field(max_length=64)
    version: int = Field(default=1, ge=0)
    sessions: list[ScheduledSession] = Field(default_factory=list)
    unplaced: list[Unplaced] = Field(default_factory=list)
    stats: ScheduleStats = Field(default_factory=ScheduleStats)
    tradeoffs: list[Tradeoff] | None = None
    # why this version was made (a re-plan's cause), and the festival file it was solved for
    reason: str | None = None
    source_sha256: str | None = None

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v != SCHEDULE_FORMAT:
            raise ValueError(f"expected {SCHEDULE_FORMAT!r}, got {v!r}")
        return v

    @property
    def live_sessions(self) -> list[ScheduledSession]:
        return [s for s in self.sessions if s.live]

    def dump(self) -> dict[str, Any]:
        """The JSON-ready document: times in their own UTC offset, absent options left out
        but for the figures the spec names, written as null when this run has none (a local
        search proves no bound; a quick tradeoff estimate places no sessions)."""
        data = self.model_dump(mode="json", exclude_none=True)
        for key in SPEC_STATS:
            data["stats"].setdefault(key, None)
        for row in data.get("tradeoffs", ()):
            for key in SPEC_TRADEOFF:
                row.setdefault(key, None)
        return data


def load_schedule(data: Any, source: str = "<schedule>") -> ScheduleDocument:
    """Plain data (parsed JSON, a stored version) into a document; ScheduleFileError, naming
    the place, when it is not one."""
    if not isinstance(data, dict):
        raise ScheduleFileError(f"{source}: not a `{SCHEDULE_FORMAT}` document (not an object)")
    if data.get("format") != SCHEDULE_FORMAT:
        raise ScheduleFileError(
            f"{source}: not a `{SCHEDULE_FORMAT}` document (its `format` is "
            f"{str(data.get('format'))[:60]!r})"
        )
    try:
        return ScheduleDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in first["loc"]).replace(
            ".[", "["
        )
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ScheduleFileError(
            f"{source}: {where}: {first['msg'].removeprefix('Value error, ')}{more}",
            field=where,
        ) from None


def read_schedule(path: str | Path) -> ScheduleDocument:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_SCHEDULE_BYTES:
            raise ScheduleFileError(f"{path}: larger than {MAX_SCHEDULE_BYTES // 2**20} MiB")
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleFileError(f"{path}: cannot read the schedule file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ScheduleFileError(f"{path}: not UTF-8 text; a schedule file is UTF-8 JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise ScheduleFileError(f"{path}: nested too deep for a schedule file") from None
    return load_schedule(data, str(path))


def write_schedule(path: str | Path, document: ScheduleDocument) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(
        json.dumps(document.dump(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    tmp.replace(p)
