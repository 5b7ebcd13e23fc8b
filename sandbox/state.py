"""The sandbox's OFN: a hub, its variants, order cycles, orders and customers in one SQLite file.

Only what the box touches is modelled, with OFN's own rules (docs/ofn-setup.md lists them):
stock moves at once on a completed order, an add beyond stock is refused, quantities are
integers, a variant is added at the hub's price whether or not it is in the order cycle. The
state survives a restart of the sandbox; every change is one transaction.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from appliance.cli.demo import demo_variants
from appliance.core.sale import PricedBy

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS variant (
    id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL, product_name TEXT NOT NULL,
    sku TEXT NOT NULL, price TEXT NOT NULL, variant_unit TEXT NOT NULL, unit_value REAL NOT NULL,
    on_hand INTEGER NOT NULL, on_demand INTEGER NOT NULL, tax_category_id INTEGER,
    supplier_id INTEGER NOT NULL, created_at TEXT NOT NULL, category_id INTEGER, tags TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS order_cycle (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, opens_at TEXT NOT NULL, closes_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oc_variant (
    order_cycle_id INTEGER NOT NULL, variant_id INTEGER NOT NULL, PRIMARY KEY (order_cycle_id, variant_id)
);
CREATE TABLE IF NOT EXISTS customer (
    id INTEGER PRIMARY KEY, enterprise_id INTEGER NOT NULL, email TEXT NOT NULL, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, code TEXT, tags TEXT NOT NULL DEFAULT '[]', created_manually INTEGER NOT NULL,
    balance TEXT NOT NULL DEFAULT '0.0', UNIQUE (enterprise_id, email)
);
CREATE TABLE IF NOT EXISTS customer_address (
    customer_id INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')), address TEXT NOT NULL,
    PRIMARY KEY (customer_id, kind)
);
CREATE TABLE IF NOT EXISTS account_transaction (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, amount TEXT NOT NULL, description TEXT NOT NULL,
    balance TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, state TEXT NOT NULL, payment_state TEXT,
    shipment_number TEXT NOT NULL UNIQUE, shipment_state TEXT NOT NULL, distributor_id INTEGER NOT NULL,
    order_cycle_id INTEGER NOT NULL, customer_id INTEGER, email TEXT NOT NULL, first_name TEXT, last_name TEXT,
    phone TEXT, special_instructions TEXT, note TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,
    completed_at TEXT, updated_at TEXT NOT NULL, shipping_method TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS line_item (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, variant_id INTEGER NOT NULL, quantity INTEGER NOT NULL,
    price TEXT NOT NULL, tax_category_id INTEGER, UNIQUE (order_id, variant_id)
);
CREATE TABLE IF NOT EXISTS enterprise_fee (
    id INTEGER PRIMARY KEY, order_cycle_id INTEGER NOT NULL, name TEXT NOT NULL, fee_type TEXT NOT NULL,
    calculator TEXT NOT NULL
        CHECK (calculator IN ('flat_rate_per_item', 'flat_percent_per_item', 'flat_rate_per_order')),
    amount TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payment (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, amount TEXT NOT NULL, method TEXT NOT NULL,
    state TEXT NOT NULL, updated_at TEXT NOT NULL
);
"""

HUB_ID = 3
HUB_NAME = "La Ruche du Centre"
OPEN_OC, CLOSED_OC = 12, 11
#: The demo hub's coordinator fee on this week's cycle: ten cents an item, a common flat fee.
DEMO_FEE = ("Participation aux frais", "admin", "flat_rate_per_item", "0.10")


