"""The hostile tester of issue 12: write access to the database file, no key, through the real CLI.

Each attack is made on a real store (real SQLite file, sales sealed by the till) by a second
connection, as someone with write access to the file would: with the protective triggers dropped
and re-created with their own text afterwards, so that they look untouched. Then a reading and a
writing command are run, and ``journal verify``: either the command refuses, writing nothing, or
verify fails naming what it found. No attack may leave a store that verifies.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.config import Config
from appliance.store.database import StoreError
from appliance.till import Till

READ = ("report", "x", "--json")
WRITE = ("shift", "cash-in", "--amount", "5", "--reason", "change", "--cashier", "Bob")


def trade(till: Till, sales: int = 6) -> None:
    for index in range(sales):
        sale = till.new_sale("Alice")
        sale.add(till.item(1100 + index), 1)
        sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
        till.complete(sale)


@contextmanager
def attacker(db: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the file with the triggers out of the way, put back with their own text after."""
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        saved = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in saved:
            connection.execute(f"DROP TRIGGER {name}")
        yield connection
        for _, sql in saved:
            connection.execute(sql)


def content(db: Path) -> list[str]:
    """Everything the file holds, as SQL: what "nothing was written" is checked against."""
    with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as connection:
        return list(connection.iterdump())


def run(capsys: pytest.CaptureFixture[str], config_file: Path, *args: str) -> tuple[int, str]:
    code = main([*args, "--config", str(config_file)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def assert_refused(capsys: pytest.CaptureFixture[str], config_file: Path, db: Path, message: str) -> None:
    """A reading and a writing command both refuse with one clear line, and write nothing."""
    before = content(db) if db.exists() and db.stat().st_size else None
    for command in (READ, WRITE):
        code, output = run(capsys, config_file, *command)
        assert code == 3, output
        assert message in output and "nothing was written" in output, output
    if before is not None:
        assert content(db) == before


def assert_verify_fails(capsys: pytest.CaptureFixture[str], config_file: Path, *expected: str) -> str:
    code, output = run(capsys, config_file, "journal", "verify")
    assert code == 1 and "journal NOT OK" in output, output
    for text in expected:
        assert text in output, output
    return output


def test_a_cut_tail_with_its_anchor_deleted(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till)
    with attacker(config.store_path) as connection:
        connection.execute("DELETE FROM journal WHERE seq > 5")
        connection.execute("DELETE FROM outbox WHERE journal_seq > 5")
        connection.execute("DELETE FROM journal_anchor")
    assert_refused(capsys, config_file, config.store_path, "anchor is missing")
    assert_verify_fails(
        capsys,
        config_file,
        "the end-of-chain anchor is missing",
        "entries 6 to 8 were cut off the end of the journal (the head witness saw entry 8)",
    )
    # The cut sale numbers are not handed out again: nothing can be sold on this store.
    with closing(sqlite3.connect(config.store_path)) as connection:
        assert connection.execute("SELECT count(*) FROM journal_anchor").fetchone()[0] == 0


def test_a_cut_tail_under_an_anchor_from_an_older_backup(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 3)
    old_anchor = till.connection.execute("SELECT lane_id, seq, hash, mac FROM journal_anchor").fetchone()
    trade(till, 3)
    with attacker(config.store_path) as connection:
        connection.execute("DELETE FROM journal WHERE seq > ?", (old_anchor[1],))
        connection.execute("DELETE FROM journal_anchor")
        connection.execute("INSERT INTO journal_anchor VALUES (?, ?, ?, ?)", old_anchor)
    assert_refused(capsys, config_file, config.store_path, "entries 6 to 8 were cut off")
    assert_verify_fails(capsys, config_file, "entries 6 to 8 were cut off the end of the journal (the head witness")


def test_the_journal_its_anchor_and_the_set_up_deleted(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till)
    with attacker(config.store_path) as connection:
        for table in ("journal", "journal_anchor", "store_info", "shift", "outbox"):
            connection.execute(f"DELETE FROM {table}")
    assert_refused(capsys, config_file, config.store_path, "this store was emptied or replaced")
    assert_verify_fails(
        capsys, config_file, "the journal is empty, but its key says this store was set up", "were cut off the end"
    )
    with closing(sqlite3.connect(config.store_path)) as connection:
        assert connection.execute("SELECT count(*) FROM journal").fetchone()[0] == 0  # no new entry 1


def test_the_file_emptied_to_zero_bytes(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till)
    till.close()
    for leftover in ("-wal", "-shm"):
        Path(f"{config.store_path}{leftover}").unlink(missing_ok=True)
    config.store_path.write_bytes(b"")
    assert_refused(capsys, config_file, config.store_path, "is empty: this store was emptied or replaced")
    for command in (
        ("report", "closures"),
        ("receipt", "show", "1"),
        ("journal", "export", "--from", "2026-03-02", "--to", "2026-03-02"),
    ):
        assert run(capsys, config_file, *command)[0] == 3
    assert_verify_fails(capsys, config_file, "is empty: this store was emptied or replaced")
    assert config.store_path.stat().st_size == 0, "no command made a fresh store of it"


def test_the_file_deleted_next_to_its_key(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 1)
    till.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{config.store_path}{suffix}").unlink(missing_ok=True)
    assert_refused(capsys, config_file, config.store_path, "but its journal key")
    assert_verify_fails(capsys, config_file, "this store was emptied or replaced")
    assert not config.store_path.exists()


def test_a_file_without_the_store_s_tables_next_to_its_key(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 1)
    till.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{config.store_path}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(config.store_path)) as connection:
        connection.execute("CREATE TABLE notes (x)")
    assert_refused(capsys, config_file, config.store_path, "is not a checkout store")
    assert_verify_fails(capsys, config_file, "is not a checkout store")


FILTER = " AND json_extract(j.payload, '$.total') < 1000"


def test_views_re_created_with_a_filter(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till)
    with attacker(config.store_path) as connection:
        for view in ("sale", "sale_line", "payment"):
            sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (view,)).fetchone()[0]
            connection.execute(f"DROP VIEW {view}")
            connection.execute(sql + FILTER)
        hidden = connection.execute("SELECT count(*) FROM journal WHERE kind = 'sale'").fetchone()[0]
        assert connection.execute("SELECT count(*) FROM sale").fetchone()[0] < hidden  # the filter bites
    assert_refused(capsys, config_file, config.store_path, "views were altered: payment, sale, sale_line")
    code, output = run(capsys, config_file, "report", "z", "--counted", "100")
    assert code == 3 and "views were altered" in output  # no Z is sealed on filtered totals
    assert_verify_fails(capsys, config_file, "views were altered: payment, sale, sale_line")


