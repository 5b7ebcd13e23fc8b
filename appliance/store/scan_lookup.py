"""From a scan to the variant to sell: the box's own links first, then OFN's SKU, then the PLU.

The order is the hub manager's intent, most deliberate first:

1. **alias** — a code linked to a variant on this box (``barcode_alias``): the fix for a product
   whose barcode OFN does not know, or knows wrongly;
2. **SKU** — OFN hubs put the EAN in the variant's SKU. GTINs are compared as 14 digits
   (``variant.gtin14``), so a UPC-A, EAN-13 or GTIN-14 SKU of the same number all match; other
   codes must equal the SKU exactly;
3. **PLU** — a short number typed on the keypad, from the box's ``plu`` table. The OFN variant id
   is deliberately *not* a PLU: ids are dense, so a mistyped PLU would almost always land on some
   unrelated product instead of saying "unknown".
4. **name** — words typed on a keyboard that are no code at all: the products whose name holds every
   word (case and accents aside), always offered as a list to pick from, never sold unasked.

A scale label (weight or price inside) is first tried as a plain code, because hubs also print
fixed 2x codes for goods sold by the piece; then by its base code (value zeroed, what Odoo stores
as the product's barcode), then by its item number in the SKU or the PLU table, so the number
programmed in the scale can simply be the PLU. The weight or price then comes from the label.

Nothing here raises for a code nobody knows: the result says so, with what the cashier can do.
Writes (linking codes) are plain functions over a connection; the caller holds the write
transaction, as with the catalogue.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from appliance.core.barcodes import DEFAULT_NOMENCLATURE, Nomenclature, Scan, ScanKind, interpret, nomenclature
from appliance.core.clock import utc_text
from appliance.core.text import folded
from appliance.store.catalogue import CatalogueError, Variant, get_variant, search_variants

#: How many variants sharing one code are shown to the cashier to pick from.
MAX_CHOICES = 8


class Via(StrEnum):
    ALIAS = "alias"
    SKU = "sku"
    PLU = "plu"
    NAME = "name"


@dataclass(frozen=True)
class Match:
    """The variant to sell. ``weight_g``/``price`` come from the code itself (a scale label, a GS1
    weight or amount) and are None when the code only names the product."""

    variant: Variant
    via: Via
    code: str
    scan: Scan
    weight_g: int | None = None
    price: Decimal | None = None


@dataclass(frozen=True)
class Ambiguous:
    """Several variants hold the same code in OFN: the cashier picks, the manager links one."""

    scan: Scan
    via: Via
    code: str
    variants: tuple[Variant, ...]
    message: str


@dataclass(frozen=True)
class NoMatch:
    """Nothing to sell for this code: ``message`` says what happened, ``hints`` what to do."""

    scan: Scan
    message: str
    hints: tuple[str, ...]


LookupResult = Match | Ambiguous | NoMatch


@dataclass(frozen=True)
class _Step:
    via: Via
    code: str
    embedded: bool


class ScanLookup:
    """Reads scans for one till: the site's nomenclature and a connection to its store."""

    def __init__(self, connection: sqlite3.Connection, rules: Nomenclature, *, gs1: bool = True):
        self.connection = connection
        self.rules = rules
        self.gs1 = gs1

    @classmethod
    def from_settings(cls, connection: sqlite3.Connection, settings: Mapping[str, Any]) -> ScanLookup:
        """From the config's ``[barcodes]`` values (``nomenclature``, ``gs1``, ``rules``)."""
        rules = nomenclature(settings.get("nomenclature", DEFAULT_NOMENCLATURE), settings.get("rules", ()))
        return cls(connection, rules, gs1=settings.get("gs1", True))

    def interpret(self, text: str) -> Scan:
        return interpret(text, self.rules, gs1=self.gs1)

    def read(self, text: str) -> LookupResult:
        """One scan or keypad entry, decoded and looked up."""
        return find(self.connection, self.interpret(text))


