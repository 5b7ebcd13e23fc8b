"""`ofn-checkout invoice`: make an invoice for a sale, show it, write it as a PDF, list them.

An invoice is made once per sale, with its own gap-less number; asking again for the same customer
gives a numbered duplicate. A PDF written later (`invoice pdf`) is a duplicate too, journaled: the
original is what `invoice create` gave (its text, and its PDF with `--pdf`). docs/invoices.md.
"""

from __future__ import annotations

import errno
from pathlib import Path

import click

from appliance.cli.options import NUMBER, TEXT, echo_json, open_till, store_options
from appliance.core.customer import Customer, customer
from appliance.core.invoice import InvoiceError
from appliance.reports.formatting import Formatter
from appliance.reports.invoice import Invoice, layout
from appliance.store import customers as customer_list
from appliance.store.files import replace_file
from appliance.till import Till

COLUMNS = click.Choice(["32", "42", "48"])
DEFAULT_CASHIER = "Manager"


@click.group("invoice")
def invoice_group() -> None:
    """Invoices and credit notes: make, show, print as PDF, list."""


@invoice_group.command("create")
@store_options
@click.argument("sale_number", type=NUMBER)
@click.option("--customer", "customer_id", type=NUMBER, help="A customer of `customers search`, by its id")
@click.option("--name", default="", help="The customer's name (or company name)")
@click.option("--address", multiple=True, help="A line of the customer's address; repeat for each line")
@click.option("--vat", default="", help="The customer's intra-community VAT number")
@click.option("--email", default="", help="The customer's e-mail")
@click.option("--company-id", default="", help="The customer's company number (SIRET…)")
@click.option("--cashier", type=TEXT, default=DEFAULT_CASHIER, show_default=True, help="Who makes it (journaled)")
@click.option("--columns", type=COLUMNS, default="42", show_default=True)
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write it as a PDF")
def invoice_create(
    config_path: Path | None,
    db_path: Path | None,
    sale_number: int,
    customer_id: int | None,
    name: str,
    address: tuple[str, ...],
    vat: str,
    email: str,
    company_id: str,
    cashier: str,
    columns: str,
    pdf_path: Path | None,
) -> int:
    """Invoice sale SALE_NUMBER: to a customer of the list (--customer) or typed (--name, --address)."""
    _, till = open_till(config_path, db_path)
    try:
        made_out_to = _customer(till, customer_id, name, address, vat, email, company_id)
        invoice = till.invoice(sale_number, made_out_to, cashier)
        if pdf_path is not None:
            _write_pdf(pdf_path, till.invoice_pdf(invoice))
        click.echo("\n".join(layout(invoice, till.fmt, int(columns))))
    finally:
        till.close()
    return 0


@invoice_group.command("show")
@store_options
@click.argument("number")
@click.option("--columns", type=COLUMNS, default="42", show_default=True)
def invoice_show(config_path: Path | None, db_path: Path | None, number: str, columns: str) -> int:
    """Show invoice or credit note NUMBER (INV-1-000042, CN-1-000003, or 42) as printed; nothing is recorded."""
    _, till = open_till(config_path, db_path, write=False)
    try:
        invoice = _found(till, number)
        click.echo(
            "\n".join(
                [
                    "*** VIEW ONLY — NOT AN INVOICE ***".center(int(columns)).rstrip(),
                    *layout(invoice, till.fmt, int(columns)),
                ]
            )
        )
    finally:
        till.close()
    return 0


@invoice_group.command("pdf")
@store_options
@click.argument("number")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The PDF file to write")
@click.option("--cashier", type=TEXT, default=DEFAULT_CASHIER, show_default=True, help="Who hands it out (journaled)")
def invoice_pdf(config_path: Path | None, db_path: Path | None, number: str, out: Path, cashier: str) -> int:
    """Write invoice or credit note NUMBER as an A4 PDF: a numbered duplicate, journaled."""
    _, till = open_till(config_path, db_path)
    try:
        duplicate = till.duplicate_invoice(_found(till, number), cashier)
        _write_pdf(out, till.invoice_pdf(duplicate))
    finally:
        till.close()
    click.echo(f"{duplicate.label} (duplicate {duplicate.duplicate}) written to {out}", err=True)
    return 0


@invoice_group.command("list")
@store_options
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def invoice_list(config_path: Path | None, db_path: Path | None, limit: int, as_json: bool) -> int:
    """The newest invoices and credit notes, newest first."""
    _, till = open_till(config_path, db_path, write=False)
    try:
        found = till.invoices(limit)
        fmt = till.fmt
    finally:
        till.close()
    if as_json:
        echo_json([_summary(invoice) for invoice in found])
        return 0
    for invoice in found:
        click.echo(_row(invoice, fmt))
    if not found:
        click.echo("No invoice yet: `ofn-checkout invoice create SALE_NUMBER …` makes one")
    return 0


def _row(invoice: Invoice, fmt: Formatter) -> str:
    if invoice.is_credit_note:
        what = f"return No {invoice.sale_number} ({invoice.invoice_label})"
    else:
        what = f"sale No {invoice.sale_number}"
    when, total = fmt.moment_of(invoice.issued_at), fmt.money(invoice.total)
    return f"{invoice.label:<14} {when}  {what:<32} {total:>12}  {invoice.customer.name}"


def _customer(
    till: Till, customer_id: int | None, name: str, address: tuple[str, ...], vat: str, email: str, company_id: str
) -> Customer:
    if customer_id is not None:
        if name or address:
            raise InvoiceError("Give either --customer or --name and --address, not both")
        found = customer_list.by_id(till.connection, customer_id)
        if found is None:
            raise InvoiceError(
                f"There is no customer {customer_id}: find one with `ofn-checkout customers search TEXT`"
            )
        return found
    if not name.strip():
        raise InvoiceError("Say who the invoice is for: --name and --address (or --customer ID)")
    return customer(name, list(address), vat_number=vat, email=email, company_id=company_id)


def _found(till: Till, number: str) -> Invoice:
    invoice = till.find_invoice(number)
    if invoice is None:
        raise InvoiceError(f"There is no invoice {number.strip()}: `ofn-checkout invoice list` shows them")
    return invoice


def _write_pdf(path: Path, data: bytes) -> None:
    try:
        replace_file(path, data)
    except OSError as exc:
        hint = "the disk is full: nothing was written" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
        raise click.FileError(str(path), hint or type(exc).__name__) from None


def _summary(invoice: Invoice) -> dict[str, object]:
    return {
        "kind": invoice.kind,
        "number": invoice.label,
        "issued_at": invoice.issued_at.isoformat(),
        "sale_number": invoice.sale_number,
        "invoice": invoice.invoice_label,
        "customer": invoice.customer.name,
        "total": invoice.total,
        "training": invoice.training,
    }
