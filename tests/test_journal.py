"""The fiscal journal's seal: every kind of tampering is found and the first bad entry named."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli.main import main
from appliance.config import Config
from appliance.core.seal import Verdict, anchor_mac, canonical, canonical_utf8, seal
from appliance.core.text import agreeing, counted
from appliance.store.audit import verify_store
from appliance.store.keys import JournalKeyError, KeyFile, create_key, load_key
from appliance.store.schema import IMMUTABLE_TABLES, immutability_triggers
from appliance.till import Till


def trade(till: Till, sales: int = 8) -> None:
    for index in range(sales):
        sale = till.new_sale("Alice")
        sale.add(till.item(1100 + index), 1)
        sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
        till.complete(sale)


def raw(till: Till) -> sqlite3.Connection:
    """A second connection, as an attacker with write access to the file would have."""
    connection = sqlite3.connect(till.db.conn.execute("PRAGMA database_list").fetchone()[2], isolation_level=None)
    return connection


def drop_triggers(connection: sqlite3.Connection) -> None:
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        connection.execute(f"DROP TRIGGER {name}")


def verdict_text(till: Till) -> list[str]:
    return [str(f) for f in till.verify().findings]


def test_an_intact_journal_verifies(till: Till) -> None:
    trade(till)
    verdict = till.verify()
    assert verdict.ok and verdict.entries == 10  # store set-up, shift opening, 8 sales


def test_the_triggers_stop_an_edit_in_the_first_place(till: Till) -> None:
    trade(till, 2)
    with pytest.raises(sqlite3.IntegrityError):
        raw(till).execute("UPDATE journal SET payload = '{}' WHERE seq = 2")


def test_an_edited_amount_is_found_even_with_the_triggers_dropped(till: Till) -> None:
    trade(till)
    attacker = raw(till)
    drop_triggers(attacker)
    payload = json.loads(attacker.execute("SELECT payload FROM journal WHERE seq = 5").fetchone()[0])
    payload["total"] -= 100
    attacker.execute("UPDATE journal SET payload = ? WHERE seq = 5", (json.dumps(payload),))
    findings = verdict_text(till)
    assert "triggers were removed" in findings[0]
    assert findings[1] == "lane 1, entry 5: content does not match its seal (edited or moved)"


def test_a_deleted_entry_is_named(till: Till) -> None:
    trade(till)
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("DELETE FROM journal WHERE seq = 4")
    assert verdict_text(till)[1] == "lane 1, entry 4: entry 4 is missing (deleted or moved)"


def test_a_deleted_entry_with_the_rest_renumbered_is_found(till: Till) -> None:
    trade(till)
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("DELETE FROM journal WHERE seq = 4")
    attacker.execute("UPDATE journal SET seq = seq - 1 WHERE seq > 4")
    attacker.execute("UPDATE journal_anchor SET seq = seq - 1")
    assert verdict_text(till)[1] == "lane 1, entry 4: content does not match its seal (edited or moved)"


def test_reordered_entries_are_found(till: Till) -> None:
    trade(till)
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("UPDATE journal SET seq = -1 WHERE seq = 3")
    attacker.execute("UPDATE journal SET seq = 3 WHERE seq = 6")
    attacker.execute("UPDATE journal SET seq = 6 WHERE seq = -1")
    assert verdict_text(till)[1] == "lane 1, entry 3: content does not match its seal (edited or moved)"


def test_a_truncated_tail_is_found(till: Till) -> None:
    trade(till)
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("DELETE FROM journal WHERE seq > 6")
    assert verdict_text(till)[1] == "lane 1, entry 7: entries 7 to 10 were cut off the end of the journal"


def test_a_truncated_tail_with_a_forged_anchor_is_found(till: Till) -> None:
    trade(till)
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("DELETE FROM journal WHERE seq > 6")
    last_hash = attacker.execute("SELECT hash FROM journal WHERE seq = 6").fetchone()[0]
    attacker.execute("UPDATE journal_anchor SET seq = 6, hash = ?", (last_hash,))
    assert (
        verdict_text(till)[1]
        == "lane 1, entry 7: the end-of-chain anchor is not genuine: the tail may have been cut off"
    )


def test_a_removed_anchor_is_found(till: Till) -> None:
    trade(till)
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        raw(till).execute("DELETE FROM journal_anchor")
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("DELETE FROM journal_anchor")
    assert "anchor is missing" in verdict_text(till)[1]


def test_the_whole_journal_deleted_is_found(till: Till) -> None:
    trade(till)
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("DELETE FROM journal")
    assert verdict_text(till)[1] == "lane 1, entry 1: all entries are missing (the anchor names entry 10)"


def test_a_chain_rebuilt_without_the_key_does_not_verify(till: Till, tmp_path: Path) -> None:
    trade(till)
    other_key = create_key(tmp_path / "other.key")
    assert not verify_store(till.connection, KeyFile(tmp_path / "other.key", other_key, None), 1).ok


def test_verify_command_exit_codes(config_file: Path, till: Till, capsys: pytest.CaptureFixture[str]) -> None:
    trade(till)
    assert main(["journal", "verify", "--config", str(config_file)]) == 0
    assert "journal OK: 10 entries verified" in capsys.readouterr().out
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("UPDATE journal SET created_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2")
    assert main(["journal", "verify", "--config", str(config_file)]) == 1
    out = capsys.readouterr().out
    assert "lane 1, entry 2: content does not match its seal" in out
    assert "Traceback" not in out


def test_verify_with_only_a_db_finds_the_key_beside_it(
    till: Till, config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 2)
    assert main(["journal", "verify", "--db", str(config.store_path)]) == 0
    assert "4 entries verified" in capsys.readouterr().out


def test_the_key_file_is_private_and_not_replaced(config: Config, till: Till) -> None:
    path = config.key_file_for(config.store_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_key(path) == till.key
    assert create_key(path) == till.key


def test_a_journal_with_entries_refuses_a_missing_or_wrong_key(config: Config, till: Till) -> None:
    trade(till, 1)
    till.close()
    path = config.key_file_for(config.store_path)
    path.rename(path.with_suffix(".bak"))
    with pytest.raises(JournalKeyError, match="missing: restore it"):
        Till.open(config)
    create_key(path)
    with pytest.raises(JournalKeyError, match="does not fit"):
        Till.open(config)


def test_a_malformed_key_is_reported_without_its_content(tmp_path: Path) -> None:
    path = tmp_path / "journal.key"
    path.write_text("secret-but-wrong\n")
    with pytest.raises(JournalKeyError) as error:
        load_key(path)
    assert "secret" not in str(error.value) and "malformed" in str(error.value)


def test_every_immutable_table_has_both_triggers(till: Till) -> None:
    names = {row[0] for row in till.connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table in IMMUTABLE_TABLES:
        assert {f"{table}_no_update", f"{table}_no_delete"} <= names


def test_an_emptied_journal_is_not_taken_for_a_new_store(till: Till) -> None:
    trade(till, 2)
    attacker = raw(till)
    drop_triggers(attacker)
    for table in ("journal", "journal_anchor", "shift", "cash_movement", "outbox"):
        attacker.execute(f"DELETE FROM {table}")
    findings = verdict_text(till)
    assert any("the journal is empty, but this store was set up on" in f for f in findings)


def test_a_trigger_made_harmless_under_the_same_name_is_found(till: Till) -> None:
    trade(till, 1)
    attacker = raw(till)
    attacker.execute("DROP TRIGGER journal_no_update")
    attacker.execute("CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal WHEN 0 BEGIN SELECT 1; END")
    assert verdict_text(till)[0] == "protection triggers were altered: journal_no_update"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            "UPDATE shift_close SET counted_cash = counted_cash + 5000",
            "shift_close row of this entry says counted_cash",
        ),
        ("UPDATE shift SET opening_float = 0", "shift row of this entry says opening_float"),
        ("UPDATE closure SET perpetual_total = 1", "closure row of this entry says perpetual_total"),
        ("DELETE FROM cash_movement", "this cash_in entry has no row in cash_movement"),
    ],
)
def test_the_tables_beside_the_journal_must_agree_with_it(till: Till, clock, edit: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    trade(till, 2)
    till.move_cash("in", Decimal("10"), "change", "Alice")
    till.close_shift(Decimal("100"), "Alice")
    clock.advance(86400)
    till.close_periods()
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute(edit)
    for table in IMMUTABLE_TABLES:
        attacker.executescript(immutability_triggers(table))
    findings = verdict_text(till)
    assert any(expected in f for f in findings), findings


def test_reprinted_z_reports_and_closures_come_from_the_seal(till: Till, clock) -> None:  # type: ignore[no-untyped-def]
    from appliance.store import closures
    from appliance.store.shifts import stored_z_report

    trade(till, 2)
    z = till.close_shift(Decimal("100"), "Alice").as_record()
    clock.advance(86400)
    till.close_periods()
    attacker = raw(till)
    drop_triggers(attacker)
    attacker.execute("UPDATE shift_close SET counted_cash = 1")
    attacker.execute("UPDATE closure SET perpetual_total = 1, total = 1")
    assert stored_z_report(till.connection, 1) == json.loads(json.dumps(z))
    (day,) = closures.closures(till.connection, "day")
    assert day["perpetual_total"] == z["totals"]["total"] != 1


# What a journal record holds: text (any of it), integers (cents, grams, numbers), booleans, null,
# and lists and objects of those. Never a float: money is integer cents.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_the_canonical_text_is_what_the_standard_library_writes(value: object) -> None:
    """The journal's canonical form, pinned to a definition that does not depend on orjson's version."""
    assert canonical(value) == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


SEALED_UUID = "0192c5a0-7d3e-7c41-9a2b-5f0e8d6c4b3a"
SEALED_RECORD = {
    "uuid": SEALED_UUID,
    "kind": "sale",
    "number": 7,
    "shift_id": 2,
    "cashier": "Zoë",
    "lines": [
        {"line_no": 1, "name": "Crème fraîche 20 cl", "quantity": 2, "amount": 790, "discount": None, "voided": False},
        {"line_no": 2, "name": 'Pain "au levain" 1\\2 kg', "weight_g": 734, "amount": -120, "voided": True},
    ],
    "note": "ligne 1\nligne 2\t€ 🍞",
    "total": 670,
}


def test_an_entry_sealed_by_earlier_versions_still_has_the_same_text_and_seal() -> None:
    """Text, seal and anchor as the first release computed them: a change that moved any of them
    would make every existing journal fail ``journal verify``."""
    payload = canonical(SEALED_RECORD)
    assert payload == (
        '{"cashier":"Zoë","kind":"sale","lines":[{"amount":790,"discount":null,"line_no":1,'
        '"name":"Crème fraîche 20 cl","quantity":2,"voided":false},{"amount":-120,"line_no":2,'
        '"name":"Pain \\"au levain\\" 1\\\\2 kg","voided":true,"weight_g":734}],'
        '"note":"ligne 1\\nligne 2\\t€ 🍞","number":7,"shift_id":2,"total":670,'
        '"uuid":"0192c5a0-7d3e-7c41-9a2b-5f0e8d6c4b3a"}'
    )
    key = bytes(range(32))
    sealed = seal(key, 1, 42, "sale", SEALED_UUID, "2026-03-02T09:30:00.000000Z", "ab" * 32, payload)
    assert sealed == "8bd4865550011c16a8a4ce3d8f656ec13c34a4b5cd653061df6cbede7c1ecc13"
    # A new entry is sealed from the text's UTF-8, as it comes from the encoder: the same seal.
    assert canonical_utf8(SEALED_RECORD) == payload.encode()
    assert seal(key, 1, 42, "sale", SEALED_UUID, "2026-03-02T09:30:00.000000Z", "ab" * 32, payload.encode()) == sealed
    assert anchor_mac(key, 1, 42, sealed) == "8696656b59431cb9acb7cf132f7f255a7fa3f8684e875c7076412c3a62b525a6"


def test_the_count_of_entries_reads_as_a_person_says_it() -> None:
    assert [Verdict(n, []).counted for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]
    assert counted(1, "day") == "1 day" and counted(3, "day") == "3 days"
    assert [f"{counted(n, 'sale')} {agreeing(n, 'waits', 'wait')}" for n in (0, 1, 2)] == [
        "0 sales wait",
        "1 sale waits",
        "2 sales wait",
    ]
