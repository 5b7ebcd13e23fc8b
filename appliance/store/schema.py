"""The store's schema as numbered migrations; docs/store.md describes every table and view.

The fiscal journal is the record of every sale: a completed sale is one sealed journal entry
whose payload holds its lines, payments and totals. The views ``sale``, ``sale_line``,
``payment`` and ``stock_move`` read those payloads, so reports show exactly what was sealed and
there is no second copy to drift from it. A store belongs to one lane, and the journal's ``seq``
is its rowid, so a range of entries is a range of rows.

Migrations run at start, each in its own transaction, recorded by sqlite-utils in
``_sqlite_migrations``. A migration is never edited once it has landed: a change is a new one.
A new one also means writing ``expected_schema.py`` again (``python -m appliance.store.schema_audit``):
the check at each opening compares a store with it, and tests/test_schema_audit.py says so.

The migrations are registered in :class:`MigrationSet`, which knows their names without
sqlite-utils and hands them to sqlite-utils' ``Migrations`` only when one is to run: a store at
this version's level (every opening but the first after an upgrade) is opened without importing
the library, 25 ms of the counter's start (docs/benchmarks.md, "bench/counter_start.py").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

    from appliance.store.database import Database

Migration = Callable[["Database"], None]


class MigrationSet:
    """This version's migrations in the order they run, by name; sqlite-utils' ``Migrations`` runs
    them (and records them in ``_sqlite_migrations``), built on first use."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._functions: list[Migration] = []
        self._library: sqlite_utils.Migrations | None = None

    def __call__(self) -> Callable[[Migration], Migration]:
        """``@migrations()`` registers the function below it, by its name, as the next migration."""

        def register(function: Migration) -> Migration:
            if self._library is not None:
                raise RuntimeError("migrations are registered when schema.py is imported, before any runs")
            if function.__name__ in self.names:
                raise ValueError(f"migration {function.__name__} is already registered")
            self._functions.append(function)
            return function

        return register

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(function.__name__ for function in self._functions)

    def library(self) -> sqlite_utils.Migrations:
        """sqlite-utils' ``Migrations`` holding these, imported and built the first time it is asked for."""
        if self._library is None:
            from appliance.store.sqlite_import import import_sqlite_utils

            import_sqlite_utils()
            from sqlite_utils import Migrations

            library = Migrations(self.name)
            for function in self._functions:
                # sqlite-utils calls it with its own Database on the same connection, which is all it uses
                library(name=function.__name__)(function)  # type: ignore[type-var]
            self._library = library
        return self._library

    def apply(self, db: Database | sqlite_utils.Database, *, stop_before: str | Iterable[str] | None = None) -> None:
        """Apply the pending migrations (sqlite-utils' ``Migrations.apply``) on ``db``'s connection."""
        self.library().apply(_library_database(db), stop_before=stop_before)


def _library_database(db: Database | sqlite_utils.Database) -> sqlite_utils.Database:
    """sqlite-utils' ``Database`` on ``db``'s connection (the same one, not another)."""
    from sqlite_utils import Database as LibraryDatabase

    if isinstance(db, LibraryDatabase):
        return db
    return LibraryDatabase(db.conn, execute_plugins=False)


migrations = MigrationSet("ofn-checkout")

#: Tables whose rows are written once and never changed: the fiscal record and what follows from it.
IMMUTABLE_TABLES = ("journal", "shift", "shift_close", "cash_movement", "closure", "store_info")

SALE_KINDS = "('sale', 'return')"


def _run(db: Database, script: str) -> None:
    """Run ``;``-separated DDL inside the migration's transaction.

    ``executescript`` would COMMIT first and break the migration's atomicity, so statements go one
    by one. Each trigger body holds a single statement, written ``...; END;`` on one line.
    """
    for statement in script.split(";\n"):
        if statement.strip():
            db.conn.execute(statement)


