"""A Guangzhou-like festival ("1+11+N"): one main venue, 11 district venues, about 159
sub-venues in the districts' towns (several in a busy town), 20,000 enterprises of which a
fifth stream from their own rooms, 5,000 streamers, 3 days.  Requests exceed what the
venues and streamers can hold, as real festivals' do.

    python bench/generate.py guangzhou --seed 1 --out /tmp/guangzhou.json
    python bench/generate.py guangzhou --seed 1 --enterprises 5000 --out /tmp/gz-quarter.json

`--enterprises N` gives a reduced festival of the same shape (every studio count scaled by
N / 20,000, at least 1; the streamers likewise unless `--streamers` says); the full size is
the same file as before the option existed.

The same seed always gives the same file.  District and industry names follow Guangzhou's;
towns (街道/镇) are generated per district.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

# district id, name, towns, its industries (the first is its own)
DISTRICTS: list[tuple[str, str, int, list[str]]] = [
    ("yuexiu", "越秀区", 6, ["apparel", "cosmetics", "food"]),
    ("haizhu", "海珠区", 7, ["apparel", "electronics", "snacks"]),
    ("liwan", "荔湾区", 6, ["food", "plants", "apparel"]),
    ("tianhe", "天河区", 7, ["electronics", "cosmetics", "baby-products"]),
    ("baiyun", "白云区", 8, ["cosmetics", "apparel", "furniture"]),
    ("huangpu", "黄埔区", 6, ["electronics", "home-appliances", "food"]),
    ("panyu", "番禺区", 8, ["lighting", "furniture", "apparel"]),
    ("huadu", "花都区", 6, ["furniture", "cosmetics", "snacks"]),
    ("nansha", "南沙区", 6, ["aquatic-products", "food", "home-appliances"]),
    ("conghua", "从化区", 5, ["plants", "food", "snacks"]),
    ("zengcheng", "增城区", 6, ["apparel", "food", "plants"]),
]
# districts that share a border (their towns at the border are neighbours)
BORDERS = [
    ("yuexiu", "liwan"), ("yuexiu", "haizhu"), ("yuexiu", "tianhe"), ("yuexiu", "baiyun"),
    ("haizhu", "panyu"), ("haizhu", "tianhe"), ("liwan", "baiyun"), ("tianhe", "huangpu"),
    ("tianhe", "baiyun"), ("baiyun", "huadu"), ("huangpu", "zengcheng"), ("panyu", "nansha"),
    ("huadu", "conghua"), ("conghua", "zengcheng"), ("huangpu", "panyu"),
]  # fmt: skip
INDUSTRIES = [
    ("apparel", "服装"), ("cosmetics", "美妆日化"), ("food", "食品"), ("electronics", "电子"),
    ("snacks", "零食"), ("plants", "花木"), ("baby-products", "母婴"), ("furniture", "家具"),
    ("home-appliances", "家电"), ("lighting", "灯饰"), ("aquatic-products", "水产"),
]  # fmt: skip
PLATFORMS = ["douyin", "taobao", "jd", "pdd", "1688", "kuaishou"]
PLATFORM_WEIGHTS = [40, 30, 10, 8, 6, 6]
SLOTS = [
    {"start": "10:00", "end": "12:00"}, {"start": "12:00", "end": "14:00"},
    {"start": "14:00", "end": "16:00"}, {"start": "16:00", "end": "18:00"},
    {"start": "19:00", "end": "21:00"}, {"start": "21:00", "end": "23:00"},
]  # fmt: skip
SUB_VENUES = 159
ENTERPRISES = 20_000
OWN_SHARE = 0.2
STREAMERS = 5_000
DAYS = 3


def _platforms(rng: random.Random, k: int) -> list[str]:
    out: list[str] = []
    while len(out) < k:
        p = rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0]
        if p not in out:
            out.append(p)
    return sorted(out, key=PLATFORMS.index)


def _towns(rng: random.Random) -> tuple[list[dict], list[dict], dict[str, list[str]]]:
    towns: list[dict] = []
    districts: list[dict] = []
    of: dict[str, list[str]] = {}
    for did, name, n, _inds in DISTRICTS:
        ids = [f"{did}-t{i + 1}" for i in range(n)]
        of[did] = ids
        districts.append({"id": did, "name": name, "towns": ids})
        for i, t in enumerate(ids):
            nbrs = [ids[i + 1]] if i + 1 < n else []
            if i + 2 < n and rng.random() < 0.4:
                nbrs.append(ids[i + 2])
            towns.append({"id": t, "name": f"{name[:2]}{i + 1}街", "neighbours": nbrs})
    by_id = {t["id"]: t for t in towns}
    for a, b in BORDERS:  # the last town of one district meets the first of the other
        by_id[of[a][-1]]["neighbours"].append(of[b][0])
    return towns, districts, of


def generate_guangzhou(
    seed: int = 2026, enterprises: int = ENTERPRISES, streamers: int = STREAMERS
) -> dict[str, Any]:
    """The festival as plain data (`citylive/festival@1`).  Fewer `enterprises` give a
    reduced festival of the same shape: every studio count scaled alike (at least 1), the
    streamers as given (by default scaled alike too)."""
    rng = random.Random(seed)
    scale = enterprises / ENTERPRISES

    def studios(n: int) -> int:
        return max(1, round(n * scale))

    day_list = [date(2020, 6, 6) + timedelta(days=i) for i in range(DAYS)]
    towns, districts, of = _towns(rng)
    all_towns = [t["id"] for t in towns]
    weight = {t: rng.choice([1, 1, 2, 3, 5]) for t in all_towns}
    venues: list[dict[str, Any]] = [
        {
            "id": "main",
            "kind": "main",
            "name": "广州直播节主会场",
            "town": "tianhe-t1",
            "studios": studios(40),
        }
    ]
    for did, name, _n, _inds in DISTRICTS:
        venues.append({"id": f"{did}-hall", "kind": "district", "district": did,
                       "name": f"{name}分会场", "studios": studios(rng.choice([12, 16, 20]))})  # fmt: skip
    # sub-venues: every town one, the busiest towns more, 159 in all
    subs = {t: 1 for t in all_towns}
    while sum(subs.values()) < SUB_VENUES:
        t = rng.choices(all_towns, [weight[x] for x in all_towns])[0]
        subs[t] += 1
    for t in all_towns:
        for k in range(subs[t]):
            venues.append({"id": f"{t}-base{k + 1}", "kind": "sub", "town": t,
                           "name": f"{t} 直播基地 {k + 1}", "studios": studios(rng.choice([3, 4, 5, 6, 8]))})  # fmt: skip
    district_of = {t: did for did, ts in of.items() for t in ts}
    inds_of = {did: inds for did, _n, _k, inds in DISTRICTS}
    ents: list[dict[str, Any]] = []
    for i in range(enterprises):
        t = rng.choices(all_towns, [weight[x] for x in all_towns])[0]
        inds = inds_of[district_of[t]]
        ind = inds[0] if rng.random() < 0.5 else rng.choice([x[0] for x in INDUSTRIES])
        gmv = int(min(800_000, max(5_000, rng.lognormvariate(11.3, 0.8))) // 1000 * 1000)
        e: dict[str, Any] = {
            "id": f"e{i + 1:05d}", "name": f"企业{i + 1:05d}", "town": t, "industry": ind,
            "sessions": rng.choices([1, 2, 3], [45, 40, 15])[0],
            "skus": rng.choice([5, 8, 10, 12, 15, 20, 30]),
            "platforms": _platforms(rng, rng.choices([1, 2, 3], [40, 45, 15])[0]),
            "expected_gmv": gmv,
        }  # fmt: skip
        if rng.random() < 0.1:
            e["unavailable"] = [rng.choice(day_list).isoformat()]
        ents.append(e)
        if rng.random() < OWN_SHARE:
            venues.append({"id": f"e{i + 1:05d}-rooms", "kind": "own", "enterprise": e["id"],
                           "studios": rng.choice([1, 1, 2])})  # fmt: skip
    demand: dict[str, int] = {x[0]: 1 for x in INDUSTRIES}
    for e in ents:
        demand[e["industry"]] += e["sessions"]
    ind_ids = [x[0] for x in INDUSTRIES]
    strs = []
    for i in range(streamers):
        inds = [rng.choices(ind_ids, [demand[x] for x in ind_ids])[0]]
        for _ in range(rng.choices([0, 1, 2], [35, 45, 20])[0]):
            x = rng.choices(ind_ids, [demand[x] for x in ind_ids])[0]
            if x not in inds:
                inds.append(x)
        s: dict[str, Any] = {
            "id": f"s{i + 1:04d}", "name": f"主播{i + 1:04d}",
            "town": rng.choices(all_towns, [weight[x] for x in all_towns])[0],
            "industries": inds, "platforms": _platforms(rng, rng.choices([1, 2, 3], [30, 50, 20])[0]),
            "max_sessions_per_day": rng.choices([1, 2, 3], [30, 45, 25])[0],
        }  # fmt: skip
        if rng.random() < 0.1:
            s["unavailable"] = [rng.choice(day_list).isoformat()]
        strs.append(s)
    return {
        "format": "citylive/festival@1",
        "festival": {
            "id": "gz-2020-06",
            "name": "广州直播节 (benchmark)",
            "timezone": "Asia/Shanghai",
            "days": [d.isoformat() for d in day_list],
            "slots": SLOTS,
            "prime_slots": ["19:00", "21:00"],
            "min_skus_per_session": 5,
        },  # fmt: skip
        "towns": towns,
        "districts": districts,
        "industries": [{"id": a, "name": b} for a, b in INDUSTRIES],
        "platforms": PLATFORMS,
        "venues": venues,
        "enterprises": ents,
        "streamers": strs,
    }
