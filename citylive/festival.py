"""Festival files (`citylive/festival@1`): reading, validating and the in-memory festival.

Every error found is collected and reported at once, each naming its place in the file
(`enterprises[12].town: unknown town 'shaxii' (did you mean 'shaxi'?)`).  Nothing is written
anywhere by this module: a caller stores a festival only after `load_festival` succeeded.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FORMAT = "citylive/festival@1"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
SLOT_REF_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$")

DEFAULT_WEIGHTS: dict[str, int] = {
    "value": 1000,  # S1, per CNY-thousand of expected GMV, plus a per-session bonus
    "prime": 100,  # S2
    "clash": 400,  # S3, per same-industry pair in one slot in one town or neighbours
    "showcase": 300,  # S4, per main-venue duplicate; and per town present each day
    "fairness": 200,  # S5, per percent of the lowest town's share
    "fit": 10,  # S6
    "stability": 50,  # S7, per moved session
}


class FestivalFileError(Exception):
    """A festival file that cannot be used; `errors` lists every problem with its place."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(errors))


# --------------------------------------------------------------------------- YAML loading
class _FestivalLoader(yaml.SafeLoader):
    """YAML 1.1 with its traps disarmed.

    PyYAML's safe loader reads `10:00` as the sexagesimal integer 600 and `2020-06-06` as a
    date.  Here both stay strings, exactly as written, and the schema parses them; so an
    unquoted time is read as the user meant instead of as silently wrong data.
    """


_FestivalLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_INT_NO_SEXAGESIMAL = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT_NO_SEXAGESIMAL = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
for _key, _resolvers in list(_FestivalLoader.yaml_implicit_resolvers.items()):
    _FestivalLoader.yaml_implicit_resolvers[_key] = [
        (
            tag,
            _INT_NO_SEXAGESIMAL
            if tag == "tag:yaml.org,2002:int"
            else _FLOAT_NO_SEXAGESIMAL
            if tag == "tag:yaml.org,2002:float"
            else regexp,
        )
        for tag, regexp in _resolvers
    ]


