"""Completing a sale writes everything in one transaction, once; stored rows cannot be changed."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli.demo import demo_config_text
from appliance.config import Config, parse
from appliance.core.clock import SteppingClock
from appliance.core.money import from_cents
from appliance.core.returns import Returned
from appliance.core.sale import Sale
from appliance.ofn.client import OfnClient
from appliance.ofn.daemon import Daemon
from appliance.reports.formatting import Formatter
from appliance.store.database import (
    DAEMON_CHECKPOINT_PAGES,
    FALLBACK_CHECKPOINT_PAGES,
    StoreError,
    open_store,
    write_transaction,
)
from appliance.store.schema import IMMUTABLE_TABLES, migrations
from appliance.store.sync_state import read_status
from appliance.till import Till

from .store_kit import demo_till


def basket(till: Till) -> Sale:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 2)
    sale.add_weighed(till.item(1001), 734)
    sale.tender(till.payment("cash"), Decimal("50"))
    return sale


def counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = ("sale", "sale_line", "payment", "journal", "outbox", "stock_move")
    return {t: connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def test_a_completed_sale_writes_sale_lines_payments_journal_outbox_and_stock(till: Till) -> None:
    before = counts(till.connection)
    stored = till.complete(basket(till))
    after = counts(till.connection)
    assert {t: after[t] - before[t] for t in after} == {
        "sale": 1,
        "sale_line": 2,
        "payment": 1,
        "journal": 1,
        "outbox": 1,
        "stock_move": 2,
    }
    outbox = json.loads(
        till.connection.execute("SELECT payload FROM outbox WHERE journal_seq = ?", (stored.journal_seq,)).fetchone()[0]
    )
    assert outbox == {
        "variants": [
            {"variant_id": 1001, "quantity": 0, "weight_g": 734},
            {"variant_id": 1100, "quantity": 2, "weight_g": 0},
        ]
    }
    moves = till.connection.execute(
        "SELECT variant_id, quantity, weight_g FROM stock_move WHERE sale_id = ? ORDER BY variant_id",
        (stored.journal_seq,),
    )
    assert moves.fetchall() == [(1001, 0, -734), (1100, -2, 0)]
    entry = till.connection.execute(
        "SELECT kind, ref, payload FROM journal WHERE seq = ?", (stored.journal_seq,)
    ).fetchone()
    assert entry[:2] == ("sale", stored.sale.uuid)
    assert json.loads(entry[2])["total"] == stored.sale.total


def test_a_failure_half_way_leaves_no_trace_of_the_sale(till: Till) -> None:
    before = counts(till.connection)
    till.connection.execute(
        "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk gone'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk gone"):
        till.complete(basket(till))
    assert counts(till.connection) == before
    assert not till.connection.in_transaction


def test_completing_the_same_sale_twice_records_it_once(till: Till) -> None:
    sale = basket(till)
    first = till.complete(sale)
    second = till.complete(sale)
    assert (first.number, first.journal_seq) == (second.number, second.journal_seq)
    assert counts(till.connection)["sale"] == 1


def test_sale_numbers_are_gapless_per_lane(till: Till) -> None:
    numbers = [till.complete(basket(till)).number for _ in range(5)]
    assert numbers == [1, 2, 3, 4, 5]


def test_two_tills_on_one_store_never_give_out_the_same_number(
    config: Config, till: Till, clock: SteppingClock
) -> None:
    """A till numbers a sale from the one it recorded last only while that one is still the journal's
    tip; once another process sold meanwhile (a second till, ``simulate``), the journal says."""
    other = Till.open(config, till.path, clock=clock)
    try:
        numbers = []
        for seller in (till, till, other, till, other, other, till, till):
            clock.advance(1)
            numbers.append(seller.complete(basket(seller)).number)
        till.move_cash("in", Decimal("5"), "change", "Alice")  # an entry after the last sale
        numbers.append(till.complete(basket(till)).number)
    finally:
        other.close()
    assert numbers == list(range(1, 10))
    assert till.verify().ok


@pytest.mark.parametrize("table", IMMUTABLE_TABLES)
def test_stored_rows_refuse_update_and_delete(till: Till, clock: SteppingClock, table: str) -> None:
    till.complete(basket(till))
    till.move_cash("in", Decimal("10"), "change", "Alice")
    till.close_shift(Decimal("0"), "Alice")
    clock.advance(86400)
    assert till.close_periods()
    assert till.connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0
    column = till.connection.execute(f"SELECT name FROM pragma_table_info('{table}') LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="never updated"):
        till.connection.execute(f"UPDATE {table} SET {column} = {column}")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        till.connection.execute(f"DELETE FROM {table}")
    till.connection.rollback()


def test_outbox_rows_are_never_deleted(till: Till) -> None:
    till.complete(basket(till))
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        till.connection.execute("DELETE FROM outbox")


def test_store_runs_wal_with_full_sync(till: Till) -> None:
    assert till.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert till.connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert till.connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_a_replace_cannot_swap_a_journal_row(till: Till) -> None:
    """``INSERT OR REPLACE`` deletes the row it replaces; with ``recursive_triggers`` on (the store's
    connection sets it, as sqlite-utils' ``Database`` did) that delete meets the journal's trigger."""
    assert till.connection.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        till.connection.execute("INSERT OR REPLACE INTO journal SELECT * FROM journal WHERE seq = 1")
    till.connection.rollback()


def test_migrations_run_once_and_reopening_keeps_the_data(config: Config, till: Till) -> None:
    till.complete(basket(till))
    again = open_store(config.store_path)
    try:
        assert again.conn.execute("SELECT COUNT(*) FROM sale").fetchone()[0] == 1
        applied = again.conn.execute("SELECT name FROM _sqlite_migrations").fetchall()
        assert applied == [(name,) for name in migrations.names], "each migration once, in order"
        assert applied[0] == ("m001_till_core",)
        assert again.conn.execute("SELECT lane_id FROM store_info").fetchall() == [(1,)]
    finally:
        again.close()


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "till.db"
    bogus.write_bytes(b"this is a text file, not SQLite" * 100)
    with pytest.raises(StoreError, match="not a usable checkout database"):
        open_store(bogus)


def test_a_missing_database_is_not_created_by_read_commands(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="No database"):
        open_store(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()


def test_a_sale_needs_an_open_shift(till: Till) -> None:
    sale = basket(till)
    till.close_shift(Decimal("100"), "Alice")
    from appliance.store.shifts import ShiftError

    with pytest.raises(ShiftError, match="No shift is open"):
        till.complete(sale)
    assert counts(till.connection)["sale"] == 0


def test_reading_a_sale_back_gives_the_same_record(till: Till) -> None:
    sale = basket(till)
    sale.discount_sale(None)
    stored = till.complete(sale)
    again = till.find_sale(number=stored.number)
    assert again is not None and again.sale.as_record() == stored.sale.as_record()
    assert till.find_sale(uuid=stored.sale.uuid) == again
    assert from_cents(again.sale.change) == Decimal("50") - from_cents(again.sale.total)


def test_completing_again_returns_the_sale_as_sealed_not_as_changed_since(till: Till, clock: SteppingClock) -> None:
    sale = basket(till)
    first = till.complete(sale)
    clock.advance(600)
    sale.add(till.item(1101), 3)
    sale.tender(till.payment("cash"), Decimal("100"))
    again = till.complete(sale)
    assert again.sale == first.sale and again.number == first.number
    assert again.sale.completed_at == first.sale.completed_at


def test_a_retry_finds_its_sale_even_after_the_shift_was_closed(till: Till) -> None:
    sale = basket(till)
    first = till.complete(sale)
    till.close_shift(Decimal("0"), "Alice")
    assert till.complete(sale).journal_seq == first.journal_seq


def wal_pages(db_file: Path) -> int:
    """Pages written to the WAL since it last started over (its file is reused, never shrunk)."""
    return (db_file.parent / f"{db_file.name}-wal").stat().st_size // (4096 + 24)


def test_sales_leave_checkpoints_to_the_sync_daemon_even_when_ofn_is_down(
    config: Config, till: Till, clock: SteppingClock
) -> None:
    """A checkpoint copies the WAL into the database (the file grows): past SQLite's usual size no
    sale does it, the daemon's next commit does, and it does so even on a pass that reached no OFN."""
    db_file = config.store_path
    size = db_file.stat().st_size
    for _ in range(500):  # about 6 pages a sale
        if wal_pages(db_file) > DAEMON_CHECKPOINT_PAGES + 50:
            break
        till.complete(basket(till))
    assert db_file.stat().st_size == size, "a sale ran a checkpoint"
    assert wal_pages(db_file) > DAEMON_CHECKPOINT_PAGES + 50
    unreachable = httpx.MockTransport(lambda request: httpx.Response(503))
    daemon_db = open_store(db_file)
    with OfnClient("http://ofn.test", "key", transport=unreachable, read_attempts=1, sleep=lambda _: None) as client:
        try:
            Daemon(config, daemon_db, client, clock).run_once()
            assert read_status(daemon_db.conn, clock.now()).state == "offline"
        finally:
            daemon_db.close()
    assert db_file.stat().st_size > size, "the daemon did not checkpoint"


def test_without_the_daemon_the_wal_still_stops_growing(config: Config, till: Till) -> None:
    """With no daemon running, the till's own commit checkpoints once the WAL reaches the fallback size."""
    db_file = config.store_path
    size = db_file.stat().st_size

    def write_pages(count: int) -> None:
        with write_transaction(till.db) as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS filler (data BLOB)")
            connection.executemany("INSERT INTO filler VALUES (zeroblob(3000))", [()] * count)

    write_pages(DAEMON_CHECKPOINT_PAGES * 2)
    assert db_file.stat().st_size == size, "checkpointed before the fallback size"
    write_pages(FALLBACK_CHECKPOINT_PAGES - wal_pages(db_file) + 10)
    assert db_file.stat().st_size > size, "the WAL grew past the fallback size"


def test_a_sale_writes_about_six_wal_pages(config: Config, till: Till) -> None:
    """What the fsync pays for: the journal leaf (a new one every other sale, with its parent and
    the file header), the UUID index, the anchor and the outbox leaf. Indexes every sale wrote
    before (sale number, the outbox's two) made it 9.4 pages."""
    db_file = config.store_path
    till.connection.execute("PRAGMA wal_autocheckpoint = 0")
    for _ in range(20):
        till.complete(basket(till))
    before = wal_pages(db_file)
    for _ in range(100):
        till.complete(basket(till))
    assert (wal_pages(db_file) - before) / 100 <= 6.5


OPERATIONS = st.lists(st.sampled_from(["sale", "return", "cash", "cancel", "shift", "reprint"]), max_size=40)


@given(OPERATIONS)
def test_every_sale_is_found_by_its_number_among_other_entries(
    tmp_path_factory: pytest.TempPathFactory, operations: list[str]
) -> None:
    """Numbers are found by a binary search over the journal: whatever lies between the sales
    (returns, cash movements, cancelled baskets, shifts, reprints), each number finds its sale."""
    config = replace(parse(demo_config_text()), store_path=tmp_path_factory.mktemp("numbers") / "till.db")
    clock = SteppingClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
    with demo_till(config, clock) as till:
        uuids: list[str] = []
        for operation in operations:
            clock.advance(60)
            if operation == "sale" or (operation in ("return", "reprint") and not uuids):
                uuids.append(till.complete(basket(till)).sale.uuid)
            elif operation == "return":
                original = till.find_sale(uuid=uuids[0])
                assert original is not None
                if till.returnable(original).get(1, Returned()).quantity > 0:
                    sale = till.new_return(original, "Alice")
                    till.add_return_line(sale, original, 1, quantity=1)
                    sale.tender(till.payment("cash"), from_cents(sale.totals().total))
                    uuids.append(till.complete(sale).sale.uuid)
            elif operation == "cash":
                till.move_cash("in", Decimal("5"), "change", "Alice")
            elif operation == "cancel":
                till.cancel(basket(till), "customer left")
            elif operation == "shift":
                till.close_shift(Decimal("0"), "Alice")
                till.open_shift("Bob", Decimal("50"))
            else:
                till.reprint(len(uuids), "Alice", config.receipt, Formatter("EUR", "en_IE", ZoneInfo("UTC")))
        for number, uuid in enumerate(uuids, start=1):
            found = till.find_sale(number=number)
            assert found is not None and (found.number, found.sale.uuid) == (number, uuid)
        assert till.find_sale(number=0) is None
        assert till.find_sale(number=len(uuids) + 1) is None