def test_a_tail_cut_while_the_till_runs_is_refused_at_its_next_write(till: Till, config: Config) -> None:
    """The till stays open for days: a cut made meanwhile must not be healed by its next sales
    (which would re-issue the cut numbers and, two sales on, move the witness onto the new tail)."""
    trade(till)
    with attacker(config.store_path) as connection:
        connection.execute("DELETE FROM journal WHERE seq > 5")
        connection.execute("DELETE FROM outbox WHERE journal_seq > 5")
        connection.execute("DELETE FROM journal_anchor")
    for _ in range(3):
        with pytest.raises(StoreError, match="cut or replaced while the till was open"):
            trade(till, 1)
    with closing(sqlite3.connect(config.store_path)) as connection:
        assert connection.execute("SELECT max(seq) FROM journal").fetchone()[0] == 5  # nothing was added
    assert not till.verify().ok


def test_a_till_open_before_the_views_changed_seals_no_z_on_them(till: Till, config: Config) -> None:
    """The till (the UI, the daemon) stays open for days: the Z and the closures check again."""
    trade(till)
    with attacker(config.store_path) as connection:
        sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'payment'").fetchone()[0]
        connection.execute("DROP VIEW payment")
        connection.execute(sql + FILTER)
    with pytest.raises(StoreError, match="views were altered: payment"):
        till.close_shift(Decimal("100"), "Alice")
    with pytest.raises(StoreError, match="views were altered: payment"):
        till.close_periods()
    assert till.connection.execute("SELECT count(*) FROM journal WHERE kind = 'shift_close'").fetchone()[0] == 0


def test_a_trigger_that_marks_outbox_rows_done(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 2)
    with attacker(config.store_path) as connection:
        connection.execute(
            "CREATE TRIGGER outbox_quietly_done AFTER INSERT ON outbox"
            " BEGIN UPDATE outbox SET status = 'done' WHERE id = NEW.id; END"
        )
    assert_refused(capsys, config_file, config.store_path, "triggers were added: outbox_quietly_done")
    assert_verify_fails(capsys, config_file, "triggers were added: outbox_quietly_done")


def test_a_protection_trigger_made_harmless_or_dropped(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 2)
    with closing(sqlite3.connect(config.store_path, isolation_level=None)) as connection:
        connection.execute("DROP TRIGGER journal_anchor_no_delete")
        connection.execute("DROP TRIGGER journal_no_update")
        connection.execute("CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal WHEN 0 BEGIN SELECT 1; END")
    assert_refused(capsys, config_file, config.store_path, "protection triggers were removed: journal_anchor_no_delete")
    assert_verify_fails(
        capsys,
        config_file,
        "protection triggers were removed: journal_anchor_no_delete",
        "protection triggers were altered: journal_no_update",
    )


def test_the_journal_table_replaced_by_a_filtering_view(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till)
    with closing(sqlite3.connect(config.store_path, isolation_level=None)) as connection:
        connection.execute("ALTER TABLE journal RENAME TO journal_kept")  # its triggers follow it
        connection.execute("CREATE VIEW journal AS SELECT * FROM journal_kept WHERE seq < 6")
    assert_refused(capsys, config_file, config.store_path, "The schema of")
    assert_verify_fails(capsys, config_file, "tables were added: journal_kept", "views were added: journal")


def test_another_store_set_up_with_the_same_key_is_not_this_store(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key names the store it was made for: a key file without that identity (an older key put
    back over this one's) does not open this store."""
    key_path = config.key_file_for(config.store_path)
    key_path.write_text(key_path.read_text().splitlines()[0] + "\n")
    assert_refused(capsys, config_file, config.store_path, "is not the store its journal key")
    assert_verify_fails(capsys, config_file, "this store is not the one its key")


def test_a_forged_witness_is_named(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 2)
    witness = config.key_file_for(config.store_path).with_suffix(".head")
    forged = []
    for slot in (witness.read_bytes()[:512], witness.read_bytes()[512:]):
        fields = slot.decode().split()
        fields[3] = "99"  # a later entry than the journal holds, under the old MAC
        forged.append(" ".join(fields).encode().ljust(511) + b"\n")
    witness.write_bytes(b"".join(forged))
    assert_refused(capsys, config_file, config.store_path, "does not carry this key's seal")
    assert_verify_fails(capsys, config_file, "does not carry this key's seal (forged)")


def test_an_intact_store_passes_every_check(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: the same commands on the same store, untouched."""
    trade(till)
    code, output = run(capsys, config_file, *READ)
    assert code == 0 and json.loads(output)["totals"]["sales_count"] == 6
    assert run(capsys, config_file, *WRITE)[0] == 0
    code, output = run(capsys, config_file, "journal", "verify")
    assert code == 0 and "journal OK:" in output and "warning" not in output
