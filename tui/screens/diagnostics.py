"""Diagnostics: the doctor's verdicts on screen, and the devices tried by hand.

The box's checks (config, disk, store, clock, journal, last sync, version, the API key, OFN and
the key's validity, the counter order) are :func:`appliance.cli.box_checks.box_checks`, what
``ofn-checkout doctor`` prints; they run in a thread worker, and each verdict shows as it
arrives, so the screen never waits on the network. The devices are checked through the drivers
the till holds (``drivers/live_checks.py``), with the doctor's verdicts and the driver that
claims each one.

Below them: the scale's live reading, and a scanner test (each scan, or a code typed and Enter,
shows what the till's lookup makes of it; nothing is sold). ``+`` prints the printer's test page
through the print queue, ``*`` kicks the drawer once a manager allows it (a no-sale in the journal),
``/`` checks again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from appliance.store.scan_lookup import Ambiguous, Match
from drivers.drawer import Drawer
from drivers.live_checks import DeviceCheck, describe, live_checks
from drivers.printer import Printer
from drivers.printer.sample_page import sample_page
from drivers.scale.reading import Reading

from ..keymap import bindings
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from ..widgets.status_bar import StatusBar
from .base import CounterScreen, Said

log = logging.getLogger(__name__)

Verdict = tuple[str, str, str]
BoxChecks = Callable[[], Iterable[Verdict]]
LEVELS = {
    "ok": ("OK", "bold #55ff55"),
    "warn": ("WARN", "bold #000000 on #aa5500"),
    "fail": ("FAIL", "bold #ffffff on #aa0000"),
}
SCANS_KEPT = 3  # what the panel shows, one line each; the message line has the last one whole
SCAN_WIDTH = 46


@dataclass
class Checked(Message):
    """One verdict from a worker; ``run`` tells a verdict of an earlier run (checked again since)."""

    run: int
    check: DeviceCheck
    part: str  # "box" or "devices"


@dataclass
class ChecksDone(Message):
    run: int
    part: str


@dataclass
class Failed(Message):
    """A worker's action failed: said on the message line."""

    text: str


