"""Which session an order line counts for.

An order line counts for a session when it is from that session's enterprise and platform, its
paid time falls in the session's slot or the grace minutes after it (30 by default), and the
file does not say otherwise: where the export has a streamer column (达人ID, CPS达人ID), the
account must be one of the session streamer's accounts on that platform (`accounts` may list
several); a line the file marks as an affiliate's (精选联盟, 分销, a CPS达人ID) is that
affiliate's, and a line the file says was not made in a live room (pdd 是否直播间成交, kuaishou
订单载体, douyin 流量体裁) is off-session, even inside the slot.  Lines that match no session are
kept as the enterprise's off-session sales.

Only sessions that took place count: proposed or confirmed ones (declined and cancelled
sessions did not go on air).  When a line's time is inside one session's slot and inside the
grace minutes of an earlier one, the session on air wins; among several, the latest started.

Lines are matched a column at a time (numpy): for each line the latest session that started
at or before it, then the ones before that while any could still cover it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlmodel import Session

from citylive.config import get_settings
from citylive.festival import Festival
from citylive.sales._tables import FESTIVAL_SESSION
from models.enums import LIVE_STATUSES

ON_AIR_STATUSES = tuple(sorted(s.value for s in LIVE_STATUSES))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(t: datetime) -> int:
    return (t - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class Window:
    session_id: str
    start: datetime
    end: datetime
    grace_end: datetime
    accounts: tuple[str, ...] | None  # the session streamer's accounts on the platform


def account_names(value: str | None) -> tuple[str, ...]:
    """A streamer's accounts on one platform as the festival file holds them (one per line)."""
    return tuple(a for a in (value or "").split("\n") if a)


class SessionWindows:
    """The sessions on air of a festival, by (enterprise, platform)."""

    def __init__(self, windows: dict[tuple[str, str], list[Window]]):
        self._by_key = {
            k: sorted(v, key=lambda w: (w.start, w.session_id)) for k, v in windows.items()
        }

    @classmethod
    def load(
        cls, *, db: Session, festival: Festival, grace_minutes: int | None = None
    ) -> SessionWindows:
        grace = timedelta(
            minutes=get_settings().attribution_grace_minutes
            if grace_minutes is None
            else grace_minutes
        )
        s = FESTIVAL_SESSION
        rows = (
            db.connection()
            .execute(
                sa.select(
                    s.c.id, s.c.enterprise, s.c.platform, s.c.streamer, s.c.start, s.c.end
                ).where(s.c.festival_id == festival.id, s.c.status.in_(ON_AIR_STATUSES))
            )
            .all()
        )
        by_key: dict[tuple[str, str], list[Window]] = defaultdict(list)
        for r in rows:
            streamer = festival.streamer.get(str(r.streamer))
            names = account_names(streamer.accounts.get(str(r.platform))) if streamer else ()
            window = Window(str(r.id), r.start, r.end, r.end + grace, names or None)
            by_key[(str(r.enterprise), str(r.platform))].append(window)
        return cls(dict(by_key))

    def for_key(self, enterprise: str, platform: str) -> KeyWindows:
        return KeyWindows(self._by_key.get((enterprise, platform), []))

    def match(
        self, enterprise: str, platform: str, paid_at: datetime | None, streamer_account: str | None
    ) -> str | None:
        """One line (tests and small callers); `KeyWindows.match_columns` does many."""
        paid = pa.array([paid_at], pa.timestamp("us", "UTC"))
        account = pa.array([streamer_account], pa.string())
        return self.for_key(enterprise, platform).match_columns(paid, account)[0].as_py()


