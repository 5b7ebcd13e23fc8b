"""What every counter screen shares: the status bar, the message line, the footer, and how device
events and errors reach it.

A screen says what happened in one line (:meth:`CounterScreen.say`), in the colour of its weight:
information, a warning the cashier should read, or an error with what to do. A person error (a
``SaleError``, a ``ShiftError``…) raised by an action is shown that way by :meth:`attempt`; it never
ends the app and never loses the basket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual._compositor import Compositor
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

from appliance.cli.errors import PERSON_ERRORS
from appliance.core.money import MoneyError
from appliance.core.sale import MAX_QUANTITY, SaleError
from appliance.store.catalogue import Variant
from drivers.scale.reading import Reading
from drivers.weighing import WeighRefused

from ..compositor import SpanCompositor
from ..guard import Guarded, guard
from ..widgets.footer import Footer
from ..widgets.status_bar import StatusBar
from ..widgets.text_lines import TextLines

if TYPE_CHECKING:
    from ..app import CheckoutApp

log = logging.getLogger(__name__)

T = TypeVar("T")
W = TypeVar("W", bound=Widget)

#: What a cashier's action may raise that a person can act on: shown in one line, never a traceback.
CASHIER_ERRORS: tuple[type[Exception], ...] = (*PERSON_ERRORS, MoneyError, WeighRefused)

LEVEL_STYLES = {"info": "", "ok": "bold #55ff55", "warn": "bold #ffff55", "error": "bold #ffffff on #aa0000"}


class Said(TextLines):
    """The message line: the last thing the till said, until the next action.

    Its height is fixed (``checkout.tcss``), so a new message repaints its own lines that changed.
    """

    def say(self, text: str, level: str = "info", hints: tuple[str, ...] = ()) -> None:
        line = Text(text, style=LEVEL_STYLES[level])
        for hint in hints[:1]:
            line.append("\n" + hint)
        self.update(line)


class Counted(Guarded):
    """The parts of a screen that know the app: status, message line, device events, errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compositor: Compositor = SpanCompositor()  # a frame draws only the lines it writes (tui/compositor.py)

    def push(self, screen: Screen[Any], callback: Callable[[Any], object] | None = None) -> None:
        """Open ``screen`` over this one; its result goes to ``callback`` through the safety net."""
        self.checkout.push_screen(screen, guard(self.checkout, callback))

    @property
    def checkout(self) -> CheckoutApp:
        return self.app  # type: ignore[attr-defined, no-any-return]

    def part(self, kind: type[W]) -> W:
        """The screen's widget of ``kind``, found once and kept: a scan asks for five of them, and
        each query walks every widget of the screen (docs/benchmarks.md). NoMatches if it has none."""
        parts: dict[type[Widget], Widget] = self.__dict__.setdefault("_parts", {})
        found = parts.get(kind)
        if found is None or not found.is_attached:
            found = parts[kind] = self.query_one(kind)  # type: ignore[attr-defined]
        return found  # type: ignore[return-value]

    def say(self, text: str, level: str = "info", hints: tuple[str, ...] = ()) -> None:
        try:
            said = self.part(Said)
        except NoMatches:
            self.checkout.notify(text, severity="error" if level == "error" else "information")
        else:
            said.say(text, level, hints)

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Run a cashier's action; a person error is said on screen and nothing changes."""
        try:
            return action()
        except CASHIER_ERRORS as exc:
            log.info("refused: %s", exc)
            self.say(str(exc), "error")
            return None

    def attempted(self, action: Callable[[], object]) -> bool:
        """Run a cashier's action that gives nothing back; False (and said why) when refused."""
        try:
            action()
        except CASHIER_ERRORS as exc:
            log.info("refused: %s", exc)
            self.say(str(exc), "error")
            return False
        return True

    def take_key(self, event: events.Key) -> bool:
        """Whether the screen takes the key itself (a screen without an entry: a digit picks, or is
        counted); False: the key's binding. The app calls it, in order with every other key
        (tui/key_order.py)."""
        return False

    def refresh_status(self) -> None:
        for bar in self.query(StatusBar):  # type: ignore[attr-defined]
            bar.show(self.checkout.status_parts())

    # -- device events the app hands to the screen in front (override what the screen uses) -------

    def on_scan(self, code: str) -> None:
        self.say(f"Scanned {code}: finish this step first, then scan again", "warn")

    def on_weight(self, reading: Reading) -> None:
        pass


class CounterScreen(Counted, Screen[Any]):
    def on_screen_resume(self) -> None:
        self.refresh_status()

    def paint(self, selector: str, renderable: RenderableType) -> None:
        """Draw into one of the screen's panels; a message that arrives while the screen is being
        taken down (a scan, a verdict) finds no panel and changes nothing."""
        for panel in self.query(selector).results(Static):
            panel.update(renderable)


