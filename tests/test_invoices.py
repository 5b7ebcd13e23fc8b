"""Invoices and credit notes through the till on a real store: numbers, one per sale, duplicates,
credit notes with returns, what is refused, and what the database itself refuses."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.core.customer import customer, vat_number_of
from appliance.core.invoice import InvoiceError, parse_label
from appliance.core.text import TextError
from appliance.reports.invoice import layout
from appliance.store import journal as journal_store
from appliance.store.database import write_transaction
from appliance.till import Till

from .invoicing import business, journal_kinds, paid_sale, person, refund


def test_each_invoice_takes_the_next_number_of_the_lane_s_series(till: Till) -> None:
    sales = [paid_sale(till) for _ in range(3)]
    made = [till.invoice(stored.number, person(), "Alice") for stored in reversed(sales)]
    assert [invoice.label for invoice in made] == ["INV-1-000001", "INV-1-000002", "INV-1-000003"]
    assert [invoice.sale_number for invoice in made] == [3, 2, 1]  # numbered as issued, whatever the sale
    assert till.invoice_for(2).label == "INV-1-000002"  # type: ignore[union-attr]
    assert till.find_invoice("INV-1-000003").sale_number == 1  # type: ignore[union-attr]
    assert till.find_invoice("1").sale_number == 3  # type: ignore[union-attr]
    assert till.verify().ok


def test_an_invoice_is_sealed_with_its_sale_customer_and_seller(till: Till) -> None:
    stored = paid_sale(till)
    invoice = till.invoice(stored.number, business(), "Léa")
    seq, kind, ref, payload = till.connection.execute(
        "SELECT seq, kind, ref, payload FROM journal ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    record = json.loads(payload)
    assert (kind, ref) == ("invoice", stored.sale.uuid)
    assert record["sale_number"] == stored.number and record["total"] == stored.sale.total == invoice.total
    assert record["customer"]["vat_number"] == "FR40303265045"  # as typed with spaces, kept as printed
    assert record["seller"]["company_id"] == "SIRET 123 456 789 00012"
    assert record["seller"]["legal_form"] == "SCIC SARL" and record["cashier"] == "Léa"
    # the view reads it like the sale view reads sales
    row = till.connection.execute("SELECT number, label, sale_number, customer_name FROM invoice").fetchone()
    assert row == (1, "INV-1-000001", stored.number, "Épicerie Le Panier Vert")


def test_asking_again_gives_a_numbered_duplicate_never_a_second_number(till: Till) -> None:
    stored = paid_sale(till)
    first = till.invoice(stored.number, business(), "Alice")
    again = till.invoice(stored.number, business(), "Bruno")
    third = till.duplicate_invoice(first, "Chloé")
    assert (first.duplicate, again.duplicate, third.duplicate) == (0, 1, 2)
    assert first.label == again.label == third.label == "INV-1-000001"
    assert journal_kinds(till).count("invoice") == 1
    copies = till.connection.execute("SELECT number, duplicate, cashier FROM invoice_copy ORDER BY id").fetchall()
    assert copies == [(1, 1, "Bruno"), (1, 2, "Chloé")]
    assert till.verify().ok


def test_a_sale_is_never_invoiced_to_someone_else(till: Till) -> None:
    stored = paid_sale(till)
    till.invoice(stored.number, business(), "Alice")
    before = journal_kinds(till)
    with pytest.raises(
        InvoiceError, match="was invoiced to Épicerie Le Panier Vert .INV-1-000001.: an invoice is made once"
    ):
        till.invoice(stored.number, person(), "Alice")
    assert journal_kinds(till) == before


def test_a_return_of_an_invoiced_sale_gets_its_credit_note_with_it(till: Till) -> None:
    stored = paid_sale(till)
    invoice = till.invoice(stored.number, business(), "Alice")
    returned = refund(till, stored, line_no=1, quantity=1)
    kinds = journal_kinds(till)
    assert kinds[-2:] == ["return", "credit_note"]  # one transaction: the return, then its credit note
    note = till.credit_note_for(returned.number)
    assert note is not None and note.label == "CN-1-000001" and note.invoice_label == invoice.label
    assert note.total == returned.sale.total < 0
    assert note.customer == invoice.customer
    assert [line.quantity for line in note.lines] == [-1]
    assert sum(line.net_excl + line.vat for line in note.lines) == note.total
    # a second return of the same sale: the next credit note
    assert till.credit_note_for(refund(till, stored, line_no=3, quantity=1).number).label == "CN-1-000002"  # type: ignore[union-attr]
    assert till.verify().ok


def test_a_return_of_a_sale_without_invoice_gets_no_credit_note(till: Till) -> None:
    stored = paid_sale(till)
    returned = refund(till, stored)
    assert till.credit_note_for(returned.number) is None
    assert "credit_note" not in journal_kinds(till)


def test_returns_made_before_the_invoice_are_credited_with_it(till: Till) -> None:
    stored = paid_sale(till)
    first, second = refund(till, stored, 1, 1), refund(till, stored, 3, 1)
    invoice = till.invoice(stored.number, person(), "Alice")
    assert invoice.total == stored.sale.total  # the sale as it was sold
    assert journal_kinds(till)[-3:] == ["invoice", "credit_note", "credit_note"]
    assert [till.credit_note_for(r.number).label for r in (first, second)] == ["CN-1-000001", "CN-1-000002"]  # type: ignore[union-attr]
    assert till.verify().ok


def test_what_cannot_be_invoiced_is_refused_and_nothing_is_written(till: Till) -> None:
    stored = paid_sale(till)
    returned = refund(till, stored)
    before = journal_kinds(till)
    with pytest.raises(InvoiceError, match="There is no sale number 99: type the number printed on the receipt"):
        till.invoice(99, person(), "Alice")
    with pytest.raises(InvoiceError, match="is a return: a return of an invoiced sale gets its credit note by itself"):
        till.invoice(returned.number, person(), "Alice")
    with pytest.raises(TextError, match="Chloé has no address: an invoice needs one, type it"):
        till.invoice(stored.number, customer("Chloé"), "Alice")
    with pytest.raises(TextError, match="The cashier's name"):
        till.invoice(stored.number, person(), "")
    till.receipt_config = {**till.receipt_config, "company_id": ""}
    with pytest.raises(InvoiceError, match="set receipt.company_id in the config"):
        till.invoice(stored.number, person(), "Alice")
    assert journal_kinds(till) == before


def test_a_return_is_never_refused_for_the_invoicing_config(till: Till) -> None:
    stored = paid_sale(till)
    invoice = till.invoice(stored.number, business(), "Alice")
    till.receipt_config = {**till.receipt_config, "company_id": ""}
    note = till.credit_note_for(refund(till, stored).number)
    assert note is not None and note.seller == invoice.seller  # the invoice's seller, repeated


def test_customers_typed_at_the_counter_are_kept_for_the_next_invoice(till: Till) -> None:
    till.invoice(paid_sale(till).number, business(), "Alice")
    till.invoice(paid_sale(till).number, business(), "Alice")  # the same customer again: one row
    found = till.customers("panier")
    assert [(c.name, c.vat_number, c.ofn_id) for c in found] == [("Épicerie Le Panier Vert", "FR40303265045", None)]
    assert till.customers("", 10)[0].name == "Épicerie Le Panier Vert"
    again = till.invoice(paid_sale(till).number, found[0], "Alice")
    assert again.customer.same_as(business())


def test_the_database_refuses_a_gap_a_second_invoice_or_one_for_no_sale(till: Till) -> None:
    stored = paid_sale(till)
    till.invoice(stored.number, person(), "Alice")
    other = paid_sale(till)
    record = json.loads(till.connection.execute("SELECT payload FROM journal WHERE kind = 'invoice'").fetchone()[0])
    attempts = [
        (other.sale.uuid, {**record, "number": 3}),  # skips number 2
        (stored.sale.uuid, {**record, "number": 2}),  # a second invoice for the same sale
        ("no-such-sale", {**record, "number": 2}),  # no sale
        (other.sale.uuid, {**record, "number": 1}),  # number 1 again
    ]
    for ref, payload in attempts:
        with pytest.raises(sqlite3.IntegrityError, match="an invoice takes the next number of its series"):
            with write_transaction(till.db) as connection:
                journal_store.append(connection, till.key, 1, "invoice", ref, payload, till.clock.now())
    with pytest.raises(sqlite3.IntegrityError, match="a credit note takes the next number"):
        with write_transaction(till.db) as connection:
            journal_store.append(
                connection, till.key, 1, "credit_note", other.sale.uuid, {"number": 1}, till.clock.now()
            )
    assert journal_kinds(till).count("invoice") == 1


def test_printed_numbers_are_read_back_and_another_lane_s_are_refused() -> None:
    assert parse_label("inv-1-000042", 1) == ("invoice", 42)
    assert parse_label(" CN-1-3 ", 1) == ("credit_note", 3)
    assert parse_label("42", 1) == (None, 42)
    with pytest.raises(InvoiceError, match="INV-2-000042 was made by lane 2: this till is lane 1"):
        parse_label("INV-2-000042", 1)
    for wrong in ("", "INV-1-", "0", "F-1-000001", "INV-1-000000"):
        with pytest.raises(InvoiceError, match="is not an invoice number"):
            parse_label(wrong, 1)


def test_vat_numbers_are_printed_compact_and_french_ones_checked() -> None:
    assert vat_number_of(" fr 40 303.265-045 ") == "FR40303265045"
    assert vat_number_of("DE123456789") == "DE123456789"
    with pytest.raises(TextError, match="FR41303265045 is not a valid French VAT number .its key does not match"):
        vat_number_of("FR41303265045")
    for wrong in ("123456789", "FR4030326504", "F", "FR40 303 265 04X"):
        with pytest.raises(TextError):
            vat_number_of(wrong)


# -- names and addresses a person types -------------------------------------------------------------

PRINTABLE = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\x85")
LINE = st.text(PRINTABLE, min_size=1, max_size=80).filter(lambda text: text.strip())


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=LINE, address=st.lists(LINE, min_size=1, max_size=5))
def test_odd_but_valid_names_and_addresses_are_sealed_and_printed_as_typed(
    till: Till, name: str, address: list[str]
) -> None:
    """One till for all the examples: each makes a sale and invoices it."""
    stored = paid_sale(till, discount=False, grams=0)
    invoice = till.invoice(stored.number, customer(name, address), "Alice")
    sealed = json.loads(
        till.connection.execute("SELECT payload FROM journal WHERE kind = 'invoice' ORDER BY seq DESC").fetchone()[0]
    )
    assert sealed["customer"]["name"] == name.strip()
    assert sealed["customer"]["address"] == [line.strip() for line in address]
    for columns in (32, 48):
        lines = layout(invoice, till.fmt, columns)
        assert all(len(line) <= columns for line in lines)
        assert name.strip().split()[0][:columns] in "\n".join(lines)


@given(
    prefix=st.text(PRINTABLE, max_size=10),
    bad=st.sampled_from(["\x00", "\x07", "\n", "\x1b", "\u202e", "\u200b", "\u2028", "\x85"]),
    field=st.sampled_from(["name", "address"]),
)
def test_control_and_invisible_characters_are_refused_with_what_to_type(prefix: str, bad: str, field: str) -> None:
    text = f"A{prefix}{bad}Z"
    with pytest.raises(TextError, match="holds a control or invisible character .U\\+[0-9A-F]{4}.*type plain text"):
        if field == "name":
            customer(text, ["1 rue Ricard"])
        else:
            customer("Chloé", ["1 rue Ricard", text])
