"""Which session an order line counts for.

An order line counts for a session when it is from that session's enterprise and platform, its
paid time falls in the session's slot or the grace minutes after it (30 by default), and, where
the export has a streamer column, the streamer account matches the session streamer's account
on that platform.  Lines that match no session are kept as the enterprise's off-session sales.

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
    account: str | None  # the session streamer's account on the platform, if the file names one


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
            account = streamer.accounts.get(str(r.platform)) if streamer else None
            window = Window(str(r.id), r.start, r.end, r.end + grace, account)
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
        accounts = sorted({w.account for w in windows if w.account is not None})
        self.account_set = pa.array(accounts, pa.string())
        code = {a: i for i, a in enumerate(accounts)}
        # -1: the session's streamer has no account on the platform, so any line may match
        self.account_codes = np.array(
            [code[w.account] if w.account is not None else -1 for w in windows], dtype=np.int64
        )

    def match_columns(self, paid_at: Any, streamer_account: Any) -> pa.Array:
        """Session ids (null: off-session) for columns of paid times (UTC) and streamer
        accounts (null: the file has no streamer column)."""
        n = len(paid_at)
        if not self.windows or n == 0:
            return pa.nulls(n, pa.string())
        paid_valid = pc.is_valid(paid_at).to_numpy(zero_copy_only=False)
        paid = pc.fill_null(pc.cast(paid_at, pa.int64()), 0).to_numpy(zero_copy_only=False)
        no_column = pc.is_null(streamer_account).to_numpy(zero_copy_only=False)
        line_code = pc.fill_null(
            pc.index_in(streamer_account, value_set=self.account_set), -2
        ).to_numpy(zero_copy_only=False)
        latest = np.searchsorted(self.starts, paid, side="right") - 1
        on_air = np.full(n, -1, dtype=np.int64)
        in_grace = np.full(n, -1, dtype=np.int64)
        back = 0
        while True:
            k = latest - back
            alive = paid_valid & (k >= 0)
            kk = np.where(alive, k, 0)
            alive &= paid - self.starts[kk] <= self.longest
            if not alive.any():
                break
            fits = alive & (paid < self.grace_ends[kk])
            wcode = self.account_codes[kk]
            fits &= no_column | (wcode == -1) | (line_code == wcode)
            airing = fits & (paid < self.ends[kk])
            on_air = np.where(airing & (on_air < 0), kk, on_air)
            in_grace = np.where(fits & ~airing & (in_grace < 0), kk, in_grace)
            back += 1
        chosen = np.where(on_air >= 0, on_air, in_grace)
        return pc.take(self.ids, pa.array(chosen, mask=chosen < 0))
