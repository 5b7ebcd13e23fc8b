"""What an invoice and a credit note say, on the receipt printer (32/42/48 columns) and in the PDF,
read back from what is rendered: every mention docs/invoices.md lists."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from appliance.cli.main import main
from appliance.core.clock import SteppingClock
from appliance.core.customer import customer
from appliance.core.document import Barcode, Cut, Text, text_lines
from appliance.reports.formatting import TRAINING_BANNER
from appliance.reports.invoice import Invoice, layout
from appliance.till import Till

from .invoicing import business, paid_sale, refund


def mentions(invoice: Invoice, till: Till) -> list[str]:
    """What must be on the document, as the reader sees it (French formats of the demo hub)."""
    fmt = till.fmt
    seller = [
        "Les Paniers du Marais SCIC",
        "SCIC SARL, capital variable",
        "12 rue des Halles",
        "79000 Niort",
        "SIRET 123 456 789 00012",
        "VAT FR32123456789",
        "RCS Niort 123 456 789",  # the config's invoice_notes
    ]
    customer_part = ["Épicerie Le Panier Vert", "3 place du Marché", "VAT FR40303265045", "SIRET 303 265 045 00028"]
    figures = [fmt.money(invoice.total_excl), fmt.money(invoice.vat_total), fmt.money(invoice.total)]
    for vat in invoice.vat:
        figures += [fmt.rate(vat.rate_bp), fmt.amount(vat.base), fmt.amount(vat.vat), fmt.amount(vat.gross)]
    lines = []
    for line in invoice.lines:
        lines += [line.name[:20], fmt.amount(line.unit_excl), fmt.amount(line.net_excl), fmt.rate(line.rate_bp)]
        if line.discount_excl:
            lines.append(fmt.amount(-line.discount_excl))
    return [invoice.title, invoice.label, fmt.moment_of(invoice.issued_at), *seller, *customer_part, *figures, *lines]


@pytest.mark.parametrize("columns", [32, 42, 48])
def test_an_invoice_on_the_receipt_printer_carries_every_mention(till: Till, columns: int) -> None:
    stored = paid_sale(till)
    invoice = till.invoice(stored.number, business(), "Alice")
    assert invoice.vat and len(invoice.vat) == 2 and any(line.discount_excl for line in invoice.lines)
    lines = layout(invoice, till.fmt, columns)
    text = "\n".join(lines)
    assert all(len(line) <= columns for line in lines)
    for mention in mentions(invoice, till):
        assert mention in text, (mention, text)
    assert f"Till 1 No {stored.number}" in text
    assert "Paid on 2026-03-02" in text and "  Espèces" in text and "Paid in full: nothing is due." in text
    assert "0,734 kg" in text  # the weight of the weighed line, and its price per kg excl. VAT
    assert "Date of sale" not in text  # invoiced the day it was sold
    document = till.invoice_document(invoice, columns)
    assert text_lines(document, columns) == lines  # the printer prints the layout, line for line
    assert Text(invoice.title.center(columns).rstrip(), bold=True) in document.blocks
    assert Barcode(f"S{stored.number:08d}") in document.blocks and isinstance(document.blocks[-1], Cut)


def test_an_invoice_made_another_day_gives_the_date_of_sale(till: Till) -> None:
    stored = paid_sale(till)
    assert isinstance(till.clock, SteppingClock)
    till.clock.advance(timedelta(days=3).total_seconds())
    text = "\n".join(layout(till.invoice(stored.number, business(), "Alice"), till.fmt, 42))
    assert "Date of issue" in text and "2026-03-05" in text
    assert "Date of sale" in text and "2026-03-02" in text


def test_a_credit_note_names_the_invoice_it_corrects_and_the_refund(till: Till) -> None:
    stored = paid_sale(till)
    invoice = till.invoice(stored.number, business(), "Alice")
    returned = refund(till, stored)
    note = till.credit_note_for(returned.number)
    assert note is not None
    text = "\n".join(layout(note, till.fmt, 42))
    for mention in mentions(note, till):
        assert mention in text, mention
    assert "CREDIT NOTE" in text and note.label in text
    assert f"Corrects invoice {invoice.label}".split()[0] in text and invoice.label in text
    assert f"Return Till 1 No {returned.number}".replace("Return ", "") in text
    assert "Refunded on" in text and till.fmt.money(returned.sale.total) in text
    assert "S0000" not in text  # no sale barcode: a credit note starts no return


def test_duplicates_say_so_on_paper_and_in_the_pdf(till: Till) -> None:
    stored = paid_sale(till)
    till.invoice(stored.number, business(), "Alice")
    duplicate = till.invoice(stored.number, business(), "Alice")
    assert "DUPLICATE 1" in "\n".join(layout(duplicate, till.fmt, 32))
    assert "DUPLICATE 1" in pdf_text(till.invoice_pdf(duplicate))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_parses_and_carries_every_mention(till: Till) -> None:
    stored = paid_sale(till)
    invoice = till.invoice(stored.number, business(), "Alice")
    data = till.invoice_pdf(invoice)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1 and reader.metadata is not None
    assert reader.metadata.title == "Invoice INV-1-000001"
    text = pdf_text(data)
    for mention in mentions(invoice, till):
        assert mention in text, mention
    assert "Paid on" in text and "€" in text and "Espèces" in text
    assert till.invoice_pdf(invoice) == data  # the same invoice, the same bytes


def test_a_long_invoice_runs_onto_more_pages_in_the_pdf(till: Till) -> None:
    sale = till.new_sale("Alice")
    for variant in range(1100, 1160):
        sale.add(till.item(variant), 1)
    from decimal import Decimal

    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    invoice = till.invoice(till.complete(sale).number, business(), "Alice")
    data = till.invoice_pdf(invoice)
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2
    text = pdf_text(data)
    assert all(line.name[:20] in text for line in invoice.lines)
    assert till.fmt.money(invoice.total) in text


def test_letters_outside_the_pdf_font_lose_only_their_accent(till: Till) -> None:
    stored = paid_sale(till)
    invoice = till.invoice(stored.number, customer("Łukasz Nguyễn Œuvre «Ça»", ["1 ulica Długa", "Kraków"]), "Alice")
    text = pdf_text(till.invoice_pdf(invoice))
    assert "?ukasz Nguyen Œuvre «Ça»" in text and "1 ulica D?uga" in text and "Kraków" in text
    assert "Łukasz Nguyễn" in "\n".join(layout(invoice, till.fmt, 42))  # the receipt keeps the exact text


def test_a_training_store_s_invoices_say_so_first_and_last(config_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "training.db"
    assert main(["simulate", "--db", str(db), "--config", str(config_file), "--sales", "20", "--seed", "2",
                 "--invoices", "1", "--start", "2026-03-02T08:00"]) == 0  # fmt: skip
    out = tmp_path / "one.pdf"
    assert (
        main(["invoice", "pdf", "INV-1-000001", "--out", str(out), "--db", str(db), "--config", str(config_file)]) == 0
    )
    assert TRAINING_BANNER in pdf_text(out.read_bytes())
    from appliance import config as config_module

    till = Till.open(config_module.load(config_file), db, write=False)
    try:
        invoice = till.find_invoice("INV-1-000001")
        assert invoice is not None and invoice.training
        lines = layout(invoice, till.fmt, 32)
        assert lines[0].strip() == lines[-1].strip() == TRAINING_BANNER
    finally:
        till.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def test_the_invoice_commands(
    till: Till, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = paid_sale(till)
    refund_later = stored.number
    till.close()
    cfg = ("--config", str(config_file))
    code, out, _ = run(capsys, "invoice", "create", str(stored.number), "--name", "Chloé Durand", "--address",
                       "20 avenue de Paris", "--address", "86000 Poitiers", "--vat", "fr40303265045",
                       "--pdf", str(tmp_path / "original.pdf"), "--columns", "32", *cfg)  # fmt: skip
    assert code == 0 and "INV-1-000001" in out and "Chloé Durand" in out and "VAT FR40303265045" in out
    assert max(len(line) for line in out.splitlines()) <= 32
    assert "DUPLICATE" not in pdf_text((tmp_path / "original.pdf").read_bytes())
    code, out, _ = run(capsys, "invoice", "show", "INV-1-000001", *cfg)
    assert code == 0 and "VIEW ONLY" in out and "INV-1-000001" in out
    code, _, err = run(capsys, "invoice", "pdf", "1", "--out", str(tmp_path / "copy.pdf"), *cfg)
    assert code == 0 and "duplicate 1" in err
    assert "DUPLICATE 1" in pdf_text((tmp_path / "copy.pdf").read_bytes())
    code, out, _ = run(capsys, "invoice", "list", *cfg)
    assert code == 0 and out.startswith("INV-1-000001") and f"sale No {refund_later}" in out
    code, out, _ = run(capsys, "customers", "search", "chloe", *cfg)
    assert code == 0 and "Chloé Durand" in out and "typed here" in out
    code, out, _ = run(capsys, "journal", "verify", *cfg)
    assert code == 0, out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invoice", "create", "99", "--name", "X", "--address", "Y"), "There is no sale number 99"),
        (("invoice", "create", "1", "--name", "Bad\x07", "--address", "Y"), "control or invisible character (U+0007"),
        (("invoice", "create", "1", "--address", "Y"), "Say who the invoice is for"),
        (("invoice", "create", "1", "--name", "X"), "has no address: an invoice needs one"),
        (("invoice", "create", "1", "--customer", "5"), "There is no customer 5"),
        (
            ("invoice", "create", "1", "--name", "X", "--address", "Y", "--vat", "FR41303265045"),
            "not a valid French VAT",
        ),
        (("invoice", "show", "INV-1-000009"), "There is no invoice INV-1-000009"),
        (("invoice", "show", "INV-2-000001"), "was made by lane 2"),
        (("invoice", "pdf", "7", "--out", "/nonexistent-dir/x.pdf"), "There is no invoice 7"),
    ],
)
def test_mistakes_are_one_line_and_exit_3(
    till: Till, config_file: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    paid_sale(till)
    till.close()
    code, out, err = run(capsys, *args, "--config", str(config_file))
    assert code == 3, out + err
    assert message in err and len(err.strip().splitlines()) == 1, err
