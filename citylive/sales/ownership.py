"""Whose file it is: shops bound to enterprises, and collective stores split by product owner.

Shop names and ids are compared by `citylive.folding.fold` (NFKC, case folded, invisible
characters removed), so `华艺灯饰旗舰店\u200b` or a name padded with a full-width space is the
same shop.  A file whose shop column names another enterprise's shop is refused whole before
anything of it is stored; a collective store's file is split line by line by product owner
(product id, else title prefix), and a line of no known owner is quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from citylive.config import get_settings
from citylive.errors import Invalid
from citylive.festival import Festival
from citylive.festival.schema import CollectiveStore
from citylive.folding import fold
from citylive.sales.attribution import SessionWindows, account_names, attribute
from citylive.sales.block import Block
from citylive.sales.platforms import normalise_platform
from citylive.sales.rows import Layout, Owner, Refused, raw_of
from citylive.sales.values import clean_text


class IngestError(Invalid):
    """A file the ingest cannot take as it is; the message says what to do."""


class ForeignShop(IngestError):
    """A file whose shop is another enterprise's (or a collective store's)."""


def same_platform(name: str, platform: str) -> bool:
    try:
        return normalise_platform(name) == platform
    except Invalid:
        return False


def shop_names(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def shops_of(festival: Festival, enterprise_id: str, platform: str) -> list[str]:
    e = festival.enterprise[enterprise_id]
    return [s for p, v in e.shops.items() if same_platform(p, platform) for s in shop_names(v)]


def collective_stores(festival: Festival) -> dict[str, CollectiveStore]:
    return {s.id: s for s in festival.doc.collective_stores}


@dataclass(frozen=True)
class ShopBook:
    """Who each known shop on one platform is: folded name or id -> (kind, id), kind being
    'enterprise' or 'collective store'."""

    platform: str
    owners: dict[str, tuple[str, str]]

    @classmethod
    def of(cls, festival: Festival, platform: str) -> ShopBook:
        owners: dict[str, tuple[str, str]] = {}
        for e in festival.enterprises:
            for shop in shops_of(festival, e.id, platform):
                owners.setdefault(fold(shop), ("enterprise", e.id))
        for store in festival.doc.collective_stores:
            if same_platform(store.platform, platform):
                owners.setdefault(fold(store.shop), ("collective store", store.id))
        return cls(platform, owners)

    def check(self, column: pa.Array, header: str, owner: str, filename: str) -> None:
        """Refuse the file (ForeignShop) when a shop in `column` is another owner's."""
        if not self.owners:
            return
        for value in pc.unique(column).to_pylist():
            shop = clean_text(value or "")
            found = self.owners.get(fold(shop)) if shop else None
            if found is None or found[1] == owner:
                continue
            kind, other = found
            hint = (
                f"ingest it as {other}'s export (--enterprise {other})"
                if kind == "enterprise"
                else f"ingest it as the collective store's (--enterprise {other}): its lines "
                "are split by product owner"
            )
            raise ForeignShop(
                f"{filename}: the shop {shop!r} in column {header} is the shop of {kind} "
                f"{other!r}, not of {owner!r}; nothing of this file was stored; {hint}",
                field="files",
            )


@dataclass(frozen=True)
class ProductOwners:
    """Who owns each product of a collective store: by product id, else by title prefix."""

    store: str
    platform: str
    by_id: dict[str, str]
    prefixes: list[tuple[str, str]]  # (folded prefix, enterprise), longest first

    @classmethod
    def of(cls, store: CollectiveStore, platform: str) -> ProductOwners:
        by_id = {fold(i): p.enterprise for p in store.products for i in p.ids}
        prefixes = sorted(
            ((fold(p.title_prefix), p.enterprise) for p in store.products if p.title_prefix),
            key=lambda x: -len(x[0]),
        )
        return cls(store.id, platform, by_id, prefixes)

    def _one(self, product: str | None, title: str | None) -> str | None:
        if product and (owner := self.by_id.get(fold(product))):
            return owner
        folded = fold(title or product or "")
        return next((e for prefix, e in self.prefixes if folded.startswith(prefix)), None)

    def owners(self, product: pa.Array, title: pa.Array) -> pa.Array:
        """The owning enterprise of each line (null: no known owner); each distinct product
        is looked at once."""
        keys = pc.binary_join_element_wise(
            pc.fill_null(product, ""), pc.fill_null(title, ""), "\x1f"
        )
        distinct = pc.unique(keys)
        found = []
        for key in distinct.to_pylist():
            p, t = key.split("\x1f", 1)
            found.append(self._one(p or None, t or None))
        return pc.take(pa.array(found, pa.string()), pc.index_in(keys, value_set=distinct))

    def refusal(self, product: str | None, title: str | None) -> str:
        return (
            f"no enterprise of collective store {self.store!r} owns this line: product "
            f"{(product or '')[:60]!r}, title {(title or '')[:60]!r} match no product id or "
            "title prefix under collective_stores"
        )