@migrations()
def m001_till_core(db: Database) -> None:
    _run(
        db,
        f"""
        CREATE TABLE store_info (
            lane_id INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE variant (
            id INTEGER PRIMARY KEY,
            product_id INTEGER,
            name TEXT NOT NULL,
            sku TEXT NOT NULL DEFAULT '',
            price INTEGER NOT NULL,
            priced_by TEXT NOT NULL CHECK (priced_by IN ('each', 'weight')),
            unit_grams INTEGER,
            tax_category_id INTEGER,
            on_hand INTEGER,
            on_demand INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX variant_sku ON variant (sku);

        CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            lane_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            created_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX journal_ref ON journal (ref);
        CREATE INDEX journal_sale_number ON journal (json_extract(payload, '$.number'))
            WHERE kind IN {SALE_KINDS};
        CREATE INDEX journal_return_of ON journal (json_extract(payload, '$.original_uuid'))
            WHERE kind = 'return';

        CREATE TABLE journal_anchor (
            lane_id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            mac TEXT NOT NULL
        );

        CREATE TABLE shift (
            id INTEGER PRIMARY KEY,
            lane_id INTEGER NOT NULL,
            opened_at TEXT NOT NULL,
            opened_by TEXT NOT NULL,
            opening_float INTEGER NOT NULL CHECK (opening_float >= 0),
            journal_seq INTEGER NOT NULL REFERENCES journal (seq)
        );

        CREATE TABLE shift_close (
            shift_id INTEGER PRIMARY KEY REFERENCES shift (id),
            closed_at TEXT NOT NULL,
            closed_by TEXT NOT NULL,
            counted_cash INTEGER NOT NULL,
            expected_cash INTEGER NOT NULL,
            journal_seq INTEGER NOT NULL REFERENCES journal (seq)
        );

        CREATE TABLE cash_movement (
            id INTEGER PRIMARY KEY,
            shift_id INTEGER NOT NULL REFERENCES shift (id),
            kind TEXT NOT NULL CHECK (kind IN ('in', 'out')),
            amount INTEGER NOT NULL CHECK (amount > 0),
            reason TEXT NOT NULL,
            cashier TEXT NOT NULL,
            created_at TEXT NOT NULL,
            journal_seq INTEGER NOT NULL REFERENCES journal (seq)
        );
        CREATE INDEX cash_movement_shift ON cash_movement (shift_id);

        CREATE TABLE closure (
            kind TEXT NOT NULL CHECK (kind IN ('day', 'month', 'year')),
            period TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            total INTEGER NOT NULL,
            perpetual_total INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            journal_seq INTEGER NOT NULL REFERENCES journal (seq),
            PRIMARY KEY (kind, period)
        );

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            journal_seq INTEGER REFERENCES journal (seq),
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'attention')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE VIEW sale AS
        SELECT j.seq AS id, j.lane_id, j.ref AS uuid, j.kind, j.created_at AS completed_at,
               json_extract(j.payload, '$.number') AS number,
               json_extract(j.payload, '$.shift_id') AS shift_id,
               json_extract(j.payload, '$.channel') AS channel,
               json_extract(j.payload, '$.cashier') AS cashier,
               json_extract(j.payload, '$.started_at') AS started_at,
               json_extract(j.payload, '$.original_uuid') AS original_uuid,
               json_extract(j.payload, '$.sale_discount_cents') AS discount_cents,
               json_extract(j.payload, '$.total') AS total,
               json_extract(j.payload, '$.tendered') AS tendered,
               json_extract(j.payload, '$.change') AS change
        FROM journal AS j WHERE j.kind IN {SALE_KINDS};

        CREATE VIEW sale_line AS
        SELECT j.seq AS sale_id, j.ref AS sale_uuid, j.kind AS sale_kind, j.lane_id,
               j.created_at AS completed_at,
               json_extract(j.payload, '$.number') AS sale_number,
               json_extract(l.value, '$.line_no') AS line_no,
               json_extract(l.value, '$.variant_id') AS variant_id,
               json_extract(l.value, '$.name') AS name,
               json_extract(l.value, '$.sku') AS sku,
               json_extract(l.value, '$.priced_by') AS priced_by,
               json_extract(l.value, '$.quantity') AS quantity,
               json_extract(l.value, '$.weight_g') AS weight_g,
               json_extract(l.value, '$.unit_price') AS unit_price,
               json_extract(l.value, '$.discount_cents') AS discount_cents,
               json_extract(l.value, '$.sale_discount_cents') AS sale_discount_cents,
               json_extract(l.value, '$.amount') AS amount,
               json_extract(l.value, '$.vat_code') AS vat_code,
               json_extract(l.value, '$.vat_rate_bp') AS vat_rate_bp,
               json_extract(l.value, '$.vat_label') AS vat_label,
               json_extract(l.value, '$.vat') AS vat,
               json_extract(l.value, '$.voided') AS voided,
               json_extract(l.value, '$.returns.line_no') AS returns_line_no
        FROM journal AS j, json_each(j.payload, '$.lines') AS l WHERE j.kind IN {SALE_KINDS};

        CREATE VIEW payment AS
        SELECT j.seq AS sale_id, j.ref AS sale_uuid, j.kind AS sale_kind, j.lane_id,
               j.created_at AS completed_at,
               json_extract(j.payload, '$.number') AS sale_number,
               p.key + 1 AS seq,
               json_extract(p.value, '$.method') AS method,
               json_extract(p.value, '$.cash') AS cash,
               json_extract(p.value, '$.amount') AS amount,
               json_extract(p.value, '$.tendered') AS tendered
        FROM journal AS j, json_each(j.payload, '$.payments') AS p WHERE j.kind IN {SALE_KINDS};

        CREATE VIEW stock_move AS
        SELECT j.seq AS sale_id, j.created_at,
               json_extract(l.value, '$.variant_id') AS variant_id,
               -json_extract(l.value, '$.quantity') AS quantity,
               -json_extract(l.value, '$.weight_g') AS weight_g
        FROM journal AS j, json_each(j.payload, '$.lines') AS l
        WHERE j.kind IN {SALE_KINDS} AND json_extract(l.value, '$.voided') = 0;
        """,
    )
    for table in IMMUTABLE_TABLES:
        _run(db, immutability_triggers(table))
    _run(db, OUTBOX_TRIGGER)