class CounterModal(Counted, ModalScreen[T]):
    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The dialog's keys, and the app's priority keys shown in footers, which act over a dialog
        too: Textual lists none of the app's keys over a modal screen, so the demo's weigh dialog
        hid F8, the one key that puts goods on its simulated scale."""
        active = super().active_bindings
        app = self.app
        for key, binding in app._bindings:
            if binding.priority and binding.show and key not in active:
                state = app._check_action_state(binding.action, app)
                if state is not False:
                    active[key] = ActiveBinding(app, binding, bool(state), binding.tooltip)
        return active


class RingingScreen(CounterScreen):
    """A screen where goods are rung up (the sale, an order being handed over): a scan or Enter
    adds the entry's code, ``*`` makes the entry the quantity of the next product, products that
    share a code are picked from a list, an unknown code beeps and says what to do."""

    EMPTY_ADD = "Scan a product, or type its barcode or PLU, then press Enter"

    def rung(self, code: str, quantity: int) -> object:
        """What the code does to this screen's goods (the counter's or the order's rules)."""
        raise NotImplementedError

    def picked(self, variant: Variant, quantity: int) -> object:
        """What a product picked among several sharing a code does, ``quantity`` of it."""
        raise NotImplementedError

    def show_rung(self, rung: object) -> None:
        """Show what was added; Choose and Unknown are handled here."""
        raise NotImplementedError

    def on_scan(self, code: str) -> None:
        self.ring(code)

    def ring(self, code: str) -> None:
        from ..widgets.entry import Entry

        entry = self.part(Entry)
        quantity = entry.multiplier or 1
        entry.multiplier = None
        rung = self.attempt(lambda: self.rung(code, quantity))
        if rung is not None:
            self.handle(rung)

    def handle(self, rung: object) -> None:
        from ..counter import Choose, Unknown
        from .choose import Choice, ChooseScreen

        if isinstance(rung, Choose):
            fmt = self.checkout.fmt
            choices = [Choice(f"{v.name}  {fmt.money(v.price)}", v) for v in rung.ambiguous.variants]
            quantity = rung.quantity
            self.push(ChooseScreen(rung.ambiguous.message, choices), lambda variant: self._chosen(variant, quantity))
        elif isinstance(rung, Unknown):
            self.checkout.beep()
            self.say(rung.message, "error", rung.hints)
        else:
            self.show_rung(rung)

    def _chosen(self, variant: Variant | None, quantity: int) -> None:
        if variant is not None:
            rung = self.attempt(lambda: self.picked(variant, quantity))
            if rung is not None:
                self.handle(rung)

    def action_add(self) -> None:
        from ..widgets.entry import Entry

        code = self.part(Entry).take_code(self.checkout.monotonic())
        if code:
            self.ring(code)
        else:
            self.say(self.EMPTY_ADD)

    def action_quantity(self) -> None:
        from ..widgets.entry import Entry

        entry = self.part(Entry)
        count = self.attempt(lambda: quantity_of(entry.take(), "and then *, then scan the product"))
        if count is not None:
            entry.multiplier = count
            self.say(f"{count} × the next product: scan it or type its code")

    def back_in_entry(self) -> bool:
        """Backspace on the entry: its last character, else the quantity waiting for the next
        product; False when it held neither (the screen's own Backspace applies)."""
        from ..widgets.entry import Entry

        entry = self.part(Entry)
        if entry.backspace():
            return True
        if entry.multiplier is not None:
            entry.multiplier = None
            self.say("Quantity cleared")
            return True
        return False


def quantity_of(text: str, then: str) -> int:
    """A quantity typed on the keypad, 1 to MAX_QUANTITY; the error says what to type ``then``."""
    if not text.isdigit() or not 0 < int(text) <= MAX_QUANTITY:
        raise SaleError(f"Type a quantity (1 to {MAX_QUANTITY}) {then}")
    return int(text)


class TenderScreen(CounterScreen):
    """A screen that takes money in or gives it back (payment, refund): a title, the tenders so far,
    an optional proposal, what is left in big digits, and the keypad entry for an amount."""

    CAPTION = "TO PAY"
    HINT = ""

    def compose(self) -> ComposeResult:
        from ..widgets.entry import Entry
        from ..widgets.panels import BigAmount

        yield StatusBar(id="status")
        with Vertical(id="pay"):
            yield Static(id="pay-title")
            yield Static(id="tenders")
            yield Static(id="proposal")
            yield BigAmount(self.CAPTION, id="due")
        yield Said(id="said")
        yield Entry(burst=self.checkout.burst, allow_letters=False, id="entry")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        from ..widgets.entry import Entry

        self.part(Entry).hint = self.HINT
        self.show()
        self.refresh_status()

    def on_screen_resume(self) -> None:
        from ..widgets.entry import Entry

        super().on_screen_resume()
        self.part(Entry).focus()
        self.show()

    def show(self) -> None:
        raise NotImplementedError
