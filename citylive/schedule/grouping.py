"""Where venues stand in a city with districts: the programme reads district -> town ->
venue, districts in the festival file's order.  The main venue is the city's and comes
first; a district venue stands under its district; sub-venues and enterprises' own rooms under their town (own rooms: the
enterprise's town), the town under its district; towns in no district come last.  A city
without districts keeps its flat list of venues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citylive.schedule.publish import Names

CITY = "city"  # the heading of the main venue(s)
NO_DISTRICT = ""  # the heading of the towns in no district
_KIND_ORDER = {"main": 0, "district": 1, "sub": 2, "own": 3}


@dataclass(frozen=True)
class Row:
    """A line of the programme: a district's or a town's heading, or a venue."""

    kind: str  # district | town | venue
    id: str
    name: str
    venue: Any = None


def district_of_venue(venue: Any, names: Names) -> str | None:
    """The district a venue stands in (None: the main venue, or a town in no district)."""
    if venue.kind == "main":
        return None
    if venue.kind == "district":
        return str(venue.town_id).removeprefix("district:")
    return names.district_of_town.get(venue.town_id)


def programme_rows(venues: list[Any], names: Names, district: str | None = None) -> list[Row]:
    """The venues in programme order, with district and town headings where the city has
    districts (`district`: the main venue and that district's venues only)."""
    if not names.districts:  # as the programme always was: by kind, then id
        return [Row("venue", v.id, v.name, v) for v in sorted(venues, key=lambda v: (v.kind, v.id))]
    ordered = sorted(venues, key=lambda v: (_KIND_ORDER.get(v.kind, 9), v.id))
    rows = [Row("district", CITY, "")]
    rows += [Row("venue", v.id, v.name, v) for v in ordered if v.kind == "main"]
    groups: dict[str, dict[str, list[Any]]] = {}
    for v in ordered:
        if v.kind != "main":
            d = district_of_venue(v, names) or NO_DISTRICT
            town = "" if v.kind == "district" else v.town_id
            groups.setdefault(d, {}).setdefault(town, []).append(v)
    keys = [k for k in names.districts if k in groups] + [NO_DISTRICT] * (NO_DISTRICT in groups)
    for d in keys:
        if district is not None and d != district:
            continue
        rows.append(Row("district", d, names.districts.get(d, d)))
        for town in sorted(groups[d]):
            if town:
                rows.append(Row("town", town, names.towns.get(town, town)))
            rows += [Row("venue", v.id, v.name, v) for v in groups[d][town]]
    return rows


def district_key(names: Names, town: str | None) -> int:
    """Sorts a town's rows by its district, in the festival file's order (towns in no
    district last)."""
    order = {d: i for i, d in enumerate(names.districts)}
    return order.get(names.district_of_town.get(town or "", ""), len(order))