@migrations()
def m002_barcode_aliases(db: Database) -> None:
    """Codes the hub manager links to variants on the box, and the variant's SKU as a GTIN-14.

    ``barcode_alias.code`` is normalized the way scans are (a GTIN as 14 digits, a scale label as its
    base code, other text as it is), so a lookup is one primary-key probe. ``variant.gtin14`` is the
    SKU zero-padded to 14 digits when it is a GTIN-8/12/13/14, so an EAN-13 scan finds a UPC-A SKU
    of the same number; it is computed by SQLite (a virtual column) so that the catalogue refresh
    needs no change, and indexed only where it exists.
    """
    _run(
        db,
        """
        CREATE TABLE barcode_alias (
            code TEXT PRIMARY KEY,
            variant_id INTEGER NOT NULL,
            created_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX barcode_alias_variant ON barcode_alias (variant_id);

        CREATE TABLE plu (
            plu INTEGER PRIMARY KEY CHECK (plu >= 0),
            variant_id INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX plu_variant ON plu (variant_id);

        ALTER TABLE variant ADD COLUMN gtin14 TEXT GENERATED ALWAYS AS (
            CASE WHEN length(trim(sku)) IN (8, 12, 13, 14) AND trim(sku) NOT GLOB '*[^0-9]*'
                 THEN substr('000000' || trim(sku), -14) END
        ) VIRTUAL;
        CREATE INDEX variant_gtin14 ON variant (gtin14) WHERE gtin14 IS NOT NULL;
        """,
    )