def find(connection: sqlite3.Connection, scan: Scan) -> LookupResult:
    if scan.kind is ScanKind.MALFORMED:
        return NoMatch(
            scan,
            f"Barcode {scan.shown} was misread ({scan.reason})",
            ("Scan it again, or type the number printed under the bars",),
        )
    stale: list[str] = []
    for step in _steps(scan):
        ids = _candidates(connection, step)
        variants = [v for v in (get_variant(connection, i) for i in ids) if v is not None]
        if len(ids) > len(variants) and step.via is not Via.SKU:
            stale.append(step.code)
        if len(variants) == 1:
            weight_g, price = (scan.weight_g, scan.price) if step.embedded else (None, None)
            return Match(variants[0], step.via, step.code, scan, weight_g, price)
        if variants:
            return Ambiguous(
                scan,
                step.via,
                step.code,
                tuple(variants[:MAX_CHOICES]),
                f"{len(variants)} products share the code {scan.shown} in OFN: pick the right one",
            )
    named = _by_name(connection, scan) if scan.kind is ScanKind.UNKNOWN and not stale else None
    return named or _no_match(scan, stale)


def _by_name(connection: sqlite3.Connection, scan: Scan) -> Ambiguous | None:
    """The products whose name holds every typed word (None: no letters, or no such product):
    always a list to pick from, since a word names a family of products."""
    if not any(char.isalpha() for char in scan.code):
        return None
    found = search_variants(connection, folded(scan.code).split(), MAX_CHOICES + 1)
    text = " ".join(scan.code.split())
    if not found:
        return None
    more = f" (the first {MAX_CHOICES}: type more of the name to narrow it)" if len(found) > MAX_CHOICES else ""
    return Ambiguous(scan, Via.NAME, text, tuple(found[:MAX_CHOICES]), f'Products named "{text}": pick one{more}')


def _steps(scan: Scan) -> Iterable[_Step]:
    """What to try, in order, for this kind of scan."""
    measured = scan.weight_g is not None or scan.price is not None
    if scan.kind in (ScanKind.GTIN, ScanKind.GS1):
        keys = (scan.key, *scan.alternatives)
        yield from (_Step(Via.ALIAS, key, measured) for key in keys)
        yield from (_Step(Via.SKU, key, measured) for key in keys)
    elif scan.kind in (ScanKind.WEIGHT_EMBEDDED, ScanKind.PRICE_EMBEDDED):
        full = scan.alternatives[0]
        yield _Step(Via.ALIAS, full, False)
        yield _Step(Via.SKU, full, False)
        yield _Step(Via.ALIAS, scan.key, True)
        yield _Step(Via.SKU, scan.key, True)
        assert scan.item_ref is not None
        yield from (_Step(Via.SKU, text, True) for text in _number_texts(scan.item_ref))
        yield _Step(Via.PLU, str(int(scan.item_ref)), True)
    elif scan.kind is ScanKind.PLU:
        yield _Step(Via.ALIAS, scan.code, False)
        yield from (_Step(Via.SKU, text, False) for text in _number_texts(scan.code))
        yield _Step(Via.PLU, scan.key, False)
    elif scan.kind is ScanKind.UNKNOWN and scan.key:
        yield _Step(Via.ALIAS, scan.key, False)
        yield _Step(Via.SKU, scan.key, False)


def _number_texts(digits: str) -> tuple[str, ...]:
    """A number as typed and without its leading zeros: a SKU "345" is item "00345" on a label."""
    short = str(int(digits))
    return (digits,) if short == digits else (digits, short)


def _candidates(connection: sqlite3.Connection, step: _Step) -> list[int]:
    if step.via is Via.ALIAS:
        sql = "SELECT variant_id FROM barcode_alias WHERE code = ?"
    elif step.via is Via.PLU:
        sql = "SELECT variant_id FROM plu WHERE plu = ?"
    elif len(step.code) == 14 and step.code.isdigit():
        sql = "SELECT id FROM variant WHERE gtin14 = ? ORDER BY id LIMIT 100"
    else:
        sql = "SELECT id FROM variant WHERE sku = ? ORDER BY id LIMIT 100"
    return [row[0] for row in connection.execute(sql, (step.code,))]


