"""Property tests: random small festivals (roomy, tight and infeasible ones), planned and
re-planned, always keep every hard rule by the independent validator."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citylive.festival import parse_festival
from citylive.planner import plan as plan_document
from citylive.schedule import load_schedule
from citylive.schedule.checker import check_schedule


def plan(festival, previous=None, **options):  # type: ignore[no-untyped-def]
    """The planner on the JSON a user reads and writes."""
    prev = load_schedule(previous) if previous is not None else None
    return plan_document(festival, previous=prev, **options).dump()


SLOTS = [
    ("10:00", "12:00"),
    ("12:00", "14:00"),
    ("14:00", "16:00"),
    ("19:00", "21:00"),
    ("21:00", "23:00"),
]
DAYS = ["2020-06-06", "2020-06-07", "2020-06-08"]


def random_festival(seed: int) -> dict:
    rng = random.Random(seed)
    n_days, n_slots = rng.randint(1, 3), rng.randint(2, 5)
    days = DAYS[:n_days]
    slots = SLOTS[:n_slots]
    towns = [f"t{i}" for i in range(rng.randint(1, 4))]
    industries = [f"i{i}" for i in range(rng.randint(1, 3))]
    platforms = ["douyin", "taobao", "pdd"][: rng.randint(1, 3)]

    def marks() -> list[str]:
        out = []
        for _ in range(rng.choice([0, 0, 1, 2])):
            d = rng.choice(days)
            out.append(d if rng.random() < 0.3 else f"{d}T{rng.choice(slots)[0]}")
        return sorted(set(out))

    venues = [
        {"id": "main", "kind": "main", "name": "M", "town": towns[0], "studios": rng.randint(1, 2)}
    ]
    if rng.random() < 0.2:
        venues[0]["closed"] = marks()
    for t in towns:
        if rng.random() < 0.6:
            venues.append(
                {
                    "id": f"{t}-v",
                    "kind": "sub",
                    "name": t,
                    "town": t,
                    "studios": rng.randint(1, 3),
                    "closed": marks(),
                }
            )
    enterprises = []
    for i in range(rng.randint(1, 7)):
        enterprises.append(
            {
                "id": f"e{i}",
                "name": f"E{i}",
                "town": rng.choice(towns),
                "industry": rng.choice(industries),
                "sessions": rng.randint(0, 3),
                "skus": rng.choice([3, 5, 10, 20]),
                "platforms": rng.sample(platforms, rng.randint(1, len(platforms))),
                "expected_gmv": rng.randint(1, 500) * 1000,
                "unavailable": marks(),
            }
        )
    streamers = []
    for i in range(rng.randint(0, 5)):
        s = {
            "id": f"s{i}",
            "name": f"S{i}",
            "town": rng.choice(towns),
            "industries": rng.sample(industries, rng.randint(1, len(industries))),
            "platforms": rng.sample(platforms, rng.randint(1, len(platforms))),
            "max_sessions_per_day": rng.randint(1, 3),
            "unavailable": marks(),
        }
        if enterprises and rng.random() < 0.15:
            s["employer"] = rng.choice(enterprises)["id"]
        streamers.append(s)
    themes = []
    if rng.random() < 0.4:
        closed = set(venues[0].get("closed", []))
        marks_open = [
            f"{d}T{a}"
            for d in days
            for a, _b in slots
            if f"{d}T{a}" not in closed and d not in closed
        ]
        if marks_open:
            themes.append(
                {
                    "id": "block",
                    "name": "Block",
                    "industries": rng.sample(industries, rng.randint(1, len(industries))),
                    "slots": rng.sample(marks_open, rng.randint(1, min(3, len(marks_open)))),
                    "studios": rng.randint(1, venues[0]["studios"]),
                }
            )
    return {
        "format": "citylive/festival@1",
        "themes": themes,
        "festival": {
            "id": f"rand-{seed}",
            "name": "random",
            "days": days,
            "slots": [{"start": a, "end": b} for a, b in slots],
            "prime_slots": [slots[-1][0]],
            "min_skus_per_session": 5,
        },
        "towns": [
            {"id": t, "name": t, "neighbours": [u for u in towns if u != t and rng.random() < 0.4]}
            for t in towns
        ],
        "industries": [{"id": i, "name": i} for i in industries],
        "platforms": platforms,
        "venues": venues,
        "enterprises": enterprises,
        "streamers": streamers,
    }


def _accounting(festival, doc: dict) -> None:  # noqa: ANN001
    placed = Counter(
        s["enterprise"] for s in doc["sessions"] if s["status"] in ("proposed", "confirmed")
    )
    unplaced = Counter()
    for u in doc["unplaced"]:
        assert u["count"] > 0 and u["reason"]
        unplaced[u["enterprise"]] += u["count"]
    for e in festival.enterprises:
        assert placed[e.id] + unplaced[e.id] == e.sessions, e.id
        # a request is either placed or reported, never both
        assert not (unplaced[e.id] and placed[e.id] + unplaced[e.id] > e.sessions)


@settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_plan_random_festival_keeps_every_hard_rule(seed: int) -> None:
    festival = parse_festival(random_festival(seed))
    doc = plan(festival, time_limit=2.0, workers=1)
    assert check_schedule(festival, doc) == []
    _accounting(festival, doc)

    # decisions come in: some confirmed, some declined; re-plan
    rng = random.Random(seed)
    for s in doc["sessions"]:
        s["status"] = rng.choice(["proposed", "confirmed", "declined"])
    confirmed = {s["id"]: s for s in doc["sessions"] if s["status"] == "confirmed"}
    declined = {
        (s["enterprise"], s["start"], s["streamer"])
        for s in doc["sessions"]
        if s["status"] == "declined"
    }
    again = plan(festival, previous=doc, time_limit=2.0, workers=1)
    assert again["version"] == 2
    assert check_schedule(festival, again) == []
    _accounting(festival, again)
    by_id = {s["id"]: s for s in again["sessions"]}
    for sid, old in confirmed.items():
        assert by_id[sid] == {**old, **{k: by_id[sid][k] for k in by_id[sid] if k not in old}}
    for s in again["sessions"]:
        if s["status"] in ("proposed", "confirmed"):
            assert (s["enterprise"], s["start"], s["streamer"]) not in declined
