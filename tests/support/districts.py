"""The small festival with two districts: 西部组团 (west: guzhen, henglan) and 中心组团
(centre: shiqi), shaxi in none; a district venue for the west and 华艺's own live rooms.

Same id as examples/small.yaml (small-2020), so the sales data sets build on it unchanged."""

from __future__ import annotations

from typing import Any

import yaml

from citylive.festival import Festival, parse_festival
from support.sales_factories import SMALL

DISTRICTS = [
    {"id": "west", "name": "西部组团", "towns": ["guzhen", "henglan"]},
    {"id": "centre", "name": "中心组团", "towns": ["shiqi"]},
]
EXTRA_VENUES = [
    {"id": "west-hall", "kind": "district", "district": "west", "name": "西部分会场", "studios": 1},
    {"id": "huayi-rooms", "kind": "own", "enterprise": "huayi", "name": "华艺直播间", "studios": 1},
]


def districts_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    doc["districts"] = DISTRICTS
    doc["venues"] = doc["venues"] + EXTRA_VENUES
    return doc


def districts_festival() -> Festival:
    return parse_festival(districts_doc(), "districts.yaml")