def _array(a: Any) -> pa.Array:
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def split_by_owner(
    lines: pa.Table,
    block: Block,
    layout: Layout,
    store: ProductOwners,
    windows: SessionWindows,
    streamer_column: bool,
) -> tuple[pa.Table, list[Refused]]:
    """A collective store's lines with their owner (`enterprise_id`) and session; the lines of
    no known owner are refused with that reason."""
    owners = store.owners(lines["product"], lines["product_title"])
    unowned = lines.filter(pc.is_null(owners))
    refused: list[Refused] = []
    if unowned.num_rows:
        numbers = unowned["row_number"].to_numpy(zero_copy_only=False)
        at = np.flatnonzero(np.isin(block.numbers, numbers))
        by_number = {int(block.numbers[i]): int(i) for i in at}
        for r in unowned.select(["row_number", "product", "product_title"]).to_pylist():
            i = by_number[int(r["row_number"])]
            refused.append(
                Refused(
                    int(r["row_number"]),
                    store.refusal(r["product"], r["product_title"]),
                    raw_of(layout, block.cells(i), block.extras.get(i)),
                )
            )
    owned = pc.is_valid(owners)
    lines = lines.filter(owned)
    owners = owners.filter(owned)
    parts = []
    for enterprise in pc.unique(owners).to_pylist():
        mine = lines.filter(_array(pc.equal(owners, enterprise)))
        key = windows.for_key(enterprise, store.platform)
        mine, sessions = attribute(mine, key, streamer_column)
        parts.append(
            mine.append_column("session_id", sessions).append_column(
                "enterprise_id", pa.array([enterprise] * mine.num_rows, pa.string())
            )
        )
    if not parts:
        empty = lines.append_column("session_id", pa.nulls(0, pa.string()))
        return empty.append_column("enterprise_id", pa.nulls(0, pa.string())), refused
    return pa.concat_tables(parts).sort_by("row_number"), refused


def _names(stem: str, name: str) -> bool:
    """Whether `name` stands in the file name as a word (not inside a longer id)."""
    start = stem.find(name)
    while start >= 0:
        end = start + len(name)
        before = stem[start - 1] if start else ""
        after = stem[end] if end < len(stem) else ""
        if not (before.isascii() and before.isalnum()) and not (
            after.isascii() and after.isalnum()
        ):
            return True
        start = stem.find(name, start + 1)
    return False


def enterprise_for_file(path: Path, festival: Festival, given: str | None) -> str:
    """The enterprise (or collective store) a file belongs to: given, or named in the file
    name (id, name or shop)."""
    stores = collective_stores(festival)
    if given:
        if given not in festival.enterprise and given not in stores:
            raise IngestError(
                f"unknown enterprise {given!r} for festival {festival.id!r}; "
                f"known: {', '.join(sorted(festival.enterprise)[:20])}",
                field="enterprise",
            )
        return given
    stem = path.stem
    found: list[tuple[int, str]] = []
    for e in festival.enterprises:
        for name in [e.id, e.name, *(n for v in e.shops.values() for n in shop_names(v))]:
            if name and _names(stem, name):
                found.append((len(name), e.id))
    for store in stores.values():
        for name in (store.id, store.shop):
            if _names(stem, name):
                found.append((len(name), store.id))
    if not found:
        raise IngestError(
            f"{path.name}: which enterprise's export is this? Give --enterprise ID, or put the "
            f"enterprise id in the file name (e.g. {festival.enterprises[0].id}_douyin.csv)",
            field="enterprise",
        )
    return max(found)[1]


def owner_of(festival: Festival, enterprise_id: str, platform: str) -> Owner:
    """What in a row would show the file is another enterprise's: the account of another
    enterprise's in-house streamer.  (A shop is checked for the whole file: ownership.py.)"""
    members = {enterprise_id}
    store = collective_stores(festival).get(enterprise_id)
    if store is not None:
        members = {p.enterprise for p in store.products}
    accounts = {
        account: s.employer
        for s in festival.streamers
        if s.employer and s.employer not in members
        for p, names in s.accounts.items()
        if same_platform(p, platform)
        for account in account_names(names)
    }
    return Owner(enterprise_id, {}, accounts, get_settings().sales_cell_max_chars)
