"""The `citylive/festival@1` schema: field types and ranges (pydantic).

Ranges are the product's limits, not the format's: every value a file may carry fits the
database's columns and the planner's arithmetic, so a file that validates also imports and
plans (see docs/security.md).  Rules that relate one part of the file to another live in
validation.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from citylive.folding import hidden_characters

FORMAT = "citylive/festival@1"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
SLOT_REF_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$")

# The soft goals' weights, in the spec's order S1..S8 (festival-file.md, "Soft goals").  The
# units differ, so the numbers only compare through what they weigh: a typical session
# (80,000 CNY) is worth 81,000 for S1 and 8,000 more in prime time; a same-industry pair
# costs 30 (S3) or 25 (S4), so prime time wins over spreading a single-industry town's
# sessions, and spreading wins over everything below it; a percent of the lowest town's
# share is worth 2,000, i.e. 2 CNY-thousand of value (value first, but a fairer plan when
# it costs next to nothing, which it usually does).
DEFAULT_WEIGHTS: dict[str, int] = {
    "value": 1000,  # S1, per CNY-thousand of expected GMV, plus a per-session bonus
    "prime": 100,  # S2, per CNY-thousand of expected GMV in a prime slot
    "clash": 30,  # S3, per same-industry pair in one slot in one town or neighbours
    "showcase": 25,  # S4, per main-venue duplicate; per town there each day; per block seat
    "fairness": 2000,  # S5, per percent of the lowest town's share
    "fit": 10,  # S6, per session with a streamer of the venue's town
    "stability": 50,  # S7, per session kept where the previous schedule had it (x 1000)
    "freshness": 20,  # S8, per repeat (same enterprise twice a day, same industry in a row)
}

# Limits of the product (see the module docstring); each is far above any real festival.
MAX_ID = 64
MAX_NAME = 200
MAX_WEIGHT = 1_000_000
MAX_GMV = 1_000_000_000  # CNY per session
MAX_STUDIOS = 500
MAX_SESSIONS = 1_000
MAX_SKUS = 1_000_000
MAX_SLOTS = 48
MAX_DAYS = 366
MAX_TOWNS = 1_000
MAX_VENUES = 60_000  # the main venue, district and sub-venues, and enterprises' own rooms
MAX_ENTERPRISES = 50_000
MAX_STREAMERS = 20_000
MAX_MARKS = 2_000  # unavailable or closed marks on one entry
FIRST_YEAR, LAST_YEAR = 1970, 2200

Id = str
Name = str


def as_str(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


def check_time(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        raise ValueError(f'got the number {v}; write times as quoted strings like "10:00"')
    if not isinstance(v, str) or not TIME_RE.match(v):
        raise ValueError(f'{v!r} is not a time of day; write it as "HH:MM", e.g. "19:00"')
    return v


def to_time(s: str) -> time:
    if s == "24:00":
        return time(23, 59, 59, 999999)
    h, m = s.split(":")
    return time(int(h), int(m))


def _in_years(value: Any) -> Any:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"{value.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return value


Day = Annotated[date, AfterValidator(_in_years)]


class _Strict(BaseModel):
    # Ids like the platform `1688` come out of YAML as integers; they are names.  A key the
    # format does not know is an error (a misspelt `silance:` must not pass as valid).
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class Slot(_Strict):
    start: str
    end: str

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, v: Any) -> Any:
        return check_time(v)

    @property
    def start_time(self) -> time:
        return to_time(self.start)

    @property
    def end_time(self) -> time:
        return to_time(self.end)


class FestivalInfo(_Strict):
    id: str = Field(max_length=MAX_ID)
    name: str = Field(max_length=MAX_NAME)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    days: list[Day] = Field(min_length=1, max_length=MAX_DAYS)
    slots: list[Slot] = Field(min_length=1, max_length=MAX_SLOTS)
    prime_slots: list[str] = Field(default_factory=list, max_length=MAX_SLOTS)
    min_skus_per_session: int = Field(default=1, ge=1, le=10_000)
    # Optional settings that the product adds to the format.
    confirmation_deadline: datetime | None = None
    silence: Literal["decline", "remind"] = "remind"
    reminder_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    portal_url: str | None = Field(default=None, max_length=500)
    # the festival day: a session still not live this long after its slot began is late
    late_after_minutes: int = Field(default=10, ge=1, le=24 * 60)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        v = as_str(v)
        if isinstance(v, str) and not ID_RE.match(v):
            raise ValueError(f"{v!r} may use only a-z, 0-9 and '-'")
        return v

    @field_validator("prime_slots", mode="before")
    @classmethod
    def _prime(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [check_time(x) for x in v]
        return v

    @field_validator("confirmation_deadline")
    @classmethod
    def _deadline(cls, v: datetime | None) -> datetime | None:
        if v is not None:
            _in_years(v)
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
    id: str = Field(max_length=MAX_ID)
    name: str = Field(max_length=MAX_NAME)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        v = as_str(v)
        if isinstance(v, str) and not v.strip():
            raise ValueError("must not be empty")
        if isinstance(v, str) and (hidden := hidden_characters(v)):
            raise ValueError(
                f"{v!r} holds invisible or control characters ({', '.join(hidden)}); "
                "type the id again without them"
            )
        return v


def _str_keys(v: Any) -> Any:
    # Mapping keys are platforms (`1688: ...` is an integer key in YAML).
    if isinstance(v, dict):
        return {str(k): x for k, x in v.items()}
    return v


class Town(_Entity):
    neighbours: list[str] = Field(default_factory=list, max_length=MAX_TOWNS)


class Industry(_Entity):
    pass


class District(_Entity):
    """A level between the city and its towns (festival-file.md, "Venues")."""

    towns: list[str] = Field(default_factory=list, max_length=MAX_TOWNS)


class Venue(_Entity):
    kind: Literal["main", "sub", "district", "own"]
    name: str = Field(default="", max_length=MAX_NAME)
    town: str = Field(default="", max_length=MAX_ID)  # main and sub venues name theirs
    district: str | None = Field(default=None, max_length=MAX_ID)  # a district venue's
    enterprise: str | None = Field(default=None, max_length=MAX_ID)  # an own venue's
    studios: int = Field(ge=1, le=MAX_STUDIOS)
    closed: list[str] = Field(default_factory=list, max_length=MAX_MARKS)


class Enterprise(_Entity):
    town: str = Field(max_length=MAX_ID)
    industry: str = Field(max_length=MAX_ID)
    sessions: int = Field(ge=0, le=MAX_SESSIONS)
    skus: int = Field(ge=0, le=MAX_SKUS)
    platforms: list[str] = Field(min_length=1, max_length=50)
    expected_gmv: int = Field(ge=0, le=MAX_GMV)
    unavailable: list[str] = Field(default_factory=list, max_length=MAX_MARKS)
    # per platform, the enterprise's shop name(s) or shop id(s): a name or a list
    shops: dict[str, str | list[str]] = Field(default_factory=dict, max_length=50)

    @field_validator("shops", mode="before")
    @classmethod
    def _shops(cls, v: Any) -> Any:
        v = _str_keys(v)
        if isinstance(v, dict):  # shop ids come out of YAML as integers: they are names
            return {
                k: [as_str(x) for x in s] if isinstance(s, list) else as_str(s)
                for k, s in v.items()
            }
        return v

    @field_validator("shops")
    @classmethod
    def _shop_names(cls, v: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for p, names in v.items():
            for name in [names] if isinstance(names, str) else names:
                if not name.strip() or len(name) > MAX_NAME:
                    raise ValueError(f"{p}: a shop is a name or id of 1 to {MAX_NAME} characters")
            if isinstance(names, list) and len(names) > 100:
                raise ValueError(f"{p}: more than 100 shops")
        return v


class Streamer(_Entity):
    agency: str | None = Field(default=None, max_length=MAX_NAME)
    town: str = Field(max_length=MAX_ID)
    industries: list[str] = Field(min_length=1, max_length=200)
    platforms: list[str] = Field(min_length=1, max_length=50)
    max_sessions_per_day: int = Field(default=1, ge=1, le=MAX_SLOTS)
    unavailable: list[str] = Field(default_factory=list, max_length=MAX_MARKS)
    employer: str | None = Field(default=None, max_length=MAX_ID)
    accounts: dict[str, str] = Field(default_factory=dict, max_length=50)
    role: str | None = Field(default=None, max_length=MAX_NAME)  # e.g. town-leader; shown

    @field_validator("accounts", mode="before")
    @classmethod
    def _accounts(cls, v: Any) -> Any:
        # An account may be a number (达人IDs are: `douyin: 108314295234`) or a list of them
        # (`kuaishou: [a, "b"]`): kept as text, a list's accounts one per line.
        v = _str_keys(v)
        if not isinstance(v, dict):
            return v

        def one(x: Any) -> Any:
            if isinstance(x, bool):
                return x  # not an account: let the type check refuse it
            if isinstance(x, int):
                return str(x)
            if isinstance(x, float) and x.is_integer():
                return str(int(x))
            return x.strip() if isinstance(x, str) else x

        out: dict[str, Any] = {}
        for k, x in v.items():
            if isinstance(x, (list, tuple)):
                names = [one(a) for a in x]
                if all(isinstance(a, str) for a in names):
                    x = "\n".join(dict.fromkeys(a for a in names if a))
                else:
                    x = names
            else:
                x = one(x)
            out[k] = x
        return out


class Theme(_Entity):
    """A themed showcase block at the main venue (festival-file.md, "Themed showcase blocks")."""

    industries: list[str] = Field(min_length=1, max_length=200)
    slots: list[str] = Field(min_length=1, max_length=MAX_DAYS * MAX_SLOTS)
    studios: int = Field(ge=1, le=MAX_STUDIOS)


class CollectiveProduct(_Strict):
    """Which enterprise owns which of a collective store's products: by id or title prefix."""

    enterprise: str = Field(max_length=MAX_ID)
    ids: list[str] = Field(default_factory=list, max_length=100_000)
    title_prefix: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)

    @field_validator("ids", mode="before")
    @classmethod
    def _ids(cls, v: Any) -> Any:
        return [as_str(x) for x in v] if isinstance(v, list) else v