class DiagnosticsScreen(CounterScreen):
    BINDINGS = bindings("test_scan", "test_page", "kick_drawer", "check_again", "back", hidden=("up", "down", "help"))

    def __init__(self, box_checks: BoxChecks | None = None) -> None:
        """``box_checks`` gives the box's verdicts (the doctor's, by default); tests and the docs'
        pictures give fixed ones."""
        super().__init__()
        self.box_checks = box_checks
        self.run = 0
        self.box: list[DeviceCheck] = []
        self.devices: list[DeviceCheck] = []
        self.running: set[str] = set()
        self.scans: list[tuple[str, str]] = []  # newest first: the code, what the lookup made of it

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static(id="diagnostics-head")
        with VerticalScroll(id="verdicts"):
            yield Static(id="verdict-list")
        with Horizontal(id="diagnostics-live"):
            yield Static(id="scale-live")
            yield Static(id="scan-test")
        yield Said(id="said")
        yield Entry(burst=self.checkout.burst, id="entry")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        entry = self.query_one(Entry)
        entry.hint = "scan, or type a code and Enter: what the till makes of it"
        entry.focus()
        self.show_reading(self.checkout.reading)
        self.show_scans()
        self.check()
        self.refresh_status()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.query_one(Entry).focus()

    # -- the checks ------------------------------------------------------------------------------

    def check(self) -> None:
        """Run every check again: the box's and the devices', each in a worker of its own."""
        self.run += 1
        self.box, self.devices, self.running = [], [], {"box", "devices"}
        run = self.run
        self.run_worker(lambda: self._box(run), thread=True, group="box", exclusive=True, exit_on_error=False)
        self.run_worker(lambda: self._devices(run), thread=True, group="devices", exclusive=True, exit_on_error=False)
        self.show_verdicts()

    def _box(self, run: int) -> None:
        """In a worker thread: the doctor's checks of the box, OFN's last (it may take seconds)."""
        try:
            for verdict in self._box_verdicts():
                if get_current_worker().is_cancelled:
                    return
                self.post_message(Checked(run, DeviceCheck(*verdict), "box"))
        except Exception:  # a check that breaks is said as one, never a dead screen
            log.exception("the box checks failed")
            failed = DeviceCheck("fail", "checks", "a check could not run: details in the log")
            self.post_message(Checked(run, failed, "box"))
        self.post_message(ChecksDone(run, "box"))

    def _box_verdicts(self) -> Iterable[Verdict]:
        if self.box_checks is not None:
            return self.box_checks()
        from appliance.cli.box_checks import box_checks  # the OFN client and httpx, loaded here only

        checkout = self.checkout
        return box_checks(checkout.config, Path(checkout.till.path), now=checkout.till.now)

    def _devices(self, run: int) -> None:
        """In a worker thread: the devices through the drivers the till holds (a scale read, a
        printer status: each blocks for its exchange)."""
        checkout = self.checkout
        try:
            for check in live_checks(checkout.devices, checkout.config.devices):
                if get_current_worker().is_cancelled:
                    return
                self.post_message(Checked(run, check, "devices"))
        except Exception:
            log.exception("the device checks failed")
            self.post_message(
                Checked(run, DeviceCheck("fail", "devices", "a check could not run: see the log"), "devices")
            )
        self.post_message(ChecksDone(run, "devices"))

    def on_checked(self, message: Checked) -> None:
        if message.run != self.run:
            return
        (self.box if message.part == "box" else self.devices).append(message.check)
        self.show_verdicts()

    def on_checks_done(self, message: ChecksDone) -> None:
        if message.run == self.run:
            self.running.discard(message.part)
            self.show_verdicts()

    @property
    def verdicts(self) -> list[Verdict]:
        """Every verdict shown so far, the box's then the devices' (what tests compare with the doctor)."""
        return [check.as_verdict for check in (*self.box, *self.devices)]

    def show_verdicts(self) -> None:
        checks = [*self.box, *self.devices]
        counts = {level: sum(1 for check in checks if check.verdict == level) for level in LEVELS}
        head = Text("Diagnostics: ", style="bold")
        head.append(f"{counts['ok']} OK, {counts['warn']} WARN, {counts['fail']} FAIL")
        failing = [check.device for check in checks if check.verdict == "fail"]
        if failing:
            head.append(f"  (FAIL: {', '.join(failing)})", style="bold #ffffff on #aa0000")
        if self.running:
            head.append("  checking OFN and the devices..." if "box" in self.running else "  checking the devices...")
        self.paint("#diagnostics-head", head)
        table = Table(box=None, show_header=False, pad_edge=False, expand=True)
        table.add_column(width=4, no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        for check in checks:
            label, style = LEVELS.get(check.verdict, (check.verdict.upper(), ""))
            message = Text(check.message)
            if check.driver:
                message.append(f"\n{check.driver}", style="#00aaaa")
            table.add_row(Text(label, style=style), Text(check.device, style="bold"), message)
        self.paint("#verdict-list", table)

    # -- the scale and the scanner ---------------------------------------------------------------

    def on_weight(self, reading: Reading) -> None:
        self.show_reading(reading)

    def show_reading(self, reading: Reading | None) -> None:
        text = Text("Scale, live\n", style="bold")
        if self.checkout.devices.scale is None:
            text.append("no scale on this till")
        elif reading is None:
            text.append("no reading yet")
        else:
            text.append(describe(reading) + "\n")
            text.append(f"raw {reading.raw.hex(' ') or '(nothing)'}"[:80], style="#00aaaa")
        self.paint("#scale-live", text)

    def on_scan(self, code: str) -> None:
        self.test_code(code)

    def action_test_scan(self) -> None:
        code = self.query_one(Entry).take_code(self.checkout.monotonic())
        if code:
            self.test_code(code)
        else:
            self.say("Scan a product, or type its code and press Enter: nothing is sold here")

    def test_code(self, code: str) -> None:
        """What a sale would do with the code, without selling: how it reads, the product, its price,
        how it was found; the whole message and what to do on the message line."""
        fmt = self.checkout.fmt
        found = self.checkout.counter.lookup.read(code)
        kind = found.scan.kind.value.replace("_", " ")
        hints: tuple[str, ...] = ()
        if isinstance(found, Match):
            per_kg = " per kg" if found.variant.priced_by.value == "weight" else ""
            label = f", label {found.weight_g} g" if found.weight_g else ""
            label += f", label price {found.price}" if found.price is not None else ""
            made = (
                f"{kind}: {found.variant.name}, {fmt.money(found.variant.price)}{per_kg} (by {found.via.value}{label})"
            )
            said, level = f"{found.scan.shown}: {made}", "ok"
        elif isinstance(found, Ambiguous):
            made = f"{kind}: {len(found.variants)} products share it: {', '.join(v.name for v in found.variants[:3])}"
            said, level = found.message, "warn"
        else:
            why = f" ({found.scan.reason})" if found.scan.reason else ""
            made = f"{kind}: nothing to sell{why}"
            said, level, hints = found.message, "warn", found.hints
        self.scans = [(found.scan.shown, made), *self.scans][:SCANS_KEPT]
        self.show_scans()
        self.say(said, level, hints)

    def show_scans(self) -> None:
        text = Text("Scanner test: the last scans", style="bold")
        if not self.scans:
            text.append("\nscan something: nothing is sold here", style="")
        for code, made in self.scans:
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            line.append(f"{code}  ", style="bold")
            line.append(made)
            line.truncate(SCAN_WIDTH, overflow="ellipsis")
            text.append("\n")
            text.append_text(line)
        self.paint("#scan-test", text)

    # -- the printer and the drawer --------------------------------------------------------------

    def action_test_page(self) -> None:
        queue = self.checkout.devices.printer
        if queue is None:
            self.say("This till has no printer (devices.printer in the config)", "warn")
            return
        printer = queue.printer
        code_page = (
            f"{printer.code_page.name} (ESC t {printer.code_page.number})" if isinstance(printer, Printer) else ""
        )
        job = queue.submit(sample_page(self.checkout.print_columns, code_page), "Test page")
        state = queue.snapshot().printer
        if state in ("ready", "unknown"):
            self.say(f"Test page sent to the print queue (job {job})", "ok")
        else:
            self.say(f"Printer {state}: the test page waits, and prints once it is fixed", "warn")

    def action_kick_drawer(self) -> None:
        """A drawer opened for a test is a drawer opened without a sale: a manager allows it, and the
        journal records it (``no_sale``, with who allowed it), as the manager's menu does."""
        self.checkout.approve("open the drawer", self._kick)

    def _kick(self, allowed_by: str) -> None:
        checkout = self.checkout
        drawer = checkout.devices.drawer
        if drawer is None:
            self.say("This till kicks no drawer (devices.drawer.kick): open it with its key", "warn")
            return
        cashier = checkout.counter.cashier or allowed_by or "Cashier"
        if not self.attempted(lambda: checkout.till.record_no_sale(cashier, allowed_by)):
            return
        log.info("drawer kicked from the diagnostics by %s, allowed by %s", cashier, allowed_by or "nobody set up")
        self.run_worker(lambda: self._open(drawer), thread=True, group="drawer", exit_on_error=False)
        allowed = f", allowed by {allowed_by}" if allowed_by else ""
        self.say(f"Drawer kicked{allowed}: recorded in the journal as opened without a sale", "ok")

    def _open(self, drawer: Drawer) -> None:
        """In a worker thread: a relay's pulse blocks for its length."""
        try:
            drawer.open()
        except Exception:
            log.exception("kicking the drawer failed")
            self.post_message(Failed("The drawer did not open: check its cable (details in the log)"))

    def on_failed(self, message: Failed) -> None:
        self.say(message.text, "error")

    def action_check_again(self) -> None:
        self.check()
        self.say("Checking again")

    # -- moving about ----------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.query_one(Entry).backspace():
            return
        self.app.pop_screen()

    def action_up(self) -> None:
        self.query_one("#verdicts", VerticalScroll).scroll_up(animate=False)

    def action_down(self) -> None:
        self.query_one("#verdicts", VerticalScroll).scroll_down(animate=False)

    def action_help(self) -> None:
        self.checkout.show_help(self)