def _item_fee(fee: sqlite3.Row, price: Decimal, quantity: int) -> Decimal:
    """One fee on a line of ``quantity`` at ``price`` (OFN's FlatRatePerItem / FlatPercentPerItem)."""
    amount = Decimal(fee["amount"])
    if fee["calculator"] == "flat_rate_per_item":
        return amount * quantity
    return (price * quantity * amount / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


class NotFound(LookupError):
    """OFN's RecordNotFound: the API answers 404."""


class Refused(ValueError):
    """A change OFN refuses with 422; ``errors`` is OFN's field -> messages map, when it has one."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal_text(value: Decimal) -> str:
    """Rails renders a BigDecimal column as a string with at least one decimal: "12.0", "5.5"."""
    value = value.normalize()
    text = format(value, "f")
    return text if "." in text else text + ".0"


@dataclass(frozen=True)
class Seeded:
    api_key: str
    lanes: dict[int, str]


class Store:
    """The sandbox's data with OFN's rules; one lock because OFN's rows are locked the same way."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def api_key(self) -> str:
        return self.meta("api_key") or ""

    def revoke_key(self) -> None:
        """The hub's user cleared or regenerated their key: the old one now gets OFN's 401."""
        with self.transaction() as db:
            self.set_meta(db, "api_key", secrets.token_hex(24))

    def lanes(self) -> dict[int, str]:
        rows = self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'lane:%'").fetchall()
        return {int(row["key"].split(":")[1]): row["value"] for row in rows}

    # -- seed -------------------------------------------------------------------------------------

    def seed_demo(self, lanes: list[int], variants: int, seed: int) -> Seeded:
        """Create the demo hub once; a restart finds it and keeps every change made since."""
        if self.meta("seeded") is None:
            with self.transaction() as db:
                _seed(db, lanes, variants, random.Random(seed))
                self.set_meta(db, "seeded", iso(now_utc()))
        return Seeded(self.api_key, self.lanes())

    # -- order cycles -----------------------------------------------------------------------------

    def order_cycle(self, oc_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM order_cycle WHERE id = ?", (oc_id,)).fetchone()

    def is_open(self, oc: sqlite3.Row) -> bool:
        return bool(oc["opens_at"] < iso(now_utc()) < oc["closes_at"])

    def close_order_cycle(self, oc_id: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE order_cycle SET closes_at = ? WHERE id = ?", (iso(now_utc() - timedelta(seconds=1)), oc_id)
            )

    # -- variants ---------------------------------------------------------------------------------

    _SHOP = (
        "FROM variant v JOIN oc_variant o ON o.variant_id = v.id"
        " WHERE o.order_cycle_id = ? AND (v.on_hand > 0 OR v.on_demand)"
    )

    def shop_page(self, oc_id: int, page: int, size: int) -> list[sqlite3.Row]:
        """One page of the shopfront's products (in the cycle, in stock or on demand), by name."""
        products = self.db.execute(
            f"SELECT v.product_id, min(v.product_name) AS name {self._SHOP} GROUP BY v.product_id"
            " ORDER BY name, v.product_id LIMIT ? OFFSET ?",
            (oc_id, size, (page - 1) * size),
        ).fetchall()
        ids = [row["product_id"] for row in products]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self.db.execute(
            f"SELECT v.* {self._SHOP} AND v.product_id IN ({marks}) ORDER BY v.product_name, v.product_id, v.id",
            (oc_id, *ids),
        ).fetchall()

    def has_shop_products(self, oc_id: int) -> bool:
        return self.db.execute(f"SELECT 1 {self._SHOP} LIMIT 1", (oc_id,)).fetchone() is not None

    def product_page(self, page: int, size: int) -> tuple[list[sqlite3.Row], int]:
        """One page of the producer-side products, newest first, and how many there are."""
        total = self.db.execute("SELECT count(DISTINCT product_id) FROM variant").fetchone()[0]
        ids = [
            row[0]
            for row in self.db.execute(
                "SELECT product_id FROM variant GROUP BY product_id ORDER BY max(created_at) DESC, product_id"
                " LIMIT ? OFFSET ?",
                (size, (page - 1) * size),
            )
        ]
        if not ids:
            return [], total
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT * FROM variant WHERE product_id IN ({marks}) ORDER BY created_at DESC, product_id, id", ids
        ).fetchall()
        return rows, total

    def variant(self, variant_id: int) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM variant WHERE id = ?", (variant_id,)).fetchone()
        if row is None:
            raise NotFound(f"variant {variant_id}")
        return row

    # -- orders -----------------------------------------------------------------------------------

    def order(self, number: str) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM orders WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise NotFound(number)
        return row

    def line_items(self, order_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT l.*, v.product_name FROM line_item l JOIN variant v ON v.id = l.variant_id"
            " WHERE l.order_id = ? ORDER BY l.id",
            (order_id,),
        ).fetchall()

    def payments(self, order_id: int) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM payment WHERE order_id = ? ORDER BY id", (order_id,)).fetchall()

    def orders(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM orders WHERE completed_at IS NOT NULL ORDER BY id").fetchall()

    def add_item(self, number: str, shipment: str | None, variant_id: int, quantity: int, *, legacy: bool) -> str:
        """``order.contents.add``: the hub's price, and stock moves at once on a completed order.

        Beyond stock, current OFN answers 422; versions before mid-2026 saved nothing and still
        answered 200 (``legacy``). Either way the order is unchanged.
        """
        with self.transaction() as db:
            order = self._changeable(number, shipment)
            variant = self.variant(variant_id)
            if quantity < 1:
                raise Refused("Invalid resource. Please fix errors and try again.", {"quantity": ["must be positive"]})
            completed = order["state"] == "complete"
            if completed and not variant["on_demand"] and variant["on_hand"] < quantity:
                if legacy:
                    return order["shipment_number"]
                raise Refused(
                    "Invalid resource. Please fix errors and try again.",
                    {"quantity": [f'"{variant["product_name"]}" is out of stock.']},
                )
            db.execute(
                "INSERT INTO line_item (order_id, variant_id, quantity, price, tax_category_id) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (order_id, variant_id) DO UPDATE SET quantity = quantity + excluded.quantity",
                (order["id"], variant_id, quantity, variant["price"], variant["tax_category_id"]),
            )
            if completed:
                db.execute("UPDATE variant SET on_hand = on_hand - ? WHERE id = ?", (quantity, variant_id))
            self._touch(db, order["id"])
            return order["shipment_number"]

    def remove_item(self, number: str, shipment: str, variant_id: int, quantity: int, restock: bool) -> str:
        with self.transaction() as db:
            order = self._changeable(number, shipment)
            variant = self.variant(variant_id)
            line = db.execute(
                "SELECT * FROM line_item WHERE order_id = ? AND variant_id = ?", (order["id"], variant_id)
            ).fetchone()
            if line is None:
                raise NotFound(f"Line item not found for variant {variant['sku']}")
            left = line["quantity"] - quantity
            if quantity < 1 or left < 0:
                raise Refused("Invalid resource. Please fix errors and try again.", {"quantity": ["must be >= 0"]})
            if left == 0:
                db.execute("DELETE FROM line_item WHERE id = ?", (line["id"],))
            else:
                db.execute("UPDATE line_item SET quantity = ? WHERE id = ?", (left, line["id"]))
            if restock and order["state"] == "complete":
                db.execute("UPDATE variant SET on_hand = on_hand + ? WHERE id = ?", (quantity, variant_id))
            self._touch(db, order["id"])
            return order["shipment_number"]

    def set_shipment_state(self, number: str, shipment: str, state: str) -> str:
        with self.transaction() as db:
            order = self._changeable(number, shipment)
            if state == "ready" and order["payment_state"] != "paid":
                raise Refused("Cannot ready shipment.")
            db.execute("UPDATE orders SET shipment_state = ? WHERE id = ?", (state, order["id"]))
            self._touch(db, order["id"])
            return order["shipment_number"]

    def set_note(self, number: str, note: str) -> None:
        with self.transaction() as db:
            order = self.order(number)
            db.execute("UPDATE orders SET note = ? WHERE id = ?", (note, order["id"]))
            self._touch(db, order["id"])

    def capture(self, number: str) -> None:
        """The first pending payment is captured; with none, OFN's 422."""
        with self.transaction() as db:
            order = self.order(number)
            pending = db.execute(
                "SELECT * FROM payment WHERE order_id = ? AND state IN ('pending', 'checkout', 'processing')"
                " ORDER BY id LIMIT 1",
                (order["id"],),
            ).fetchone()
            if pending is None or order["payment_state"] == "paid":
                raise Refused("Payment could not be processed, please check the details you entered")
            stamp = iso(now_utc())
            db.execute("UPDATE payment SET state = 'completed', updated_at = ? WHERE id = ?", (stamp, pending["id"]))
            self._touch(db, order["id"])

    def ship(self, number: str) -> None:
        with self.transaction() as db:
            order = self.order(number)
            if order["shipment_state"] == "ready":
                db.execute("UPDATE orders SET shipment_state = 'shipped' WHERE id = ?", (order["id"],))
            self._touch(db, order["id"])

    def _changeable(self, number: str, shipment: str | None) -> sqlite3.Row:
        order = self.order(number)
        if shipment is not None and shipment != order["shipment_number"]:
            raise NotFound(shipment)
        if order["state"] == "canceled":
            raise Refused("")
        return order

    def record_payment(self, number: str, amount: Decimal, method: str) -> None:
        """A manager entering a payment in OFN's admin (the API has no way to create one)."""
        with self.transaction() as db:
            order = self.order(number)
            db.execute(
                "INSERT INTO payment (order_id, amount, method, state, updated_at) VALUES (?, ?, ?, 'completed', ?)",
                (order["id"], decimal_text(amount), method, iso(now_utc())),
            )
            self._touch(db, order["id"])

    def _touch(self, db: sqlite3.Connection, order_id: int) -> None:
        """Totals, payment and shipment states follow the lines and payments, as OFN's order updater does.

        A shipment is ``ready`` once the order is paid (or owes credit) and ``pending`` while a
        balance is due; a shipped or canceled one stays so (``Spree::Shipment#determine_state``).
        The first pending payment of a completed order follows its balance (OFN's
        ``update_pending_payment``, since v4.4.31), so that capturing it settles the order.
        """
        total = self.order_total(order_id)
        paid = sum((Decimal(p["amount"]) for p in self.payments(order_id) if p["state"] == "completed"), Decimal(0))
        pending = next((p for p in self.payments(order_id) if p["state"] in ("pending", "checkout")), None)
        if pending is not None:
            db.execute(
                "UPDATE payment SET amount = ? WHERE id = ?",
                (decimal_text(max(total - paid, Decimal(0))), pending["id"]),
            )
        state = "paid" if paid == total else ("credit_owed" if paid > total else "balance_due")
        db.execute(
            "UPDATE orders SET payment_state = ?, updated_at = ?,"
            " shipment_state = CASE WHEN shipment_state IN ('shipped', 'canceled') THEN shipment_state"
            " WHEN ? THEN 'ready' ELSE 'pending' END WHERE id = ?",
            (state, iso(now_utc()), state in ("paid", "credit_owed"), order_id),
        )

    def item_total(self, order_id: int) -> Decimal:
        return sum((Decimal(line["price"]) * line["quantity"] for line in self.line_items(order_id)), Decimal("0"))

    # -- enterprise fees, as OFN applies them -------------------------------------------------------

    def fees(self, oc_id: int) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM enterprise_fee WHERE order_cycle_id = ? ORDER BY id", (oc_id,)).fetchall()

    def unit_fees(self, oc_id: int, price: Decimal) -> list[tuple[sqlite3.Row, Decimal]]:
        """The per-item fees on one unit at ``price``: what the shopfront adds into ``price_with_fees``."""
        return [
            (fee, _item_fee(fee, price, 1)) for fee in self.fees(oc_id) if fee["calculator"] != "flat_rate_per_order"
        ]

    def order_fees(self, order_id: int) -> list[tuple[str, Decimal]]:
        """The order's fee adjustments, as ``recreate_all_fees!`` makes them: per line item, then per order.

        A percentage is taken of each line's amount and rounded per line, as OFN's calculator does.
        """
        order = self.db.execute("SELECT order_cycle_id FROM orders WHERE id = ?", (order_id,)).fetchone()
        lines = self.line_items(order_id)
        adjustments = []
        for fee in self.fees(order["order_cycle_id"]) if order else []:
            label = f"{fee['name']} fee by coordinator {HUB_NAME}"
            if fee["calculator"] == "flat_rate_per_order":
                if lines:
                    adjustments.append((label, Decimal(fee["amount"])))
                continue
            for line in lines:
                adjustments.append((label, _item_fee(fee, Decimal(line["price"]), line["quantity"])))
        return [(label, amount) for label, amount in adjustments if amount]

    def order_total(self, order_id: int) -> Decimal:
        return self.item_total(order_id) + sum((amount for _, amount in self.order_fees(order_id)), Decimal(0))

    # -- customers --------------------------------------------------------------------------------

    def customers(self, enterprise_id: int | None) -> list[sqlite3.Row]:
        if enterprise_id is None:
            return self.db.execute("SELECT * FROM customer ORDER BY id").fetchall()
        return self.db.execute(
            "SELECT * FROM customer WHERE enterprise_id = ? ORDER BY id", (enterprise_id,)
        ).fetchall()

    def credit_transactions(self, customer_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT * FROM account_transaction WHERE customer_id = ? ORDER BY id", (customer_id,)
        ).fetchall()

    def customer(self, customer_id: int) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM customer WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            raise NotFound(str(customer_id))
        return row

    def customer_addresses(self, customer_id: int) -> dict[str, dict[str, Any]]:
        """The customer's billing and shipping addresses, as OFN's AddressSerializer shows them."""
        rows = self.db.execute("SELECT kind, address FROM customer_address WHERE customer_id = ?", (customer_id,))
        return {row["kind"]: json.loads(row["address"]) for row in rows}

    def add_customer(self, fields: dict[str, Any]) -> sqlite3.Row:
        """A customer made in OFN's admin (tests and benchmarks): any names, tags and addresses."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO customer (enterprise_id, email, first_name, last_name, code, tags, created_manually)"
                " VALUES (?, ?, ?, ?, ?, ?, 1)",
                (
                    int(fields.get("enterprise_id", HUB_ID)),
                    str(fields["email"]).strip().lower(),
                    fields.get("first_name") or "",
                    fields.get("last_name") or "",
                    fields.get("code") or None,
                    json.dumps(list(fields.get("tags") or [])),
                ),
            )
            for kind in ("billing", "shipping"):
                if fields.get(f"{kind}_address"):
                    db.execute(
                        "INSERT INTO customer_address (customer_id, kind, address) VALUES (?, ?, ?)",
                        (cursor.lastrowid, kind, json.dumps(fields[f"{kind}_address"])),
                    )
            return db.execute("SELECT * FROM customer WHERE id = ?", (cursor.lastrowid,)).fetchone()

    def upsert_customer(self, fields: dict[str, Any]) -> sqlite3.Row:
        """OFN's ``find_or_initialize_by(email, enterprise_id)``: posting twice changes, never doubles."""
        with self.transaction() as db:
            email = str(fields["email"]).strip().lower()
            db.execute(
                "INSERT INTO customer (enterprise_id, email, first_name, last_name, code, created_manually)"
                " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (enterprise_id, email) DO UPDATE SET"
                " first_name = excluded.first_name, last_name = excluded.last_name, code = excluded.code,"
                " created_manually = 1",
                (
                    int(fields["enterprise_id"]),
                    email,
                    fields.get("first_name") or "",
                    fields.get("last_name") or "",
                    fields.get("code") or None,
                ),
            )
            return db.execute(
                "SELECT * FROM customer WHERE enterprise_id = ? AND email = ?", (int(fields["enterprise_id"]), email)
            ).fetchone()

    def credit(self, customer_id: int, amount: Decimal, description: str) -> sqlite3.Row:
        """A transaction on the customer's credit; its balance is the last one's plus the amount, as
        OFN computes it (under a lock on the customer)."""
        with self.transaction() as db:
            last = db.execute(
                "SELECT balance FROM account_transaction WHERE customer_id = ? ORDER BY id DESC LIMIT 1", (customer_id,)
            ).fetchone()
            balance = (Decimal(last["balance"]) if last else Decimal(0)) + amount
            db.execute("UPDATE customer SET balance = ? WHERE id = ?", (decimal_text(balance), customer_id))
            cursor = db.execute(
                "INSERT INTO account_transaction (customer_id, amount, description, balance) VALUES (?, ?, ?, ?)",
                (customer_id, decimal_text(amount), f"API credit: {description}", decimal_text(balance)),
            )
            return db.execute("SELECT * FROM account_transaction WHERE id = ?", (cursor.lastrowid,)).fetchone()


# -- the demo hub ---------------------------------------------------------------------------------

_FIRST = ["Camille", "Louis", "Emma", "Hugo", "Léa", "Jules", "Chloé", "Lucas", "Inès", "Arthur", "Manon", "Paul"]
_LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]


def _seed(db: sqlite3.Connection, lanes: list[int], count: int, rng: random.Random) -> None:
    now = now_utc()
    db.execute("INSERT INTO meta (key, value) VALUES ('api_key', ?)", (secrets.token_hex(24),))
    db.execute(
        "INSERT INTO order_cycle VALUES (?, 'Last week', ?, ?), (?, 'This week', ?, ?)",
        (
            CLOSED_OC,
            iso(now - timedelta(days=14)),
            iso(now - timedelta(days=7)),
            OPEN_OC,
            iso(now - timedelta(days=3)),
            iso(now + timedelta(days=365)),
        ),
    )
    db.execute(
        "INSERT INTO enterprise_fee (order_cycle_id, name, fee_type, calculator, amount) VALUES (?, ?, ?, ?, ?)",
        (OPEN_OC, *DEMO_FEE),
    )
    variants = demo_variants(count)
    created = iso(now - timedelta(days=30))
    for variant in variants:
        weighed = variant.priced_by is PricedBy.WEIGHT
        db.execute(
            "INSERT INTO variant VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                variant.id,
                variant.product_id,
                variant.name,
                variant.sku,
                decimal_text(Decimal(variant.price) / 100),
                "weight" if weighed else "items",
                float(variant.unit_grams or 1000) if weighed else 1.0,
                variant.on_hand or 0,
                int(variant.on_demand),
                variant.tax_category_id,
                100 + variant.id % 8,
                created,
                variant.category_id,
                json.dumps(list(variant.tags)),
            ),
        )
        for oc in (CLOSED_OC, OPEN_OC):
            db.execute("INSERT INTO oc_variant VALUES (?, ?)", (oc, variant.id))
    for lane in lanes:
        number = _new_order(
            db,
            rng,
            now,
            email=f"counter-lane{lane}@hub.example",
            first=f"Counter lane {lane}",
            last="",
            method="Onsite (OFN Checkout)",
        )
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"lane:{lane}", number))
        # The payment the manager adds once when making the counter order (docs/ofn-setup.md): it
        # stays pending and follows the takings, until it is captured when the cycle is over.
        db.execute(
            "INSERT INTO payment (order_id, amount, method, state, updated_at)"
            " SELECT id, '0.0', 'Onsite (OFN Checkout)', 'pending', ? FROM orders WHERE number = ?",
            (iso(now), number),
        )
    stocked = [v for v in variants if not v.on_demand and (v.on_hand or 0) > 10]
    for index in range(36):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}{index}@example.org".replace("é", "e").replace("è", "e")
        cursor = db.execute(
            "INSERT INTO customer (enterprise_id, email, first_name, last_name, code, created_manually)"
            " VALUES (?, ?, ?, ?, NULL, 0)",
            (HUB_ID, email, first, last),
        )
        number = _new_order(
            db, rng, now, email=email, first=first, last=last, method="Cash on pickup", customer_id=cursor.lastrowid
        )
        order_id = db.execute("SELECT id FROM orders WHERE number = ?", (number,)).fetchone()["id"]
        total = Decimal(0)
        for variant in rng.sample(stocked, rng.randint(1, 6)):
            quantity = rng.randint(1, 3)
            price = Decimal(variant.price) / 100
            total += price * quantity + (Decimal(DEMO_FEE[3]) * quantity)  # the order's fees, paid with it
            db.execute(
                "INSERT INTO line_item (order_id, variant_id, quantity, price, tax_category_id) VALUES (?, ?, ?, ?, ?)",
                (order_id, variant.id, quantity, decimal_text(price), variant.tax_category_id),
            )
            db.execute("UPDATE variant SET on_hand = on_hand - ? WHERE id = ?", (quantity, variant.id))
        paid = index % 3 == 0
        db.execute(
            "INSERT INTO payment (order_id, amount, method, state, updated_at) VALUES (?, ?, ?, ?, ?)",
            (
                order_id,
                decimal_text(total),
                "Cash on pickup" if not paid else "Card online",
                "completed" if paid else "pending",
                iso(now),
            ),
        )
        db.execute(
            "UPDATE orders SET payment_state = ?, shipment_state = ? WHERE id = ?",
            ("paid" if paid else "balance_due", "ready" if paid else "pending", order_id),
        )
    _seed_customer_details(db)


