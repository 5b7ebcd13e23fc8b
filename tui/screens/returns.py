"""Taking goods back: the receipt's code or number first, then the lines of that sale.

The cashier scans the barcode at the foot of the receipt, or its square code (the hub's code, which
any lane of the hub reads: another lane's sale comes back here too), or types the number after "No";
the channel's return rules decide first (docs/channels.md, "Returns"). The cashier then sees the
sale's lines with what can still come back, and picks: the arrows select a line, Enter gives back
one more of it (a weighed line: all of its weight that is left), a number typed first gives back
that many pieces or grams, ``-`` takes the line out of the return, a product scanned picks its
line, and ``*`` marks the selected line damaged (refunded, not back to stock; again: back to stock).
``+`` goes to the refund (:mod:`.refund`). The core refuses more than was sold, counting
earlier returns; nothing is sealed until the refund is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from appliance.core.return_draft import ReturnDraft
from appliance.core.sale import Line, PricedBy
from appliance.store.scan_lookup import Match

from ..keymap import bindings
from ..payable import Paid
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from ..widgets.panels import BigAmount
from ..widgets.return_lines import ReturnLines
from ..widgets.status_bar import StatusBar
from .base import CounterScreen, Said
from .choose import Choice, ChooseScreen
from .prompt import PromptScreen

if TYPE_CHECKING:
    from ..app import CheckoutApp

QUESTION = "Return: scan the barcode on the receipt, or type the sale number, then Enter"


def open_return(app: CheckoutApp) -> None:
    """F7 on the sale screen, or the menu's entry 2: ask for the receipt, then show its lines."""
    if app.counter.selling:
        app.say("Finish or cancel this sale first, then take the goods back", "error")
        return
    cashier = app.counter.cashier

    def read(text: str) -> ReturnDraft | _AskReceipt:
        if app.till.asks_for_receipt(text):
            return _AskReceipt(text.strip())
        return app.till.return_draft(text, cashier)

    def answered(found: ReturnDraft | _AskReceipt | None) -> None:
        if isinstance(found, _AskReceipt):
            _ask_receipt(app, found.text, cashier)
        elif found is not None:
            app.push(ReturnScreen(found))

    prompt = PromptScreen(QUESTION, read, hint="the number after No on the receipt", letters=True)
    app.push(prompt, answered)


@dataclass(frozen=True)
class _AskReceipt:
    """A typed sale number, where the channel's returns need the receipt: the cashier says if it is shown."""

    text: str


def _ask_receipt(app: CheckoutApp, text: str, cashier: str) -> None:
    """Ask whether the customer shows the receipt of the typed sale; the till refuses without it."""

    def shown(yes: bool | None) -> None:
        if yes is None:
            return
        draft = app.screen_attempt(lambda: app.till.return_draft(text, cashier, receipt_shown=yes))
        if draft is not None:
            app.push(ReturnScreen(draft))

    choices = [Choice("Yes: the customer shows it", True), Choice("No receipt", False)]
    question = f"Returns here need the receipt. Does the customer show the receipt of sale {text}?"
    app.push(ChooseScreen(question, choices), shown)


