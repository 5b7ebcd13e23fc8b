"""Invoices at the counter: for the sale just paid (``*`` after payment) or an earlier one (the menu).

A sale has one invoice: asked again, the till prints a numbered duplicate of it, never a second
number. The invoice goes to the receipt printer through the print queue; the same invoice as an
A4 PDF is ``ofn-checkout invoice pdf NUMBER`` (for printing on paper or e-mailing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from appliance.core.customer import Customer
from appliance.reports.invoice import Invoice

from .screens.choose import Choice, ChooseScreen
from .screens.customer import CustomerScreen, NewCustomer

if TYPE_CHECKING:
    from .app import CheckoutApp


def invoice_sale(app: CheckoutApp, number: int, then: Callable[[], None] = lambda: None) -> None:
    """Make (or reprint) the invoice of sale ``number``, then call ``then``. The number of a return
    of an invoiced sale gives a duplicate of its credit note instead: a return is never invoiced."""
    existing = app.till.invoice_for(number) or app.till.credit_note_for(number)
    if existing is not None:
        choices = [Choice(f"Yes: print a duplicate of {existing.label}", True), Choice("No", False)]

        def duplicate(yes: bool | None) -> None:
            if yes:
                copy = app.screen_attempt(lambda: app.till.duplicate_invoice(existing, app.counter.cashier))
                if copy is not None:
                    then()  # first: what the printing says goes on the screen that comes back
                    print_invoice(app, copy)

        title = f"Sale {number} already has invoice {existing.label} ({existing.customer.name})"
        app.push(ChooseScreen(title, choices), duplicate)
        return

    def made_out_to(customer: Customer | None) -> None:
        if customer is None:
            app.say("No invoice made", "warn")
            return
        if not customer.address:  # an invoice names the customer's address: typed now, then the invoice
            app.push(NewCustomer(known=customer), made_out_to)
            return
        invoice = app.screen_attempt(lambda: app.till.invoice(number, customer, app.counter.cashier))
        if invoice is not None:
            then()  # first: what the printing says goes on the screen that comes back
            print_invoice(app, invoice)

    app.push(CustomerScreen(f"Invoice for sale {number}: who is it for?"), made_out_to)


def hand_out_credit_note(app: CheckoutApp, return_number: int, then: Callable[[], None]) -> None:
    """``*`` after a return: its credit note, sealed with it when the sale it gives back was
    invoiced, printed now (the original: nothing is sealed); else why there is none."""
    note = app.till.credit_note_for(return_number)
    if note is None:
        app.say("A return is not invoiced: it has a credit note only when the sale it gives back was invoiced", "warn")
        return
    then()
    print_invoice(app, note)


def print_invoice(app: CheckoutApp, invoice: Invoice) -> None:
    queue = app.devices.printer
    if queue is None:
        app.say(
            f"{invoice.label} made for {invoice.customer.name}; no printer here: `ofn-checkout invoice pdf"
            f" {invoice.label}` gives the PDF",
            "warn",
        )
        return
    queue.submit(app.till.invoice_document(invoice, app.print_columns), invoice.label)
    app.say(f"Printing {invoice.label} for {invoice.customer.name}", "ok")
