"""The ESC/POS command bytes the driver writes itself rather than through python-escpos.

The prefixes are shared by the code page, the renderer and the status request; the drawer kick
is built here because its timing (a rest after the pulse) is ours, not python-escpos's, and the
print mode because python-escpos's sets the font back to A with every size change.
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


#: ``ESC !`` bits: bit 0 the font (A or B), bit 3 emphasised, bit 4 double height, bit 5 double width.
MODE_FONT_B, MODE_BOLD, MODE_DOUBLE = 0x01, 0x08, 0x30


def print_mode(font: int, *, bold: bool, double: bool) -> bytes:
    """``ESC ! n`` for the size and emphasis, keeping the font the paper width needs.

    ``ESC !`` sets every one of its bits at once, the font among them: sent with the font bit
    clear, it prints the rest of the receipt in font A, whose 42 columns wrap a 48-column layout.
    It can only say A or B, so a third font is selected again after it with ``ESC M``.
    """
    n = (MODE_FONT_B if font == 1 else 0) | (MODE_BOLD if bold else 0) | (MODE_DOUBLE if double else 0)
    return ESC + b"!" + bytes([n]) + (ESC + b"M" + bytes([font]) if font > 1 else b"")
