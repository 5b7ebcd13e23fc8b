"""The manager's shift menu: open the shift, cash in and out, the X report, the Z closure, the
closures and the last Z, each a small flow of screens over the counter.

What changes money (cash in, cash out, the Z closure) runs through
:meth:`tui.app.CheckoutApp.authorize` once everything is typed, so the manager allows exactly
what will be sealed. The till's core has the last word (a cash out beyond what the drawer should
hold is refused there, and its message is said here). The reports are the command line's text
(:mod:`appliance.reports.text`) and go on paper through the print queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from appliance.config import SECTIONS
from appliance.core import text
from appliance.core.cash_count import CashCount
from appliance.core.document import Document
from appliance.core.money import MoneyError, parse_amount, to_cents
from appliance.reports.report_document import shift_report_document
from appliance.reports.text import closure_text, shift_report_text

from .screens.base import Counted
from .screens.choose import Choice, ChooseScreen
from .screens.close_shift import CloseCountScreen, DifferenceScreen
from .screens.open_shift import OpenShiftScreen
from .screens.prompt import PromptScreen
from .screens.report import Page, ReportScreen

if TYPE_CHECKING:
    from .app import CheckoutApp

log = logging.getLogger(__name__)

_TYPE_IT = object()  # the reason is typed on the keyboard rather than picked
KINDS = {"day": "Day", "month": "Month", "year": "Year"}


def shift_menu(app: CheckoutApp) -> None:
    shift = app.till.current_shift()
    selling = app.counter.selling
    closed = "No shift is open: open one first (1)"
    if shift is None:
        state = "No shift is open"
        opened = ""
    else:
        since = app.fmt.moment(shift.opened_at)
        state = f"Shift {shift.id} open since {since} ({shift.opened_by}), float {app.fmt.money(shift.opening_float)}"
        opened = f"Shift {shift.id} is open: close it (Z) before opening another"
    entries: list[tuple[str, Callable[[CheckoutApp], None], bool, str]] = [
        ("Open the shift: count the float", open_shift, shift is None, opened),
        ("Cash in: money put into the drawer", lambda a: move_cash(a, "in"), shift is not None, closed),
        ("Cash out: money taken out of the drawer", lambda a: move_cash(a, "out"), shift is not None, closed),
        ("X report: the shift so far", x_report, shift is not None, closed),
        (
            "Close the shift: count the drawer, Z report",
            lambda a: close_shift(a),
            shift is not None and not selling,
            "Finish or cancel the sale first" if shift is not None else closed,
        ),
        ("Daily, monthly and yearly closures", closures_menu, True, ""),
        ("The last Z report", last_z, True, ""),
    ]
    choices = [Choice(label, action, enabled, why) for label, action, enabled, why in entries]
    app.push(ChooseScreen("Shift", choices, footnote=state), lambda action: action(app) if action else None)


# -- opening -------------------------------------------------------------------------------------


def open_shift(app: CheckoutApp) -> None:
    if any(isinstance(screen, OpenShiftScreen) for screen in app.screen_stack):
        app.say("Count the float and press Enter: the shift opens", "info")
        return
    app.push(OpenShiftScreen())


# -- cash in and out -----------------------------------------------------------------------------


def move_cash(app: CheckoutApp, kind: str) -> None:
    """The amount, then the reason (the hub's list, or typed), then the manager, then the journal."""
    verb = "put into" if kind == "in" else "taken out of"
    check = _positive if kind == "in" else lambda typed: _in_the_drawer(app, _positive(typed))
    app.push(
        PromptScreen(f"Cash {kind}: the amount {verb} the drawer, then Enter", check, hint="e.g. 20 or 20.50"),
        lambda amount: _why(app, kind, amount) if amount is not None else None,
    )


def _positive(typed: str) -> Decimal:
    amount = parse_amount(typed or "x")
    if amount <= 0:
        raise MoneyError("Type an amount above 0")
    return amount


def _in_the_drawer(app: CheckoutApp, amount: Decimal) -> Decimal:
    """Refused at the amount, not after the reason and the manager's PIN: more than the drawer
    should hold (the till refuses it again when it records the move)."""
    expected = app.till.x_report().expected_cash
    if to_cents(amount) > expected:
        raise MoneyError(f"Only {app.fmt.money(expected)} should be in the drawer: count it before taking more out")
    return amount


def _why(app: CheckoutApp, kind: str, amount: Decimal) -> None:
    key = f"{kind}_reasons"
    reasons = app.config.cash.get(key) or SECTIONS["cash"][key].default
    choices = [Choice(reason, reason) for reason in reasons]
    choices.append(Choice("Another reason: type it on the keyboard", _TYPE_IT))
    title = f"Why does {app.fmt.money(to_cents(amount))} go {kind}?"

    def picked(reason: Any) -> None:
        if reason is _TYPE_IT:
            prompt = PromptScreen("The reason, typed on the keyboard, then Enter", _reason, letters=True)
            app.push(prompt, lambda typed: _allowed(app, kind, amount, typed) if typed else None)
        elif reason is not None:
            _allowed(app, kind, amount, reason)

    app.push(ChooseScreen(title, choices), picked)


def _reason(typed: str) -> str:
    return text.reason(typed, "The reason")


def _allowed(app: CheckoutApp, kind: str, amount: Decimal, reason: str) -> None:
    app.authorize(f"cash {kind}", lambda: _move(app, kind, amount, reason))


def _move(app: CheckoutApp, kind: str, amount: Decimal, reason: str) -> None:
    cashier = app.counter.cashier
    if not _attempted(app, lambda: app.till.move_cash(kind, amount, reason, cashier)):
        return
    fmt = app.fmt
    expected = app.till.x_report().expected_cash
    app.say(
        f"Cash {kind}: {fmt.money(to_cents(amount))} ({reason}) recorded; the drawer should hold {fmt.money(expected)}",
        "ok",
    )
    app.open_drawer()


# -- reports -------------------------------------------------------------------------------------


def x_report(app: CheckoutApp) -> None:
    report = app.screen_attempt(app.till.x_report)
    if report is None:
        return
    record = report.as_record()
    shift = report.shift.id
    app.push(
        ReportScreen(
            [Page(f"X report: shift {shift} so far", _text(app, record))],
            on_print=lambda: print_report(app, record, f"X report shift {shift}", f"the X report of shift {shift}"),
            note="Up, Down: scroll the report; + prints it",
        )
    )


def last_z(app: CheckoutApp) -> None:
    record = app.till.last_z_report()
    if record is None:
        app.say("No shift has been closed yet: there is no Z report", "warn")
        return
    shift = record["shift_id"]
    sealed = app.till.z_seal(shift)
    app.push(
        ReportScreen(
            [Page(f"Z report of shift {shift}, as sealed", _text(app, record, sealed))],
            on_print=lambda: print_report(
                app, record, f"Z report shift {shift}", f"the Z report of shift {shift}", sealed
            ),
        )
    )


def closures_menu(app: CheckoutApp) -> None:
    kinds = [Choice(f"{label}s", kind) for kind, label in KINDS.items()]
    app.push(ChooseScreen("Closures: which ones?", kinds), lambda kind: show_closures(app, kind) if kind else None)


def show_closures(app: CheckoutApp, kind: str) -> None:
    records = app.till.closures(kind)
    if not records:
        app.say(
            f"No {kind} closure yet: a {kind} is closed once it is over (by the first sale after it, or the"
            " nightly timer)",
            "warn",
        )
        return
    fmt, lane, training = app.fmt, app.till.lane.name, app.till.training
    pages = [
        Page(f"{KINDS[kind]} closure {record['period']}", closure_text(record, fmt, lane, training=training))
        for record in reversed(records)
    ]
    more = "; - the older closure, + the newer one" if len(pages) > 1 else ""
    app.push(ReportScreen(pages, note=f"Up, Down: scroll{more}"))


def _text(app: CheckoutApp, record: dict[str, Any], sealed: tuple[int, str] | None = None) -> str:
    """The report exactly as ``ofn-checkout report x`` (or ``z``) prints it."""
    return shift_report_text(record, app.fmt, app.till.lane.name, training=app.till.training, sealed=sealed)


def print_report(
    app: CheckoutApp, record: dict[str, Any], label: str, what: str, sealed: tuple[int, str] | None = None
) -> tuple[str, str]:
    document = shift_report_document(
        record, app.fmt, app.till.lane.name, app.print_columns, training=app.till.training, sealed=sealed
    )
    return print_document(app, document, label, what)


def print_document(app: CheckoutApp, document: Document, label: str, what: str) -> tuple[str, str]:
    """Send a document to the print queue; what to say about it, and how loud."""
    queue = app.devices.printer
    if queue is None:
        return f"This till has no printer: {what} is kept, print it from a till with one", "warn"
    queue.submit(document, label)
    printer = queue.snapshot().printer
    if printer not in ("ready", "unknown"):
        return f"Printer {printer}: {what} prints once it is fixed", "warn"
    return f"Printing {what}", "ok"


# -- the Z closure -------------------------------------------------------------------------------


def close_shift(app: CheckoutApp, sheet: CashCount | None = None) -> None:
    """Count (blind), see the difference, then the manager allows the closure."""
    app.push(CloseCountScreen(sheet), lambda counted: _difference(app, counted) if counted is not None else None)


def _difference(app: CheckoutApp, sheet: CashCount) -> None:
    report = app.screen_attempt(app.till.x_report)
    if report is None:
        return

    def answered(close: bool | None) -> None:
        if close:
            app.authorize("the Z closure", lambda: _close(app, sheet))
        elif close is False:
            close_shift(app, sheet)  # count again, the counts kept

    app.push(DifferenceScreen(report, sheet.total), answered)


def _close(app: CheckoutApp, sheet: CashCount) -> None:
    cashier = app.counter.cashier
    report = app.screen_attempt(lambda: app.till.close_shift(sheet.amount, cashier))
    if report is None:
        return
    shift, fmt = report.shift.id, app.fmt
    difference = report.cash_difference or 0
    said = (
        "the count is right"
        if difference == 0
        else f"{fmt.money(abs(difference))} {'over' if difference > 0 else 'short'}"
    )
    try:
        printed, _ = print_report(
            app, report.as_record(), f"Z report shift {shift}", "the Z report", app.till.z_seal(shift)
        )
    except Exception:
        log.exception("the Z report of shift %s could not be sent to the printer", shift)
        printed = "The Z report could not be printed: print it from the menu (Shift, the last Z report)"
    back_to_open_shift(app, f"Shift {shift} closed: counted {fmt.money(sheet.total)}, {said}. {printed}")


def back_to_open_shift(app: CheckoutApp, message: str) -> None:
    """No shift: every screen over the sale screen goes, and the open-shift screen comes in front."""
    from .screens.sale import SaleScreen

    while not isinstance(app.screen, SaleScreen):
        app.pop_screen()
    app.counter.follows = None
    app.push(OpenShiftScreen(message=message))


def _attempted(app: CheckoutApp, action: Callable[[], object]) -> bool:
    screen = app.screen
    if isinstance(screen, Counted):
        return screen.attempted(action)
    action()
    return True
