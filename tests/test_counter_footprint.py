"""What the counter costs: the libraries it must not load before its first frame.

The figures are in docs/benchmarks.md (bench/counter_start.py); these tests hold the behaviour the
figures rest on, not a timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from appliance.till import Till
from drivers.printer_twin import PrinterTwin, TcpPrinter
from drivers.scale_twin import ScaleTwin

ROOT = Path(__file__).resolve().parents[1]

#: Libraries the first frame has no use for: the printer's (and the imaging, barcode and QR code
#: libraries it pulls in), the GS1 parser, the HTTP stack, GPIO (the drawer here hangs off the printer).
NOT_AT_START = ("escpos", "PIL", "qrcode", "barcode", "biip", "httpx", "httpcore", "gpiozero")

FIRST_FRAME = f"""
import asyncio, sys

import appliance.cli.main
from appliance import config as config_module
from appliance.till import Till
from drivers.assembly import build_devices
from tui.run import make_app
from tui.screens.sale import SaleScreen


async def first_frame():
    config = config_module.load(config_module.resolve_path(None))
    till = Till.open(config)
    try:
        with build_devices(config.devices) as devices:
            app = make_app(till, config, devices)
            async with app.run_test(size=(80, 25)) as pilot:
                for _ in range(500):
                    if isinstance(app.screen, SaleScreen) and app.screen.query("Footer"):
                        break
                    await pilot.pause(0.01)
                else:
                    sys.exit("the sale screen never showed")
                await pilot.pause(0.3)  # the bridge's first reads of the printer, scale and sync state
    finally:
        till.close()


asyncio.run(first_frame())
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}} & set({NOT_AT_START!r}))))
"""


def test_the_counter_reaches_its_first_frame_without_the_printer_gs1_http_or_gpio_libraries(
    till: Till, config_file: Path, tmp_path: Path
) -> None:
    """Built as ``ofn-checkout run`` builds it, on a box with a printer, a drawer kicked through it,
    a scale and a serial scanner: none of those libraries is loaded until a receipt is printed, a
    GS1 code is scanned or a GPIO part is built."""
    scanner_master, scanner_slave = os.openpty()
    try:
        with ScaleTwin("toledo8217", tmp_path / "scale"), TcpPrinter(PrinterTwin()) as printer:
            with open(config_file, "a", encoding="utf-8") as out:
                out.write(
                    f'\n[devices.printer]\nenabled = true\nurl = "{printer.url}"\n'
                    '\n[devices.drawer]\nkick = "printer"\n'
                    f'\n[devices.scale]\nenabled = true\nport = "{tmp_path / "scale"}"\n'
                    f'\n[devices.scanner]\nenabled = true\nserial_port = "{os.ttyname(scanner_slave)}"\n'
                )
            env = {**os.environ, "OFN_CHECKOUT_CONFIG": str(config_file)}
            result = subprocess.run(
                [sys.executable, "-c", FIRST_FRAME], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
            )
    finally:
        os.close(scanner_master)
        os.close(scanner_slave)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [], f"loaded before the first frame: {result.stdout.strip()}"