def immutability_triggers(table: str) -> str:
    return f"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} rows are never updated'); END;
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} rows are never deleted'); END;
    """


OUTBOX_TRIGGER = """
        CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox
        BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted'); END;
        """


@migrations()
def m003_sync(db: Database) -> None:
    """What the sync engine keeps: per order and variant, what OFN must hold and what it was seen to hold.

    See docs/sync.md. ``base`` is what the order held when the box first read it; the box's own
    changes (pieces, and grams for weighed goods) add to it; ``acked`` is what OFN last held;
    ``inflight`` is a change sent whose answer is not known yet.
    """
    _run(
        db,
        """
        ALTER TABLE outbox ADD COLUMN folded_into TEXT;
        CREATE INDEX outbox_unfolded ON outbox (id) WHERE folded_into IS NULL AND status = 'pending';
        CREATE INDEX outbox_open ON outbox (folded_into, status);

        CREATE TABLE sync_order (
            number TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('counter', 'pickup')),
            shipment TEXT
        );

        CREATE TABLE sync_line (
            order_number TEXT NOT NULL,
            variant_id INTEGER NOT NULL,
            unit_grams INTEGER,
            base INTEGER,
            own_units INTEGER NOT NULL DEFAULT 0,
            own_grams INTEGER NOT NULL DEFAULT 0,
            acked INTEGER,
            inflight INTEGER NOT NULL DEFAULT 0,
            attention TEXT,
            PRIMARY KEY (order_number, variant_id)
        );

        CREATE TABLE sync_event (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            order_number TEXT,
            variant_id INTEGER,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL
        );

        CREATE TABLE sync_status (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            state TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            last_success_at TEXT,
            last_attempt_at TEXT,
            catalogue_at TEXT,
            pickup_at TEXT,
            refresh_requested INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO sync_status (id, state) VALUES (1, 'starting');

        CREATE TABLE pickup_order (
            number TEXT PRIMARY KEY,
            order_cycle_id INTEGER,
            full_name TEXT NOT NULL,
            email TEXT NOT NULL,
            state TEXT NOT NULL,
            payment_state TEXT,
            shipment_state TEXT,
            total INTEGER NOT NULL,
            lines TEXT NOT NULL,
            fetched_at TEXT NOT NULL
        );
        """,
    )


@migrations()
def m004_handover(db: Database) -> None:
    """Hand-overs of customers' online orders: journal entries of their own, read through views.

    A hand-over is not a sale of the till (the goods and their VAT stay on OFN's order) but the
    money it collected is in the drawer, so reports read ``handover_payment`` beside ``payment``.
    The pickup list keeps what the customer already paid, and the sync engine the note it last
    wrote on each order (OFN never returns it).
    """
    _run(
        db,
        """
        ALTER TABLE pickup_order ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE pickup_order ADD COLUMN pending_payment INTEGER;
        ALTER TABLE sync_order ADD COLUMN note TEXT;
        CREATE INDEX journal_handover_order ON journal (json_extract(payload, '$.order'))
            WHERE kind = 'handover';

        CREATE VIEW handover AS
        SELECT j.seq AS id, j.lane_id, j.ref AS uuid, j.created_at AS completed_at,
               json_extract(j.payload, '$.order') AS order_number,
               json_extract(j.payload, '$.customer') AS customer,
               json_extract(j.payload, '$.shift_id') AS shift_id,
               json_extract(j.payload, '$.channel') AS channel,
               json_extract(j.payload, '$.cashier') AS cashier,
               json_extract(j.payload, '$.due') AS due,
               json_extract(j.payload, '$.credit_owed') AS credit_owed,
               json_extract(j.payload, '$.tendered') AS tendered,
               json_extract(j.payload, '$.change') AS change
        FROM journal AS j WHERE j.kind = 'handover';

        CREATE VIEW handover_payment AS
        SELECT j.seq AS handover_id, j.ref AS handover_uuid, j.lane_id, j.created_at AS completed_at,
               json_extract(j.payload, '$.order') AS order_number,
               p.key + 1 AS seq,
               json_extract(p.value, '$.method') AS method,
               json_extract(p.value, '$.cash') AS cash,
               json_extract(p.value, '$.amount') AS amount,
               json_extract(p.value, '$.tendered') AS tendered
        FROM journal AS j, json_each(j.payload, '$.payments') AS p WHERE j.kind = 'handover';
        """,
    )


@migrations()
def m005_lean_sale_commit(db: Database) -> None:
    """Fewer index pages written by each sale: every page a commit writes is paid for at the fsync.

    A sale's commit wrote nine WAL pages, five of them index pages. Two of those indexes can go:

    - ``journal_sale_number``: sale numbers grow with ``seq``, so the next number is read from the
      last sale entry and a number is found by a binary search over ``seq`` (see store/sales.py).
    - the outbox's two indexes both held every row. The unfolded rows are always the newest ones
      (the sync engine folds them in order), so it finds them by scanning back from the tail. The
      engine's per-order lookups only need the rows folded into an order and not done yet: a
      partial index of those is written by the engine, never by a sale.
    """
    _run(
        db,
        """
        DROP INDEX journal_sale_number;
        DROP INDEX outbox_unfolded;
        DROP INDEX outbox_open;
        CREATE INDEX outbox_open ON outbox (folded_into) WHERE folded_into IS NOT NULL AND status != 'done';
        """,
    )


@migrations()
def m006_store_identity(db: Database) -> None:
    """The store's identity and training mark beside its set-up, and an anchor that only moves forward.

    ``store_info`` repeats what the sealed first entry (``store_created``) says: the identity the
    store shares with its key file (docs/fiscal-journal.md) and whether it is a training store;
    verify checks that the two agree. The anchor table gets the journal's protection, except for
    its one way of changing: the upsert that moves it onto the entry just appended. A row may only
    be inserted or moved onto the journal's last entry, with that entry's hash, and never deleted.
    """
    _run(
        db,
        """
        ALTER TABLE store_info ADD COLUMN store_id TEXT;
        ALTER TABLE store_info ADD COLUMN training INTEGER NOT NULL DEFAULT 0;

        CREATE TRIGGER journal_anchor_no_delete BEFORE DELETE ON journal_anchor
        BEGIN SELECT RAISE(ABORT, 'journal_anchor rows are never deleted'); END;
        CREATE TRIGGER journal_anchor_on_last_entry BEFORE INSERT ON journal_anchor
        WHEN NEW.seq IS NOT (SELECT max(seq) FROM journal)
          OR NEW.hash IS NOT (SELECT hash FROM journal WHERE seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT, 'the journal anchor names the last entry only'); END;
        CREATE TRIGGER journal_anchor_forward_only BEFORE UPDATE ON journal_anchor
        WHEN NEW.lane_id IS NOT OLD.lane_id OR NEW.seq <= OLD.seq
          OR NEW.seq IS NOT (SELECT max(seq) FROM journal)
          OR NEW.hash IS NOT (SELECT hash FROM journal WHERE seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT, 'the journal anchor only moves forward, onto the last entry'); END;
        """,
    )


@migrations()
def m007_sync_doubt_since_and_cycle(db: Database) -> None:
    """Changes in doubt, a status that knows since when, and the order cycle a manager chose.

    - ``sync_line.sent_at``: when the engine decided to send the line's ``inflight`` change. A write
      whose answer was lost may still be applied by OFN later (a request still being served), so
      until ``sync.in_doubt_s`` after it, a read that does not show the change yet decides nothing
      (docs/sync.md, "Changes in doubt").
    - ``sync_event.drift``: by how much a person's edit changed the line (a "rebased" event), so
      that ``sync audit`` can tell what the order held before the box from what people did.
    - ``variant.fee``: the cents of the order cycle's per-item fees in a variant's price, per OFN
      unit (a piece, or the variant's unit of ``unit_grams``): OFN charges them on every item put
      on an order, and shows its own line prices without them.
    - ``sync_order.settled_at``: when a counter order the box no longer sells into was settled in
      OFN (its pending payment captured, or handed to the manager).
    - ``sync_status.since``: when the current state began ("offline since 14:02"); ``audit_at``
      and ``audit_unexplained``: when the orders were last audited against OFN, and what it found.
    - ``cycle_choice``: the shop's order cycle (and this lane's counter order) a manager switched to
      with ``ofn-checkout cycle use``, over the config's; one row, replaced on each switch.
    """
    _run(
        db,
        """
        ALTER TABLE sync_line ADD COLUMN sent_at TEXT;
        ALTER TABLE sync_order ADD COLUMN settled_at TEXT;
        ALTER TABLE variant ADD COLUMN fee INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_event ADD COLUMN drift INTEGER;
        ALTER TABLE sync_status ADD COLUMN since TEXT;
        ALTER TABLE sync_status ADD COLUMN audit_at TEXT;
        ALTER TABLE sync_status ADD COLUMN audit_unexplained INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE cycle_choice (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            order_cycle_id INTEGER NOT NULL,
            counter_order TEXT NOT NULL,
            other_counter_orders TEXT NOT NULL DEFAULT '[]',
            chosen_at TEXT NOT NULL,
            chosen_by TEXT NOT NULL
        );
        """,
    )


#: The journal kinds of invoicing: an invoice (``ref``: the sale's UUID), a credit note (``ref``: the
#: return's UUID) and a duplicate of either handed out again (``ref``: the document's own ``ref``).
INVOICE_KINDS = "('invoice', 'credit_note', 'invoice_copy')"


@migrations()
def m008_invoices(db: Database) -> None:
    """Invoices and credit notes in the journal, and the customers they are made out to.

    Both are journal entries (docs/invoices.md): a number of their lane's gap-less series, the sale
    or return they are for, a sealed copy of the customer and the seller. The views read them as
    ``sale`` reads sales. Their numbers are found by two partial indexes that only an invoice or a
    credit note writes: a sale's commit writes no page more. The triggers hold the series at the
    database: an entry must take the next number of its series, for a sale (or a return of an
    invoiced sale) that has none yet, so no bug and no second process can leave a gap or a double.

    ``customer`` is the box's list to pick from: the hub's OFN customers, refreshed by the sync
    daemon (``ofn_id`` set), and those typed at the counter (``ofn_id`` NULL, kept on the box only).
    ``search`` holds name, e-mail and code folded (lower case, no accents), what a search matches.
    """
    _run(
        db,
        """
        CREATE INDEX journal_invoice_number ON journal (json_extract(payload, '$.number'))
            WHERE kind = 'invoice';
        CREATE INDEX journal_credit_note_number ON journal (json_extract(payload, '$.number'))
            WHERE kind = 'credit_note';

        CREATE TRIGGER journal_invoice_series BEFORE INSERT ON journal
        WHEN NEW.kind = 'invoice' AND (
          json_extract(NEW.payload, '$.number') IS NOT
            (SELECT coalesce(max(json_extract(payload, '$.number')), 0) + 1 FROM journal WHERE kind = 'invoice')
          OR NOT EXISTS (SELECT 1 FROM journal WHERE ref = NEW.ref AND kind = 'sale')
          OR EXISTS (SELECT 1 FROM journal WHERE ref = NEW.ref AND kind = 'invoice'))
        BEGIN SELECT RAISE(ABORT, 'an invoice takes the next number of its series, for a sale without one'); END;
        CREATE TRIGGER journal_credit_note_series BEFORE INSERT ON journal
        WHEN NEW.kind = 'credit_note' AND (
          json_extract(NEW.payload, '$.number') IS NOT
            (SELECT coalesce(max(json_extract(payload, '$.number')), 0) + 1 FROM journal WHERE kind = 'credit_note')
          OR NOT EXISTS (
            SELECT 1 FROM journal AS r
            JOIN journal AS i ON i.ref = json_extract(r.payload, '$.original_uuid') AND i.kind = 'invoice'
            WHERE r.ref = NEW.ref AND r.kind = 'return'
              AND json_extract(i.payload, '$.number') = json_extract(NEW.payload, '$.invoice_number'))
          OR EXISTS (SELECT 1 FROM journal WHERE ref = NEW.ref AND kind = 'credit_note'))
        BEGIN SELECT RAISE(ABORT, 'a credit note takes the next number, for a return of an invoiced sale'); END;

        CREATE VIEW invoice AS
        SELECT j.seq AS id, j.lane_id, j.kind, j.ref AS sale_uuid, j.created_at AS issued_at,
               json_extract(j.payload, '$.number') AS number,
               json_extract(j.payload, '$.label') AS label,
               json_extract(j.payload, '$.sale_number') AS sale_number,
               json_extract(j.payload, '$.invoice_number') AS invoice_number,
               json_extract(j.payload, '$.customer.name') AS customer_name,
               json_extract(j.payload, '$.customer.vat_number') AS customer_vat_number,
               json_extract(j.payload, '$.cashier') AS cashier,
               json_extract(j.payload, '$.total') AS total
        FROM journal AS j WHERE j.kind IN ('invoice', 'credit_note');

        CREATE VIEW invoice_copy AS
        SELECT j.seq AS id, j.lane_id, j.ref, j.created_at,
               json_extract(j.payload, '$.kind') AS kind,
               json_extract(j.payload, '$.number') AS number,
               json_extract(j.payload, '$.duplicate') AS duplicate,
               json_extract(j.payload, '$.cashier') AS cashier
        FROM journal AS j WHERE j.kind = 'invoice_copy';

        CREATE TABLE customer (
            id INTEGER PRIMARY KEY,
            ofn_id INTEGER UNIQUE,
            local_key TEXT UNIQUE,
            code TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            address TEXT NOT NULL DEFAULT '[]',
            vat_number TEXT NOT NULL DEFAULT '',
            company_id TEXT NOT NULL DEFAULT '',
            search TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            CHECK ((ofn_id IS NULL) != (local_key IS NULL))
        );

        ALTER TABLE sync_status ADD COLUMN customers_at TEXT;
        ALTER TABLE sync_status ADD COLUMN customers_problem TEXT;
        """,
    )


@migrations()
def m009_people(db: Database) -> None:
    """The people who use the till, with their role and a hash of their PIN, and the PIN lock-out.

    ``person`` is the till's list (docs/people.md): one row a name, the role, whether the person may
    still log in, the PIN as scrypt keeps it (never the PIN), and the journal entry that made the
    row what it is (``person_added``, ``person_disabled``, ``person_pin``: who could sell is part of
    the fiscal record, the PIN and its hash never are). ``mac`` seals the row under the journal key,
    so a row edited without the key (a cashier made manager, a PIN hash swapped) is refused at login
    and named by ``journal verify``, which also checks each row against its latest entry.

    ``pin_lock`` counts the wrong PINs in a row and when the lock began, as a monotonic reading and
    the boot it was read in (core/lockout.py): one row, so that restarting the app keeps a lock.
    """
    _run(
        db,
        """
        CREATE TABLE person (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('cashier', 'manager')),
            active INTEGER NOT NULL CHECK (active IN (0, 1)),
            pin TEXT NOT NULL,
            journal_seq INTEGER NOT NULL REFERENCES journal (seq),
            mac TEXT NOT NULL
        );

        CREATE TABLE pin_lock (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
            locked_at REAL,
            boot TEXT
        );
        """,
    )


@migrations()
def m010_variant_category_tags(db: Database) -> None:
    """Each variant's OFN category and tags, which a channel's assortment (docs/channels.md) reads.

    ``category_id`` is the variant's primary taxon (``category_id`` of OFN's product admin listing),
    NULL when OFN did not say; ``tags`` its ``tag_list`` from the shopfront, a JSON array of text.
    """
    _run(
        db,
        """
        ALTER TABLE variant ADD COLUMN category_id INTEGER;
        ALTER TABLE variant ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
        """,
    )


@migrations()
def m011_credit_postings(db: Database) -> None:
    """What the sync daemon knows of each posting to a customer's credit in OFN (docs/channels.md).

    One row per outbox row of kind ``credit`` (a sale or return paid with customer credit): the
    customer's OFN id, the amount as OFN gets it (cents, negative debits the credit), the
    description that names the sale. ``before`` is the balance a zero-amount read showed just before
    the posting went out; ``sent_at`` the moment a posting whose answer was lost was sent (in doubt
    until ``sync.in_doubt_s`` after it); ``transaction_id`` and ``balance`` what OFN answered.
    """
    _run(
        db,
        """
        CREATE TABLE credit_posting (
            outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
            customer_id INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            description TEXT NOT NULL,
            before INTEGER,
            sent_at TEXT,
            transaction_id INTEGER,
            balance INTEGER
        );
        """,
    )


@migrations()
def m012_customer_tags(db: Database) -> None:
    """The tags of the hub's OFN customers, which a channel's discount rules read (docs/channels.md,
    "Discounts"): a JSON array of text, empty for a customer typed at the counter."""
    _run(db, "ALTER TABLE customer ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'")


@migrations()
def m013_channel_report_columns(db: Database) -> None:
    """What reports by channel and the hub's report read of a line and a payment, through the views.

    ``sale_line`` and ``payment`` gain the sale's ``channel`` (reports group by it without a join);
    ``sale_line`` gains what the channel rules seal on a line (docs/channels.md): the automatic
    discount's rule (``discount_rule``; ``discount_rules``, a JSON list, for stacked rules) and, for a
    return line, the original sale's UUID, lane and number (``returns_sale_uuid``,
    ``returns_lane_id``, ``returns_number``; the lane and number only for another lane's sale).
    Every column is read from the sealed payload, as before: the views are recreated, not copied.
    """
    _run(
        db,
        f"""
        DROP VIEW sale_line;
        DROP VIEW payment;

        CREATE VIEW sale_line AS
        SELECT j.seq AS sale_id, j.ref AS sale_uuid, j.kind AS sale_kind, j.lane_id,
               j.created_at AS completed_at,
               json_extract(j.payload, '$.number') AS sale_number,
               json_extract(l.value, '$.line_no') AS line_no,
               json_extract(l.value, '$.variant_id') AS variant_id,
               json_extract(l.value, '$.name') AS name,
               json_extract(l.value, '$.sku') AS sku,
               json_extract(l.value, '$.priced_by') AS priced_by,
               json_extract(l.value, '$.quantity') AS quantity,
               json_extract(l.value, '$.weight_g') AS weight_g,
               json_extract(l.value, '$.unit_price') AS unit_price,
               json_extract(l.value, '$.discount_cents') AS discount_cents,
               json_extract(l.value, '$.sale_discount_cents') AS sale_discount_cents,
               json_extract(l.value, '$.amount') AS amount,
               json_extract(l.value, '$.vat_code') AS vat_code,
               json_extract(l.value, '$.vat_rate_bp') AS vat_rate_bp,
               json_extract(l.value, '$.vat_label') AS vat_label,
               json_extract(l.value, '$.vat') AS vat,
               json_extract(l.value, '$.voided') AS voided,
               json_extract(l.value, '$.returns.line_no') AS returns_line_no,
               json_extract(j.payload, '$.channel') AS channel,
               json_extract(l.value, '$.discount.rule') AS discount_rule,
               json_extract(l.value, '$.discount.rules') AS discount_rules,
               json_extract(l.value, '$.returns.sale_uuid') AS returns_sale_uuid,
               json_extract(l.value, '$.returns.lane_id') AS returns_lane_id,
               json_extract(l.value, '$.returns.number') AS returns_number
        FROM journal AS j, json_each(j.payload, '$.lines') AS l WHERE j.kind IN {SALE_KINDS};

        CREATE VIEW payment AS
        SELECT j.seq AS sale_id, j.ref AS sale_uuid, j.kind AS sale_kind, j.lane_id,
               j.created_at AS completed_at,
               json_extract(j.payload, '$.number') AS sale_number,
               p.key + 1 AS seq,
               json_extract(p.value, '$.method') AS method,
               json_extract(p.value, '$.cash') AS cash,
               json_extract(p.value, '$.amount') AS amount,
               json_extract(p.value, '$.tendered') AS tendered,
               json_extract(j.payload, '$.channel') AS channel
        FROM journal AS j, json_each(j.payload, '$.payments') AS p WHERE j.kind IN {SALE_KINDS};
        """,
    )


@migrations()
def m014_variant_search(db: Database) -> None:
    """Each variant's name folded (lower case, no accents), what a cashier's typed words are looked
    for in (store/scan_lookup.py): kept beside the name so a search reads plain text in SQLite
    instead of folding 50,000 names in Python on every search."""
    from appliance.core.text import folded

    _run(db, "ALTER TABLE variant ADD COLUMN search TEXT NOT NULL DEFAULT ''")
    rows = db.conn.execute("SELECT id, name FROM variant").fetchall()
    db.conn.executemany("UPDATE variant SET search = ? WHERE id = ?", [(folded(name), id_) for id_, name in rows])


@migrations()
def m015_open_credit_postings(db: Database) -> None:
    """Postings to customers' credit are never folded into an order, so the status's count of what
    waits and what is parked (store/sync_state.py, read_status: the newest unfolded rows, then the
    open folded ones) missed every one older than the newest folded row: a posting parked behind
    later sales left the status light green. An index of the open ones, as small as they are few,
    lets that count and the daemon's read them without scanning the outbox."""
    _run(db, "CREATE INDEX outbox_credit_open ON outbox (id) WHERE kind = 'credit' AND status != 'done'")


