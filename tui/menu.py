"""The menu (``/``): every action that is not a key of its own, numbered for the keypad.

Each entry is a small flow of prompts and lists over the counter (discounts and price changes
take a reason from the hub's list; a cancelled basket leaves its trace in the journal; a reprint is
a numbered duplicate). A price change, a discount above the hub's limit and cancelling a basket
once a payment was taken need a manager (:meth:`tui.app.CheckoutApp.approve`), and the sale
records who allowed them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from appliance.core.customer import Customer
from appliance.core.money import parse_amount, to_cents
from appliance.core.sale import Discount, DiscountKind, Line, SaleError
from appliance.reports.receipt_document import receipt_document
from appliance.store.sales import StoredSale

from .manager import open_attention, open_manager_menu
from .screens.choose import Choice, ChooseScreen
from .screens.prompt import PromptScreen

if TYPE_CHECKING:
    from .app import CheckoutApp

REASONS = ("damaged", "short date", "loyalty", "staff", "goodwill", "wrong price in OFN")


def open_menu(app: CheckoutApp) -> None:
    selling = app.counter.selling
    not_selling = "Only while a sale is in progress"
    entries: list[tuple[str, Callable[[CheckoutApp], None], bool, str]] = [
        ("Pick-up orders: hand one over", lambda a: a.open_pickup(), True, ""),
        (
            "Return goods (against a receipt)",
            lambda a: a.open_return(),
            not selling,
            "Finish or cancel this sale first",
        ),
        ("Reprint a receipt", reprint, True, ""),
        ("Invoice for a sale (just paid, or earlier)", invoice_past_sale, not selling, "Finish the sale first"),
        ("Discounts and prices", prices_menu, selling, not_selling),
        ("Cancel this sale", cancel_sale, selling, not_selling),
        ("Switch cashier", lambda a: a.switch_cashier(), True, ""),
        ("Manager: shift and cash, reports, attention, diagnostics", open_manager_menu, True, ""),
        ("What waits: OFN, the printer", open_attention, True, ""),
        ("Help: the keys", lambda a: a.show_help(a.screen), True, ""),
    ]
    choices = [Choice(label, action, enabled, why) for label, action, enabled, why in entries]
    app.push(ChooseScreen("Menu", choices), lambda action: action(app) if action else None)


def prices_menu(app: CheckoutApp) -> None:
    entries = [
        Choice("Discount on the selected line", line_discount),
        Choice("Discount on the whole sale", sale_discount),
        Choice("Change the price of the selected line", price_change),
        Choice("Customer of this sale (their discounts)", sale_customer),
    ]
    app.push(ChooseScreen("Discounts and prices", entries), lambda action: action(app) if action else None)


def _selected_line(app: CheckoutApp) -> Line:
    line: Line | None = app.sale_screen.selected_line()
    if line is None:
        raise SaleError("There is no line to change")
    return line


def _with_reason(app: CheckoutApp, title: str, then: Callable[[str], None]) -> None:
    choices = [Choice(reason, reason) for reason in REASONS]
    app.push(ChooseScreen(title, choices), lambda reason: then(reason) if reason else None)


def _discount(
    app: CheckoutApp, title: str, apply: Callable[[Discount], None], base: Callable[[], int], line_no: int | None
) -> None:
    """A discount: its kind, value and reason; above the cashier's limit (the channel's
    ``manual_percent_limit``, else ``roles.discount_limit_percent``, of what it applies to, ``base``
    cents) a manager allows it, and the sale records who; above the manager's, nobody may."""
    kinds = [Choice("Percentage (type 10 for 10 %)", DiscountKind.PERCENT), Choice("Amount off", DiscountKind.AMOUNT)]

    def value_for(kind: DiscountKind | None) -> None:
        if kind is None:
            return
        question = f"{title}: {'percentage' if kind is DiscountKind.PERCENT else 'amount'}, then Enter"
        app.push(PromptScreen(question, parse_amount), lambda value: reason_for(kind, value))

    def reason_for(kind: DiscountKind, value: Decimal | None) -> None:
        if value is not None:
            title = f"Why the discount of {_shown(app, kind, value)}?"
            _with_reason(app, title, lambda reason: checked(Discount(kind, value, reason)))

    def checked(discount: Discount) -> None:
        shown = _shown(app, discount.kind, discount.value)
        percent_off = _percent_off(discount, base())
        if refused := app.roles.discount_refused(percent_off):
            app.sale_screen.say(f"Not done: a discount of {shown} is too much ({refused})", "error")
        elif app.roles.discount_needs_manager(percent_off):
            app.approve(f"a discount of {shown} ({title.lower()})", lambda by: done(discount, shown, by))
        else:
            done(discount, shown, "")

    def done(discount: Discount, shown: str, by: str) -> None:
        screen = app.sale_screen
        if screen.attempted(lambda: apply(discount)):
            if by:
                app.counter.basket().approve("discount", by, line_no)
            screen.show_sale()
            screen.say(f"Discount {shown} given" + (f", allowed by {by}" if by else ""), "ok")

    app.push(ChooseScreen(title, kinds), value_for)


def _shown(app: CheckoutApp, kind: DiscountKind, value: Decimal) -> str:
    """A discount as the cashier reads it, in the till's language: ``25 %``, ``0,80 €``."""
    if kind is DiscountKind.PERCENT:
        return app.fmt.rate(int(value * 100))
    return app.fmt.money(to_cents(value))


def _percent_off(discount: Discount, base_cents: int) -> Decimal:
    """How much of what it applies to a discount takes off, in percent (an amount as a share of it)."""
    if discount.kind is DiscountKind.PERCENT:
        return discount.value
    return Decimal(discount.hundredths * 100) / base_cents if base_cents > 0 else Decimal(100)


