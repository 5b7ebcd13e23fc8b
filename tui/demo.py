"""``ofn-checkout demo``: the whole box on one machine, in one terminal.

It starts the local OFN (the sandbox, a real HTTP server with the demo hub), writes a config for
lane 1 of that hub, sets up a training store with two people (cashier Chloé, PIN 1111; manager
Manon, PIN 9999, shown on the PIN screen) and opens a shift, fetches the catalogue and the
pickup orders once, starts the sync daemon, and simulates the devices: a Toledo scale on a pty, an
ESC/POS printer on a TCP port whose receipts are written as text to ``DIR/receipts.txt``, and the
keyboard as the scanner (a fast burst of keys ended by Enter is a scan). Then it runs the counter
app; when the app quits, everything it started is stopped.

:class:`DemoBox` is that set-up without the app, for ``replay --demo``, the end-to-end test and
the benchmarks.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from textual.binding import Binding

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.config import Config
from appliance.store.catalogue import all_variants
from appliance.till import Till
from drivers.assembly import Devices, build_devices
from drivers.printer_twin import PrinterTwin, TcpPrinter
from drivers.scale_twin import ScaleTwin

log = logging.getLogger(__name__)

DEMO_CASHIER = "Chloé"
DEMO_FLOAT = Decimal("150.00")
#: The demo's people (name, role, PIN), and what its PIN screen says of them; a real till shows no PIN.
DEMO_PEOPLE = ((DEMO_CASHIER, "cashier", "1111"), ("Manon", "manager", "9999"))
DEMO_PIN_NOTE = "demo: cashier 1111, manager 9999"
START_TIMEOUT = 30.0


class DemoError(click.ClickException):
    """Part of the demo did not start; the message says which and where its log is."""


@dataclass
class DemoBox:
    """The demo's parts, started by :meth:`start` and all stopped by :meth:`stop`."""

    data: Path
    sync_daemon: bool = True
    latency_ms: int = 20
    variants: int = 320
    keyboard_scanner: bool = True
    info: dict[str, Any] = field(default_factory=dict)
    config_path: Path = field(init=False)
    scale: ScaleTwin | None = field(default=None, init=False)
    printer: PrinterTwin | None = field(default=None, init=False)
    _stack: ExitStack = field(default_factory=ExitStack, init=False)
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list, init=False)

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def receipts(self) -> Path:
        return self.data / "receipts.txt"

    @property
    def logs(self) -> Path:
        return self.data / "logs"

    # -- life ------------------------------------------------------------------------------------

    def start(self) -> DemoBox:
        try:
            self.data.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.logs.mkdir(exist_ok=True, mode=0o700)
            self._start_sandbox()
            self._start_devices()
            self._write_config()
            self._prepare_store()
            self._sync_once()
            self._number_loose_goods()
            if self.sync_daemon:
                self._start_daemon()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        started = time.monotonic()
        for process in reversed(self._processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self._processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        log.info("demo processes stopped in %.2f s", time.monotonic() - started)
        self._stack.close()

    def __enter__(self) -> DemoBox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def config(self) -> Config:
        return config_module.load(self.config_path)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if hasattr(self, "config_path"):
            env["OFN_CHECKOUT_CONFIG"] = str(self.config_path)
        env["OFN_CHECKOUT_LOG_DIR"] = str(self.logs)
        env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(self.data)
        return env

    def devices(self) -> Devices:
        return build_devices(self.config().devices)

    # -- the parts -------------------------------------------------------------------------------

    def _spawn(self, args: list[str], sink: Path) -> subprocess.Popen[bytes]:
        """A child of the demo that dies with it, even when the demo is killed or its terminal closed."""
        with open(sink, "wb") as out:
            process = subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                start_new_session=True,  # a Ctrl-C in the app's terminal is the app's alone
                preexec_fn=_die_with_parent,
            )
        self._processes.append(process)
        return process

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "appliance.cli", *args]

    def _start_sandbox(self) -> None:
        out = self.logs / "sandbox.out"
        options = ["--data", str(self.data / "ofn"), "--latency-ms", str(self.latency_ms)]
        process = self._spawn(self._command("sandbox", *options, "--variants", str(self.variants)), out)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            first = out.read_text(encoding="utf-8", errors="replace").partition("\n")
            if first[1]:
                try:
                    self.info = json.loads(first[0])
                except ValueError:
                    raise DemoError(f"The sandbox did not start: see {out}") from None
                break
            if process.poll() is not None:
                raise DemoError(f"The sandbox stopped at start: see {out}")
            time.sleep(0.05)
        else:
            raise DemoError(f"The sandbox did not start within {START_TIMEOUT:.0f} s: see {out}")
        shown = dict(self.info, api_key="(hidden)")
        (self.data / "sandbox.json").write_text(json.dumps(shown) + "\n", encoding="utf-8")
        key = self.data / "api.key"
        key.touch(mode=0o600)
        key.write_text(str(self.info["api_key"]) + "\n", encoding="utf-8")

    def _start_devices(self) -> None:
        self.scale = self._stack.enter_context(ScaleTwin("toledo8217", self.data / "scale"))
        self.printer = PrinterTwin()
        wire = self._stack.enter_context(TcpPrinter(self.printer))
        self._printer_url = wire.url
        stop = threading.Event()
        watcher = threading.Thread(target=self._write_receipts, args=(stop,), name="demo-receipts", daemon=True)
        watcher.start()
        self._stack.callback(watcher.join, 2)
        self._stack.callback(stop.set)

    def _write_receipts(self, stop: threading.Event) -> None:
        """Every document the printer twin cuts goes to receipts.txt, as the paper would read."""
        assert self.printer is not None
        written = 0
        while not stop.is_set():
            with self.printer.printed:
                self.printer.printed.wait(0.3)
            pieces = self.printer.printout().pieces()
            done = pieces  # only pieces already cut off the roll
            if len(done) > written:
                with open(self.receipts, "a", encoding="utf-8") as out:
                    for piece in done[written:]:
                        out.write("\n".join(piece).rstrip() + "\n" + "-" * 42 + "\n")
                written = len(done)

    def _write_config(self) -> None:
        info = self.info
        others = [number for lane, number in info["lanes"].items() if lane != "1"]
        text = demo_config_text()
        text = (
            text.replace("/var/lib/ofn-checkout/demo.db", str(self.data / "till.db"))
            .replace("/var/lib/ofn-checkout/demo-api.key", str(self.data / "api.key"))
            .replace("http://127.0.0.1:8765", self.url)
            .replace("hub_id = 1", f"hub_id = {info['hub_id']}")
            .replace(
                "order_cycle_id = 1",
                f'order_cycle_id = {info["open_order_cycle_id"]}\ncounter_order = "{info["lanes"]["1"]}"\n'
                f"other_counter_orders = {json.dumps(others)}",
            )
        )
        text += f"""
[counter]
cashier = "{DEMO_CASHIER}"
keyboard_scanner = {str(self.keyboard_scanner).lower()}

[sync]
interval_s = 2
pickup_minutes = 1

[devices.scale]
enabled = true
port = "{self.data / "scale"}"
protocol = "toledo8217"

[devices.printer]
enabled = true
url = "{self._printer_url}"
columns = 42

[devices.drawer]
kick = "printer"
"""
        self.config_path = self.data / "config.toml"
        self.config_path.write_text(text, encoding="utf-8")
        config_module.load(self.config_path)  # a broken demo config says so here, not in the app

    def _prepare_store(self) -> None:
        config = self.config()
        till = Till.create(config, training=True) if not config.store_path.exists() else Till.open(config)
        try:
            if till.current_shift() is None:
                till.open_shift(DEMO_CASHIER, DEMO_FLOAT)
            if not till.has_people():
                for name, role, pin in sorted(DEMO_PEOPLE, key=lambda person: person[1] != "manager"):
                    till.add_person(name, role, pin, "the demo")
        finally:
            till.close()

    def _number_loose_goods(self) -> None:
        """PLU 1, 2… for the loose goods and the bread (no barcode on them), as a hub numbers its keys."""
        till = Till.open(self.config())
        try:
            loose = [variant.id for variant in all_variants(till.connection) if not variant.sku[:1].isdigit()]
            till.set_plus(dict(enumerate(sorted(loose)[:99], start=1)))
        finally:
            till.close()

    def _sync_once(self) -> None:
        result = subprocess.run(
            self._command("sync", "--once"), env=self.environment(), capture_output=True, timeout=120, check=False
        )
        if result.returncode not in (0, 1):
            (self.logs / "sync-once.out").write_bytes(result.stdout + result.stderr)
            raise DemoError(f"The first sync with the sandbox failed: see {self.logs / 'sync-once.out'}")

    def _start_daemon(self) -> None:
        self._spawn(self._command("sync"), self.logs / "sync.out")