class KeyWindows:
    """The sessions of one enterprise on one platform, sorted by start."""

    def __init__(self, windows: list[Window]):
        self.windows = windows
        self.ids = pa.array([w.session_id for w in windows], pa.string())
        self.starts = np.array([micros(w.start) for w in windows], dtype=np.int64)
        self.ends = np.array([micros(w.end) for w in windows], dtype=np.int64)
        self.grace_ends = np.array([micros(w.grace_end) for w in windows], dtype=np.int64)
        self.longest = int((self.grace_ends - self.starts).max()) if windows else 0
        accounts = sorted({a for w in windows for a in (w.accounts or ())})
        self.account_set = pa.array(accounts, pa.string())
        code = {a: i for i, a in enumerate(accounts)}
        # allowed[w, c]: account c is session w's streamer's; a streamer without an account
        # on the platform (any_account) lets any line match
        self.allowed = np.zeros((len(windows), len(accounts) + 1), dtype=bool)
        for i, w in enumerate(windows):
            for a in w.accounts or ():
                self.allowed[i, code[a]] = True
        self.any_account = np.array([not w.accounts for w in windows], dtype=bool)

    def others(self, streamer_account: Any) -> Any:
        """Lines sold by an account no session of the key streams from (an affiliate's):
        False everywhere when a session's streamer has no account on the platform (then
        nothing tells a streamer's line from an affiliate's) or there is no session."""
        n = len(streamer_account)
        if not self.windows or self.any_account.any():
            return pa.array(np.zeros(n, dtype=bool))
        named = pc.greater(pc.fill_null(pc.utf8_length(streamer_account), 0), 0)
        known = pc.fill_null(pc.is_in(streamer_account, value_set=self.account_set), False)
        return pc.and_(named, pc.invert(known))

    def match_columns(
        self,
        paid_at: Any,
        streamer_account: Any,
        live_room: Any = None,
        affiliate: Any = None,
    ) -> pa.Array:
        """Session ids (null: off-session) for columns of paid times (UTC), streamer
        accounts (null: the file has no streamer column), made in a live room (null: the
        file does not say) and sold by an affiliate."""
        n = len(paid_at)
        if not self.windows or n == 0:
            return pa.nulls(n, pa.string())
        away = np.zeros(n, dtype=bool)  # the file says: not this session's
        if live_room is not None:
            away |= pc.fill_null(pc.invert(live_room), False).to_numpy(zero_copy_only=False)
        if affiliate is not None:
            away |= pc.fill_null(affiliate, False).to_numpy(zero_copy_only=False)
        paid_valid = pc.is_valid(paid_at).to_numpy(zero_copy_only=False)
        paid = pc.fill_null(pc.cast(paid_at, pa.int64()), 0).to_numpy(zero_copy_only=False)
        no_column = pc.is_null(streamer_account).to_numpy(zero_copy_only=False)
        # an account no session names: the last column of `allowed` (all False)
        line_code = pc.fill_null(
            pc.index_in(streamer_account, value_set=self.account_set), len(self.account_set)
        ).to_numpy(zero_copy_only=False)
        latest = np.searchsorted(self.starts, paid, side="right") - 1
        on_air = np.full(n, -1, dtype=np.int64)
        in_grace = np.full(n, -1, dtype=np.int64)
        back = 0
        while True:
            k = latest - back
            alive = paid_valid & (k >= 0) & ~away
            kk = np.where(alive, k, 0)
            alive &= paid - self.starts[kk] <= self.longest
            if not alive.any():
                break
            fits = alive & (paid < self.grace_ends[kk])
            fits &= no_column | self.any_account[kk] | self.allowed[kk, line_code]
            airing = fits & (paid < self.ends[kk])
            on_air = np.where(airing & (on_air < 0), kk, on_air)
            in_grace = np.where(fits & ~airing & (in_grace < 0), kk, in_grace)
            back += 1
        chosen = np.where(on_air >= 0, on_air, in_grace)
        return pc.take(self.ids, pa.array(chosen, mask=chosen < 0))


def attribute(lines: pa.Table, key: KeyWindows, streamer_column: bool) -> tuple[pa.Table, pa.Array]:
    """The lines of one enterprise on one platform with their affiliate mark completed (a
    line sold by an account none of the key's sessions streams from is an affiliate's), and
    the session each line counts for (null: off-session)."""
    if streamer_column:
        i = lines.schema.get_field_index("affiliate")
        others = key.others(lines["streamer_account"])
        lines = lines.set_column(i, "affiliate", pc.or_(lines["affiliate"], others))
    sessions = key.match_columns(
        lines["paid_at"], lines["streamer_account"], lines["live_room"], lines["affiliate"]
    )
    return lines, sessions
