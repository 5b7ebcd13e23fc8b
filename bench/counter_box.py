"""A box for the counter benchmarks: config, store and devices as the box has them, and the app and
the bare baseline started on a pty.

The store holds a big hub's catalogue built with the catalogue code (``bench/scan.py``'s shape:
packaged goods with an EAN-13, weighed goods sold from a scale's label, …) and an open shift.
The devices are the simulated twins the demo uses, speaking the real bytes: a Toledo scale on a
pty and an ESC/POS printer on a TCP port, both served from the benchmark's process. The keyboard
doubles as the scanner (``[counter] keyboard_scanner = true``), so a scan is a burst of digits
ended by Enter written into the app's terminal, as a keyboard-wedge scanner types it.

The app is the real command, ``ofn-checkout run --config …``, exec'd on the pty.
"""

from __future__ import annotations

import os
import random
import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bare_app import READY as BARE_READY  # noqa: F401  (the benchmarks take it from here)
from terminal import PtyProgram

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.store.catalogue import Variant, upsert_variants
from appliance.store.database import write_transaction
from appliance.till import Till
from drivers.printer_twin import PrinterTwin, TcpPrinter
from drivers.scale_twin import ScaleTwin

VENV_BIN = Path(sys.executable).parent
BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
#: The sale screen's entry with nothing typed: its hint.
SALE_IDLE_HINT = "scan, or type a code and press Enter"
#: What the sale screen's first interactive frame shows: the entry's hint and the footer's keys.
SALE_READY = (SALE_IDLE_HINT, "Pay")
NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Product:
    """A product the benchmark scans: the code the scanner sends and the name the screen shows."""

    code: str
    name: str
    whole: bool = True  # the name is whole (not the start of a longer one)

    @property
    def shown(self) -> re.Pattern[str]:
        """The name on screen; a whole one is not found in a longer one ("Product 12", "Product 123")."""
        return re.compile(re.escape(self.name) + (r"(?![0-9])" if self.whole else ""))


def terminal_env(term: str, log_dir: Path) -> dict[str, str]:
    """The environment of an app on the pty: ``TERM``, 80 x 25, logs in ``log_dir``; Textual's own
    settings as the box has them (none), except ``TEXTUAL_FPS`` when the benchmark's caller set it.

    ``PYTHONDONTWRITEBYTECODE`` is left out too: the box's install compiles every module, and a
    shell that sets it (some containers do) made each start compile the modules changed since the
    last run, 30-80 ms of a start that no box pays."""
    fps = os.environ.get("TEXTUAL_FPS")
    left_out = ("TEXTUAL", "PYTHONPROFILE", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if not key.startswith(left_out)}
    env.update(TERM=term, COLUMNS="80", LINES="25", OFN_CHECKOUT_LOG_DIR=str(log_dir))
    if fps:
        env["TEXTUAL_FPS"] = fps
    env.pop("NO_COLOR", None)
    return env


def catalogue(count: int, rng: random.Random) -> tuple[list[Variant], list[Product]]:
    """The big hub's catalogue of ``bench/scan.py``, and a scan code for each product the screen
    shows by a unique name: EAN-13 packaged goods (some held as UPC-A) and weighed goods sold from
    a scale's label with the weight or the price in it (added at once, no wait for the scale)."""
    from scan import PRICE, WEIGHT
    from scan import catalogue as scan_catalogue

    variants, _ = scan_catalogue(count, rng)
    products = []
    for variant in variants:
        sku = variant.sku
        if not sku.isdigit():
            continue
        if len(sku) == 13 and sku.startswith("3"):
            code = sku
        elif len(sku) == 12:
            code = "0" + sku
        elif len(sku) == 5 and sku.isdigit():
            rule = WEIGHT if rng.random() < 0.5 else PRICE
            code = rule.encode(sku, rng.randint(50, 5000))
        else:
            continue
        products.append(Product(code, variant.name))
    return variants, products


@dataclass
class CounterBox:
    """A config, a store with an open shift and the devices' twins, in ``directory``."""

    directory: Path
    config_path: Path
    products: list[Product]
    scale: ScaleTwin
    exe: Path = VENV_BIN / "ofn-checkout"  # another install's, to time it against this one

    @property
    def log_dir(self) -> Path:
        return self.directory / "logs"

    def app_argv(self) -> list[str]:
        return [str(self.exe), "run", "--config", str(self.config_path)]

    def start_app(self, term: str = "linux") -> PtyProgram:
        return PtyProgram(self.app_argv(), terminal_env(term, self.log_dir), cwd=self.directory)


def config_text(directory: Path, scale_port: Path, printer_url: str, scanner_port: str | None = None) -> str:
    text = (
        demo_config_text()
        .replace("/var/lib/ofn-checkout/demo.db", str(directory / "till.db"))
        .replace("/var/lib/ofn-checkout/demo-api.key", str(directory / "api.key"))
    )
    if scanner_port:
        text += f"""
[devices.scanner]
enabled = true
serial_port = "{scanner_port}"
"""
    return (
        text
        + f"""
[counter]
cashier = "Bench"
keyboard_scanner = true

[devices.scale]
enabled = true
port = "{scale_port}"
protocol = "toledo8217"

[devices.printer]
enabled = true
url = "{printer_url}"
columns = 42

[devices.drawer]
kick = "printer"
"""
    )


@contextmanager
def counter_box(
    directory: Path, variants: int, *, scanner_port: str | None = None, seed: int = 1
) -> Iterator[CounterBox]:
    """The box, its store filled with ``variants`` variants; the twins stop when the block ends.

    ``scanner_port``: a serial port (a pty) the app reads as its USB-serial scanner.
    """
    rng = random.Random(seed)
    with ExitStack() as stack:
        scale = stack.enter_context(ScaleTwin("toledo8217", directory / "scale"))
        wire = stack.enter_context(TcpPrinter(PrinterTwin()))
        (directory / "logs").mkdir(exist_ok=True)
        key = directory / "api.key"
        key.touch(mode=0o600)
        key.write_text("not-used-by-the-counter\n", encoding="utf-8")
        config_path = directory / "config.toml"
        config_path.write_text(config_text(directory, directory / "scale", wire.url, scanner_port), encoding="utf-8")
        config = config_module.load(config_path)
        rows, products = catalogue(variants, rng)
        till = Till.create(config, training=True)
        try:
            till.open_shift("Bench", Decimal("150.00"))
            for start in range(0, len(rows), 2000):
                with write_transaction(till.db) as connection:
                    upsert_variants(connection, rows[start : start + 2000], NOW)
        finally:
            till.close()
        rng.shuffle(products)
        yield CounterBox(directory, config_path, products, scale)


def start_bare(directory: Path, term: str = "linux") -> PtyProgram:
    return PtyProgram([sys.executable, str(BARE_APP)], terminal_env(term, directory / "logs"), cwd=directory)


def wait_ready(program: PtyProgram, *texts: str, timeout: float = 60.0) -> float:
    """Seconds from exec to the first frame that shows ``texts``."""
    return program.wait_for(*texts, timeout=timeout) - program.started


def load() -> str:
    """The machine's load while the benchmark ran: other work shares the cores."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"
