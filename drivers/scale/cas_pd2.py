"""CAS PD-II (and the PD-series scales set the same way): ``W`` asks, the weight comes back as a line.

Not the CAS ECR exchange (ENQ, DC1) that ``cas`` speaks: a PD-II left in this mode gives no answer
to it. What is known of this one, and from where (docs/scale.md lists the sources):

- 9600 baud, 7 data bits, even parity, 1 stop: the settings uniCenta and Chromis POS open the
  port with in their ``ScaleCASPDII`` drivers;
- the host sends ``W``; the scale answers with the weight in digits and a decimal point, ending
  with CR. (Those drivers read digits and ``.`` up to CR and start the number again on any other
  byte, so nothing but the number stands between its first digit and the CR; an STX in front of
  it, as in the Toledo frame, is skipped here too);
- the PD-II manual: after ``W`` the scale sends data whenever the weight changes, and stops when
  it receives CR. So the till sends ``CR W``: the CR ends a transmission the scale may still be
  in, the ``W`` starts a new one, whose first line is the weight now. A scale that answers each
  ``W`` once is not troubled by the CR.

The line carries no unit, no stability flag and no overload sign. So: three decimals are
kilograms and two are refused, as two mean pounds in the Toledo frame this copies; a leading
``-`` is under zero; and a weight counts as stable only when two readings in a row agree, since
a weighed line must never take a weight that is still moving. There are no zero or tare commands.
"""

from __future__ import annotations

import re

from .protocol import FrameError, Framing, ScaleProtocol, SerialSettings
from .reading import Reading, State, to_grams
from .wire import Span, Wire

CR = 0x0D
REQUEST = b"\rW"  # end any transmission in progress, then ask
LINE = re.compile(rb"[^\r\n]+\r")
WEIGHT = re.compile(rb"^\x02? *(-?) *(\d{1,4})\.(\d{2,3})$")
NUMBER_BYTES = b"0123456789. -"
FRAMING = Framing(b"\x02" + NUMBER_BYTES, 16, body=NUMBER_BYTES)  # STX, spaces, sign, 0000.000, CR
SETTLING = "settling: the scale sends no stability flag, so the till waits for two equal readings"


def find_frame(buffer: bytes) -> Span | None:
    """The first non-empty line ending in CR (an echoed ``CR W`` is skipped by the check)."""
    match = LINE.search(buffer)
    return None if match is None else match.span()


def parse(frame: bytes) -> int:
    """The grams a weight line says (negative under zero); FrameError for anything else."""
    body = bytes(byte & 0x7F for byte in frame).removesuffix(b"\r")
    match = WEIGHT.match(body)
    if match is None:
        raise FrameError(f"bad CAS PD-II weight {body!r}")
    sign, whole, decimals = match.groups()
    if len(decimals) == 2:
        raise FrameError("the scale sends two decimals (pounds, in the frame it copies): set its unit to kg")
    grams = to_grams(f"{whole.decode()}.{decimals.decode()}", "kg")
    if grams is None:  # pragma: no cover - the pattern only lets digits through
        raise FrameError(f"bad CAS PD-II weight {body!r}")
    return -grams if sign else grams


class CasPd2(ScaleProtocol):
    name = "cas-pd2"
    title = "CAS PD-II"
    settings = SerialSettings(9600, 7, "E")

    def __init__(self) -> None:
        self._last: int | None = None

    def weigh(self, wire: Wire) -> Reading:
        grams = wire.ask(REQUEST, find_frame, parse)
        if grams is None:
            self._last = None
            return self.silent(wire, FRAMING)
        settled, self._last = grams == self._last, grams
        if grams < 0:
            return Reading(State.UNDER_ZERO, grams, raw=wire.raw, detail="under zero")
        if not settled:
            return Reading(State.MOTION, grams, raw=wire.raw, detail=SETTLING)
        return Reading(State.STABLE, grams, raw=wire.raw)

    def probe(self, wire: Wire) -> bool:
        return wire.ask(REQUEST, find_frame, parse) is not None

    def reset(self) -> None:
        self._last = None