def line_discount(app: CheckoutApp) -> None:
    line = app.sale_screen.attempt(lambda: _selected_line(app))
    if line is not None:
        sale = app.counter.basket()
        _discount(
            app,
            f"Discount on {line.item.name}",
            lambda d: sale.discount_line(line.line_no, d),
            line.gross_cents,
            line.line_no,
        )


def sale_discount(app: CheckoutApp) -> None:
    sale = app.counter.basket()
    _discount(app, "Discount on the whole sale", sale.discount_sale, lambda: sale.totals().subtotal, None)


def sale_customer(app: CheckoutApp) -> None:
    """The customer is known: the channel's rules for their OFN tags (members, say) apply to the
    basket, as the lines show at once. Another customer picked replaces the first."""
    from .screens.customer import CustomerScreen

    def chosen(customer: Customer | None) -> None:
        if customer is None:
            return
        screen = app.sale_screen
        if screen.attempted(lambda: app.counter.basket().set_customer_tags(frozenset(customer.tags))):
            screen.show_sale()
            tags = f"tags {', '.join(customer.tags)}" if customer.tags else "no tags in OFN"
            screen.say(f"Customer {customer.name} ({tags}): their discounts apply", "ok")

    app.push(CustomerScreen("Customer of this sale: type part of a name"), chosen)


def price_change(app: CheckoutApp) -> None:
    """A new price for the selected line: always a manager's decision (the sale records who)."""
    line = app.sale_screen.attempt(lambda: _selected_line(app))
    if line is None:
        return
    per = "per kg" if line.weight_g else "each"
    question = f"New price of {line.item.name} ({per}), then Enter"

    def reason_for(price: Decimal | None) -> None:
        if price is not None:
            _with_reason(app, f"Why {price} {per}?", lambda reason: ask(price, reason))

    def ask(price: Decimal, reason: str) -> None:
        new = app.fmt.money(to_cents(price))
        what = f"the price of {line.item.name}, {app.fmt.money(line.unit_cents)} to {new} {per} ({reason})"
        app.approve(what, lambda by: done(price, reason, by))

    def done(price: Decimal, reason: str, by: str) -> None:
        screen = app.sale_screen
        sale = app.counter.basket()
        if screen.attempted(lambda: sale.override_price(line.line_no, price, reason)):
            if by:
                sale.approve("price", by, line.line_no)
            screen.show_sale()
            screen.say(f"Price of {line.item.name} changed to {price}" + (f", allowed by {by}" if by else ""), "ok")

    app.push(PromptScreen(question, parse_amount), reason_for)


def cancel_sale(app: CheckoutApp) -> None:
    choices = [Choice("Yes: cancel the whole sale", True), Choice("No: keep it", False)]

    def confirmed(yes: bool | None) -> None:
        sale = app.counter.sale
        if yes and sale is not None and sale.payment_started:  # money was taken: a manager decides
            app.approve("cancel this sale (a payment was taken)", cancel)
        elif yes:
            cancel("")

    def cancel(by: str) -> None:
        screen = app.sale_screen
        if by and app.counter.sale is not None:
            app.counter.sale.approve("cancel", by)
        if screen.attempted(app.counter.cancel):
            app.notes.clear()
            screen.show_sale()
            screen.say("Sale cancelled (kept in the journal as a cancelled basket)", "warn")

    app.push(ChooseScreen("Cancel this sale?", choices), confirmed)


def reprint(app: CheckoutApp) -> None:
    """A numbered duplicate of any receipt of this lane, by its scanned code or its number.

    The duplicate is sealed in the journal before it goes to the print queue: a copy never leaves
    the printer unrecorded. Out of paper or offline, it waits in the queue and prints once the
    printer is back, as every receipt does.
    """
    queue = app.devices.printer
    if queue is None:
        app.say("This till has no printer: reprint at a till with one (ofn-checkout receipt show N shows it)", "error")
        return
    last = app.counter.last_completed
    hint = f"nothing typed: sale {last.number}" if last else "the number after No on the receipt"

    def chosen(stored: StoredSale | None) -> None:
        if stored is None:
            return
        screen = app.sale_screen
        number = stored.number
        receipt = screen.attempt(lambda: app.till.reprint(number, app.counter.cashier, app.config.receipt, app.fmt))
        if receipt is None:
            return
        document = receipt_document(receipt, app.fmt, app.print_columns)
        queue.submit(document, f"Duplicate {receipt.duplicate} of sale {number}")
        printer = queue.snapshot().printer
        if printer in ("ready", "unknown"):
            screen.say(f"Reprinting sale {number}, marked DUPLICATE {receipt.duplicate}", "ok")
        else:
            screen.say(
                f"Printer {printer}: duplicate {receipt.duplicate} of sale {number} waits and prints once it is fixed",
                "warn",
            )

    app.push(
        PromptScreen(
            "Reprint: scan the barcode on the receipt, or type the sale number, then Enter",
            app.till.sale_by_code,
            hint=hint,
            empty=last,
            letters=True,
        ),
        chosen,
    )


def invoice_past_sale(app: CheckoutApp) -> None:
    from .invoicing import invoice_sale

    last = app.counter.last_completed
    hint = f"nothing typed: sale {last.number}" if last else "the number on the receipt"
    app.push(
        PromptScreen(
            "Invoice for which sale? Scan the barcode on the receipt, or type its number, then Enter",
            app.till.sale_by_code,
            hint=hint,
            empty=last,
            letters=True,
        ),
        lambda stored: invoice_sale(app, stored.number) if stored is not None else None,
    )
