"""One exchange with a scale: send a request, then collect bytes until a frame shows up or time runs out.

Scales in the field answer late, in pieces, with line noise around the answer, and some USB
adapters loop back what the host sends. So a reply is never "the next N bytes": every protocol
gives a finder that locates a complete frame anywhere in what has arrived, the wire keeps reading
until the finder succeeds or the deadline (monotonic) passes, and whatever came before the frame
is skipped and looked at only to notice an echo. When no frame comes, what did come says why:
nothing (the scale is off or deaf), only our echo, the start of a frame cut short, or garbage:
bytes that hold no frame of the protocol at all, as a scale set to another baud rate sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .reading import RAW_KEPT, Reading, error, garbled, no_answer

Span = tuple[int, int]
Finder = Callable[[bytes], Span | None]
Check = Callable[[bytes], object]
Parsed = TypeVar("Parsed")


class FrameError(ValueError):
    """A frame arrived but does not decode: its text says why, for the log."""


BUFFER_LIMIT = 4096  # a device that babbles without ever framing must not grow memory


@dataclass(frozen=True)
class Framing:
    """How one kind of reply begins and how long it may be: what tells a reply cut short from garbage.

    ``starts``: the bytes a reply can begin with; ``longest``: the most bytes one reply takes;
    ``body``: the only bytes that may follow its start (None: any), for replies with no marker.
    """

    starts: bytes
    longest: int
    body: bytes | None = None

    def cut_short(self, data: bytes) -> bool:
        """Whether ``data`` is no longer than one reply and ends in the beginning of one."""
        if len(data) > self.longest:
            return False  # more than a whole reply, and no reply in it
        for index in range(len(data) - 1, -1, -1):
            if data[index] in self.starts:
                return self.body is None or all(byte in self.body for byte in data[index + 1 :])
        return False


class Port(Protocol):
    """What an exchange needs of a pyserial port (tests may pass anything with these)."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...


class Wire:
    """The port as seen by one exchange: bounded by ``deadline`` on ``clock``.

    ``mask`` strips bit 7 on 7-bit protocols: a real 7E1 UART hands over 7 data bits, but a
    port left at 8N1 (or a pty in tests) delivers the parity bit too, and the frames must decode
    the same either way.
    """

    def __init__(self, port: Port, deadline: float, clock: Callable[[], float], *, mask: int = 0xFF):
        self._port = port
        self._deadline = deadline
        self._clock = clock
        self._mask = mask
        self._pending = bytearray()
        self.received = bytearray()
        self.last_request = b""
        self.echo_seen = False
        self.rejected = ""  # why the last frame-shaped noise was refused, reported if nothing better comes
        self._scanned = 0  # bytes of the buffer already known to hold no acceptable frame start

    def send(self, request: bytes) -> None:
        self.last_request = request
        self._port.write(request)

    def expect(self, find: Finder, check: Check | None = None) -> bytes | None:
        """The first complete frame ``find`` locates and ``check`` accepts, or None at the deadline.

        A frame that ``check`` rejects (raises FrameError) is line noise that happened to look like
        a frame: the search resumes one byte after its start, so the real frame behind it is found.
        """
        while True:
            span = self._search(find, check)
            if span is not None:
                return self._take(span)
            if self._clock() >= self._deadline:
                return None
            chunk = self._port.read(max(1, self._port.in_waiting))
            if chunk:
                self._add(chunk)

    def ask(self, request: bytes, find: Finder, parse: Callable[[bytes], Parsed]) -> Parsed | None:
        """Send ``request`` and return its reply parsed, or None at the deadline (then see ``silence``).

        ``parse`` is also the frame check: a frame it refuses is noise and the search goes on, so
        the frame returned always parses.
        """
        self.send(request)
        frame = self.expect(find, parse)
        return None if frame is None else parse(frame)

    def silence(self, expected: str, framing: Framing) -> Reading:
        """No usable frame in time: say whether nothing came, only our echo, a broken reply, or garbage.

        ``expected`` names the protocol and serial settings the till speaks ("Toledo 8217 at 9600
        baud 7E1"); ``framing`` describes the reply that was awaited. A reply cut short is waited
        for next time (``no_answer``); a run that looked like a frame but did not decode is an
        ``error`` with the reason; anything else that came is ``garbled``: the scale talks, but not
        the configured protocol at the configured speed, so asking if it is switched on would mislead.
        """
        left = bytes(self._pending)
        if not left:
            return no_answer(self.raw, f"the scale did not answer (is it on, and set to {expected}?)")
        if self.last_request:
            left = left.replace(self.last_request, b"")
            if not left:
                self.echo_seen = True
                return no_answer(
                    self.raw,
                    "only the echo of the request came back: the cable or adapter loops back what it is "
                    f"sent and the scale is not answering (is it on, and set to {expected}?)",
                )
        if len(left) <= framing.longest and self.rejected:
            return error(self.raw, self.rejected)
        if framing.cut_short(left):
            return no_answer(self.raw, "the reply was incomplete when time ran out")
        seen = f"; {self.rejected}" if self.rejected else ""
        return garbled(
            self.raw, f"the scale answers garbage: check its baud rate and protocol (the till speaks {expected}{seen})"
        )

    def _search(self, find: Finder, check: Check | None) -> Span | None:
        while True:
            offset = self._scanned
            span = find(bytes(self._pending[offset:]))
            if span is None:
                return None
            start, end = span[0] + offset, span[1] + offset
            if check is None:
                return start, end
            try:
                check(bytes(self._pending[start:end]))
            except FrameError as exc:
                self.rejected = str(exc)
                self._scanned = start + 1
                continue
            return start, end

    @property
    def raw(self) -> bytes:
        return bytes(self.received[-RAW_KEPT:])

    def _add(self, chunk: bytes) -> None:
        if self._mask != 0xFF:
            chunk = bytes(b & self._mask for b in chunk)
        self._pending += chunk
        self.received += chunk
        if len(self._pending) > BUFFER_LIMIT:
            del self._pending[: -BUFFER_LIMIT // 2]
            self._scanned = 0
        if len(self.received) > BUFFER_LIMIT:
            del self.received[: -BUFFER_LIMIT // 2]

    def _take(self, span: Span) -> bytes:
        start, end = span
        skipped = bytes(self._pending[:start])
        if self.last_request and skipped.startswith(self.last_request):
            self.echo_seen = True
        frame = bytes(self._pending[start:end])
        del self._pending[:end]
        self._scanned = 0
        return frame
