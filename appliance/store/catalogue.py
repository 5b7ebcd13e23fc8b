"""The hub's variants as the till sells them: the local copy of OFN's catalogue.

The sync daemon refreshes this table from OFN; the till reads it to turn a scanned or typed code
into an :class:`~appliance.core.sale.Item` with its price and VAT rate.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.core.assortment import ShelfItem
from appliance.core.clock import utc_text
from appliance.core.money import from_cents
from appliance.core.sale import Item, PricedBy
from appliance.core.tax import VatRate
from appliance.core.text import folded
from appliance.store.word_search import STARTS_FIRST, every_word, starting_with


class CatalogueError(LookupError):
    """A variant the till cannot sell; the message says why and what to fix."""


@dataclass(frozen=True)
class Variant:
    """A row of the ``variant`` table; ``price`` is in cents, per kg when ``priced_by`` is weight."""

    id: int
    product_id: int | None
    name: str
    sku: str
    price: int
    priced_by: PricedBy
    unit_grams: int | None
    tax_category_id: int | None
    on_hand: int | None
    on_demand: bool
    fee: int = 0  # cents of the cycle's per-item fees included in the price, per OFN unit
    category_id: int | None = None  # OFN's primary taxon: what a channel's assortment excludes
    tags: tuple[str, ...] = ()  # OFN's tag_list


_COLUMNS = (
    "id, product_id, name, sku, price, priced_by, unit_grams, tax_category_id, on_hand, on_demand, fee,"
    " category_id, tags"
)


def upsert_variants(connection: sqlite3.Connection, variants: Iterable[Variant], at: datetime) -> int:
    """Insert or refresh variants; the caller holds the write transaction (and keeps it short)."""
    rows = [
        (
            v.id,
            v.product_id,
            v.name,
            v.sku,
            v.price,
            v.priced_by.value,
            v.unit_grams,
            v.tax_category_id,
            v.on_hand,
            int(v.on_demand),
            v.fee,
            v.category_id,
            json.dumps(list(v.tags), ensure_ascii=False),
            folded(v.name),
            utc_text(at),
        )
        for v in variants
    ]
    connection.executemany(
        f"INSERT INTO variant ({_COLUMNS}, search, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, name = excluded.name,"
        " sku = excluded.sku, price = excluded.price, priced_by = excluded.priced_by,"
        " unit_grams = excluded.unit_grams, tax_category_id = excluded.tax_category_id,"
        " on_hand = excluded.on_hand, on_demand = excluded.on_demand, fee = excluded.fee,"
        " category_id = excluded.category_id, tags = excluded.tags, search = excluded.search,"
        " updated_at = excluded.updated_at",
        rows,
    )
    return len(rows)


def get_variant(connection: sqlite3.Connection, variant_id: int) -> Variant | None:
    row = connection.execute(f"SELECT {_COLUMNS} FROM variant WHERE id = ?", (variant_id,)).fetchone()
    return _variant(row) if row else None


def variant_names(connection: sqlite3.Connection, variant_ids: Iterable[int]) -> dict[int, str]:
    """The names of these variants the catalogue holds: the rows asked for, never the whole catalogue."""
    ids = sorted(set(variant_ids))
    marks = ", ".join("?" * len(ids))
    return dict(connection.execute(f"SELECT id, name FROM variant WHERE id IN ({marks})", ids).fetchall())


def search_variants(connection: sqlite3.Connection, words: list[str], limit: int) -> list[Variant]:
    """The variants whose name holds every one of ``words`` (folded), those starting with the
    first word first, then by name (word_search.py)."""
    where, patterns = every_word(words)
    rows = connection.execute(
        f"SELECT {_COLUMNS} FROM variant WHERE {where}"  # noqa: S608 - only placeholders are built
        f" ORDER BY {STARTS_FIRST}, name, id LIMIT ?",
        (*patterns, starting_with(words[0]), limit),
    )
    return [_variant(row) for row in rows]


def all_variants(connection: sqlite3.Connection) -> list[Variant]:
    return [_variant(row) for row in connection.execute(f"SELECT {_COLUMNS} FROM variant ORDER BY id")]


def as_item(variant: Variant, vat_table: dict[int | str, VatRate]) -> Item:
    """The variant as a sale line needs it; a tax category missing from the config is refused."""
    rate = vat_table.get("none" if variant.tax_category_id is None else variant.tax_category_id)
    if rate is None:
        category = "no tax category" if variant.tax_category_id is None else f"tax category {variant.tax_category_id}"
        raise CatalogueError(
            f"{variant.name} has {category} in OFN, which the VAT table of the config does not list: "
            "add a [[vat]] entry for it"
        )
    return Item(
        variant_id=variant.id,
        name=variant.name,
        price=from_cents(variant.price),
        priced_by=variant.priced_by,
        vat=rate,
        sku=variant.sku,
        fee_cents=variant.fee,
        fee_unit_grams=variant.unit_grams,
        category_id=variant.category_id,  # what a channel's discount rules match (docs/channels.md)
        tags=frozenset(variant.tags),
    )


def shelf_item(shelf: ShelfItem, vat_table: dict[int | str, VatRate]) -> Item:
    """A channel's shelf-only item as a sale line needs it: variant 0, its code as its SKU."""
    rate = vat_table.get(shelf.vat) or next((r for r in vat_table.values() if r.code == shelf.vat), None)
    if rate is None:  # the channel file is checked against the config before the till runs
        raise CatalogueError(f"{shelf.name}: its VAT {shelf.vat!r} is not in the config's VAT table")
    return Item(
        variant_id=0,
        name=shelf.name,
        price=shelf.price,
        priced_by=PricedBy.EACH,
        vat=rate,
        sku=shelf.code,
        shelf=shelf.code,
    )


def _variant(row: Any) -> Variant:
    return Variant(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        PricedBy(row[5]),
        row[6],
        row[7],
        row[8],
        bool(row[9]),
        row[10],
        row[11],
        tuple(json.loads(row[12])),
    )