def _no_match(scan: Scan, stale: list[str]) -> NoMatch:
    hints: list[str] = []
    if stale:
        hints.append("The code is linked on this box to a product that is no longer in the catalogue: relink it")
    if scan.kind in (ScanKind.WEIGHT_EMBEDDED, ScanKind.PRICE_EMBEDDED):
        message = f"Unknown scale label {scan.shown} (item {scan.item_ref})"
        hints += [
            f"Ask the manager to give the product PLU {int(scan.item_ref or 0)} or to link this label to it",
            "Meanwhile type the product's PLU or a word of its name, and weigh it again",
        ]
    elif scan.kind is ScanKind.PLU:
        message = f"No product has PLU {scan.key}"
        hints += ["Check the number, or type a word of the product's name"]
    else:
        message = f"Unknown barcode {scan.shown}"
        if scan.reason:
            message += f" ({scan.reason})"
        hints += [
            "Type the product's PLU, or a word of its name, then Enter",
            "Ask the manager to link this barcode to the product, or to put it in the product's SKU in OFN",
        ]
    return NoMatch(scan, message, tuple(hints))


# -- managing links and PLUs (the caller holds the write transaction) ------------------------------


@dataclass(frozen=True)
class Link:
    """A code or PLU linked on this box; ``variant_name`` is None when the variant has left the catalogue."""

    code: str
    variant_id: int
    variant_name: str | None
    created_at: str


def alias_code(scan: Scan) -> str | None:
    """The form a scanned code is linked under, the same form :func:`find` looks up; None if misread."""
    if scan.kind is ScanKind.MALFORMED or (scan.kind is ScanKind.UNKNOWN and not scan.key):
        return None
    if scan.kind is ScanKind.PLU:
        return scan.code
    return scan.key


def link_code(connection: sqlite3.Connection, scan: Scan, variant_id: int, at: datetime) -> str:
    """Link a scanned code to a variant (replacing any earlier link); returns the code as stored.

    A scale label is linked by its base code, so every label of that product follows.
    """
    code = alias_code(scan)
    if code is None:
        raise CatalogueError(f"Barcode {scan.shown} was misread ({scan.reason or 'not a code'}): scan it again")
    _require_variant(connection, variant_id)
    connection.execute(
        "INSERT INTO barcode_alias (code, variant_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (code) DO UPDATE SET variant_id = excluded.variant_id, created_at = excluded.created_at",
        (code, variant_id, utc_text(at)),
    )
    return code


def unlink_code(connection: sqlite3.Connection, scan: Scan) -> bool:
    code = alias_code(scan)
    return code is not None and connection.execute("DELETE FROM barcode_alias WHERE code = ?", (code,)).rowcount > 0


def set_plu(connection: sqlite3.Connection, plu: int, variant_id: int, at: datetime) -> None:
    """Give a variant a PLU (a PLU names one variant; setting it again moves it)."""
    if isinstance(plu, bool) or not isinstance(plu, int) or not 0 <= plu < 10**7:
        raise CatalogueError(f"PLU {plu!r} must be a number of 1 to 7 digits")
    _require_variant(connection, variant_id)
    connection.execute(
        "INSERT INTO plu (plu, variant_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (plu) DO UPDATE SET variant_id = excluded.variant_id, created_at = excluded.created_at",
        (plu, variant_id, utc_text(at)),
    )


def remove_plu(connection: sqlite3.Connection, plu: int) -> bool:
    return connection.execute("DELETE FROM plu WHERE plu = ?", (plu,)).rowcount > 0


def links(connection: sqlite3.Connection) -> list[Link]:
    """Every code linked on this box, with the name of its variant, for the manager's list."""
    rows = connection.execute(
        "SELECT a.code, a.variant_id, v.name, a.created_at FROM barcode_alias AS a"
        " LEFT JOIN variant AS v ON v.id = a.variant_id ORDER BY a.code"
    )
    return [Link(*row) for row in rows]


def plus(connection: sqlite3.Connection) -> list[Link]:
    rows = connection.execute(
        "SELECT p.plu, p.variant_id, v.name, p.created_at FROM plu AS p"
        " LEFT JOIN variant AS v ON v.id = p.variant_id ORDER BY p.plu"
    )
    return [Link(str(row[0]), row[1], row[2], row[3]) for row in rows]


def _require_variant(connection: sqlite3.Connection, variant_id: int) -> None:
    if get_variant(connection, variant_id) is None:
        raise CatalogueError(f"No variant {variant_id} in the catalogue: refresh it from OFN first")
