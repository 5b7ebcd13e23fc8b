"""The counter on this box's store and devices: what ``ofn-checkout run`` starts.

:func:`make_app` builds the app from a config, an open till and devices; the command, the demo,
``replay`` and the tests all build it there, so they run the same app. :func:`start_counter` is
the command's body, apart from its options (tui/run.py, with click) so that the console script
starts the counter without importing click (tui/command.py).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TypedDict

from appliance import config as config_module
from appliance.config import Config
from appliance.till import Till
from drivers.devices import Devices

from .app import CheckoutApp
from .collector import collector_paused

log = logging.getLogger(__name__)


#: What the till's own process asks of the app beyond the tests' defaults: freeze what start-up
#: built, once the first frame is out and the devices answered (tui/app.freeze_start_up).
class RunOptions(TypedDict):
    freeze_after: float


RUN_OPTIONS: RunOptions = {"freeze_after": 2.0}

#: Libraries the first frame has no use for, left until they are needed: the printer's (and the
#: imaging, barcode and QR code libraries it pulls in) and the other drivers' (GPIO, evdev), built
#: after the first frame (tui/app.py); the GS1 parser (the first scan of a GS1 code loads it); the
#: HTTP stack (the UI never talks to OFN); sqlite-utils with its dateutil and pluggy (a store at this
#: version's level opens without the migration library); click (the kiosk's command line is read
#: without it: tui/command.py). tests/test_counter_footprint.py holds the start to it, and
#: bench/counter_start.py --imports names any of them a start imported.
NOT_AT_START = (
    "escpos",
    "PIL",
    "qrcode",
    "barcode",
    "biip",
    "httpx",
    "httpcore",
    "gpiozero",
    "evdev",
    "sqlite_utils",
    "dateutil",
    "pluggy",
    "click",
)


def make_app(
    till: Till,
    config: Config,
    devices: Devices | None = None,
    *,
    cashier: str = "",
    log_path: Path | None = None,
    **options: object,
) -> CheckoutApp:
    return CheckoutApp(till, config, devices, cashier=cashier, log_path=log_path, **options)  # type: ignore[arg-type]


def start_counter(config_path: Path | None, cashier: str, kiosk: bool) -> int:
    """The counter screen until it ends; its exit code."""
    from appliance.cli.logs import setup_logging

    # The start-up (the store, the devices, the screens) runs with Python's cyclic collector paused,
    # as the loading of the command did (appliance/cli/main.py): what it builds lives as long as the
    # till. The app collects once, freezes it and starts the collector again (freeze_start_up).
    with collector_paused():
        log_path = setup_logging("counter")
        config = config_module.load(config_module.resolve_path(config_path))
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(config.store_path.parent))
        till = Till.open(config)
        try:  # the app builds the devices once its first frame is out, and closes them (tui/app.py)
            app = make_app(
                till,
                config,
                cashier=cashier,
                log_path=log_path,
                kiosk=kiosk,
                device_sections=config.devices,
                **RUN_OPTIONS,
            )
            app.run()
        finally:
            till.close()
    return app.return_code or 0
