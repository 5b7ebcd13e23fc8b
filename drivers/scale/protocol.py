"""What every scale protocol provides, so the serial driver can speak any of them.

A protocol is data (its serial settings, its request bytes) plus pure functions over bytes (find a
frame in a buffer, decode it), plus a short conversation written against a ``Wire``. Keeping the
decoding pure means it is tested with recorded and generated frames, without a port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from .reading import CommandResult, Reading, Unsupported
from .wire import FrameError, Framing, Wire

__all__ = ["Command", "FrameError", "Framing", "ScaleProtocol", "SerialSettings"]

Command = Literal["zero", "tare", "clear_tare"]


@dataclass(frozen=True)
class SerialSettings:
    baudrate: int
    bytesize: int
    parity: str  # pyserial's letters: "N", "E", "O"
    stopbits: int = 1

    def describe(self) -> str:
        return f"{self.baudrate} baud {self.bytesize}{self.parity}{self.stopbits}"


class ScaleProtocol:
    """Base of the protocol classes; one instance per scale (some keep per-connection memory)."""

    name: str = ""
    title: str = ""
    settings: SerialSettings = SerialSettings(9600, 8, "N")
    commands: frozenset[str] = frozenset()
    #: the ``devices.scale`` keys this protocol takes, passed to its constructor by name
    options: ClassVar[frozenset[str]] = frozenset()

    @property
    def mask(self) -> int:
        return 0x7F if self.settings.bytesize == 7 else 0xFF

    @property
    def expected(self) -> str:
        """What the scale must be set to speak, for messages: "Toledo 8217 at 9600 baud 7E1"."""
        return f"{self.title} at {self.settings.describe()}"

    def silent(self, wire: Wire, framing: Framing) -> Reading:
        """The reading when no frame came: why, from what did come (see ``Wire.silence``)."""
        return wire.silence(self.expected, framing)

    def weigh(self, wire: Wire) -> Reading:
        raise NotImplementedError

    def command(self, wire: Wire, command: Command) -> CommandResult:
        """Send zero/tare/clear-tare; only called for a command in ``commands``."""
        raise NotImplementedError

    def check_supports(self, command: Command) -> None:
        if command not in self.commands:
            raise Unsupported(f"{self.title} cannot {command.replace('_', ' ')} from the till: use the scale's own key")

    def probe(self, wire: Wire) -> bool:
        """True only if a well-formed reply of this protocol came back (never "no error, so yes")."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what was learnt on a connection that is gone."""
