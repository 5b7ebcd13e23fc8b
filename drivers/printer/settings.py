"""How a printer is set up: a module of its own so that building a printer imports no renderer.

The counter builds its printer at start and prints nothing before its first frame; the renderer
(``render``) and the print document it reads are imported with the first print (driver.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrinterSettings:
    """How this till's printer is set up (devices.printer and devices.drawer of the config)."""

    profile: str = "default"
    columns: int = 42
    drawer_pin: str = "both"  # "2", "5" or "both"
    pulse_ms: int = 50
    qr_native: bool | None = None  # None: as the profile says