@migrations()
def m016_sale_line_ofn_scope(db: Database) -> None:
    """``sale_line`` gains what decides whether a line reaches OFN (core/ofn_scope.py): ``shelf``, a
    channel's shelf-only item's code ('' for a variant of OFN's catalogue), and ``damaged``, 1 for a
    returned line whose goods stay off the shelf (0 otherwise). Both are read from the sealed
    payload, where a line carries them only when they say something; the export and ``sync audit``
    read them here instead of searching each entry's lines again."""
    _run(
        db,
        f"""
        DROP VIEW sale_line;

        CREATE VIEW sale_line AS
        SELECT j.seq AS sale_id, j.ref AS sale_uuid, j.kind AS sale_kind, j.lane_id,
               j.created_at AS completed_at,
               json_extract(j.payload, '$.number') AS sale_number,
               json_extract(l.value, '$.line_no') AS line_no,
               json_extract(l.value, '$.variant_id') AS variant_id,
               json_extract(l.value, '$.name') AS name,
               json_extract(l.value, '$.sku') AS sku,
               json_extract(l.value, '$.priced_by') AS priced_by,
               json_extract(l.value, '$.quantity') AS quantity,
               json_extract(l.value, '$.weight_g') AS weight_g,
               json_extract(l.value, '$.unit_price') AS unit_price,
               json_extract(l.value, '$.discount_cents') AS discount_cents,
               json_extract(l.value, '$.sale_discount_cents') AS sale_discount_cents,
               json_extract(l.value, '$.amount') AS amount,
               json_extract(l.value, '$.vat_code') AS vat_code,
               json_extract(l.value, '$.vat_rate_bp') AS vat_rate_bp,
               json_extract(l.value, '$.vat_label') AS vat_label,
               json_extract(l.value, '$.vat') AS vat,
               json_extract(l.value, '$.voided') AS voided,
               json_extract(l.value, '$.returns.line_no') AS returns_line_no,
               json_extract(j.payload, '$.channel') AS channel,
               json_extract(l.value, '$.discount.rule') AS discount_rule,
               json_extract(l.value, '$.discount.rules') AS discount_rules,
               json_extract(l.value, '$.returns.sale_uuid') AS returns_sale_uuid,
               json_extract(l.value, '$.returns.lane_id') AS returns_lane_id,
               json_extract(l.value, '$.returns.number') AS returns_number,
               coalesce(json_extract(l.value, '$.shelf'), '') AS shelf,
               coalesce(json_extract(l.value, '$.damaged'), 0) AS damaged
        FROM journal AS j, json_each(j.payload, '$.lines') AS l WHERE j.kind IN {SALE_KINDS};
        """,
    )


@migrations()
def m017_stock_move_scope(db: Database) -> None:
    """``stock_move`` leaves out a returned line whose goods stay off the shelf (``damaged``): its
    refund is counted, but no goods came back, so the view had put them back in stock. It gains
    ``shelf`` (sale_line's, m016), the code of a channel's shelf-only item, whose lines have no
    variant of OFN's catalogue to name."""
    _run(
        db,
        f"""
        DROP VIEW stock_move;

        CREATE VIEW stock_move AS
        SELECT j.seq AS sale_id, j.created_at,
               json_extract(l.value, '$.variant_id') AS variant_id,
               -json_extract(l.value, '$.quantity') AS quantity,
               -json_extract(l.value, '$.weight_g') AS weight_g,
               coalesce(json_extract(l.value, '$.shelf'), '') AS shelf
        FROM journal AS j, json_each(j.payload, '$.lines') AS l
        WHERE j.kind IN {SALE_KINDS} AND json_extract(l.value, '$.voided') = 0
          AND coalesce(json_extract(l.value, '$.damaged'), 0) = 0;
        """,
    )
