"""Invoices under attack (write access to the file, no key), and invoices written wrong with the key
(a bug, or an insider): `journal verify` names what it finds either way."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from appliance.config import Config
from appliance.store import journal as journal_store
from appliance.store.database import write_transaction
from appliance.store.sales import record_sale
from appliance.till import Till

from .invoicing import business, paid_sale, person, refund
from .test_tampering import assert_verify_fails, attacker, run


def invoiced(till: Till) -> None:
    """Four sales, three invoiced; a return of an invoiced one (its credit note); a duplicate."""
    sales = [paid_sale(till) for _ in range(4)]
    for stored in sales[:3]:
        till.invoice(stored.number, business(), "Alice")
    refund(till, sales[1])
    till.invoice(sales[0].number, business(), "Bruno")  # a duplicate


def seq_of(db: Path, kind: str, number: int) -> int:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(
            "SELECT seq FROM journal WHERE kind = ? AND json_extract(payload, '$.number') = ?", (kind, number)
        ).fetchone()[0]


def test_an_intact_store_with_invoices_verifies(
    till: Till, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoiced(till)
    code, output = run(capsys, config_file, "journal", "verify")
    assert code == 0 and "journal OK" in output


def test_a_deleted_invoice_entry(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoiced(till)
    seq = seq_of(config.store_path, "invoice", 2)
    with attacker(config.store_path) as connection:
        connection.execute("DELETE FROM journal WHERE seq = ?", (seq,))
    assert_verify_fails(capsys, config_file, f"entry {seq}: entry {seq} is missing (deleted or moved)")


def test_an_edited_invoice_entry(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoiced(till)
    seq = seq_of(config.store_path, "invoice", 1)
    with attacker(config.store_path) as connection:
        connection.execute(
            "UPDATE journal SET payload = json_set(payload, '$.customer.name', 'Someone Else') WHERE seq = ?", (seq,)
        )
    assert_verify_fails(capsys, config_file, f"entry {seq}: content does not match its seal")


def test_a_renumbered_invoice_entry(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoiced(till)
    seq = seq_of(config.store_path, "invoice", 3)
    with attacker(config.store_path) as connection:
        connection.execute(
            "UPDATE journal SET payload = json_set(payload, '$.number', 7, '$.label', 'INV-1-000007') WHERE seq = ?",
            (seq,),
        )
    assert_verify_fails(capsys, config_file, f"entry {seq}: content does not match its seal")


def test_the_invoice_view_filtered_and_a_series_trigger_dropped(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoiced(till)
    with attacker(config.store_path) as connection:
        sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'invoice'").fetchone()[0]
        connection.execute("DROP VIEW invoice")
        connection.execute(sql + " AND json_extract(j.payload, '$.total') < 1000")
    with closing(sqlite3.connect(config.store_path, isolation_level=None)) as connection:
        connection.execute("DROP TRIGGER journal_invoice_series")
    assert_verify_fails(
        capsys, config_file, "views were altered: invoice", "protection triggers were removed: journal_invoice_series"
    )


# -- written wrong with the key: the seal holds, the series checks speak ----------------------------


def sealed_anyway(till: Till, kind: str, ref: str, payload: dict[str, object]) -> int:
    """Append a sealed entry past the series triggers (dropped, then put back as they were)."""
    connection = till.connection
    saved = connection.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'journal_%_series'").fetchall()
    for name, _ in saved:
        connection.execute(f"DROP TRIGGER {name}")
    try:
        with write_transaction(till.db) as writing:
            entry = journal_store.append(writing, till.key, 1, kind, ref, payload, till.clock.now())
    finally:
        for _, sql in saved:
            connection.execute(sql)
    return entry.seq


def last_record(till: Till, kind: str) -> dict[str, object]:
    payload = till.connection.execute(f"SELECT payload FROM journal WHERE kind = '{kind}' ORDER BY seq DESC").fetchone()
    return json.loads(payload[0])  # type: ignore[no-any-return]


def findings(till: Till) -> list[str]:
    verdict = till.verify()
    return [str(finding) for finding in verdict.findings]


@pytest.mark.parametrize(
    ("number", "named"),
    [
        (5, "INV-1-000005 follows INV-1-000003: INV-1-000004 is missing from the series"),
        (3, "INV-1-000003 is numbered twice, or out of order (the series had reached 3)"),
    ],
    ids=["a gap", "a number given twice"],
)
def test_a_break_in_the_invoice_series_is_named(till: Till, number: int, named: str) -> None:
    """The series stands at 3: a new sale's invoice sealed as number 5, or as number 3 again."""
    invoiced(till)
    stored = paid_sale(till)
    record = {
        **last_record(till, "invoice"),
        "number": number,
        "sale_uuid": stored.sale.uuid,
        "sale_number": stored.number,
    }
    seq = sealed_anyway(till, "invoice", stored.sale.uuid, record)
    assert findings(till) == [f"lane 1, entry {seq}: {named}"]


def test_an_invoice_for_no_sale_or_a_second_invoice_is_named(till: Till) -> None:
    invoiced(till)
    first = till.connection.execute("SELECT ref FROM journal WHERE kind = 'invoice' ORDER BY seq").fetchone()[0]
    no_sale = sealed_anyway(
        till, "invoice", "0190aaaa-0000-7000-8000-000000000000", {**last_record(till, "invoice"), "number": 4}
    )
    second = sealed_anyway(
        till, "invoice", first, {**last_record(till, "invoice"), "number": 5, "sale_uuid": first, "sale_number": 1}
    )
    assert findings(till) == [
        f"lane 1, entry {no_sale}: INV-1-000004 is for 0190aaaa-0000-7000-8000-000000000000,"
        " which is no sale of this journal before it",
        f"lane 1, entry {second}: INV-1-000005 is a second invoice for sale No 1 (invoice 1 was the first)",
    ]


def test_a_return_of_an_invoiced_sale_without_its_credit_note_is_named(till: Till) -> None:
    stored = paid_sale(till)
    till.invoice(stored.number, person(), "Alice")
    ret = till.new_return(stored, "Bruno")
    till.add_return_line(ret, stored, 1, quantity=1)
    ret.tender(till.payment("cash"), Decimal(ret.totals().due) / 100)
    completed = ret.complete(till.clock.now())
    shift = till.current_shift()
    assert shift is not None
    with write_transaction(till.db) as connection:  # the return alone, as a till that forgot the credit note
        returned = record_sale(connection, till.key, completed, shift.id, journal_store.tip(connection))
    assert findings(till) == [
        f"entry {returned.journal_seq}: return No {returned.number} of an invoiced sale (invoice 1) has no credit note"
    ]


def test_a_credit_note_for_a_sale_never_invoiced_is_named(till: Till) -> None:
    invoiced(till)
    plain = paid_sale(till)
    returned = refund(till, plain)
    record = {**last_record(till, "credit_note"), "number": 2, "return_uuid": returned.sale.uuid}
    seq = sealed_anyway(till, "credit_note", returned.sale.uuid, record)
    assert findings(till) == [
        f"lane 1, entry {seq}: CN-1-000002 credits return No {returned.number}, whose sale has no invoice 2"
    ]
