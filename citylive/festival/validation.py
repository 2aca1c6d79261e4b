"""The rules that relate one part of a festival file to another: ids known and unique, the
slot grid in order, marks that name festival days and slots, one main venue, themes that fit.

Every problem is collected, each naming its place (`enterprises[12].town: unknown town
'shaxii' (did you mean 'shaxi'?)`), so the organiser fixes a file in one round.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from citylive.festival.places import suggest
from citylive.festival.schema import (
    DEFAULT_WEIGHTS,
    MAX_WEIGHT,
    SLOT_REF_RE,
    FestivalDocument,
    Venue,
)
from citylive.folding import fold

# lists whose broken items can be set aside while the rest of the file is cross-checked
ITEM_LISTS = (
    "towns", "districts", "industries", "venues", "enterprises", "streamers", "themes",
)  # fmt: skip
LATER = "(the cross-references are checked once these are fixed: more errors may follow)"
GRID = ("days", "slots", "prime_slots")  # what the checks read of the festival section
SETTINGS = ("weights", "fairness", "sales_windows", "collective_stores")  # no check needs them set
_ITEM_PLACE = re.compile(r"\b(" + "|".join(ITEM_LISTS) + r")\[(\d+)\]")


def checks_of_the_rest(data: dict[str, Any], exc: ValidationError) -> tuple[list[str], str | None]:
    """The cross-reference errors of the parts of a file the schema took.

    Items of its lists with a schema error (an enterprise without `skus`) are set aside, and
    so are broken settings and festival fields no check reads (a time zone, the name); the
    rest is checked.  An error that may only follow from setting an item aside is left out:
    one naming its id, or one about its whole list (no main venue when the main venue is the
    broken one).  Places name the items as the file numbers them.  When the schema errors sit
    where the checks need them (the days and slots, a whole list), no check can run yet:
    ([], a line saying so)."""
    broken: dict[str, set[int]] = {}
    info_aside: set[str] = set()
    top_aside: set[str] = set()
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) >= 2 and loc[0] in ITEM_LISTS and isinstance(loc[1], int):
            broken.setdefault(str(loc[0]), set()).add(loc[1])
        elif len(loc) >= 2 and loc[0] == "festival" and loc[1] not in GRID:
            info_aside.add(str(loc[1]))
        elif loc and (loc[0] in SETTINGS or (len(loc) == 1 and err["type"] == "extra_forbidden")):
            top_aside.add(str(loc[0]))
        else:
            return [], LATER
    rest = {k: v for k, v in data.items() if k not in top_aside}
    if info_aside:  # no check reads them: their defaults (or a stand-in name) will do
        info = {k: v for k, v in data["festival"].items() if k not in info_aside}
        rest["festival"] = info | {k: "festival" for k in ("id", "name") if k in info_aside}
    numbers: dict[str, list[int]] = {}
    aside: set[str] = set()
    for name, bad in broken.items():
        items = data[name]
        numbers[name] = [i for i in range(len(items)) if i not in bad]
        rest[name] = [items[i] for i in numbers[name]]
        aside |= {
            repr(str(items[i]["id"]))
            for i in bad
            if isinstance(items[i], dict) and isinstance(items[i].get("id"), str)
        }
    try:
        doc = FestivalDocument.model_validate(rest)
    except (ValidationError, RecursionError):
        return [], LATER

    def renumber(m: re.Match[str]) -> str:
        kept = numbers.get(m[1])
        return f"{m[1]}[{kept[int(m[2])]}]" if kept is not None else m[0]

    return [
        _ITEM_PLACE.sub(renumber, line)
        for line in check_document(doc)
        if not any(i in line for i in aside) and line.split(":", 1)[0] not in broken
    ], None


def check_document(doc: FestivalDocument) -> list[str]:
    """Every cross-reference problem of a schema-valid document, in file order."""
    checker = _Checker(doc)
    checker.unique_ids()
    checker.grid()
    checker.towns()
    checker.districts()
    checker.venues()
    checker.enterprises()
    checker.streamers()
    checker.weights()
    checker.themes()
    checker.shops()
    checker.collective_stores()
    return checker.errors


class _Checker:
    def __init__(self, doc: FestivalDocument):
        self.doc = doc
        self.errors: list[str] = []
        info = doc.festival
        self.town_ids = {t.id for t in doc.towns}
        self.industry_ids = {x.id for x in doc.industries}
        self.platforms = set(doc.platforms)
        self.enterprise_ids = {e.id for e in doc.enterprises}
        self.enterprise_town = {e.id: e.town for e in doc.enterprises}
        self.district_ids = {d.id for d in doc.districts}
        self.starts = {s.start for s in info.slots}
        self.day_set = {d.isoformat() for d in info.days}

    def add(self, line: str) -> None:
        self.errors.append(line)

    def known(self, where: str, what: str, value: str, ids: set[str]) -> None:
        if value not in ids:
            self.add(f"{where}: unknown {what} {value!r}{suggest(value, ids)}")

    def marks(self, where: str, marks: list[str]) -> None:
        starts = ", ".join(sorted(self.starts))
        for i, mark in enumerate(marks):
            m = SLOT_REF_RE.match(mark)
            if not m:
                self.add(
                    f"{where}[{i}]: {mark[:40]!r} is neither a day (YYYY-MM-DD) nor a slot start "
                    "(YYYY-MM-DDTHH:MM)"
                )
            elif m.group(1) not in self.day_set:
                self.add(
                    f"{where}[{i}]: {m.group(1)} is not a festival day "
                    f"({', '.join(sorted(self.day_set))})"
                )
            elif m.group(2) is not None and m.group(2) not in self.starts:
                self.add(f"{where}[{i}]: no slot starts at {m.group(2)} (slots start at {starts})")

    def unique_ids(self) -> None:
        doc = self.doc
        for kind, ids in (
            ("towns", [t.id for t in doc.towns]),
            ("districts", [d.id for d in doc.districts]),
            ("industries", [x.id for x in doc.industries]),
            ("venues", [v.id for v in doc.venues]),
            ("enterprises", [e.id for e in doc.enterprises]),
            ("streamers", [s.id for s in doc.streamers]),
            ("themes", [t.id for t in doc.themes]),
        ):
            seen: dict[str, int] = {}
            for i, x in enumerate(ids):
                j = seen.setdefault(fold(x), i)  # guzhen, GuZhen, ｇｕｚｈｅｎ: one id
                if j != i and ids[j] == x:
                    self.add(f"{kind}[{i}].id: duplicate id {x!r} (first at {kind}[{j}])")
                elif j != i:
                    self.add(
                        f"{kind}[{i}].id: {x!r} is the same id as {ids[j]!r} at {kind}[{j}] "
                        "once case, width and invisible characters are set aside; give them "
                        "ids that differ in letters"
                    )
        seen_p: set[str] = set()
        for i, p in enumerate(doc.platforms):
            if p in seen_p:
                self.add(f"platforms[{i}]: duplicate platform {p!r}")
            seen_p.add(p)

    def grid(self) -> None:
        info = self.doc.festival
        for i, d in enumerate(info.days):
            if i and d <= info.days[i - 1]:
                self.add(
                    f"festival.days[{i}]: {d.isoformat()} is not after "
                    f"{info.days[i - 1].isoformat()}; list each day once, in order"
                )
        for i, s in enumerate(info.slots):
            if s.end_time <= s.start_time:
                self.add(f"festival.slots[{i}]: end {s.end} is not after start {s.start}")
            if i:
                prev = info.slots[i - 1]
                if s.start_time < prev.start_time:
                    self.add(
                        f"festival.slots[{i}]: starts {s.start}, before slot {i - 1} "
                        f"({prev.start}); list slots in time order"
                    )
                elif s.start_time < prev.end_time:
                    self.add(
                        f"festival.slots[{i}]: {s.start}-{s.end} overlaps slot {i - 1} "
                        f"({prev.start}-{prev.end})"
                    )
        for i, p in enumerate(info.prime_slots):
            if p not in self.starts:
                self.add(
                    f"festival.prime_slots[{i}]: {p!r} is the start of no slot "
                    f"(slots start at {', '.join(sorted(self.starts))})"
                )

    def towns(self) -> None:
        for i, t in enumerate(self.doc.towns):
            for j, n in enumerate(t.neighbours):
                if n == t.id:
                    self.add(f"towns[{i}].neighbours[{j}]: a town is not its own neighbour")
                else:
                    self.known(f"towns[{i}].neighbours[{j}]", "town", n, self.town_ids)

    def venues(self) -> None:
        venues = self.doc.venues
        mains = [i for i, v in enumerate(venues) if v.kind == "main"]
        if not mains:
            self.add("venues: no venue has `kind: main`; mark exactly one as the main venue")
        for i in mains[1:]:
            self.add(
                f"venues[{i}].kind: a second main venue (venues[{mains[0]}] is main); "
                "exactly one venue may be `kind: main`"
            )
        for i, v in enumerate(venues):
            self.venue_place(i, v)
            self.marks(f"venues[{i}].closed", v.closed)

    def venue_place(self, i: int, v: Venue) -> None:
        """Where a venue stands: a main or sub venue in a known town, a district venue in a
        known district, an enterprise's own rooms in that enterprise's town."""
        where = f"venues[{i}]"
        if v.kind in ("main", "sub", "district") and not v.name:
            self.add(f"{where}.name: missing; this field is required")
        if v.kind in ("main", "sub"):
            if not v.town:
                self.add(f"{where}.town: missing; a {v.kind} venue names its town")
            else:
                self.known(f"{where}.town", "town", v.town, self.town_ids)
        elif v.kind == "district":
            if v.district is None:
                self.add(f"{where}.district: missing; a district venue names its district")
            else:
                self.known(f"{where}.district", "district", v.district, self.district_ids)
        elif v.enterprise is None:
            self.add(f"{where}.enterprise: missing; an own venue names its enterprise")
        elif v.enterprise not in self.enterprise_town:
            self.known(f"{where}.enterprise", "enterprise", v.enterprise, self.enterprise_ids)
        elif v.town and v.town != self.enterprise_town[v.enterprise]:
            self.add(
                f"{where}.town: {v.town!r}, but enterprise {v.enterprise!r} is in "
                f"{self.enterprise_town[v.enterprise]!r}; own rooms stand in their enterprise's town"
            )
        if v.kind != "district" and v.district is not None:
            self.add(f"{where}.district: only a venue of kind district names a district")
        if v.kind != "own" and v.enterprise is not None:
            self.add(f"{where}.enterprise: only a venue of kind own names an enterprise")

    def districts(self) -> None:
        """Known towns, each in at most one district."""
        first: dict[str, int] = {}
        for i, d in enumerate(self.doc.districts):
            for j, t in enumerate(d.towns):
                where = f"districts[{i}].towns[{j}]"
                if t not in self.town_ids:
                    self.known(where, "town", t, self.town_ids)
                elif t in first:
                    self.add(
                        f"{where}: town {t!r} is already in district "
                        f"{self.doc.districts[first[t]].id!r}; a town belongs to at most one"
                    )
                else:
                    first[t] = i

    def enterprises(self) -> None:
        for i, e in enumerate(self.doc.enterprises):
            where = f"enterprises[{i}]"
            self.known(f"{where}.town", "town", e.town, self.town_ids)
            self.known(f"{where}.industry", "industry", e.industry, self.industry_ids)
            for j, p in enumerate(e.platforms):
                self.known(f"{where}.platforms[{j}]", "platform", p, self.platforms)
            for p in e.shops:
                self.known(f"{where}.shops.{p}", "platform", p, self.platforms)
            self.marks(f"{where}.unavailable", e.unavailable)

    def streamers(self) -> None:
        for i, st in enumerate(self.doc.streamers):
            where = f"streamers[{i}]"
            self.known(f"{where}.town", "town", st.town, self.town_ids)
            for j, x in enumerate(st.industries):
                self.known(f"{where}.industries[{j}]", "industry", x, self.industry_ids)
            for j, p in enumerate(st.platforms):
                self.known(f"{where}.platforms[{j}]", "platform", p, self.platforms)
            for p in st.accounts:
                self.known(f"{where}.accounts.{p}", "platform", p, self.platforms)
            if st.employer is not None:
                self.known(f"{where}.employer", "enterprise", st.employer, self.enterprise_ids)
            self.marks(f"{where}.unavailable", st.unavailable)

    def shops(self) -> None:
        """A shop (folded: full-width, case and invisible characters aside) has one owner."""
        seen: dict[tuple[str, str], str] = {}
        for i, e in enumerate(self.doc.enterprises):
            for p, names in e.shops.items():
                for j, name in enumerate([names] if isinstance(names, str) else names):
                    where = f"enterprises[{i}].shops.{p}" + (
                        "" if isinstance(names, str) else f"[{j}]"
                    )
                    other = seen.setdefault((p, fold(name)), where)
                    if other != where:
                        self.add(
                            f"{where}: shop {name!r} is already bound at {other}; a shop has one owner"
                        )
        for i, store in enumerate(self.doc.collective_stores):
            bound = seen.get((store.platform, fold(store.shop)))
            if bound is not None:
                self.add(
                    f"collective_stores[{i}].shop: shop {store.shop!r} is bound to an enterprise at "
                    f"{bound}; a collective store's shop is the store's alone"
                )

    def collective_stores(self) -> None:
        ids: dict[str, int] = {}
        for i, store in enumerate(self.doc.collective_stores):
            where = f"collective_stores[{i}]"
            if store.id in ids or store.id in self.enterprise_ids:
                what = f"collective_stores[{ids[store.id]}]" if store.id in ids else "an enterprise"
                self.add(f"{where}.id: {store.id!r} is already the id of {what}")
            ids.setdefault(store.id, i)
            self.known(f"{where}.platform", "platform", store.platform, self.platforms)
            owner_of: dict[str, str] = {}
            for j, product in enumerate(store.products):
                place = f"{where}.products[{j}]"
                self.known(
                    f"{place}.enterprise", "enterprise", product.enterprise, self.enterprise_ids
                )
                if not product.ids and not product.title_prefix:
                    self.add(f"{place}: give the products' ids or a title_prefix (or both)")
                for k, pid in enumerate(product.ids):
                    other = owner_of.setdefault(fold(pid), product.enterprise)
                    if other != product.enterprise:
                        self.add(
                            f"{place}.ids[{k}]: product {pid!r} is already given to {other!r} in this store"
                        )

    def weights(self) -> None:
        for k, w in self.doc.weights.items():
            if k not in DEFAULT_WEIGHTS:
                self.add(
                    f"weights.{k}: unknown weight{suggest(k, DEFAULT_WEIGHTS)}; "
                    f"known: {', '.join(DEFAULT_WEIGHTS)}"
                )
            elif w < 0:
                self.add(f"weights.{k}: {w} is negative; weights are 0 or more")
            elif w > MAX_WEIGHT:
                self.add(f"weights.{k}: {w} is more than {MAX_WEIGHT:,}; weights are relative")

    def themes(self) -> None:
        main = next((v for v in self.doc.venues if v.kind == "main"), None)
        closed = set(main.closed) if main else set()
        taken: dict[str, int] = {}
        for i, theme in enumerate(self.doc.themes):
            where = f"themes[{i}]"
            for j, x in enumerate(theme.industries):
                self.known(f"{where}.industries[{j}]", "industry", x, self.industry_ids)
            self.marks(f"{where}.slots", theme.slots)
            for j, mark in enumerate(theme.slots):
                if "T" not in mark:
                    self.add(
                        f"{where}.slots[{j}]: {mark[:40]!r} is a whole day; a block names slot "
                        "starts (YYYY-MM-DDTHH:MM)"
                    )
            if main is not None and theme.studios > main.studios:
                self.add(
                    f"{where}.studios: {theme.studios} studios, but the main venue "
                    f"{main.id!r} has {main.studios}"
                )
            for j, mark in enumerate(theme.slots):
                m = SLOT_REF_RE.match(mark)
                if not m or m.group(2) not in self.starts or m.group(1) not in self.day_set:
                    continue  # reported above
                if mark in closed or mark[:10] in closed:
                    self.add(f"{where}.slots[{j}]: the main venue is closed at {mark}")
                taken[mark] = taken.get(mark, 0) + theme.studios
        if main is not None:
            for mark, studios in sorted(taken.items()):
                if studios > main.studios:
                    self.add(
                        f"themes: the blocks at {mark} take {studios} studios; the main venue "
                        f"{main.id!r} has {main.studios}"
                    )
