"""CAS "ECR" protocol (CAS ER/SW series, a PD-II set to its "Samsung ECR" type, and the scales that copy it).

9600 baud, 8 data bits, no parity, 1 stop. One weight takes two steps:

1. host ``ENQ`` (0x05) -> scale ``ACK`` (0x06), or ``NAK`` (0x15) when it cannot answer now;
2. host ``DC1`` (0x11) -> ``SOH STX STA SIGN W W . W W W U U BCC ETX EOT`` (15 bytes):
   ``STA`` ``S`` stable or ``U`` unstable; ``SIGN`` space, ``-`` negative, ``F`` overflow;
   six characters of weight (``01.234``); the unit (``kg``); ``BCC`` a longitudinal parity check:
   the exclusive-or of the ten bytes from STA to the unit, as CAS's own manuals and the scales
   that copy them define it (``cas_bcc = "from-sta"``). Ohaus's manual defines it over "all
   characters except STX and ETX", which puts SOH in it too: that variant
   (``cas_bcc = "from-soh"``) is the same XOR with bit 0 flipped. Accepting both at once would let
   every error in bit 0 of one byte through (``01.234`` read as ``01.235``), so the variant is
   configured, and a frame that matches the other one says which setting to try.

The protocol has no zero or tare command: those are done on the scale's own keys.
"""

from __future__ import annotations

from functools import partial, reduce
from operator import xor

from .protocol import FrameError, Framing, ScaleProtocol, SerialSettings
from .reading import Reading, State, error, to_grams
from .wire import Span, Wire

SOH, STX, ETX, EOT = 0x01, 0x02, 0x03, 0x04
ENQ, ACK, NAK, DC1 = b"\x05", 0x06, 0x15, b"\x11"
FRAME_LENGTH = 15
UNITS = {b"kg": "kg", b" g": "g", b"g ": "g"}
BCC_VARIANTS = ("from-sta", "from-soh")  # the bytes the block check starts from
ANSWER_FRAMING = Framing(bytes((ACK, NAK)), 1)
FRAME_FRAMING = Framing(bytes((SOH,)), FRAME_LENGTH)


def find_answer(buffer: bytes) -> Span | None:
    """The first ACK or NAK; anything else before it (an echoed ENQ, noise) is skipped."""
    for index, byte in enumerate(buffer):
        if byte in (ACK, NAK):
            return index, index + 1
    return None


def find_frame(buffer: bytes) -> Span | None:
    """The first 15 bytes that start SOH STX and end ETX EOT; a false start is skipped."""
    start = buffer.find(bytes((SOH, STX)))
    while start != -1:
        end = start + FRAME_LENGTH
        if end > len(buffer):
            return None
        if buffer[end - 2] == ETX and buffer[end - 1] == EOT:
            return start, end
        start = buffer.find(bytes((SOH, STX)), start + 1)
    return None


def block_check(data: bytes) -> int:
    return reduce(xor, data, 0)


def expected_check(data: bytes, bcc: str) -> int:
    """The block check of the ten bytes STA..unit, counted from STA or (Ohaus's wording) from SOH."""
    return block_check(data) ^ (SOH if bcc == "from-soh" else 0)


def parse(frame: bytes, raw: bytes = b"", *, bcc: str = "from-sta") -> Reading:
    """Decode a weight frame; FrameError says what is wrong with a damaged one."""
    if len(frame) != FRAME_LENGTH or frame[:2] != bytes((SOH, STX)) or frame[-2:] != bytes((ETX, EOT)):
        raise FrameError("not a CAS weight frame (SOH STX ... ETX EOT)")
    data, sent = frame[2:12], frame[12]
    if sent != (wanted := expected_check(data, bcc)):
        other = next(variant for variant in BCC_VARIANTS if variant != bcc)
        advice = ""
        if sent == expected_check(data, other):
            advice = f"; it is the check {other}: if every frame says so, set devices.scale.cas_bcc = {other!r}"
        raise FrameError(f"CAS frame damaged (block check {wanted:02x}, frame says {sent:02x}){advice}")
    sta, sign, number, unit = data[0:1], data[1:2], data[2:8], data[8:10]
    if sta not in (b"S", b"U") or sign not in (b" ", b"-", b"F"):
        raise FrameError(f"bad CAS status {sta!r} / sign {sign!r}")
    raw = raw or frame
    if sign == b"F":
        return Reading(State.OVER_CAPACITY, raw=raw, detail="over capacity")
    if unit not in UNITS:
        raise FrameError(f"the scale sends {unit.decode('ascii', 'replace').strip()}: set its unit to kg")
    grams = to_grams(number.decode("ascii", "replace"), UNITS[unit])
    if grams is None or number.strip().startswith(b"-"):
        raise FrameError(f"bad CAS weight {number!r}")
    if sign == b"-":
        return Reading(State.UNDER_ZERO, -grams, raw=raw, detail="under zero")
    if sta == b"U":
        return Reading(State.MOTION, grams, raw=raw, detail="in motion")
    return Reading(State.STABLE, grams, raw=raw)


class CasEcr(ScaleProtocol):
    name = "cas"
    title = "CAS ECR"
    settings = SerialSettings(9600, 8, "N")
    options = frozenset({"cas_bcc"})

    def __init__(self, *, cas_bcc: str = "from-sta") -> None:
        if cas_bcc not in BCC_VARIANTS:
            raise ValueError(f"cas_bcc must be one of {', '.join(BCC_VARIANTS)}, not {cas_bcc!r}")
        self._parse = partial(parse, bcc=cas_bcc)

    def weigh(self, wire: Wire) -> Reading:
        wire.send(ENQ)
        answer = wire.expect(find_answer)
        if answer is None:
            return self.silent(wire, ANSWER_FRAMING)
        if answer[0] == NAK:
            return error(wire.raw, "the scale refused the request (NAK): it may be busy in a menu")
        wire.send(DC1)
        frame = wire.expect(find_frame, self._parse)
        if frame is None:
            return self.silent(wire, FRAME_FRAMING)
        return self._parse(frame, wire.raw)  # it parses: the wire's search checked it

    def probe(self, wire: Wire) -> bool:
        wire.send(ENQ)
        answer = wire.expect(find_answer)
        if answer is None or answer[0] != ACK:
            return False
        wire.send(DC1)
        return wire.expect(find_frame, self._parse) is not None  # only a frame that parses is found
