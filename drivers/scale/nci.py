"""NCI / Avery Weigh-Tronix "SCP-01" (NCI 7800/6702, Brecknell, Avery 7821, B-TEK).

9600 baud, 7 data bits, even parity, 1 stop. Commands end with CR:

- ``W CR`` -> ``LF 0001.234kg CR LF hh.. CR ETX``: the weight as the display shows it (the
  decimal point moves with the scale's resolution; a leading ``-`` when negative; ``^^^^^^`` over
  capacity, ``______`` under capacity, ``------`` zero error), the unit, then two or more status
  bytes. Some firmware (the "SCP-02" variant) puts an ``S`` before the status bytes.
- ``S CR`` -> ``LF hh.. CR ETX`` (status only); ``Z CR`` zeroes, then answers like ``S``.
- an unknown command -> ``LF ? CR ETX``.

Status bytes keep bits 4 and 5 set (so they are printable, ``0``..``?``) and bit 7 for parity:
byte 1: bit 0 motion, 1 at zero, 2 RAM error, 3 EEPROM error, 6 always 0;
byte 2: bit 0 under capacity, 1 over capacity, 2 ROM error, 3 faulty calibration, 6 another byte follows;
byte 3 (optional): bits 0-1 range, 2 net, 3 initial zero error, 6 another byte follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .protocol import Command, FrameError, Framing, ScaleProtocol, SerialSettings
from .reading import CommandResult, Reading, State, error, to_grams
from .wire import Span, Wire

LF, CR, ETX = 0x0A, 0x0D, 0x03
WEIGH, STATUS, ZERO = b"W\r", b"S\r", b"Z\r"
FRAME = re.compile(rb"\n([^\n\r\x03]{1,24})\r(?:\n([^\n\r\x03]{1,8})\r)?\x03")
NUMBER = re.compile(r"^\s*(-?)\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]{1,2})\s*$")
DISPLAY_FLAG = re.compile(r"^\s*([\^_\-])\1{2,}\s*[A-Za-z]{0,2}\s*$")
ALWAYS_SET, FOLLOWS = 0x30, 0x40
FRAMING = Framing(bytes((LF,)), 1 + 24 + 1 + 1 + 8 + 1 + 1)  # LF field CR [LF status CR] ETX


@dataclass(frozen=True)
class Status:
    motion: bool = False
    at_zero: bool = False
    under: bool = False
    over: bool = False
    net: bool = False
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A decoded SCP-01 frame: ``field`` is the display text (None in a status-only frame)."""

    status: Status | None
    field: str | None = None
    unknown_command: bool = False


def find_frame(buffer: bytes) -> Span | None:
    """The first complete ``LF ... CR [LF ... CR] ETX``; an LF inside noise restarts the search."""
    match = FRAME.search(buffer)
    return None if match is None else match.span()


def parse_status(data: bytes) -> Status:
    """Decode the status bytes; their fixed bits make line noise easy to tell from a real status."""
    if data[:1] == b"S":
        data = data[1:]
    data = bytes(b & 0x7F for b in data)
    if len(data) < 2 or any(b & ALWAYS_SET != ALWAYS_SET for b in data) or data[0] & FOLLOWS:
        raise FrameError(f"bad SCP-01 status bytes {data!r}")
    chained = data[1:]
    if any(not b & FOLLOWS for b in chained[:-1]) or chained[-1] & FOLLOWS:
        raise FrameError(f"SCP-01 status bytes {data!r} do not chain")
    first, second = data[0], data[1]
    third = data[2] if len(data) > 2 else 0
    faults = [
        name
        for present, name in (
            (first & 4, "RAM error"),
            (first & 8, "EEPROM error"),
            (second & 4, "ROM error"),
            (second & 8, "faulty calibration"),
            (third & 8, "initial zero error"),
        )
        if present
    ]
    return Status(
        motion=bool(first & 1),
        at_zero=bool(first & 2),
        under=bool(second & 1),
        over=bool(second & 2),
        net=bool(third & 4),
        faults=tuple(faults),
    )


def parse(frame: bytes) -> Reply:
    match = FRAME.fullmatch(bytes(b & 0x7F for b in frame))
    if match is None:
        raise FrameError("not an SCP-01 frame (LF ... ETX)")
    first, second = match.groups()
    if second is not None:
        return Reply(parse_status(second), first.decode("ascii", "replace"))
    if first == b"?":
        return Reply(None, unknown_command=True)
    return Reply(parse_status(first))


def reading_from(reply: Reply, raw: bytes) -> Reading:
    """What a reply to ``W`` means for the till."""
    status = reply.status
    if status is None or reply.field is None:
        return error(raw, "the scale did not send a weight (it answered to another command)")
    if status.faults:
        return error(raw, f"the scale reports a fault ({', '.join(status.faults)}): have it serviced")
    flag = DISPLAY_FLAG.match(reply.field)
    grams: int | None = None
    if flag is None:
        number = NUMBER.match(reply.field)
        if number is None:
            return error(raw, f"unreadable weight {reply.field!r}")
        sign, digits, unit = number.groups()
        if unit.lower() not in ("kg", "g"):
            return error(raw, f"the scale sends {unit}: set its unit to kg")
        grams = to_grams(sign + digits, unit.lower())
    elif flag.group(1) == "-":
        return error(raw, "zero error: empty the pan and zero the scale")
    net = status.net
    if status.over or (flag is not None and flag.group(1) == "^"):
        return Reading(State.OVER_CAPACITY, grams, net=net, raw=raw, detail="over capacity")
    if status.under or (flag is not None and flag.group(1) == "_") or (grams is not None and grams < 0):
        return Reading(State.UNDER_ZERO, grams, net=net, raw=raw, detail="under zero")
    if grams is None:  # pragma: no cover - a flag field is either over, under or zero error
        return error(raw, f"unreadable weight {reply.field!r}")
    if status.motion:
        return Reading(State.MOTION, grams, net=net, raw=raw, detail="in motion")
    return Reading(State.STABLE, grams, net=net, raw=raw)


class NciScp01(ScaleProtocol):
    name = "nci"
    title = "NCI SCP-01"
    settings = SerialSettings(9600, 7, "E")
    commands = frozenset({"zero"})

    def weigh(self, wire: Wire) -> Reading:
        reply = wire.ask(WEIGH, find_frame, parse)
        if reply is None:
            return self.silent(wire, FRAMING)
        return reading_from(reply, wire.raw)

    def command(self, wire: Wire, command: Command) -> CommandResult:
        reply = wire.ask(ZERO, find_frame, parse)
        if reply is None:
            return CommandResult(command, False, self.silent(wire, FRAMING).detail, wire.raw, answered=False)
        status = reply.status
        if status is None:
            return CommandResult(command, False, "the scale does not take a zero command", wire.raw)
        if status.motion:
            return CommandResult(command, False, "the scale is moving: wait until it settles, then try again", wire.raw)
        if not status.at_zero:
            return CommandResult(command, False, "the scale did not zero: empty the pan first", wire.raw)
        return CommandResult(command, True, "done", wire.raw)

    def probe(self, wire: Wire) -> bool:
        reply = wire.ask(STATUS, find_frame, parse)
        return reply is not None and reply.status is not None
