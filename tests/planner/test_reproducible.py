"""The same festival file and seed give the same plan; the tradeoffs name each setting once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from citylive.festival import load_festival, load_festival_text
from citylive.planner import plan
from citylive.planner.settings import tradeoff_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "zhongshan-2020.yaml"
SMALL = ROOT / "examples" / "small.yaml"
CITYLIVE = str(Path(sys.executable).parent / "citylive")


def _plan_in_a_process(out: Path, hash_seed: str, *extra: str) -> dict:
    env = os.environ | {"PYTHONHASHSEED": hash_seed}
    subprocess.run(
        [CITYLIVE, "plan", str(EXAMPLE), "--out", str(out),
         "--time-limit", "6", *extra],
        check=True, env=env, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.read_text(encoding="utf-8"))


def _reproducible_part(doc: dict) -> str:
    stats = {k: v for k, v in doc["stats"].items() if k not in ("solve_seconds", "seconds")}
    part = {k: doc[k] for k in ("sessions", "unplaced", "tradeoffs")} | {"stats": stats}
    return json.dumps(part, ensure_ascii=False, sort_keys=True)


def test_plan_example_twice_gives_identical_sessions(tmp_path: Path) -> None:
    # two processes with different hash seeds: no stage may follow a set's or dict's order
    first = _plan_in_a_process(tmp_path / "a.json", "1")
    second = _plan_in_a_process(tmp_path / "b.json", "2")
    assert len(first["sessions"]) == 398
    assert _reproducible_part(first) == _reproducible_part(second)


def test_plan_another_seed_places_as_many(tmp_path: Path) -> None:
    doc = _plan_in_a_process(tmp_path / "c.json", "3", "--seed", "7")
    assert doc["stats"]["placed"] == 398


def test_tradeoffs_name_the_files_own_floor_once() -> None:
    text = SMALL.read_text(encoding="utf-8") + "fairness: {min_share: 0.5}\n"
    festival = load_festival_text(text, "small.yaml")
    settings = tradeoff_settings(festival)
    assert [(s.label, s.weight, s.min_share) for s in settings] == [
        ("none", 0, None),
        ("default", 2000, 0.5),
        ("strong", 50_000, 0.5),
    ]
    doc = plan(festival).dump()
    assert [t["fairness"] for t in doc["tradeoffs"]] == ["none", "default", "strong"]


def test_tradeoffs_take_at_most_their_share_of_the_limit() -> None:
    festival = load_festival(EXAMPLE)
    doc = plan(festival, time_limit=10, deterministic=False).dump()
    assert doc["stats"]["seconds"]["tradeoffs"] <= 0.2 * 10 + 1.0
