"""The ESC/POS command bytes the driver writes itself rather than through python-escpos.

The prefixes are shared by the code page, the renderer and the status request; the drawer kick
is built here because its timing (a rest after the pulse) is ours, not python-escpos's.
"""

from __future__ import annotations

ESC = b"\x1b"
GS = b"\x1d"
DLE_EOT = b"\x10\x04"

#: Drawer kick OFF time, 2 ms units: 500 ms. Drawers that get a pulse with no rest after it open
#: every second time only; 50 ms on / 500 ms off is the pair reported to work.
KICK_OFF_UNITS = 250


def kick_bytes(pin: str, pulse_ms: int) -> bytes:
    """``ESC p m t1 t2`` for pin 2 (m=0), pin 5 (m=1) or both, ON for ``pulse_ms``, then 500 ms OFF.

    t1 and t2 count 2 ms units. Both pins are kicked when the wiring is unknown, as Odoo does: a
    drawer answers on one of them.
    """
    on = max(1, min(255, round(pulse_ms / 2)))
    off = max(on, KICK_OFF_UNITS)
    pins = {"2": (0,), "5": (1,), "both": (0, 1)}[pin]
    return b"".join(ESC + b"p" + bytes([m, on, off]) for m in pins)