def _die_with_parent() -> None:
    """Linux's parent-death signal: the child gets SIGTERM when the demo's process ends."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# -- the demo's own keys -------------------------------------------------------------------------

#: Short labels: with them the sale and payment screens' footers still fit 80 columns.
DEMO_BINDINGS = [
    Binding("f8", "demo_weigh", "Weigh", priority=True),
    Binding("f9", "demo_receipt", "Last receipt", priority=True),
]


def install_demo_actions(app: Any, box: DemoBox) -> None:
    """F8 puts a chosen weight on the simulated scale; F9 shows the last printed receipt."""
    from .screens.info import InfoScreen
    from .screens.prompt import PromptScreen

    def grams_of(text: str) -> int:
        if not text.isdigit() or int(text) > 30_000:
            raise ValueError("Type a weight in grams, 0 to 30000 (0 empties the pan)")
        return int(text)

    def weigh() -> None:
        def put(grams: int | None) -> None:
            if grams is not None and box.scale is not None:
                box.scale.show(grams)

        app.push(
            PromptScreen("Demo scale: grams on the pan, then Enter (0 empties it)", grams_of, hint="e.g. 734"),
            put,
        )

    def last_receipt() -> None:
        app.push(InfoScreen(f"Last receipt (all of them: {box.receipts})", last_printed(box.printer)))

    app.action_demo_weigh = weigh
    app.action_demo_receipt = last_receipt


def last_printed(printer: PrinterTwin | None) -> str:
    """The last document the printer twin cut off its roll, whole, as the paper reads.

    Taken from the twin, not from receipts.txt: a receipt's own rules are the same 42 dashes as the
    line between two documents there, so the file's last part after a rule was only the receipt's
    tail (the payment and the footer, without the goods)."""
    pieces = printer.printout().pieces() if printer is not None else []
    return "\n".join(pieces[-1]).rstrip() if pieces else "Nothing printed yet"


@click.command()
@click.option("--data", type=click.Path(path_type=Path), help="keep the demo's store, logs and receipts here")
@click.option("--scripted", is_flag=True, help="a scripted day of trading instead of the screen")
def demo(data: Path | None, scripted: bool) -> int:
    """The counter against the local OFN sandbox, with a simulated scale and printer."""
    if scripted:
        script = Path(__file__).resolve().parent.parent / "sandbox" / "scripted-day.sh"
        if not script.exists():
            raise click.ClickException(f"The scripted day needs the project's source tree ({script} is missing)")
        return subprocess.call(["bash", str(script)])
    own = data is None
    folder = data or Path(tempfile.mkdtemp(prefix="ofn-checkout-demo-"))
    try:
        return _run_demo(folder.absolute())
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)


def _run_demo(folder: Path) -> int:
    from appliance.cli.logs import setup_logging

    from .start import RUN_OPTIONS, make_app

    click.echo(f"Starting the demo in {folder} (sandbox, sync daemon, scale and printer twins)…", err=True)
    os.environ["OFN_CHECKOUT_LOG_DIR"] = str(folder / "logs")
    with DemoBox(folder) as box:
        log_path = setup_logging("counter")
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)
        config = box.config()
        till = Till.open(config)
        try:
            with box.devices() as devices:
                app = make_app(
                    till,
                    config,
                    devices,
                    log_path=log_path,
                    extra_bindings=DEMO_BINDINGS,
                    pin_note=DEMO_PIN_NOTE,
                    **RUN_OPTIONS,
                )
                install_demo_actions(app, box)
                app.run()
                stopping = time.monotonic()
                log.info("the app has stopped; stopping the devices")
        finally:
            till.close()
        log.info("devices stopped in %.2f s; stopping the sandbox and the sync daemon", time.monotonic() - stopping)
    log.info("the demo stopped %.2f s after the app", time.monotonic() - stopping)
    click.echo(f"Demo stopped. Receipts: {box.receipts}", err=True)
    return app.return_code or 0
