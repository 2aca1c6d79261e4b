"""The running figures posted during the festival day, beside the figures the exports give
later: the report's table of provisional against computed GMV (a large gap is a sign of the
inflation the flags look for)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

import models
from citylive.sales.figures import yuan


def provisional_rows(
    db: Session, festival_id: str, town: str | None, computed: dict[str, int]
) -> list[dict[str, Any]]:
    """Sessions with posted figures (a town's only, when given), by provisional GMV: the
    posted views and GMV, the GMV computed from the exports (`computed`, fen by session id)
    and the gap between them."""
    L, S = models.SessionLive, models.FestivalSession
    query = (
        select(L, S.town, S.enterprise)
        .join(S, col(S.id) == col(L.session_id))
        .where(L.festival_id == festival_id, col(L.figures_at).is_not(None))
    )
    if town is not None:
        query = query.where(S.town == town)
    out = []
    for live, session_town, enterprise in db.exec(query):
        exported = computed.get(live.session_id)
        posted = live.gmv_fen
        out.append(
            {
                "session_id": live.session_id,
                "town": session_town,
                "enterprise": enterprise,
                "views": live.views,
                "provisional_gmv": yuan(posted) if posted is not None else None,
                "computed_gmv": yuan(exported) if exported is not None else None,
                "gap": yuan(posted - exported)
                if posted is not None and exported is not None
                else None,
                "posted_by": live.figures_by,
                "_order": -(posted or 0),
            }
        )
    out.sort(key=lambda r: (r.pop("_order"), r["session_id"]))
    return out