class ReturnScreen(CounterScreen):
    BINDINGS = bindings(
        "return_one", "return_off", "return_damaged", "to_refund", "back", hidden=("up", "down", "help")
    )

    def __init__(self, draft: ReturnDraft):
        super().__init__()
        self.draft = draft
        self.allowed_cents = 0  # the refund a manager allowed, when it is above the hub's limit

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="return-head"):
            yield Static(self._heading(), id="return-title")
            yield BigAmount("REFUND", id="refund")
        yield ReturnLines(self.checkout.fmt, id="return-lines")
        yield Said(id="said")
        yield Entry(burst=self.checkout.burst, allow_letters=False, id="entry")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(ReturnLines)
        table.show(self.draft)
        first = next((line for line in self.draft.lines if not line.voided), None)
        if first is not None:
            table.select(first.line_no)
        self.show()
        self.refresh_status()
        self.say("Select a line (Up, Down) and press Enter, or scan the product that comes back")

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.query_one(Entry).focus()
        self.show()

    def show(self) -> None:
        self.query_one(ReturnLines).show(self.draft)
        self.query_one(BigAmount).show(self.checkout.fmt.amount(self.draft.to_refund), "REFUND")
        self._hint()

    def _heading(self) -> Text:
        fmt = self.checkout.fmt
        sale = self.draft.original
        labels = {method.code: method.label for method in self.checkout.till.payments}
        paid = ", ".join(f"{labels.get(p.method, p.method)} {fmt.money(p.amount)}" for p in sale.payments)
        lane = f" of lane {sale.lane_id}" if self.draft.foreign else ""
        text = Text(f"Return of sale {self.draft.number}{lane}\n", style="bold")
        text.append(f"{fmt.moment_of(sale.completed_at)}, {fmt.money(sale.total)}\n")
        text.append(f"paid: {paid}")
        return text

    def _hint(self) -> None:
        selected = self.query_one(ReturnLines).selected
        entry = self.query_one(Entry)
        if selected is None:
            entry.hint = ""
            return
        line = self.draft.line(selected)
        if line.voided:
            entry.hint = "voided on the sale: nothing to give back"
        elif line.priced_by is PricedBy.WEIGHT:
            entry.hint = "Enter: all the weight left (or type the grams, then Enter)"
        else:
            entry.hint = "Enter: one more (or type how many, then Enter)"

    # -- the lines -----------------------------------------------------------------------------

    def action_return_one(self) -> None:
        entry = self.query_one(Entry)
        scanned = entry.take_scan(self.checkout.monotonic())
        if scanned is not None:
            self.on_scan(scanned)
            return
        selected = self.query_one(ReturnLines).selected
        if selected is None:
            return
        typed = entry.take()
        if typed and not typed.isdigit():
            self.say("Type a whole number: pieces, or grams for a weighed line", "error")
            return
        draft = self.draft
        line = self.attempt(lambda: draft.give_back(selected, int(typed)) if typed else draft.one_more(selected))
        if line is not None:
            self._given(line)

    def action_return_off(self) -> None:
        selected = self.query_one(ReturnLines).selected
        if selected is None:
            return
        sold = self.attempt(lambda: self.draft.take_off(selected))
        if sold is not None:
            self.show()
            self.say(f"{sold.name} taken out of the return", "warn")

    def action_return_damaged(self) -> None:
        """The selected line's goods are damaged (refunded, not back to stock), or back to stock again."""
        selected = self.query_one(ReturnLines).selected
        if selected is None:
            return
        damaged = self.attempt(lambda: self.draft.turn_damaged(selected))
        if damaged is None:
            return
        self.show()
        name = self.draft.line(selected).name
        if damaged:
            self.say(f"{name}: damaged, refunded but not back to stock (* again: back to stock)", "warn")
        else:
            self.say(f"{name}: back to stock", "ok")

    def action_to_refund(self) -> None:
        if self.draft.empty:
            self.say("Nothing comes back yet: select a line and press Enter", "warn")
            return
        if self.query_one(Entry).text:
            self.say("Press Enter to use what you typed, or Backspace to clear it, then +", "warn")
            return
        cents = self.draft.to_refund
        roles = self.checkout.roles
        if cents > self.allowed_cents and roles.refund_needs_manager(cents):
            what = f"a refund of {self.checkout.fmt.money(cents)} (sale {self.draft.number})"
            self.checkout.approve(what, lambda by: self._allowed(cents, by))
            return
        self._to_refund()

    def _allowed(self, cents: int, by: str) -> None:
        if by:
            self.draft.sale.approve("refund", by)
        self.allowed_cents = cents
        self._to_refund()

    def _to_refund(self) -> None:
        from .refund import RefundScreen

        self.push(RefundScreen(self.draft), self._refunded)

    def action_back(self) -> None:
        if self.query_one(Entry).backspace():
            return
        if self.draft.empty:
            self.app.pop_screen()
            return
        choices = [Choice("Yes: give nothing back", True), Choice("No: keep this return", False)]
        self.push(ChooseScreen("Abandon this return? Nothing has been refunded", choices), self._abandon)

    def action_up(self) -> None:
        self.query_one(ReturnLines).move(-1)
        self._hint()

    def action_down(self) -> None:
        self.query_one(ReturnLines).move(1)
        self._hint()

    def action_help(self) -> None:
        self.checkout.show_help(self)

    def on_scan(self, code: str) -> None:
        """A product coming back: its line is selected, and one piece of it given back."""
        match = self.checkout.counter.lookup.read(code)
        if not isinstance(match, Match):
            self.say(f"Scanned {code}: not a product of this sale; select its line with Up, Down", "warn")
            return
        lines = [line.line_no for line in self.draft.lines if line.variant_id == match.variant.id and not line.voided]
        line_no = next((no for no in lines if self._has_left(no)), lines[0] if lines else None)
        if line_no is None:
            self.say(f"{match.variant.name} is not on sale {self.draft.number}", "error")
            return
        self.query_one(ReturnLines).select(line_no)
        self._hint()
        if self.draft.line(line_no).priced_by is PricedBy.WEIGHT:
            self.say(f"{match.variant.name}: Enter gives back all of it, or type the grams, then Enter")
            return
        line = self.attempt(lambda: self.draft.one_more(line_no))
        if line is not None:
            self._given(line)

    # -- helpers -------------------------------------------------------------------------------

    def _given(self, line: Line) -> None:
        fmt = self.checkout.fmt
        self.show()
        back = self.draft.wanted(line.returns.line_no if line.returns else 0)
        what = fmt.weight(back.weight_g) if back.weight_g else f"{back.quantity} ×"
        self.say(f"Giving back {what} {line.item.name}: {fmt.money(back.refunded)}", "ok")

    def _has_left(self, line_no: int) -> bool:
        left = self.draft.left(line_no)
        return left.quantity > 0 or left.weight_g > 0

    def _abandon(self, yes: bool | None) -> None:
        if yes:
            self.app.pop_screen()
            self.checkout.say("Return abandoned: nothing was refunded", "warn")

    def _refunded(self, paid: Paid | None) -> None:
        """The refund is sealed: the receipt choice takes this screen's place."""
        if paid is None:
            self.show()
            return
        from .receipt import ReceiptScreen

        self.app.switch_screen(ReceiptScreen(paid))
