"""Seeded, deterministic festival files: the Zhongshan example and larger benchmark festivals.

    python bench/generate.py example --out examples/zhongshan-2020.yaml
    python bench/generate.py city --out /tmp/city.json     # 23 towns, 2,000 enterprises, 400 streamers, 3 days
    python bench/generate.py xl --out /tmp/xl.json         # 5,000 enterprises, 1,000 streamers, 5 days
    python bench/generate.py guangzhou --seed 1 --out /tmp/gz.json  # 11 districts, 20,000 enterprises
    python bench/generate.py guangzhou --seed 1 --enterprises 5000 --out /tmp/gzq.json  # a quarter

The same name and seed always give the same file.  Every town, industry and named enterprise
comes from the source article on Zhongshan's towns (shared/domain.md); the rest is generated
around them at a realistic scale.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# town id, name, main industries (first is the town's own), sub-venue studios (0 = none)
TOWNS: list[tuple[str, str, list[str], int]] = [
    ("shiqi", "石岐街道", ["apparel", "food", "cosmetics"], 0),
    ("east", "东区街道", ["electronics", "cosmetics"], 0),
    ("west", "西区街道", ["apparel", "snacks", "cosmetics"], 3),
    ("south", "南区街道", ["food", "furniture"], 0),
    ("torch", "火炬开发区", ["electronics", "baby-products"], 4),
    ("xiaolan", "小榄镇", ["locks-hardware", "kitchen-appliances"], 8),
    (
        "dongsheng",
        "东升镇",
        ["tissue-paper", "office-furniture", "baby-products", "aquatic-products"],
        4,
    ),
    ("guzhen", "古镇镇", ["lighting"], 8),
    ("henglan", "横栏镇", ["lighting", "plants"], 6),
    ("shaxi", "沙溪镇", ["apparel"], 17),
    ("dayong", "大涌镇", ["furniture", "apparel"], 3),
    ("sanxiang", "三乡镇", ["food", "furniture"], 0),
    ("tanzhou", "坦洲镇", ["snacks", "cosmetics", "apparel"], 4),
    ("huangpu", "黄圃镇", ["food", "kitchen-appliances"], 3),
    ("nantou", "南头镇", ["home-appliances"], 4),
    ("dongfeng", "东凤镇", ["small-appliances"], 4),
    ("fusha", "阜沙镇", ["small-appliances", "locks-hardware"], 0),
    ("sanjiao", "三角镇", ["electronics", "apparel"], 0),
    ("minzhong", "民众街道", ["aquatic-products", "food"], 0),
    ("nanlang", "南朗街道", ["food", "plants"], 0),
    ("gangkou", "港口镇", ["furniture", "electronics"], 0),
    ("banfu", "板芙镇", ["apparel", "food"], 0),
    ("shenwan", "神湾镇", ["food", "plants"], 0),
]

NEIGHBOURS: dict[str, list[str]] = {
    "shiqi": ["east", "west", "south", "gangkou"],
    "east": ["south", "torch", "nanlang"],
    "west": ["shaxi", "dongsheng", "henglan", "gangkou"],
    "south": ["sanxiang", "banfu", "dayong", "shaxi"],
    "torch": ["nanlang", "minzhong", "gangkou"],
    "xiaolan": ["dongsheng", "guzhen", "dongfeng", "henglan"],
    "dongsheng": ["henglan", "gangkou", "fusha"],
    "guzhen": ["henglan"],
    "henglan": ["shaxi"],
    "shaxi": ["dayong"],
    "dayong": ["banfu"],
    "sanxiang": ["nanlang", "tanzhou", "shenwan", "banfu"],
    "tanzhou": ["shenwan"],
    "huangpu": ["nantou", "sanjiao", "fusha"],
    "nantou": ["dongfeng", "fusha"],
    "dongfeng": ["fusha"],
    "fusha": ["sanjiao", "gangkou"],
    "sanjiao": ["minzhong"],
    "minzhong": ["gangkou", "nanlang"],
    "banfu": ["shenwan"],
}

INDUSTRIES: list[tuple[str, str]] = [
    ("apparel", "服装"),
    ("lighting", "灯饰照明"),
    ("locks-hardware", "五金锁具"),
    ("kitchen-appliances", "厨房电器"),
    ("home-appliances", "家电"),
    ("small-appliances", "小家电"),
    ("tissue-paper", "纸品"),
    ("office-furniture", "办公家具"),
    ("baby-products", "母婴用品"),
    ("aquatic-products", "水产"),
    ("furniture", "家具"),
    ("electronics", "电子电器"),
    ("food", "食品"),
    ("snacks", "零食"),
    ("cosmetics", "美妆"),
    ("plants", "花木"),
]

PLATFORMS = ["douyin", "taobao", "jd", "pdd", "1688", "kuaishou"]
PLATFORM_WEIGHTS = [30, 22, 14, 14, 10, 10]

# Named in the source article.
NAMED_ENTERPRISES: list[dict[str, Any]] = [
    {
        "id": "vatti",
        "name": "华帝股份",
        "town": "xiaolan",
        "industry": "kitchen-appliances",
        "sessions": 3,
        "skus": 40,
        "platforms": ["douyin", "taobao", "jd"],
        "expected_gmv": 450000,
        "shops": {"douyin": "华帝官方旗舰店", "jd": "华帝京东自营旗舰店"},
    },
    {
        "id": "homa",
        "name": "奥马电器",
        "town": "nantou",
        "industry": "home-appliances",
        "sessions": 3,
        "skus": 30,
        "platforms": ["taobao", "douyin"],
        "expected_gmv": 300000,
        "shops": {"taobao": "奥马冰箱旗舰店"},
    },
    {
        "id": "yage-locks",
        "name": "杨格锁业",
        "town": "xiaolan",
        "industry": "locks-hardware",
        "sessions": 2,
        "skus": 25,
        "platforms": ["jd", "pdd"],
        "expected_gmv": 160000,
    },
    {
        "id": "jindian-atom",
        "name": "金点原子",
        "town": "xiaolan",
        "industry": "locks-hardware",
        "sessions": 2,
        "skus": 20,
        "platforms": ["jd", "douyin"],
        "expected_gmv": 150000,
    },
    {
        "id": "juhao-lighting",
        "name": "钜豪照明",
        "town": "guzhen",
        "industry": "lighting",
        "sessions": 2,
        "skus": 30,
        "platforms": ["pdd", "douyin"],
        "expected_gmv": 60000,
    },
    {
        "id": "electrite",
        "name": "伊莱特电器",
        "town": "dongfeng",
        "industry": "small-appliances",
        "sessions": 3,
        "skus": 36,
        "platforms": ["douyin", "kuaishou", "pdd"],
        "expected_gmv": 200000,
    },
    {
        "id": "ruiang",
        "name": "瑞昂制衣",
        "town": "shaxi",
        "industry": "apparel",
        "sessions": 3,
        "skus": 60,
        "platforms": ["douyin", "1688"],
        "expected_gmv": 220000,
    },
    {
        "id": "huayi-lighting",
        "name": "华艺灯饰",
        "town": "guzhen",
        "industry": "lighting",
        "sessions": 2,
        "skus": 40,
        "platforms": ["taobao", "douyin"],
        "expected_gmv": 350000,
    },
    {
        "id": "henglan-factory",
        "name": "横栏工厂直购联盟",
        "town": "henglan",
        "industry": "lighting",
        "sessions": 2,
        "skus": 30,
        "platforms": ["pdd"],
        "expected_gmv": 300000,
    },
    {
        "id": "dongsheng-tissue",
        "name": "东升纸品",
        "town": "dongsheng",
        "industry": "tissue-paper",
        "sessions": 1,
        "skus": 12,
        "platforms": ["pdd", "douyin"],
        "expected_gmv": 40000,
    },
]


def daren_id(streamer: str, platform: str) -> int:
    """A streamer's account number on douyin or kuaishou (达人ID: 12 digits, as real ones),
    the same for the same streamer every time."""
    return 10**11 + zlib.crc32(f"{streamer}/{platform}".encode()) * 211 % (9 * 10**11)


def accounts_of(streamer: str, platforms: list[str]) -> dict[str, Any]:
    """Numbers on the platforms whose exports name the streamer by number, names elsewhere."""
    return {
        p: daren_id(streamer, p)
        if p in ("douyin", "kuaishou")
        else f"{streamer.replace('-', '_')}_{p}"
        for p in platforms
    }


NAMED_STREAMERS: list[dict[str, Any]] = [
    {
        "id": "ren-jing",
        "name": "任静",
        "agency": "玄度科技",
        "town": "shaxi",
        "industries": ["apparel", "cosmetics", "snacks"],
        "platforms": ["douyin"],
        "max_sessions_per_day": 1,
        "accounts": {"douyin": 108314295234},
    },
    *[
        {
            "id": f"vatti-host-{i}",
            "name": f"华帝主播{i}",
            "town": "xiaolan",
            "industries": ["kitchen-appliances"],
            "platforms": ["douyin", "taobao", "jd"],
            "max_sessions_per_day": 1,
            "employer": "vatti",
            "accounts": {"douyin": daren_id(f"vatti-host-{i}", "douyin")},
        }
        for i in range(1, 9)
    ],
    *[
        {
            "id": f"homa-sales-{i}",
            "name": f"奥马销售主播{i}",
            "town": "nantou",
            "industries": ["home-appliances"],
            "platforms": ["taobao", "douyin"],
            "max_sessions_per_day": 1,
            "employer": "homa",
            "accounts": {"douyin": daren_id(f"homa-sales-{i}", "douyin")},
        }
        for i in range(1, 4)
    ],
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁沈任"
GIVEN = "静敏丽强伟芳娜秀英华慧巧美婷雪琳晨阳欣怡佳悦子涵嘉宇浩然思远俊杰梓萱可馨"
SHOP_WORDS = {
    "apparel": ["服饰", "制衣", "时装", "牛仔"],
    "lighting": ["照明", "灯饰", "光电", "灯具"],
    "locks-hardware": ["锁业", "五金", "智能锁"],
    "kitchen-appliances": ["厨电", "燃具", "厨卫"],
    "home-appliances": ["电器", "家电", "冰箱"],
    "small-appliances": ["小家电", "电器", "生活电器"],
    "tissue-paper": ["纸业", "纸品"],
    "office-furniture": ["办公家具", "家具"],
    "baby-products": ["母婴", "童品"],
    "aquatic-products": ["水产", "海鲜"],
    "furniture": ["红木家具", "家居", "家具"],
    "electronics": ["电子", "科技", "电器"],
    "food": ["食品", "腊味", "烘焙"],
    "snacks": ["零食", "食品"],
    "cosmetics": ["美妆", "日化"],
    "plants": ["花木", "园艺"],
}
AGENCIES = ["星晟传媒", "玄度科技", "坦南直播学院", "网胜直播基地", None, None, None]

SIZES: dict[str, dict[str, Any]] = {
    # small enough for CP-SAT to prove the best value (bench/plan.py compares with it)
    "small": {
        "enterprises": 60,
        "streamers": 24,
        "days": 2,
        "studio_scale": 0.35,
        "main": 4,
        "seed": 2030,
    },
    # short of studios: value decides who gets one
    "tight": {
        "enterprises": 90,
        "streamers": 110,
        "days": 2,
        "studio_scale": 0.05,
        "main": 4,
        "seed": 2031,
    },
    "example": {
        "enterprises": 300,
        "streamers": 80,
        "days": 3,
        "studio_scale": 1.0,
        "main": 10,
        "seed": 2020,
    },
    "city": {
        "enterprises": 2000,
        "streamers": 400,
        "days": 3,
        "studio_scale": 3.0,
        "main": 24,
        "seed": 2021,
    },
    "xl": {
        "enterprises": 5000,
        "streamers": 1000,
        "days": 5,
        "studio_scale": 4.5,
        "main": 36,
        "seed": 2022,
    },
}

SLOTS = [
    {"start": "10:00", "end": "12:00"},
    {"start": "12:00", "end": "14:00"},
    {"start": "14:00", "end": "16:00"},
    {"start": "16:00", "end": "18:00"},
    {"start": "19:00", "end": "21:00"},
    {"start": "21:00", "end": "23:00"},
]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _pick_platforms(rng: random.Random, k: int) -> list[str]:
    out: list[str] = []
    while len(out) < k:
        p = rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0]
        if p not in out:
            out.append(p)
    return sorted(out, key=PLATFORMS.index)


def generate(
    size: str = "example",
    *,
    enterprises: int | None = None,
    streamers: int | None = None,
    days: int | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """A `citylive/festival@1` document as plain data."""
    spec = dict(SIZES[size])
    n_ent = enterprises if enterprises is not None else spec["enterprises"]
    n_str = streamers if streamers is not None else spec["streamers"]
    n_days = days if days is not None else spec["days"]
    rng = random.Random(seed if seed is not None else spec["seed"])
    first = date(2020, 6, 6)
    day_list = [first + timedelta(days=i) for i in range(n_days)]
    scale = spec["studio_scale"]

    towns = [
        {"id": tid, "name": name, "neighbours": NEIGHBOURS.get(tid, [])}
        for tid, name, _, _ in TOWNS
    ]
    venues: list[dict[str, Any]] = [
        {
            "id": "main",
            "kind": "main",
            "name": "中山直播节主会场",
            "town": "shiqi",
            "studios": spec["main"],
        }
    ]
    for tid, name, _, studios in TOWNS:
        if studios:
            venue: dict[str, Any] = {
                "id": f"{tid}-venue" if tid != "shaxi" else "shaxi-1688-base",
                "kind": "sub",
                "name": f"{name}分会场" if tid != "shaxi" else "阿里巴巴1688中山直播基地(沙溪网胜)",
                "town": tid,
                "studios": max(1, round(studios * scale)),
            }
            if tid == "dongsheng":
                # the Dongsheng base hosts its own opening ceremony on the first morning
                venue["closed"] = [f"{day_list[0].isoformat()}T10:00"]
            venues.append(venue)

    # Town weights: the article's busy industrial towns carry more enterprises.
    town_weight = {t[0]: (6 if t[3] >= 8 else 3 if t[3] else 1) for t in TOWNS}
    ents: list[dict[str, Any]] = [dict(e) for e in NAMED_ENTERPRISES] if size == "example" else []
    used_ids = {e["id"] for e in ents}
    while len(ents) < n_ent:
        tid = rng.choices([t[0] for t in TOWNS], [town_weight[t[0]] for t in TOWNS])[0]
        inds = next(t[2] for t in TOWNS if t[0] == tid)
        industry = inds[0] if rng.random() < 0.6 else rng.choice(inds)
        word = rng.choice(SHOP_WORDS[industry])
        town_name = next(t[1] for t in TOWNS if t[0] == tid)[:2]
        eid = f"{tid}-{industry}-{len(ents) + 1:04d}"
        if eid in used_ids:
            continue
        used_ids.add(eid)
        gmv = int(min(800_000, max(5_000, rng.lognormvariate(11.3, 0.8))) // 1000 * 1000)
        e: dict[str, Any] = {
            "id": eid,
            "name": f"{town_name}{_person(rng)[:1]}{rng.choice('华美盛达兴隆鑫发源泰')}{word}有限公司",
            "town": tid,
            "industry": industry,
            "sessions": rng.choices([1, 2, 3], [45, 40, 15])[0],
            "skus": rng.choice([5, 8, 10, 12, 15, 20, 30, 45]),
            "platforms": _pick_platforms(rng, rng.choices([1, 2, 3], [40, 45, 15])[0]),
            "expected_gmv": gmv,
        }
        if rng.random() < 0.12:
            d = rng.choice(day_list).isoformat()
            e["unavailable"] = [d] if rng.random() < 0.5 else [f"{d}T{rng.choice(SLOTS)['start']}"]
        ents.append(e)

    industry_ids = [i[0] for i in INDUSTRIES]
    strs: list[dict[str, Any]] = [dict(s) for s in NAMED_STREAMERS] if size == "example" else []
    # Demand per industry decides which industries streamers know.
    demand: dict[str, int] = {i: 0 for i in industry_ids}
    for e in ents:
        demand[e["industry"]] += e["sessions"]
    ind_weights = [demand[i] + 1 for i in industry_ids]
    employers = [e for e in ents if e["sessions"] >= 2]
    while len(strs) < n_str:
        n = len(strs) + 1
        if employers and rng.random() < 0.08:
            emp = rng.choice(employers)
            s: dict[str, Any] = {
                "id": f"inhouse-{emp['id']}-{n:04d}",
                "name": _person(rng),
                "town": emp["town"],
                "industries": [emp["industry"]],
                "platforms": list(emp["platforms"]),
                "max_sessions_per_day": rng.choice([1, 2]),
                "employer": emp["id"],
            }
        else:
            first_ind = rng.choices(industry_ids, ind_weights)[0]
            inds = [first_ind]
            for _ in range(rng.choices([0, 1, 2], [35, 45, 20])[0]):
                extra = rng.choices(industry_ids, ind_weights)[0]
                if extra not in inds:
                    inds.append(extra)
            home = next((t[0] for t in TOWNS if first_ind in t[2] and t[3]), "west")
            tid = home if rng.random() < 0.6 else rng.choice(["west", "shaxi", "shiqi", home])
            s = {
                "id": f"streamer-{n:04d}",
                "name": _person(rng),
                "town": tid,
                "industries": inds,
                "platforms": _pick_platforms(rng, rng.choices([1, 2, 3], [30, 50, 20])[0]),
                "max_sessions_per_day": rng.choices([1, 2, 3, 4], [15, 40, 30, 15])[0],
            }
            agency = rng.choice(AGENCIES)
            if agency:
                s["agency"] = agency
        s["accounts"] = accounts_of(s["id"], s["platforms"])
        if rng.random() < 0.1:
            s["unavailable"] = [rng.choice(day_list).isoformat()]
        strs.append(s)

    return {
        "format": "citylive/festival@1",
        "festival": {
            "id": "zs-2020-06" if size == "example" else f"zs-{size}",
            "name": "中山直播节 2020" if size == "example" else f"中山直播节 ({size} benchmark)",
            "timezone": "Asia/Shanghai",
            "days": [d.isoformat() for d in day_list],
            "slots": SLOTS,
            "prime_slots": ["19:00", "21:00"],
            "min_skus_per_session": 5,
        },
        "towns": towns,
        "industries": [{"id": i, "name": n} for i, n in INDUSTRIES],
        "platforms": PLATFORMS,
        "venues": venues,
        "enterprises": ents,
        "streamers": strs,
    }


def dump(doc: dict[str, Any], path: Path) -> None:
    if path.suffix in (".yaml", ".yml"):
        path.write_text(_yaml_text(doc), encoding="utf-8")
    else:
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _yaml_text(doc: dict[str, Any]) -> str:
    head = json.dumps(doc["festival"], ensure_ascii=False, separators=(", ", ": "))
    lines = [
        "# Zhongshan's 1+N livestream festival (中山直播节), 2020-06-06..08: the towns, industries and",
        "# enterprises of the source article, and generated ones around them to a realistic size.",
        "# Regenerate with: python bench/generate.py example --out examples/zhongshan-2020.yaml",
        "format: citylive/festival@1",
        f"festival: {head}",
        "platforms: [" + ", ".join(json.dumps(p) for p in doc["platforms"]) + "]",
    ]
    for key in ("towns", "industries", "venues", "enterprises", "streamers"):
        lines.append(f"{key}:")
        for item in doc[key]:
            lines.append("  - " + json.dumps(item, ensure_ascii=False, separators=(", ", ": ")))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("size", choices=[*sorted(SIZES), "guangzhou"])
    ap.add_argument("--out", type=Path, required=True, help=".yaml or .json")
    ap.add_argument("--enterprises", type=int)
    ap.add_argument("--streamers", type=int)
    ap.add_argument("--days", type=int)
    ap.add_argument("--seed", type=int)
    args = ap.parse_args(argv)
    if args.size == "guangzhou":  # its own shape: districts, several sub-venues, own rooms
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from bench.generate_guangzhou import generate_guangzhou

        n_ent = args.enterprises or 20_000
        doc = generate_guangzhou(
            args.seed if args.seed is not None else 2026,
            enterprises=n_ent,
            streamers=args.streamers or round(5_000 * n_ent / 20_000),
        )
        dump(doc, args.out)
        print(f"wrote {args.out}: {len(doc['enterprises'])} enterprises, "
              f"{len(doc['venues'])} venues, {len(doc['streamers'])} streamers", file=sys.stderr)  # fmt: skip
        return 0
    doc = generate(
        args.size,
        enterprises=args.enterprises,
        streamers=args.streamers,
        days=args.days,
        seed=args.seed,
    )
    dump(doc, args.out)
    print(
        f"wrote {args.out}: {len(doc['enterprises'])} enterprises, {len(doc['streamers'])} streamers, "
        f"{len(doc['festival']['days'])} days",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
