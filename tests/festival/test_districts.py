"""Districts, district venues, own rooms and several sub-venues per town in the festival file."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from citylive.festival import FestivalFileError, parse_festival
from citylive.planner.capacity import capacity_report
from tests.festival.test_festival_file import BASE


def _doc() -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["districts"] = [{"id": "west-d", "name": "西区", "towns": ["shaxi", "dayong"]}]
    doc["venues"] += [
        {"id": "west-hall", "kind": "district", "district": "west-d", "name": "西区分会场",
         "studios": 2},
        {"id": "shaxi-2", "kind": "sub", "town": "shaxi", "name": "沙溪二号", "studios": 1},
        {"id": "ruiang-rooms", "kind": "own", "enterprise": "ruiang", "studios": 1},
    ]  # fmt: skip
    doc["enterprises"].append(dict(doc["enterprises"][0], id="dy-1", town="dayong"))
    return doc


def _errors(doc: Any) -> list[str]:
    with pytest.raises(FestivalFileError) as info:
        parse_festival(doc, "f.yaml")
    return info.value.errors


def test_districts_allowed_venues_with_district_own_and_subs() -> None:
    f = parse_festival(_doc())
    assert [v.id for v in f.allowed_venues(f.enterprise["ruiang"])] == [
        "main", "shaxi-base", "shaxi-2", "west-hall", "ruiang-rooms",
    ]  # fmt: skip
    assert [v.id for v in f.allowed_venues(f.enterprise["dy-1"])] == [
        "main", "shaxi-base", "shaxi-2", "west-hall",
    ]  # fmt: skip
    assert f.venue_town["ruiang-rooms"] == "shaxi"
    assert f.venue_town["west-hall"] == "district:west-d"
    assert f.district_of_town == {"shaxi": "west-d", "dayong": "west-d"}


def test_districts_bad_references_named_with_their_place() -> None:
    doc = _doc()
    doc["districts"].append({"id": "east-d", "name": "东区", "towns": ["shaxi", "nowhere"]})
    doc["venues"][2]["district"] = "westd"
    doc["venues"][4]["enterprise"] = "ruiang2"
    doc["venues"].append({"id": "x-rooms", "kind": "own", "studios": 1})
    assert _errors(doc) == [
        "districts[1].towns[0]: town 'shaxi' is already in district 'west-d'; a town belongs "
        "to at most one",
        "districts[1].towns[1]: unknown town 'nowhere'",
        "venues[2].district: unknown district 'westd' (did you mean 'west-d'?)",
        "venues[4].enterprise: unknown enterprise 'ruiang2' (did you mean 'ruiang'?)",
        "venues[5].enterprise: missing; an own venue names its enterprise",
    ]


def test_districts_own_rooms_in_another_town_refused() -> None:
    doc = _doc()
    doc["venues"][4]["town"] = "dayong"
    assert _errors(doc) == [
        "venues[4].town: 'dayong', but enterprise 'ruiang' is in 'shaxi'; own rooms stand in "
        "their enterprise's town"
    ]


def test_districts_capacity_per_district() -> None:
    report = capacity_report(parse_festival(_doc()))
    assert [(x.key, x.requested, x.supply) for x in report.by_district] == [("west-d", 4, 4)]
    assert "by_district" not in capacity_report(parse_festival(copy.deepcopy(BASE))).as_dict()
