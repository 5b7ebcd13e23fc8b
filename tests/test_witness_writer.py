"""The till's side of the head witness: what the sale path saves opens no hole.

A sale checks the witness before its COMMIT and writes it after, at the counter once the call has
returned (appliance/store/witness_writer.py), and to cost next to nothing it remembers what the
witness's bytes say instead of checking their MAC again, and takes the new tip from the entry it
sealed. Each
test is a way such a shortcut could let a cut journal through; in each, the attacker (write access
to the database file, none to the key's directory) cuts the journal back to exactly the entry the
running till wrote last, and puts back that entry's genuine anchor, so that the journal, its tip
and its anchor all look like what the till last saw: only the witness, written meanwhile by another
writer on the same store (a CLI command over SSH while the UI runs), tells.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli.demo import demo_config_text
from appliance.config import Config, parse
from appliance.core.seal import anchor_mac, seal, witness_mac
from appliance.store.database import StoreError
from appliance.store.journal import Tip
from appliance.store.witness import SLOT, Witness, witness_path
from appliance.till import Till

from .test_tampering import attacker, trade

CUT = "cut or replaced while the till was open"


def last_seq(db: Path) -> int:
    with closing(sqlite3.connect(db)) as connection:
        return int(connection.execute("SELECT max(seq) FROM journal").fetchone()[0])


Anchor = tuple[int, int, str, str]


def anchor_row(till: Till) -> Anchor:
    lane_id, seq, entry_hash, mac = till.connection.execute(
        "SELECT lane_id, seq, hash, mac FROM journal_anchor"
    ).fetchone()
    return int(lane_id), int(seq), str(entry_hash), str(mac)


def cut_back(db: Path, anchor: Anchor) -> None:
    """Cut the journal back to the entry ``anchor`` names, and put that genuine anchor back."""
    seq = anchor[1]
    with attacker(db) as connection:
        connection.execute("DELETE FROM cash_movement WHERE journal_seq > ?", (seq,))
        connection.execute("DELETE FROM outbox WHERE journal_seq > ?", (seq,))
        connection.execute("DELETE FROM journal WHERE seq > ?", (seq,))
        connection.execute("DELETE FROM journal_anchor")
        connection.execute("INSERT INTO journal_anchor (lane_id, seq, hash, mac) VALUES (?, ?, ?, ?)", anchor)


def cash_in(till: Till) -> None:
    till.move_cash("in", Decimal("5"), "change", "Bob")


def assert_refused_and_nothing_written(till: Till, config: Config, seq: int) -> None:
    for _ in range(2):
        with pytest.raises(StoreError, match=CUT):
            trade(till, 1)
    assert last_seq(config.store_path) == seq  # the cut numbers were not handed out again
    assert not till.verify().ok


def test_a_command_s_entry_cut_back_to_the_till_s_own_last_one_is_refused(till: Till, config: Config) -> None:
    """The journal's tip is then the very entry the till last witnessed (so comparing the tip with
    what the till last wrote would pass); the command changed the witness's bytes, which the till
    reads again."""
    trade(till, 2)
    own = anchor_row(till)
    command = Till.open(config, clock=till.clock)  # `ofn-checkout shift cash-in` over SSH
    cash_in(command)
    command.close()
    cut_back(config.store_path, own)
    assert_refused_and_nothing_written(till, config, own[1])


def test_a_command_s_entry_witnessed_between_the_till_s_commit_and_its_witness_write(
    till: Till, config: Config
) -> None:
    """The till builds its slot, and what the witness will say, from what it last read of the file;
    another writer can commit and witness its own entry before the till writes its slot (at the
    counter, for as long as the renewal waits). What the till then knows of the file is out of
    date, and its next check must not rely on it."""
    trade(till, 2)
    command = Till.open(config, clock=till.clock)
    writer = till._witness_writer
    assert writer is not None
    record, own = writer.record, list[Anchor]()

    def command_first(sealed):  # type: ignore[no-untyped-def]
        own.append(anchor_row(till))  # the till's sale is committed: its genuine anchor
        cash_in(command)  # the command commits the next entry and witnesses it
        record(sealed)  # then the till writes the slot of its own sale

    writer.record = command_first  # type: ignore[method-assign]
    trade(till, 1)
    writer.record = record  # type: ignore[method-assign]
    command.close()
    assert till.witness is not None and till.witness.read().seq == own[0][1] + 1  # the command's entry
    cut_back(config.store_path, own[0])
    assert_refused_and_nothing_written(till, config, own[0][1])


def test_a_witness_removed_and_made_again_by_a_command_is_the_one_checked(till: Till, config: Config) -> None:
    """The till keeps the witness file open; one removed and made again by another writer (its
    next write renews a missing witness) is a new file, which the till must follow rather than
    keep checking against the old one it alone still holds."""
    trade(till, 2)
    own = anchor_row(till)
    witness_path(config.key_file_for(config.store_path)).unlink()
    command = Till.open(config, clock=till.clock)  # a missing witness is a warning, not a refusal
    cash_in(command)  # makes the witness again, naming its entry
    command.close()
    cut_back(config.store_path, own)
    assert_refused_and_nothing_written(till, config, own[1])


# What the bytes of the witness say, as the till remembers it, against a fresh read of the file,
# whatever another writer or a crash does to the file between the till's writes.
SLOT_CONTENTS = st.sampled_from(["genuine", "older", "later", "forged", "foreign", "blank", "zeros", "garbage", "torn"])
STEPS = st.lists(
    st.one_of(
        st.just(("sale", "", 0)),
        st.just(("command", "", 0)),
        st.tuples(st.just("slot"), SLOT_CONTENTS, st.integers(0, 1)),
        st.tuples(st.just("truncate"), st.just(""), st.sampled_from([0, 700])),
        st.just(("remove", "", 0)),
        st.just(("idle", "", 0)),  # the counter's idle moment: the renewals it was asked for run
    ),
    min_size=1,
    max_size=8,
)


def slot_bytes(witness: Witness, tip: Tip, content: str) -> bytes:
    if content == "blank":
        return b" " * (SLOT - 1) + b"\n"
    if content == "zeros":
        return bytes(SLOT)
    if content == "garbage":
        return bytes(range(256)) * 2
    made = {"genuine": tip.seq, "older": tip.seq - 1, "later": tip.seq + 1}
    if content in made:  # with the key: as the till itself writes them
        return witness.slot(Tip(made[content], tip.hash, tip.kind, tip.created_at))
    if content == "foreign":
        return replace(witness, store_id="0" * 32).slot(tip)
    fields = witness.slot(tip).decode().split()
    fields[3] = str(tip.seq + 5)  # forged: a later entry under the genuine MAC
    forged = " ".join(fields).encode().ljust(SLOT - 1) + b"\n"
    return forged if content == "forged" else forged[:200] + witness.slot(tip)[200:]  # torn: half of each


@given(steps=STEPS, at_the_counter=st.booleans())
def test_what_the_till_remembers_of_the_witness_is_what_its_file_says(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, str, int]], at_the_counter: bool
) -> None:
    """``at_the_counter``: the till renews the witness at its idle moments (Till.renew_witness_later),
    as the counter has it, not inside each write."""
    config = replace(parse(demo_config_text()), store_path=tmp_path_factory.mktemp("store") / "till.db")
    till = Till.create(config)
    command = Till.open(config, clock=till.clock)
    renewals: list[Callable[[], None]] = []
    if at_the_counter:
        till.renew_witness_later(renewals.append)
    till.open_shift("Alice", Decimal("100"))
    writer, witness, path = till._witness_writer, till.witness, witness_path(config.key_file_for(config.store_path))
    assert writer is not None and witness is not None
    try:
        for step, content, where in steps:
            tip = till.connection.execute(
                "SELECT seq, hash, kind, created_at FROM journal ORDER BY seq DESC"
            ).fetchone()
            if step == "sale":
                try:
                    cash_in(till)
                except StoreError:
                    pass  # a witness ahead of the journal (a "later" slot): refused, as it should be
            elif step == "command":
                try:
                    cash_in(command)
                except StoreError:
                    pass
            elif step == "slot":
                with open(path, "r+b") as file:
                    file.seek(where * SLOT)
                    file.write(slot_bytes(witness, Tip(*tip), content))
            elif step == "truncate":
                with open(path, "r+b") as file:
                    file.truncate(where)
            elif step == "idle":
                while renewals:
                    renewals.pop()()
            else:
                path.unlink(missing_ok=True)
            assert writer.reading() == witness.read()
    finally:
        command.close()
        till.close()


KEYS = [bytes([index]) * 32 for index in range(7)]  # more keys than a process keeps keyed states for


@given(
    st.lists(st.tuples(st.sampled_from(KEYS), st.integers(1, 10**6), st.text(max_size=300)), min_size=1, max_size=30)
)
def test_every_mac_is_hmac_sha256_of_its_own_key_whatever_keys_came_before(
    uses: list[tuple[bytes, int, str]],
) -> None:
    for key, seq, text in uses:
        entry_hash = hashlib.sha256(text.encode()).hexdigest()

        def reference(message: str, key: bytes = key) -> str:
            return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

        assert anchor_mac(key, 1, seq, entry_hash) == reference(f"anchor\n1\n{seq}\n{entry_hash}")
        assert witness_mac(key, "s", 1, seq, entry_hash) == reference(f"witness\ns\n1\n{seq}\n{entry_hash}")
        header = f'[1,{seq},"sale","r","t","{entry_hash}"]'
        assert seal(key, 1, seq, "sale", "r", "t", entry_hash, text) == reference(f"{header}\n{text}")
