"""The counter app: its screens, the device messages, the status bar's state, and the safety net.

:class:`CheckoutApp` is built by :func:`tui.start.make_app` (used by ``ofn-checkout run``, the demo,
``replay`` and the tests) from an open ``Till``, the config and the box's devices. It keeps the
latest value of every device message, forwards scans and weights to the screen in front, and
drives the status lights. An unexpected error in a screen is logged with its traceback and shown
as one line; the app keeps running and the basket stays as it was.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from zoneinfo import ZoneInfo

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen
from textual.theme import Theme

from appliance.cli.notify import Notifier
from appliance.config import Config
from appliance.core.sale import Kind, PaymentMethod
from appliance.reports.formatting import Formatter
from appliance.store.scan_lookup import ScanLookup
from appliance.store.sync_state import Status
from appliance.till import Till
from drivers.devices import Devices
from drivers.lights import light_for
from drivers.scale.reading import Reading

from . import textual_fixes
from .bridge import Bridge
from .collector import BetweenCustomers
from .counter import Counter
from .guard import STORE_WENT_BAD, guard, guarded
from .key_order import KeysInOrder
from .keymap import keymap, sign
from .messages import (
    DrawerChanged,
    KeysRead,
    PrinterChanged,
    ScanDropped,
    ScannerChanged,
    ScanRead,
    StoreTrouble,
    SyncChanged,
    WeightChanged,
)
from .roles import Roles, read_boot_id
from .screens.base import Counted
from .widgets.entry import Burst
from .widgets.status_bar import Part, status_parts

if TYPE_CHECKING:
    from drivers.print_queue import QueueSnapshot  # the devices' modules load after the first frame
    from drivers.scanner import ScannerStatus

    from .payable import Paid, PrintNote  # the payment's modules (hand-overs too) load with the first payment

log = logging.getLogger(__name__)
textual_fixes.apply()  # before any widget is drawn (tui/textual_fixes.py)
textual_fixes.lazy_strip_caches()

#: Colours the Linux console can show: its 8 background and 16 foreground colours, no shades.
COUNTER_THEME = Theme(
    name="counter",
    primary="#00aaaa",
    secondary="#0000aa",
    accent="#aa5500",
    warning="#aa5500",
    error="#aa0000",
    success="#00aa00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#0000aa",
    boost="#000000",
    dark=True,
    luminosity_spread=0.0,
    variables={
        "footer-background": "#aaaaaa",
        "footer-foreground": "#000000",
        "footer-key-foreground": "#0000aa",
        "footer-key-background": "#aaaaaa",
        "footer-description-foreground": "#000000",
        "footer-description-background": "#aaaaaa",
        "block-cursor-background": "#00aaaa",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "scrollbar-background": "#000000",
    },
)


def freeze_start_up() -> None:
    """Collect once, then leave every object alive now out of Python's later collections.

    What the counter built to start (modules, classes, the stylesheet, the first screens) lives as
    long as the process, yet each full collection walked it again; with Textual's rendering making
    cyclic garbage on every frame, full collections came every few dozen scans and held the screen
    for 50-200 ms, in the middle of a sale (docs/benchmarks.md, bench/counter_scan.py). Frozen,
    they are no longer walked. ``ofn-checkout run`` and the demo ask for it (``freeze_after``); the
    tests do not, since it acts on the whole process. ``run`` starts with the collector paused
    (tui/run.py): from here it collects again.
    """
    gc.collect()
    gc.freeze()
    gc.enable()


class CheckoutApp(App[int]):
    CSS_PATH = "checkout.tcss"
    TITLE = "OFN Checkout"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        till: Till,
        config: Config,
        devices: Devices | None = None,
        *,
        cashier: str = "",
        log_path: Path | None = None,
        kiosk: bool = False,
        notifier: Notifier | None = None,
        extra_bindings: list[Binding] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        pin_note: str = "",
        boot_id: str = "",
        freeze_after: float | None = None,
        device_sections: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        """``devices``: built already (the tests, the demo); or ``device_sections`` (the config's
        ``[devices.*]``, ``run``): built by the app once its first frame is out (:meth:`_build_devices`)."""
        super().__init__()
        self._use_counter_theme()
        self.till = till
        # The head witness is renewed once the screen is idle again, not inside a sale's wait.
        till.renew_witness_later(self.call_later)
        self.config = config
        self.devices = devices or Devices()
        self.fmt = Formatter(config.currency, config.language, ZoneInfo(config.timezone))
        lookup = ScanLookup.from_settings(till.connection, config.barcodes)
        self.counter = Counter(till, lookup, cashier=cashier or config.counter.get("cashier") or "Cashier")
        counter_settings = config.counter
        self.burst = (
            Burst(counter_settings["scan_gap_ms"] / 1000, counter_settings["scan_min_chars"])
            if counter_settings.get("keyboard_scanner")
            else None
        )
        self.monotonic = monotonic
        self.freeze_after = freeze_after
        # Full collections between customers, with the same process-wide policy as the freeze.
        self.collector = BetweenCustomers(self, lambda: self.counter.selling, enabled=freeze_after is not None)
        self.roles = Roles(self, boot_id or read_boot_id(), pin_note)  # who is logged in (docs/people.md)
        self.log_path = log_path
        self.kiosk = kiosk  # the box's console: nobody leaves the till's screen from the keyboard
        self.notifier = notifier or Notifier.from_environment()  # systemd: READY=1, then the watchdog
        self.notes: dict[int, str] = {}  # what the cashier was told about lines of the sale in progress
        self.reading: Reading | None = None
        self.sync: Status | None = None
        self.printer: QueueSnapshot | None = None
        self.drawer: tuple[bool | None, str] = (None, "")
        self.scanner: ScannerStatus | None = None
        self.store_problem: str | None = None  # the store went bad under the till (StoreTrouble)
        self.unexpected = 0  # errors caught by the safety net (tests read it)
        self.device_sections = device_sections  # until the devices are built from them
        self.built_devices: Devices | None = None  # the devices this app built, and closes
        self.keys = KeysInOrder(self, ready=lambda: self.device_sections is None)
        self.bridge = Bridge(
            self,
            self.devices,
            till.sync_status_reader(),
            scale_poll=counter_settings.get("scale_poll_ms", 200) / 1000,
            status_poll=counter_settings.get("status_poll_ms", 1000) / 1000,
        )
        for extra in extra_bindings or ():
            self._bindings.bind(extra.key, extra.action, extra.description, show=extra.show, priority=extra.priority)

    async def on_event(self, event: events.Event) -> None:
        """Keys go through :class:`KeysInOrder` after the app's priority keys: each is typed or acted
        on before the next one (tui/key_order.py)."""
        if isinstance(event, events.Key) and not event.is_forwarded and self.is_running:
            if not self.app_focus:
                self.app_focus = True  # as Textual does on a key: the terminal has the focus back
            if await self._priority_binding_ran(event.key) or await self.keys.take(event):
                return
        await super().on_event(event)

    @guarded
    async def on_keys_read(self, message: KeysRead) -> None:
        """Keys the terminal sent together (tui/driver.py), each taken as :meth:`on_event` takes a key,
        except that a run of them the entry types (a keyboard-wedge scan's digits) is typed at once:
        one change of the entry's text instead of one a key (docs/benchmarks.md)."""
        keys, start = message.keys, 0
        while start < len(keys):
            typed = self._typed_at_once(keys[start:])
            if typed:
                start += typed
                continue
            await self.on_event(keys[start])
            start += 1

    def _typed_at_once(self, keys: tuple[events.Key, ...]) -> int:
        """How many of ``keys``, from the first, the entry in focus typed in one go: only keys that
        no priority binding could take (those go first on :meth:`on_event`'s path)."""
        if not self.is_running:
            return 0
        free: dict[str, bool] = {}  # a scan repeats its digits: each key's chain is looked at once
        run = 0
        for event in keys:
            if event.is_forwarded:
                break
            if event.key not in free:
                free[event.key] = not self._may_have_priority_binding(event.key)
            if not free[event.key]:
                break
            run += 1
        if not run:
            return 0
        if not self.app_focus:
            self.app_focus = True  # as on_event does for a key
        return self.keys.typed_at_once(keys[:run])

    async def _priority_binding_ran(self, key: str) -> bool:
        """Textual's check of the priority bindings (``App._check_bindings`` with ``priority``), not
        run for a key that no binding in force could have with priority: that check builds the whole
        binding chain for every key (a copy of each map from the focused widget up to the app, the
        keymap applied), 12 µs in a loop, 14 times for a keyboard-wedge scan (docs/benchmarks.md)."""
        if not self._may_have_priority_binding(key):
            return False
        return await self._check_bindings(key, priority=True)

    def _may_have_priority_binding(self, key: str) -> bool:
        """False only when no node of the chain ``Screen._binding_chain`` would build has a priority
        binding on ``key`` and the keymap moves no binding onto it. The chain can only have fewer
        (the keymap takes keys away, a widget consumes some), so True may still find none."""
        if any(key in keys.split(",") for keys in self._keymap.values()):
            return True
        screen = self.screen
        focused = screen.focused
        nodes = [screen, self] if focused is None or focused.loading else focused.ancestors_with_self
        return any(binding.priority for node in nodes for binding in node._bindings.key_to_bindings.get(key, ()))

    def get_driver_class(self) -> type[Driver]:
        """Textual's own driver, except on a Linux terminal: the same one handing keys over in
        batches (tui/driver.py)."""
        driver_class = super().get_driver_class()
        from textual.drivers.linux_driver import LinuxDriver

        if driver_class is LinuxDriver:
            from .driver import KeysAtOnce

            return KeysAtOnce
        return driver_class

    def get_key_display(self, binding: Binding) -> str:
        """Keys as printed on the keypad, in characters every console font has (no ⏎ or ⌫)."""
        return sign(binding.key)

    # -- life ------------------------------------------------------------------------------------

    def _use_counter_theme(self) -> None:
        """The counter's theme from the start, before the stylesheet is first read.

        Set in ``on_mount`` (as Textual's guide does it), the theme's watcher parsed the whole
        stylesheet a second time with the new colours: 7-10 ms of the first frame. Here nothing is
        parsed yet, so the theme's variables are simply those the first parse uses, and the app gets
        the classes the watcher gives it. (The watcher also picks the ANSI colours' mapping for a
        dark or a light theme: Textual's default theme, dark as ours, already picked it.)
        """
        self.register_theme(COUNTER_THEME)
        self.set_reactive(App.theme, COUNTER_THEME.name)
        self.stylesheet.set_variables(self.get_css_variables())
        self.set_class(True, f"-theme-{COUNTER_THEME.name}", update=False)
        self.set_class(COUNTER_THEME.dark, "-dark-mode", update=False)
        self.set_class(not COUNTER_THEME.dark, "-light-mode", update=False)

    def on_mount(self) -> None:
        self.set_keymap(keymap(self.config.keys))
        from .screens.sale import SaleScreen

        self.push_screen(SaleScreen())
        if self.till.current_shift() is None:
            from .screens.open_shift import OpenShiftScreen

            self.push_screen(OpenShiftScreen())
        self.roles.start()  # once people are set up, the PIN screen comes first
        self.bridge.start()
        if self.freeze_after is not None:
            self.set_timer(self.freeze_after, freeze_start_up)
        self._took_devices(self.devices)
        self.call_after_refresh(self._started)

    def _started(self) -> None:
        """The first frame is drawn: tell systemd, and ping its watchdog from this event loop.

        The pings come from a timer of the app's own loop, so a loop that hangs (a handler that never
        returns, a deadlock) stops them and systemd restarts the till; the basket comes back.
        """
        if self.device_sections is not None:
            self._build_devices(self.device_sections)
        self.notifier.ready(f"selling at {self.till.lane.name}")
        if self.notifier.interval is not None:
            self.notifier.ping()
            self.set_interval(self.notifier.interval, self.notifier.ping, name="watchdog")

    def _build_devices(self, sections: Mapping[str, Mapping[str, Any]]) -> None:
        """The box's devices, built once the first frame is out, and their workers started.

        The drivers' modules (the printer's, the scale's, the scanner's: ~15 ms) and the building are
        the last of the start-up, out of the first frame's way (docs/benchmarks.md,
        "bench/counter_start.py"); keys typed meanwhile wait for them (:class:`KeysInOrder`), and
        the status bar names the configured devices from the start (:meth:`_has_device`). Building
        claims no port (drivers/assembly.py), so it takes a few milliseconds.
        """
        from drivers.assembly import build_devices

        self.device_sections = None  # whatever happens, the keys held for the devices go on
        try:
            devices = self.built_devices = build_devices(sections).start()
        except Exception as error:  # the till sells without its devices rather than not at all
            log.exception("the devices could not be set up")
            said = f"The devices could not be set up ({error}): selling without them; see the log"
            self.notify(said, severity="error")
            self.refresh_status()
            return
        self._took_devices(devices)
        self.bridge.attach(devices)
        self.refresh_status()

    def _took_devices(self, devices: Devices) -> None:
        """The devices the till sells with from now on (given at its start, or built after the first
        frame): the drawer's switch as it stands, and what could not be set up, said once."""
        self.devices = devices
        if devices.drawer_switch is not None:
            self.drawer = (devices.drawer_switch.is_open, "")
        for problem in devices.problems:
            self.notify(str(problem), severity="warning", timeout=15)

    def _has_device(self, kind: str) -> bool:
        """Whether the till has a device of this kind: built, or enabled in the config and about to be."""
        if self.device_sections is not None:
            return bool(self.device_sections.get(kind, {}).get("enabled"))
        return getattr(self.devices, kind) is not None

    def refresh(self, *, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        """The app's own refresh, never a layout: what asks the app (not a screen) for one is Textual
        removing a screen that was popped or switched away, once its widgets are gone, and the layout
        goes to the screen in front, whose widgets did not change. That is two layouts of the whole
        sale screen a sale, each with a repaint of every widget (~7 ms), falling on the next
        customer's first scans (docs/benchmarks.md, bench/counter_scan.py). A screen that comes back
        at another size lays itself out (Textual's ``ScreenResume``); a widget that changes asks its
        screen. The only other caller, ``App.suspend``, is not used here."""
        return super().refresh(repaint=repaint, layout=False, recompose=recompose)

    def on_unmount(self) -> None:
        self.notifier.stopping()
        self.bridge.stop()
        if self.built_devices is not None:
            self.built_devices.close()

    async def action_quit(self) -> None:
        if self.kiosk:
            self.leave()  # a manager's decision: the manager's PIN, then the service starts it again
            return
        await super().action_quit()

    def action_help_quit(self) -> None:
        if not self.kiosk:
            super().action_help_quit()

    # -- device messages -----------------------------------------------------------------------

    @guarded
    def on_scan_read(self, message: ScanRead) -> None:
        screen = self.screen
        if isinstance(screen, Counted):
            screen.on_scan(message.code)

    @guarded
    def on_scan_dropped(self, message: ScanDropped) -> None:
        self.say(f"Scan again: part of a scan was lost ({message.reason})", "warn")

    @guarded
    def on_scanner_changed(self, message: ScannerChanged) -> None:
        self.scanner = message.status
        if message.status.state.value != "connected":
            self.say(message.status.message, "warn")

    @guarded
    def on_weight_changed(self, message: WeightChanged) -> None:
        self.reading = message.reading
        self.counter.gate.check(message.reading)  # an empty pan re-arms the scale between items
        screen = self.screen
        if isinstance(screen, Counted):
            screen.on_weight(message.reading)
        self.refresh_status()

    @guarded
    def on_printer_changed(self, message: PrinterChanged) -> None:
        before = self.printer
        self.printer = message.snapshot
        if message.snapshot.needs_attention and (before is None or before.message != message.snapshot.message):
            self.say(message.snapshot.message, "error")
        self.refresh_status()

    @guarded
    def on_store_trouble(self, message: StoreTrouble) -> None:
        """The store went bad under the till: said once, and in red in the bar until the till
        restarts, since no sale can be saved before (Till.sync_status_reader says why)."""
        self.store_problem = message.problem
        self.say(STORE_WENT_BAD, "error")  # the problem itself is in the log, for support
        self.refresh_status()

    @guarded
    def on_drawer_changed(self, message: DrawerChanged) -> None:
        self.drawer = (message.open, message.alert)
        if message.alert:
            self.say(message.alert, "warn")
        self.refresh_status()

    @guarded
    def on_sync_changed(self, message: SyncChanged) -> None:
        """Said once when something needs a manager, and the light red for as long as it does:
        something parked, an audit difference, or a sale waiting longer than the hub accepts."""
        before, self.sync = self.sync, message.status
        after_s = self.attention_after_s
        needs = message.status.needs_person(after_s)
        if needs and not (before and before.needs_person(after_s)):
            self.say(f"{message.status.summary(self.fmt.moment)}: menu, then What waits", "warn")
        lights = self.devices.lights
        if lights is not None:
            status = message.status
            lights.show(light_for(online=status.state == "online", unsynced=status.pending, needs_attention=needs))
        self.refresh_status()

    @property
    def attention_after_s(self) -> int:
        """How long a sale may wait for OFN before the light turns red (``[counter]`` of the config)."""
        return int(self.config.counter.get("attention_after_minutes", 60)) * 60

    # -- what screens ask of the app -----------------------------------------------------------

    def status_parts(self) -> list[Part]:
        parts = status_parts(
            self.till.lane.name,
            self.counter.cashier,
            self.sync,
            (self.printer, self._has_device("printer")),
            (self.reading, self._has_device("scale")),
            self.drawer,
            self.till.training,
        )
        if self.counter.follows is not None:  # the customer of the order just handed over buys more
            parts.insert(1, Part(f"after {self.counter.follows.order.number}"))
        if self.till.rules_problem:  # a changed channel file that could not be used: the old rules stay
            parts.insert(1, Part("Channel file broken: old rules kept", "bad"))
        if self.store_problem is not None:
            parts.insert(1, Part("STORE UNREADABLE", "bad"))
        return parts

    def refresh_status(self) -> None:
        screen = self.screen
        if isinstance(screen, Counted):
            screen.refresh_status()

    def say(self, text: str, level: str = "info") -> None:
        screen = self.screen
        if isinstance(screen, Counted):
            screen.say(text, level)

    def beep(self) -> None:
        if self.devices.lights is not None:
            self.devices.lights.beep_unknown_barcode()
        else:
            self.bell()

    @property
    def sale_screen(self) -> Any:
        from .screens.sale import SaleScreen

        return next(screen for screen in self.screen_stack if isinstance(screen, SaleScreen))

    def ring_on_sale_screen(self, code: str) -> None:
        self.sale_screen.ring(code)

    @property
    def cash_method(self) -> PaymentMethod | None:
        return next((method for method in self.till.payments if method.is_cash), None)

    @property
    def card_method(self) -> PaymentMethod | None:
        card = next((method for method in self.till.payments if method.is_card), None)
        return card or next((method for method in self.till.payments if method.code == "card"), None)

    @property
    def other_methods(self) -> list[PaymentMethod]:
        """The ``/`` list: the methods the lane's channel takes (channels.md), less cash and card."""
        card = self.card_method
        return [method for method in self.till.payment_methods() if not method.is_cash and method != card]

    def after_payment(self, paid: Paid) -> None:
        """The sale or hand-over is sealed: open the drawer when cash was taken, forget the sale's
        notes; after a hand-over, the sale that follows is that customer's (the status says so)."""
        if paid.handover is not None:
            self.counter.follows = paid.handover
        else:
            self.notes.clear()
        if paid.cash_taken:
            self.open_drawer()

    def open_drawer(self) -> None:
        """Kick the cash drawer, if the till has one; one that fails is said, and the money is sealed."""
        drawer = self.devices.drawer
        if drawer is None:
            return
        try:
            drawer.open()
        except Exception:
            log.exception("opening the drawer failed")
            self.say("The drawer did not open: open it with its key, and tell the manager", "error")

    # The receipts' modules are imported by the first payment, not before the first frame
    # (docs/benchmarks.md, "bench/counter_start.py").

    def auto_print_reason(self, paid: Paid) -> str:
        from appliance.reports.handover_receipt import handover_printed_by_itself
        from appliance.reports.receipt import printed_by_itself

        if paid.stored is None:
            return handover_printed_by_itself(self.config.receipt, card_taken_back=paid.card_taken_back)
        return printed_by_itself(paid.stored.sale, self.config.receipt, card_taken_back=paid.card_taken_back)

    def print_paid(self, paid: Paid) -> PrintNote:
        """Send the receipt of a finished payment to the print queue (the sale never waits for paper);
        what to tell the cashier, for whichever screen is in front once the choice is made."""
        from appliance.reports.handover_receipt_document import handover_document
        from appliance.reports.receipt_document import receipt_document

        from .payable import PrintNote

        queue = self.devices.printer
        if queue is None:
            return PrintNote(False, "This till has no printer: the sale is kept, a receipt can be reprinted elsewhere")
        columns = self.print_columns
        if paid.handover is not None:
            done = paid.handover
            handover = self.till.handover_receipt(done, self.config.receipt, self.fmt)
            queue.submit(handover_document(handover, self.fmt, columns), f"Hand-over {done.order.number}")
            saved = "hand-over saved"
        elif paid.stored is not None:
            receipt = self.till.receipt(paid.stored, self.config.receipt, self.fmt)
            queue.submit(receipt_document(receipt, self.fmt, columns), f"Receipt {paid.stored.number}")
            saved = "sale saved"
        else:
            return PrintNote(False, "Nothing to print: this payment has no receipt")
        snapshot = queue.snapshot()
        if snapshot.printer not in ("ready", "unknown"):
            return PrintNote(True, f"Printer {snapshot.printer}: {saved}, the receipt prints once it is fixed")
        return PrintNote(True)

    @property
    def print_columns(self) -> int:
        """Characters per line of the receipt printer (``[devices.printer] columns``)."""
        return int(self.config.devices.get("printer", {}).get("columns", 42))

    # -- the other screens ---------------------------------------------------------------------

    def push(self, screen: Screen[Any], callback: Callable[[Any], object] | None = None) -> None:
        """Open ``screen``; its result goes to ``callback`` through the safety net."""
        self.push_screen(screen, guard(self, callback))

    # -- who may do what ---------------------------------------------------------------------------

    def authorize(self, what: str, then: Callable[[], object]) -> None:
        """Run ``then`` once a manager has allowed ``what``: at once when a manager is logged in,
        else after a manager's PIN (refused, said on screen, without it). ``what`` completes
        "Manager's PIN for: …". Until people are set up on this till, every action is allowed.
        """
        self.roles.approve(what, lambda _manager: then())

    def approve(self, what: str, then: Callable[[str], object]) -> None:
        """:meth:`authorize`, with the name of the manager who allowed it given to ``then`` (to
        record in the journal); ``""`` on a till with nobody set up."""
        self.roles.approve(what, then)

    def switch_cashier(self) -> None:
        self.roles.switch()

    def leave(self) -> None:
        """Leave the till (the kiosk's service starts it again); a manager's decision."""
        self.say("Leaving the till needs a manager", "warn")
        self.authorize("leave the till", self.exit)

    def show_help(self, screen: Screen[Any]) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(screen))

    def open_menu(self) -> None:
        from .menu import open_menu

        open_menu(self)

    def open_pickup(self) -> None:
        from .screens.pickup import PickupScreen

        self.push(PickupScreen())

    def open_return(self) -> None:
        from .screens.returns import open_return

        open_return(self)

    def open_invoice(self, paid: Paid) -> None:
        """``*`` after payment: an invoice for the sale just paid, then the next customer."""
        if paid.stored is None:
            self.say("An online order is invoiced by OFN, not by the till", "warn")
            return
        from .invoicing import hand_out_credit_note, invoice_sale
        from .screens.receipt import ReceiptScreen

        def back_to_selling() -> None:
            if isinstance(self.screen, ReceiptScreen):
                self.pop_screen()

        if paid.stored.sale.kind is Kind.RETURN:
            hand_out_credit_note(self, paid.stored.number, back_to_selling)
            return
        invoice_sale(self, paid.stored.number, back_to_selling)

    def screen_attempt(self, action: Callable[[], Any]) -> Any:
        """Run an action for the screen in front: a person error is said there, and gives None."""
        screen = self.screen
        if isinstance(screen, Counted):
            return screen.attempt(action)
        return action()

    # -- the safety net --------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """Last resort, for an error outside every guarded handler: Textual ends the app then. Log it,
        and leave with one line and exit code 70 instead of a traceback (the service restarts it)."""
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            super()._handle_exception(error)
            return
        self.unexpected += 1
        log.critical("the counter stopped on an unexpected error", exc_info=error)
        self._return_code = 70
        where = f": details in {self.log_path}" if self.log_path else ""
        self.exit(70, message=f"The counter stopped on an unexpected error{where}. Nothing that was paid is lost.")