class CollectiveStore(_Strict):
    """One shop selling several enterprises' goods; its exports are split by product owner."""

    id: str = Field(max_length=MAX_ID)
    platform: str = Field(max_length=32)
    shop: str = Field(min_length=1, max_length=MAX_NAME)
    products: list[CollectiveProduct] = Field(min_length=1, max_length=MAX_ENTERPRISES)


class Fairness(_Strict):
    min_share: float | None = Field(default=None, ge=0, le=1)


class SalesWindows(_Strict):
    before_days: int = Field(default=28, ge=0, le=MAX_DAYS)
    after_days: int = Field(default=28, ge=0, le=MAX_DAYS)


class FestivalDocument(_Strict):
    format: str
    festival: FestivalInfo
    towns: list[Town] = Field(min_length=1, max_length=MAX_TOWNS)
    districts: list[District] = Field(default_factory=list, max_length=MAX_TOWNS)
    industries: list[Industry] = Field(min_length=1, max_length=1_000)
    platforms: list[str] = Field(min_length=1, max_length=50)
    venues: list[Venue] = Field(min_length=1, max_length=MAX_VENUES)
    enterprises: list[Enterprise] = Field(default_factory=list, max_length=MAX_ENTERPRISES)
    streamers: list[Streamer] = Field(default_factory=list, max_length=MAX_STREAMERS)
    weights: dict[str, int] = Field(default_factory=dict)
    fairness: Fairness = Field(default_factory=Fairness)
    themes: list[Theme] = Field(default_factory=list, max_length=1_000)
    sales_windows: SalesWindows = Field(default_factory=SalesWindows)
    collective_stores: list[CollectiveStore] = Field(default_factory=list, max_length=10_000)

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v != FORMAT:
            raise ValueError(f"expected {FORMAT!r}, got {v!r}")
        return v

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, v: list[str]) -> list[str]:
        for p in v:
            if len(p) > 32:
                raise ValueError(f"platform {p[:40]!r} is longer than 32 characters")
        return v