def _parse_text(text: str, source: str) -> Any:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise FestivalFileError(
            source, [f"{source}: the file is empty; write a `{FORMAT}` festival file"]
        )
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FestivalFileError(
                source,
                [f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"],
            ) from None
    try:
        return yaml.load(text, Loader=_FestivalLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise FestivalFileError(source, [f"{where}: not valid YAML or JSON: {problem}"]) from None


def read_document(path: str | Path) -> Any:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FestivalFileError(
            str(path), [f"{path}: cannot read the file: {exc.strerror}"]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FestivalFileError(
            str(path),
            [f"{path}: not UTF-8 text (byte {exc.start}); save the festival file as UTF-8"],
        ) from None
    return _parse_text(text, str(path))


# --------------------------------------------------------------------------- schema
def _as_str(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


class _Strict(BaseModel):
    # Ids like the platform `1688` come out of YAML as integers; they are names.
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


class Slot(_Strict):
    start: str
    end: str

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, v: Any) -> Any:
        return _check_time(v)

    @property
    def start_time(self) -> time:
        return _to_time(self.start)

    @property
    def end_time(self) -> time:
        return _to_time(self.end)


def _check_time(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        raise ValueError(f'got the number {v}; write times as quoted strings like "10:00"')
    if not isinstance(v, str) or not TIME_RE.match(v):
        raise ValueError(f'{v!r} is not a time of day; write it as "HH:MM", e.g. "19:00"')
    return v


def _to_time(s: str) -> time:
    if s == "24:00":
        return time(23, 59, 59, 999999)
    h, m = s.split(":")
    return time(int(h), int(m))


class FestivalInfo(_Strict):
    id: str
    name: str
    timezone: str = "Asia/Shanghai"
    days: list[date] = Field(min_length=1)
    slots: list[Slot] = Field(min_length=1)
    prime_slots: list[str] = Field(default_factory=list)
    min_skus_per_session: int = Field(default=1, ge=1)
    # Optional settings that the product adds to the format.
    confirmation_deadline: datetime | None = None
    silence: Literal["decline", "remind"] = "remind"
    reminder_minutes: int = Field(default=60, ge=1)
    portal_url: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        v = _as_str(v)
        if isinstance(v, str) and not ID_RE.match(v):
            raise ValueError(f"{v!r} may use only a-z, 0-9 and '-'")
        return v

    @field_validator("prime_slots", mode="before")
    @classmethod
    def _prime(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [_check_time(x) for x in v]
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r}; use an IANA name like 'Asia/Shanghai'"
            ) from None
        return v


class _Entity(_Strict):
    id: str
    name: str

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        v = _as_str(v)
        if isinstance(v, str) and not v.strip():
            raise ValueError("must not be empty")
        return v


def _str_keys(v: Any) -> Any:
    # Mapping keys are platforms (`1688: ...` is an integer key in YAML).
    if isinstance(v, dict):
        return {str(k): x for k, x in v.items()}
    return v


class Town(_Entity):
    neighbours: list[str] = Field(default_factory=list)


class Industry(_Entity):
    pass


class Venue(_Entity):
    kind: Literal["main", "sub"]
    town: str
    studios: int = Field(ge=1)
    closed: list[str] = Field(default_factory=list)


class Enterprise(_Entity):
    town: str
    industry: str
    sessions: int = Field(ge=0)
    skus: int = Field(ge=0)
    platforms: list[str] = Field(min_length=1)
    expected_gmv: int = Field(ge=0)
    unavailable: list[str] = Field(default_factory=list)
    shops: dict[str, str] = Field(default_factory=dict)

    @field_validator("shops", mode="before")
    @classmethod
    def _shops(cls, v: Any) -> Any:
        return _str_keys(v)


class Streamer(_Entity):
    agency: str | None = None
    town: str
    industries: list[str] = Field(min_length=1)
    platforms: list[str] = Field(min_length=1)
    max_sessions_per_day: int = Field(default=1, ge=1)
    unavailable: list[str] = Field(default_factory=list)
    employer: str | None = None
    accounts: dict[str, str] = Field(default_factory=dict)

    @field_validator("accounts", mode="before")
    @classmethod
    def _accounts(cls, v: Any) -> Any:
        return _str_keys(v)


class FestivalDocument(_Strict):
    format: str
    festival: FestivalInfo
    towns: list[Town] = Field(min_length=1)
    industries: list[Industry] = Field(min_length=1)
    platforms: list[str] = Field(min_length=1)
    venues: list[Venue] = Field(min_length=1)
    enterprises: list[Enterprise] = Field(default_factory=list)
    streamers: list[Streamer] = Field(default_factory=list)
    weights: dict[str, int] = Field(default_factory=dict)

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v != FORMAT:
            raise ValueError(f"expected {FORMAT!r}, got {v!r}")
        return v


# --------------------------------------------------------------------------- the festival
@dataclass(frozen=True)
class SlotRef:
    """One slot of one day: indices into `Festival.days` and `Festival.slots`."""

    day: int
    slot: int


@dataclass
class Festival:
    """A validated festival, with the look-ups that planning and checking need."""

    doc: FestivalDocument
    source: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # plain attributes -----------------------------------------------------
    @property
    def id(self) -> str:
        return self.doc.festival.id

    @property
    def name(self) -> str:
        return self.doc.festival.name

    @property
    def info(self) -> FestivalInfo:
        return self.doc.festival

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.doc.festival.timezone)

    @property
    def days(self) -> list[date]:
        return self.doc.festival.days

    @property
    def slots(self) -> list[Slot]:
        return self.doc.festival.slots

    @property
    def towns(self) -> list[Town]:
        return self.doc.towns

    @property
    def industries(self) -> list[Industry]:
        return self.doc.industries

    @property
    def platforms(self) -> list[str]:
        return self.doc.platforms

    @property
    def venues(self) -> list[Venue]:
        return self.doc.venues

    @property
    def enterprises(self) -> list[Enterprise]:
        return self.doc.enterprises

    @property
    def streamers(self) -> list[Streamer]:
        return self.doc.streamers

    # look-ups ---------------------------------------------------------------
    @cached_property
    def town(self) -> dict[str, Town]:
        return {t.id: t for t in self.towns}

    @cached_property
    def industry(self) -> dict[str, Industry]:
        return {i.id: i for i in self.industries}

    @cached_property
    def venue(self) -> dict[str, Venue]:
        return {v.id: v for v in self.venues}

    @cached_property
    def enterprise(self) -> dict[str, Enterprise]:
        return {e.id: e for e in self.enterprises}

    @cached_property
    def streamer(self) -> dict[str, Streamer]:
        return {s.id: s for s in self.streamers}

    @cached_property
    def main_venue(self) -> Venue:
        return next(v for v in self.venues if v.kind == "main")

    @cached_property
    def sub_venue_of_town(self) -> dict[str, Venue]:
        return {v.town: v for v in self.venues if v.kind == "sub"}

    @cached_property
    def neighbours(self) -> dict[str, frozenset[str]]:
        """Symmetric neighbour sets: `a` listing `b` makes them neighbours both ways."""
        out: dict[str, set[str]] = {t.id: set() for t in self.towns}
        for t in self.towns:
            for n in t.neighbours:
                if n in out and n != t.id:
                    out[t.id].add(n)
                    out[n].add(t.id)
        return {k: frozenset(v) for k, v in out.items()}

    @cached_property
    def weights(self) -> dict[str, int]:
        return {**DEFAULT_WEIGHTS, **self.doc.weights}

    @cached_property
    def prime_slot_indices(self) -> frozenset[int]:
        starts = set(self.doc.festival.prime_slots)
        return frozenset(i for i, s in enumerate(self.slots) if s.start in starts)

    def allowed_venues(self, enterprise: Enterprise) -> list[Venue]:
        """H3: own town's sub-venue and the main venue; a neighbour's sub-venue only where
        the enterprise's town has none."""
        out = [self.main_venue]
        own = self.sub_venue_of_town.get(enterprise.town)
        if own is not None:
            out.append(own)
        else:
            for n in sorted(self.neighbours.get(enterprise.town, ())):
                if n in self.sub_venue_of_town:
                    out.append(self.sub_venue_of_town[n])
        return out

    def slot_start(self, ref: SlotRef) -> datetime:
        d = self.days[ref.day]
        return datetime.combine(d, self.slots[ref.slot].start_time, tzinfo=self.tz)

    def slot_end(self, ref: SlotRef) -> datetime:
        d = self.days[ref.day]
        end = self.slots[ref.slot].end
        if end == "24:00":
            return datetime.combine(d + timedelta(days=1), time(0, 0), tzinfo=self.tz)
        return datetime.combine(d, self.slots[ref.slot].end_time, tzinfo=self.tz)

    def slot_refs(self) -> Iterable[SlotRef]:
        for d in range(len(self.days)):
            for s in range(len(self.slots)):
                yield SlotRef(d, s)

    def blocked(self, marks: Iterable[str]) -> set[SlotRef]:
        """Day and slot-start marks (`2020-06-06`, `2020-06-07T19:00`) as slot refs."""
        day_index = {d.isoformat(): i for i, d in enumerate(self.days)}
        slot_index = {s.start: i for i, s in enumerate(self.slots)}
        out: set[SlotRef] = set()
        for mark in marks:
            m = SLOT_REF_RE.match(mark)
            if not m or m.group(1) not in day_index:
                continue
            d = day_index[m.group(1)]
            if m.group(2) is None:
                out.update(SlotRef(d, s) for s in range(len(self.slots)))
            elif m.group(2) in slot_index:
                out.add(SlotRef(d, slot_index[m.group(2)]))
        return out

    def requested_sessions(self) -> int:
        return sum(e.sessions for e in self.enterprises)

    def studio_slots(self) -> int:
        n = len(self.slots)
        return sum(
            v.studios * (len(self.days) * n - len(self.blocked(v.closed))) for v in self.venues
        )


# --------------------------------------------------------------------------- validation
def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _pydantic_errors(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = _loc(err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "missing":
            msg = "missing; this field is required"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "date_from_datetime_parsing" or err["type"].startswith("date_"):
            msg = f"{err.get('input')!r} is not a date; write it as YYYY-MM-DD"
        out.append(f"{loc}: {msg}")
    return out


def _check_semantics(doc: FestivalDocument) -> list[str]:  # noqa: C901 - one list of rules
    errors: list[str] = []
    info = doc.festival

    def dupes(kind: str, ids: list[str]) -> None:
        seen: dict[str, int] = {}
        for i, x in enumerate(ids):
            if x in seen:
                errors.append(f"{kind}[{i}].id: duplicate id {x!r} (first at {kind}[{seen[x]}])")
            else:
                seen[x] = i

    dupes("towns", [t.id for t in doc.towns])
    dupes("industries", [x.id for x in doc.industries])
    dupes("venues", [v.id for v in doc.venues])
    dupes("enterprises", [e.id for e in doc.enterprises])
    dupes("streamers", [s.id for s in doc.streamers])
    seen_p: set[str] = set()
    for i, p in enumerate(doc.platforms):
        if p in seen_p:
            errors.append(f"platforms[{i}]: duplicate platform {p!r}")
        seen_p.add(p)

    towns = {t.id for t in doc.towns}
    industries = {x.id for x in doc.industries}
    platforms = set(doc.platforms)
    enterprises = {e.id for e in doc.enterprises}

    # days and the slot grid
    for i, d in enumerate(info.days):
        if i and d <= info.days[i - 1]:
            errors.append(
                f"festival.days[{i}]: {d.isoformat()} is not after {info.days[i - 1].isoformat()}; "
                "list each day once, in order"
            )
    for i, s in enumerate(info.slots):
        if s.end_time <= s.start_time:
            errors.append(f"festival.slots[{i}]: end {s.end} is not after start {s.start}")
        if i:
            prev = info.slots[i - 1]
            if s.start_time < prev.start_time:
                errors.append(
                    f"festival.slots[{i}]: starts {s.start}, before slot {i - 1} ({prev.start}); "
                    "list slots in time order"
                )
            elif s.start_time < prev.end_time:
                errors.append(
                    f"festival.slots[{i}]: {s.start}-{s.end} overlaps slot {i - 1} "
                    f"({prev.start}-{prev.end})"
                )
    starts = {s.start for s in info.slots}
    for i, p in enumerate(info.prime_slots):
        if p not in starts:
            errors.append(
                f"festival.prime_slots[{i}]: {p!r} is the start of no slot "
                f"(slots start at {', '.join(sorted(starts))})"
            )

    day_set = {d.isoformat() for d in info.days}

    def check_marks(where: str, marks: list[str]) -> None:
        for i, mark in enumerate(marks):
            m = SLOT_REF_RE.match(mark)
            if not m:
                errors.append(
                    f"{where}[{i}]: {mark!r} is neither a day (YYYY-MM-DD) nor a slot start "
                    "(YYYY-MM-DDTHH:MM)"
                )
            elif m.group(1) not in day_set:
                errors.append(
                    f"{where}[{i}]: {m.group(1)} is not a festival day "
                    f"({', '.join(sorted(day_set))})"
                )
            elif m.group(2) is not None and m.group(2) not in starts:
                errors.append(
                    f"{where}[{i}]: no slot starts at {m.group(2)} "
                    f"(slots start at {', '.join(sorted(starts))})"
                )

    # towns
    for i, t in enumerate(doc.towns):
        for j, n in enumerate(t.neighbours):
            if n not in towns:
                errors.append(f"towns[{i}].neighbours[{j}]: unknown town {n!r}{_suggest(n, towns)}")
            elif n == t.id:
                errors.append(f"towns[{i}].neighbours[{j}]: a town is not its own neighbour")

    # venues
    mains = [i for i, v in enumerate(doc.venues) if v.kind == "main"]
    if not mains:
        errors.append("venues: no venue has `kind: main`; mark exactly one as the main venue")
    for i in mains[1:]:
        errors.append(
            f"venues[{i}].kind: a second main venue (venues[{mains[0]}] is main); "
            "exactly one venue may be `kind: main`"
        )
    sub_of: dict[str, int] = {}
    for i, v in enumerate(doc.venues):
        if v.town not in towns:
            errors.append(f"venues[{i}].town: unknown town {v.town!r}{_suggest(v.town, towns)}")
        if v.kind == "sub":
            if v.town in sub_of:
                errors.append(
                    f"venues[{i}].town: town {v.town!r} already has a sub-venue "
                    f"(venues[{sub_of[v.town]}]); a town has at most one"
                )
            else:
                sub_of[v.town] = i
        check_marks(f"venues[{i}].closed", v.closed)

    # enterprises
    for i, e in enumerate(doc.enterprises):
        if e.town not in towns:
            errors.append(
                f"enterprises[{i}].town: unknown town {e.town!r}{_suggest(e.town, towns)}"
            )
        if e.industry not in industries:
            errors.append(
                f"enterprises[{i}].industry: unknown industry {e.industry!r}"
                f"{_suggest(e.industry, industries)}"
            )
        for j, p in enumerate(e.platforms):
            if p not in platforms:
                errors.append(
                    f"enterprises[{i}].platforms[{j}]: unknown platform {p!r}{_suggest(p, platforms)}"
                )
        for p in e.shops:
            if p not in platforms:
                errors.append(
                    f"enterprises[{i}].shops.{p}: unknown platform {p!r}{_suggest(p, platforms)}"
                )
        check_marks(f"enterprises[{i}].unavailable", e.unavailable)

    # streamers
    for i, st in enumerate(doc.streamers):
        if st.town not in towns:
            errors.append(
                f"streamers[{i}].town: unknown town {st.town!r}{_suggest(st.town, towns)}"
            )
        for j, x in enumerate(st.industries):
            if x not in industries:
                errors.append(
                    f"streamers[{i}].industries[{j}]: unknown industry {x!r}{_suggest(x, industries)}"
                )
        for j, p in enumerate(st.platforms):
            if p not in platforms:
                errors.append(
                    f"streamers[{i}].platforms[{j}]: unknown platform {p!r}{_suggest(p, platforms)}"
                )
        for p in st.accounts:
            if p not in platforms:
                errors.append(
                    f"streamers[{i}].accounts.{p}: unknown platform {p!r}{_suggest(p, platforms)}"
                )
        if st.employer is not None and st.employer not in enterprises:
            errors.append(
                f"streamers[{i}].employer: unknown enterprise {st.employer!r}"
                f"{_suggest(st.employer, enterprises)}"
            )
        check_marks(f"streamers[{i}].unavailable", st.unavailable)

    for k in doc.weights:
        if k not in DEFAULT_WEIGHTS:
            errors.append(
                f"weights.{k}: unknown weight{_suggest(k, DEFAULT_WEIGHTS)}; "
                f"known: {', '.join(DEFAULT_WEIGHTS)}"
            )
    for k, w in doc.weights.items():
        if w < 0:
            errors.append(f"weights.{k}: {w} is negative; weights are 0 or more")
    return errors


def parse_festival(data: Any, source: str = "<festival>") -> Festival:
    """Validate already-parsed data (a dict from YAML or JSON) into a `Festival`."""
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise FestivalFileError(
            source,
            [f"{source}: expected a `{FORMAT}` mapping at the top level, found {kind}"],
        )
    try:
        doc = FestivalDocument.model_validate(data)
    except ValidationError as exc:
        raise FestivalFileError(source, _pydantic_errors(exc)) from None
    errors = _check_semantics(doc)
    if errors:
        raise FestivalFileError(source, errors)
    return Festival(doc=doc, source=source)


def load_festival(path: str | Path) -> Festival:
    """Read and validate a festival file (YAML or JSON)."""
    return parse_festival(read_document(path), str(path))


def load_festival_text(text: str, source: str = "<upload>") -> Festival:
    return parse_festival(_parse_text(text, source), source)
