"""The head witness under honest failures: it may lag, be torn or be missing, and verify still passes.

What a crash can do to the witness is limited by the order of writes (appliance/store/witness.py):
the entry is committed (fsync'd) before the witness names it, and each entry is written in place
into the slot of its number's parity. So after a kill it lags (the commit landed, the write did
not), and a power cut can spoil the one slot being written (the other names the entry before) or,
at worst, leave both unreadable. None of that may fail verify; a witness that names an entry the
journal does not have is a cut (tests/test_tampering.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.config import Config
from appliance.store import journal as journal_store
from appliance.store.database import write_transaction
from appliance.store.sales import record_sale
from appliance.store.shifts import current_shift
from appliance.store.witness import State, witness_path
from appliance.till import Till


def sell(till: Till) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 1)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    till.complete(sale)


def commit_without_witness(till: Till) -> None:
    """A sale committed as ``Till.complete`` does, then the process dies before the witness is written."""
    sale = till.new_sale("Alice")
    sale.add(till.item(1101), 1)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    with write_transaction(till.db) as connection:
        shift = current_shift(connection, till.lane.id)
        assert shift is not None
        record_sale(connection, till.key, sale.complete(till.clock.now()), shift.id, journal_store.tip(connection))


def head(config: Config) -> Path:
    return witness_path(config.key_file_for(config.store_path))


def verify(config_file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["journal", "verify", "--config", str(config_file)])
    return code, capsys.readouterr().out


def test_every_commit_renews_the_witness_after_it(till: Till, config: Config) -> None:
    sell(till)
    reading = till.witness.read() if till.witness else None
    tip = journal_store.tip(till.connection)
    assert reading is not None and tip is not None
    assert (reading.state, reading.seq, reading.hash) == (State.OK, tip.seq, tip.hash)
    assert head(config).stat().st_mode & 0o777 == 0o600
    assert [p.name for p in head(config).parent.glob(".*.tmp")] == []  # no temporary left behind


def test_a_witness_that_lags_behind_the_journal_passes(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sell(till)
    commit_without_witness(till)
    commit_without_witness(till)
    assert till.witness is not None and till.witness.read().seq == 3  # set-up, shift, first sale
    code, out = verify(config_file, capsys)
    assert code == 0 and "journal OK: 5 entries verified" in out and "warning" not in out
    assert main(["report", "x", "--config", str(config_file)]) == 0  # and the till opens


def test_a_slot_spoilt_by_a_power_cut_leaves_the_entry_before(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sell(till)
    sell(till)  # entries 3 and 4 fill both slots
    data = bytearray(head(config).read_bytes())
    data[0:512] = b"\x00" * 200 + data[200:512]  # entry 4's slot (even), half written
    head(config).write_bytes(bytes(data))
    assert till.witness is not None and till.witness.read().seq == 3
    code, out = verify(config_file, capsys)
    assert code == 0 and "warning" not in out


def test_a_torn_witness_is_a_warning_and_the_next_write_renews_it(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sell(till)
    head(config).write_bytes(b"")  # what a power cut can leave of a file renamed before its data hit the disk
    code, out = verify(config_file, capsys)
    assert code == 0 and "journal OK" in out and f"warning: the head witness {head(config)} is unreadable" in out
    sell(till)
    code, out = verify(config_file, capsys)
    assert code == 0 and "warning" not in out


def test_a_missing_witness_is_a_warning_not_a_refusal(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head(config).unlink()
    assert (
        main(["shift", "cash-in", "--config", str(config_file), "--amount", "1", "--reason", "r", "--cashier", "B"])
        == 0
    )
    assert "warning: the head witness" in capsys.readouterr().err
    assert head(config).exists()  # the write renewed it
    code, out = verify(config_file, capsys)
    assert code == 0 and "warning" not in out


def test_the_witness_is_read_before_the_journal(till: Till, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sale committed and witnessed while verify starts must not look like a cut: verify reads the
    witness before the journal, so a newer witness can only come with a longer journal."""
    from appliance.store import audit

    other = Till.open(config, clock=till.clock)  # the till selling while a manager verifies
    real_read = audit.Witness.read

    def sell_then_read(witness):  # type: ignore[no-untyped-def]
        sell(other)
        return real_read(witness)

    monkeypatch.setattr(audit.Witness, "read", sell_then_read)
    try:
        verdict = till.verify()
    finally:
        other.close()
    assert verdict.ok, [str(f) for f in verdict.findings]