#: Streets and towns of the demo hub's customers (no random draw: the seed's sequence stays as it was).
_STREETS = [
    "rue des Halles",
    "avenue de Paris",
    "chemin des Prés",
    "rue Ricard",
    "place du Temple",
    "rue de l'Abreuvoir",
]
_TOWNS = [("79000", "Niort"), ("79180", "Chauray"), ("17000", "La Rochelle"), ("86000", "Poitiers")]
#: Businesses that buy from the hub and ask for invoices; OFN keeps no VAT number, the hub tags them.
DEMO_BUSINESSES = [
    (
        "Épicerie",
        "Le Panier Vert",
        "compta@paniervert.example",
        "PANIER-VERT",
        ["pro", "vat:FR40303265045", "company-id:SIRET 303 265 045 00028"],
    ),
    ("Restaurant", "L'Assiette Locale", "factures@assiette-locale.example", "ASSIETTE", ["pro", "vat:FR03552081317"]),
    (
        "Mairie",
        "de Chauray",
        "accueil@chauray.example",
        "MAIRIE-CHAURAY",
        ["collectivite", "company-id:SIRET 217 900 782 00019"],
    ),
]


def demo_address(first: str, last: str, index: int) -> dict[str, Any]:
    """An address as OFN's API v1 serializes it (AddressSerializer)."""
    postcode, town = _TOWNS[index % len(_TOWNS)]
    return {
        "phone": f"05 49 {index % 100:02d} {(index * 7) % 100:02d} {(index * 13) % 100:02d}",
        "latitude": None,
        "longitude": None,
        "first_name": first,
        "last_name": last,
        "street_address_1": f"{index % 40 + 1} {_STREETS[index % len(_STREETS)]}",
        "street_address_2": "Bâtiment B" if index % 5 == 0 else "",
        "postal_code": postcode,
        "locality": town,
        "region": {"name": "Nouvelle-Aquitaine", "code": "NAQ"},
        "country": {"name": "France", "code": "FR"},
    }


