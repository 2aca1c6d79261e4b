"""A plan a person can read: each town's requested and placed sessions, every unplaced
request with the resource that ran out and what would place it, and the solver's terms in
words.  Built from a festival and its schedule document alone, so the CLI, the API and the
messages to unplaced enterprises all say the same."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel

from citylive.festival import Festival
from citylive.schedule.document import ScheduleDocument


class TownLine(BaseModel):
    town: str
    name: str
    requested: int
    placed: int
    share: float  # placed / requested (1.0 for a town that asked for nothing)
    at_main: int  # its sessions at the main venue


class UnplacedLine(BaseModel):
    enterprise: str
    name: str
    town: str
    count: int
    reason: str  # the planner's reason (English)
    scarce: str  # the resource that ran out, in words
    remedy: str  # what would place it
    reason_zh: str
    remedy_zh: str


class Terms(BaseModel):
    status: str
    status_means: str
    objective: float | None
    bound: float | None
    gap: float | None  # (bound - objective) / bound, when both are known
    objective_means: str = (
        "the schedule's score: the soft goals' weighted sum (value, prime time, no clash, "
        "showcase, fairness, fit, stability, freshness; docs/planner.md); higher is better"
    )
    bound_means: str = (
        "the highest score any schedule could reach, as far as the solver proved; the gap "
        "between the two is the most this schedule can be short of the best"
    )


class Readout(BaseModel):
    towns: list[TownLine]
    unplaced: list[UnplacedLine]
    terms: Terms
    lowest_town: str | None  # the town with the lowest share, by name


@dataclass(frozen=True)
class _Rule:
    pattern: str
    scarce: str
    remedy: str
    remedy_zh: str
    reason_zh: str


# the planner's reasons (planner/reasons.py), matched in order; {1}, {2} are the pattern's
# groups
RULES = (
    _Rule(
        r"SKUs? are fewer than min_skus_per_session \((\d+)\)",
        "products",
        "ready at least {1} products for live selling",
        "准备至少 {1} 款直播商品",
        "可直播商品少于每场最低款数（{1} 款）",
    ),
    _Rule(
        r"unavailable on every day",
        "the enterprise's days",
        "make the enterprise available on at least one festival day",
        "在活动期间至少空出一天",
        "企业在活动期间每天都不可用",
    ),
    _Rule(
        r"^no streamer fits industry '([^']*)' on (.+?) in any free slot",
        "streamers",
        "another streamer (one who sells '{1}' on {2}), a fitting streamer's higher "
        "max_sessions_per_day, another day, or fewer sessions",
        "增加一位能卖该行业、在同一平台直播的主播，提高合适主播的每日场次上限，换一天，或减少场次",
        "合适的主播在企业有空的时段都已排满、达到每日上限或不可用",
    ),
    _Rule(
        r"^no streamer fits industry '([^']*)' on (.+)$",
        "streamers",
        "a streamer who sells '{1}' on {2}, or another platform that a fitting streamer uses",
        "增加一位能卖该行业、在同一平台直播的主播，或增加合适主播所用的平台",
        "没有主播能在企业的平台上卖该行业的商品",
    ),
    _Rule(
        r"products and availability allow at most (\d+) sessions?",
        "products and days",
        "ask for {1} sessions or fewer, ready more products, or free more days",
        "把场次减到 {1} 场以内，准备更多商品，或空出更多天",
        "商品数和可用天数最多只够 {1} 场",
    ),
    _Rule(
        r"every slot the enterprise is available in already holds",
        "the enterprise's own time",
        "fewer sessions, or another day or slot the enterprise is free",
        "减少场次，或空出其他日期或时段",
        "企业有空的时段都已排了它自己的场次",
    ),
    _Rule(
        r"^no free studio at (.+?) in the slots",
        "studios",
        "another day or slot (free the enterprise then), more studios at {1}, or fewer sessions",
        "换一天或换时段（企业需有空），增加 {1} 的直播间，或减少场次",
        "企业和合适主播都有空的时段里，可用会场没有空直播间",
    ),
    _Rule(
        r"no time to travel",
        "streamers' travel time",
        "another streamer, or another day",
        "换一位主播，或换一天",
        "有空的主播在前后时段要赶往其他会场",
    ),
    _Rule(
        r"has no session at the main venue",
        "main-venue studios",
        "a free studio at the main venue (more studios there, or fewer sessions there)",
        "主会场需空出一个直播间（增加直播间或减少主会场场次）",
        "本镇街还没有主会场场次，而主会场已无空位",
    ),
    _Rule(
        r"left out for higher-value sessions",
        "time and value",
        "a longer time limit (citylive plan --time-limit), a higher expected_gmv, or fewer "
        "sessions elsewhere",
        "延长排期时限，提高预估成交额，或减少其他场次",
        "在时限内让位给预估价值更高的场次",
    ),
)

STATUS_MEANS = {
    "OPTIMAL": "the best schedule for the goals' weights, proven so",
    "FEASIBLE": (
        "a schedule that keeps every rule, the best the solver found within the time limit; "
        "not proven the best (see the gap)"
    ),
    "LOCAL SEARCH": (
        "a large festival: a schedule that keeps every rule, improved move by move until no "
        "move helped; no bound is proven"
    ),
    "NOT RUN": "no time was left to improve the first schedule (a longer time limit helps)",
    "UNKNOWN": "the solver found nothing better than the first schedule in time",
}


def explain(reason: str) -> tuple[str, str, str, str]:
    """(scarce, remedy, reason in Chinese, remedy in Chinese) of a planner reason."""
    for rule in RULES:
        m = re.search(rule.pattern, reason)
        if m:
            groups = [m.group(0), *m.groups()]

            def fill(text: str, groups: list[str] = groups) -> str:
                return re.sub(r"\{(\d)\}", lambda g: groups[int(g[1])] or "", text)

            return fill(rule.scarce), fill(rule.remedy), fill(rule.reason_zh), fill(rule.remedy_zh)
    return "unknown", "see the reason", reason, "请联系主办方"


def terms(doc: ScheduleDocument) -> Terms:
    st = doc.stats.model_dump()
    status = str(st.get("solver_status") or "UNKNOWN")
    key = next((k for k in STATUS_MEANS if status.startswith(k)), "UNKNOWN")
    objective, bound = doc.stats.objective, doc.stats.bound
    gap = None
    if objective is not None and bound:
        gap = round(max(0.0, (bound - objective) / abs(bound)), 4)
    return Terms(
        status=status, status_means=STATUS_MEANS[key], objective=objective, bound=bound, gap=gap
    )


def readout(festival: Festival, doc: ScheduleDocument) -> Readout:
    """The per-town table, every unplaced request explained, and the terms in words."""
    f = festival
    requested: dict[str, int] = {t.id: 0 for t in f.towns}
    for e in f.enterprises:
        requested[e.town] = requested.get(e.town, 0) + e.sessions
    placed = dict.fromkeys(requested, 0)
    at_main = dict.fromkeys(requested, 0)
    main = f.main_venue.id
    for s in doc.live_sessions:
        ent = f.enterprise.get(s.enterprise)
        town = ent.town if ent else (s.town or "")
        placed[town] = placed.get(town, 0) + 1
        at_main[town] = at_main.get(town, 0) + (s.venue == main)
    towns = [
        TownLine(
            town=t.id,
            name=t.name,
            requested=requested.get(t.id, 0),
            placed=placed.get(t.id, 0),
            share=round(placed.get(t.id, 0) / requested[t.id], 4) if requested.get(t.id) else 1.0,
            at_main=at_main.get(t.id, 0),
        )
        for t in f.towns
    ]
    asking = [t for t in towns if t.requested]
    lowest = min(asking, key=lambda t: (t.share, t.town)) if asking else None
    unplaced = []
    for u in doc.unplaced:
        ent = f.enterprise.get(u.enterprise)
        scarce, remedy, reason_zh, remedy_zh = explain(u.reason)
        unplaced.append(
            UnplacedLine(
                enterprise=u.enterprise,
                name=ent.name if ent else u.enterprise,
                town=ent.town if ent else "",
                count=u.count,
                reason=u.reason,
                scarce=scarce,
                remedy=remedy,
                reason_zh=reason_zh,
                remedy_zh=remedy_zh,
            )
        )
    return Readout(
        towns=towns,
        unplaced=unplaced,
        terms=terms(doc),
        lowest_town=lowest.name if lowest else None,
    )
