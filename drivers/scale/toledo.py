"""Mettler-Toledo 8217 ("Toledo", weight-only ECR protocol): Ariva-S, Viva, DIVA and clones.

9600 baud, 7 data bits, even parity, 1 stop. The host sends one uppercase letter, no terminator:

- ``W`` -> ``STX 01.234 CR`` (kg: three decimals), ``STX 01.234N CR`` when a tare is active.
  Some models pad the integer part (``STX 001.234 CR``). Two decimals means pounds.
- While the weight cannot be given (moving, over capacity, under zero) the reply to ``W`` is a
  status frame instead: ``STX ? s CR``, ``s`` one status byte:
  bit 0 motion, 1 over capacity, 2 under zero, 3 outside zero-capture range, 4 centre of zero,
  5 net, 6 always 1, 7 parity. ``?@`` is "nothing to report"; some scales send it in reply to
  ``W`` as long as the weight has not changed since they last sent it.
- ``Z`` zero, ``T`` tare, ``C`` clear tare: each answered by a status frame.
- Some scales that offer this protocol keep bit 5 always set (Ohaus and Rice Lake describe their
  "8213" status so: bits 5 and 6 always 1). Bit 5 then says nothing about a tare, and
  ``toledo_status_bit5 = "always-one"`` tells the driver so: a tare counts as taken when the
  scale then shows zero, a clear-tare when the scale took it without a motion or range refusal.
- ``E`` starts echo mode (the scale answers ``STX E CR`` and then echoes what it receives), ``F``
  ends it. That is the only exchange that proves an 8217 scale is there, so ``probe`` uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .protocol import Command, FrameError, Framing, ScaleProtocol, SerialSettings
from .reading import CommandResult, Reading, State, error, to_grams
from .wire import Span, Wire

STX, CR = 0x02, 0x0D
WEIGH, ZERO, TARE, CLEAR_TARE = b"W", b"Z", b"T", b"C"
PROBE, PROBE_REPLY, PROBE_END = b"Ehello", b"\x02E\rhello", b"F"
COMMANDS = {"zero": ZERO, "tare": TARE, "clear_tare": CLEAR_TARE}

MOTION, OVER, UNDER, OUTSIDE_ZERO_RANGE, CENTRE_OF_ZERO, NET, ALWAYS_SET = 1, 2, 4, 8, 16, 32, 64
STATUS_BIT5 = ("net", "always-one")
MOVING = "the scale is moving: wait until it settles, then try again"
NO_TARE = (
    "the scale took no tare: put the empty container on the pan first"  # what bit 5 of the status means on this scale
)
MAX_BODY = 12  # "?s", "001.234N": a longer run between STX and CR is noise
WEIGHT = re.compile(rb"^ *(\d{1,3})\.(\d{2,3})(N?)$")
FRAMING = Framing(bytes((STX,)), MAX_BODY + 2)


@dataclass(frozen=True)
class Reply:
    """A decoded 8217 frame: a weight, or a status byte (bit 7 already stripped)."""

    grams: int | None = None
    net: bool = False
    status: int | None = None


def find_frame(buffer: bytes) -> Span | None:
    """The first STX...CR, resynchronising on the latest STX before the CR (a stray STX is noise)."""
    start = buffer.find(STX)
    while start != -1:
        end = buffer.find(CR, start)
        if end == -1:
            return None
        start = buffer.rfind(STX, start, end)
        if end - start - 1 <= MAX_BODY:
            return start, end + 1
        start = buffer.find(STX, end)
    return None


def parse(frame: bytes) -> Reply:
    """Decode ``STX body CR``; raise FrameError with the reason if it is not an 8217 frame."""
    if len(frame) < 3 or frame[0] != STX or frame[-1] != CR:
        raise FrameError("not an 8217 frame (STX ... CR)")
    body = bytes(b & 0x7F for b in frame[1:-1])
    if body.startswith(b"?"):
        if len(body) != 2 or not body[1] & ALWAYS_SET:
            raise FrameError(f"bad 8217 status frame {body!r}")
        return Reply(status=body[1])
    match = WEIGHT.match(body)
    if not match:
        raise FrameError(f"bad 8217 weight {body!r}")
    whole, decimals, net = match.groups()
    if len(decimals) == 2:
        raise FrameError("the scale sends pounds (two decimals): set its unit to kg")
    grams = to_grams(f"{whole.decode()}.{decimals.decode()}", "kg")
    if grams is None:  # pragma: no cover - the pattern only lets digits through
        raise FrameError(f"bad 8217 weight {body!r}")
    return Reply(grams=grams, net=bool(net))


def reading_from(reply: Reply, raw: bytes, last_grams: int | None, *, net_bit: bool = True) -> Reading:
    """What a reply to ``W`` means for the till; ``last_grams`` covers scales that repeat as ``?@``.

    ``net_bit`` False: bit 5 is always set on this scale, so a status frame cannot say "net".
    """
    if reply.status is None:
        assert reply.grams is not None
        return Reading(State.STABLE, reply.grams, net=reply.net, raw=raw)
    status, net = reply.status, bool(reply.status & NET) and net_bit
    if status & OVER:
        return Reading(State.OVER_CAPACITY, net=net, raw=raw, detail="over capacity")
    if status & UNDER:
        return Reading(State.UNDER_ZERO, net=net, raw=raw, detail="under zero")
    if status & MOTION:
        return Reading(State.MOTION, net=net, raw=raw, detail="in motion")
    if status & CENTRE_OF_ZERO:
        return Reading(State.STABLE, 0, net=net, raw=raw, detail="centre of zero")
    if last_grams is not None:
        return Reading(State.STABLE, last_grams, net=net, raw=raw, detail="status only: weight unchanged")
    return error(raw, "the scale sent a status but never a weight: lift the goods and put them back")


class Toledo8217(ScaleProtocol):
    name = "toledo8217"
    title = "Toledo 8217"
    settings = SerialSettings(9600, 7, "E")
    commands = frozenset(COMMANDS)
    options = frozenset({"toledo_status_bit5"})

    def __init__(self, *, toledo_status_bit5: str = "net") -> None:
        if toledo_status_bit5 not in STATUS_BIT5:
            raise ValueError(f"toledo_status_bit5 must be one of {', '.join(STATUS_BIT5)}, not {toledo_status_bit5!r}")
        self.net_bit = toledo_status_bit5 == "net"
        self._last_grams: int | None = None

    def weigh(self, wire: Wire) -> Reading:
        reply = wire.ask(WEIGH, find_frame, parse)
        if reply is None:
            return self.silent(wire, FRAMING)
        reading = reading_from(reply, wire.raw, self._last_grams, net_bit=self.net_bit)
        self._last_grams = reading.grams if reading.state is State.STABLE else None
        return reading

    def command(self, wire: Wire, command: Command) -> CommandResult:
        self._last_grams = None  # whatever the outcome, the next weight must come from the scale
        reply = wire.ask(COMMANDS[command], find_frame, parse)
        if reply is None:
            return CommandResult(command, False, self.silent(wire, FRAMING).detail, wire.raw, answered=False)
        outcome = command_outcome(command, reply, wire.raw, net_bit=self.net_bit)
        if outcome.accepted and command == "tare" and not self.net_bit:
            return self._tare_shown(wire)
        return outcome

    def _tare_shown(self, wire: Wire) -> CommandResult:
        """With no net bit, a tare is seen on the display: it took if the scale now shows zero."""
        reply = wire.ask(WEIGH, find_frame, parse)
        if reply is None:
            return CommandResult("tare", False, self.silent(wire, FRAMING).detail, wire.raw, answered=False)
        shown = reading_from(reply, wire.raw, None, net_bit=False)
        if shown.state is State.MOTION:
            return CommandResult("tare", False, MOVING, wire.raw)
        if shown.state is not State.STABLE or shown.grams != 0:
            return CommandResult("tare", False, NO_TARE, wire.raw)
        return CommandResult("tare", True, "done", wire.raw)

    def probe(self, wire: Wire) -> bool:
        wire.send(PROBE)
        found = wire.expect(lambda buffer: _find_exact(buffer, PROBE_REPLY)) is not None
        if found:
            wire.send(PROBE_END)
        return found

    def reset(self) -> None:
        self._last_grams = None


def command_outcome(command: Command, reply: Reply, raw: bytes, *, net_bit: bool = True) -> CommandResult:
    """Read the status a scale sends after Z/T/C: it says whether the command took.

    Without a net bit (``net_bit`` False) the status cannot say whether a tare is set: the tare
    and the clear-tare are then judged on motion and range alone (and a tare on the display).
    """
    status = reply.status or 0  # a weight in reply: the scale did it and shows the result
    if status & MOTION:
        return CommandResult(command, False, MOVING, raw)
    if status & OVER:
        return CommandResult(command, False, "the scale is over capacity: take the goods off", raw)
    if status & UNDER:
        return CommandResult(command, False, "the scale is under zero: empty the pan, then zero it", raw)
    net = reply.net if reply.status is None else bool(status & NET) if net_bit else None  # None: cannot tell
    if command == "zero" and status & OUTSIDE_ZERO_RANGE:
        return CommandResult(command, False, "too far from zero to zero it: empty the pan first", raw)
    if command == "tare" and net is False:
        return CommandResult(command, False, NO_TARE, raw)
    if command == "clear_tare" and net is True:
        return CommandResult(command, False, "the tare is still set: wait until the scale settles", raw)
    return CommandResult(command, True, "done", raw)


def _find_exact(buffer: bytes, wanted: bytes) -> Span | None:
    index = buffer.find(wanted)
    return None if index == -1 else (index, index + len(wanted))