def _seed_customer_details(db: sqlite3.Connection) -> None:
    """Addresses for the demo customers (one in six has none, one in six only a delivery address),
    and the businesses, tagged with their VAT and company numbers."""
    for index, row in enumerate(db.execute("SELECT id, first_name, last_name FROM customer ORDER BY id").fetchall()):
        if index % 6 == 5:
            continue
        kind = "shipping" if index % 6 == 4 else "billing"
        db.execute(
            "INSERT INTO customer_address (customer_id, kind, address) VALUES (?, ?, ?)",
            (row["id"], kind, json.dumps(demo_address(row["first_name"], row["last_name"], index))),
        )
    for index, (first, last, email, code, tags) in enumerate(DEMO_BUSINESSES):
        cursor = db.execute(
            "INSERT INTO customer (enterprise_id, email, first_name, last_name, code, tags, created_manually)"
            " VALUES (?, ?, ?, ?, ?, ?, 1)",
            (HUB_ID, email, first, last, code, json.dumps(tags)),
        )
        db.execute(
            "INSERT INTO customer_address (customer_id, kind, address) VALUES (?, 'billing', ?)",
            (cursor.lastrowid, json.dumps(demo_address(first, last, 100 + index))),
        )


def _new_order(
    db: sqlite3.Connection,
    rng: random.Random,
    now: datetime,
    *,
    email: str,
    first: str,
    last: str,
    method: str,
    customer_id: int | None = None,
) -> str:
    while True:
        number = f"R{rng.randrange(10**8, 10**9)}"
        shipment = f"H{rng.randrange(10**10, 10**11)}"
        if db.execute("SELECT 1 FROM orders WHERE number = ? OR shipment_number = ?", (number, shipment)).fetchone():
            continue
        stamp = iso(now - timedelta(hours=rng.randint(1, 48)))
        db.execute(
            "INSERT INTO orders (number, state, payment_state, shipment_number, shipment_state, distributor_id,"
            " order_cycle_id, customer_id, email, first_name, last_name, phone, created_at, completed_at, updated_at,"
            " shipping_method) VALUES (?, 'complete', 'paid', ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                shipment,
                HUB_ID,
                OPEN_OC,
                customer_id,
                email,
                first,
                last,
                f"06{rng.randrange(10**7, 10**8)}",
                stamp,
                stamp,
                stamp,
                "Pick-up at the hub" if customer_id else method,
            ),
        )
        return number
