"""A serial scale: one configured protocol over a self-healing port, one blocking call per reading.

The UI calls ``read()`` from a worker thread a few times a second and gets a ``Reading`` back
within ``timeout`` whatever happens on the wire: a weight, a state the cashier must act on, or
``no_answer``. Nothing here raises for a device problem; unplugging the scale shows up as a
reading with ``connected=False`` and the next read after replugging returns the weight.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any, Protocol, TypeVar

import serial

from .link import Backoff, PortProblem, SerialLink
from .protocol import Command, ScaleProtocol, SerialSettings
from .reading import CommandResult, Reading, no_answer
from .wire import Wire

log = logging.getLogger(__name__)

#: The protocols by their config name, each the module and class that speaks it: a module is
#: imported when its protocol is used, so the counter's start loads only the configured one.
PROTOCOLS: dict[str, str] = {
    "toledo8217": "toledo:Toledo8217",
    "nci": "nci:NciScp01",
    "cas": "cas:CasEcr",
    "cas-pd2": "cas_pd2:CasPd2",
}
LINK_ERRORS = (OSError, termios.error)  # pyserial's SerialException is an OSError; tcflush raises termios.error
T = TypeVar("T")


class Scale(Protocol):
    """What the till needs of a scale; the serial driver is one, a test double may be another."""

    def read(self) -> Reading: ...

    def zero(self) -> CommandResult: ...

    def tare(self) -> CommandResult: ...

    def clear_tare(self) -> CommandResult: ...

    def close(self) -> None: ...


def protocol_named(name: str, **options: Any) -> ScaleProtocol:
    """The protocol ``name``, given those of ``options`` (``devices.scale`` keys) it takes."""
    protocol = protocol_class(name)
    return protocol(**{key: value for key, value in options.items() if key in protocol.options})


def protocol_class(name: str) -> type[ScaleProtocol]:
    """The class of the protocol ``name``, its module imported now (:data:`PROTOCOLS`)."""
    try:
        module, _, attribute = PROTOCOLS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown scale protocol {name!r}: use one of {', '.join(PROTOCOLS)}") from None
    protocol: type[ScaleProtocol] = getattr(import_module(f"{__package__}.{module}"), attribute)
    return protocol


def protocol_for(section: Mapping[str, Any], name: str | None = None) -> ScaleProtocol:
    """The protocol a ``[devices.scale]`` section configures (``name`` instead of its own, if given)."""
    protocol = protocol_class(name or section.get("protocol", "toledo8217"))
    return protocol(**{key: value for key, value in section.items() if key in protocol.options})


class SerialScale:
    """A scale on a serial port (USB virtual COM, USB-serial adapter or RS-232 HAT).

    ``opener``, ``clock`` and ``backoff`` are injected so tests can count reopen attempts and
    run backoff without waiting. Calls are serialised by a lock: a Zero key pressed while the
    poller reads waits for that read to finish instead of interleaving bytes on the wire.
    """

    def __init__(
        self,
        path: str,
        protocol: str | ScaleProtocol,
        *,
        timeout: float = 1.0,
        baudrate: int | None = None,
        opener: Callable[..., Any] = serial.Serial,
        clock: Callable[[], float] = time.monotonic,
        backoff: Backoff | None = None,
    ):
        self.protocol = protocol_named(protocol) if isinstance(protocol, str) else protocol
        settings = self.protocol.settings
        if baudrate is not None:
            settings = SerialSettings(baudrate, settings.bytesize, settings.parity, settings.stopbits)
        self.path = str(path)
        self.timeout = timeout
        self._clock = clock
        self._link = SerialLink(self.path, settings, opener=opener, clock=clock, backoff=backoff)
        self._lock = threading.Lock()
        self.echo_detected = False
        self.last_problem = ""  # why the port could not be used on the last call; "" when it could

    def __enter__(self) -> SerialScale:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._link.is_open

    def read(self) -> Reading:
        return self._exchange(self.protocol.weigh, _lost_reading)

    def zero(self) -> CommandResult:
        return self._command("zero")

    def tare(self) -> CommandResult:
        return self._command("tare")

    def clear_tare(self) -> CommandResult:
        return self._command("clear_tare")

    def probe(self) -> bool:
        """True only if this port answered with a well-formed reply of the configured protocol."""
        return self._exchange(self.protocol.probe, lambda raw, detail: False)

    def close(self) -> None:
        with self._lock:
            self._link.close()

    def _command(self, command: Command) -> CommandResult:
        """Zero/tare/clear; ``Unsupported`` (raised before any byte is sent) if the protocol has none."""
        self.protocol.check_supports(command)
        return self._exchange(
            lambda wire: self.protocol.command(wire, command),
            lambda raw, detail: CommandResult(command, False, detail, raw, answered=False, connected=False),
        )

    def _exchange(self, talk: Callable[[Wire], T], lost: Callable[[bytes, str], T]) -> T:
        with self._lock:
            deadline = self._clock() + self.timeout
            try:
                port = self._link.port()
            except PortProblem as problem:
                self.protocol.reset()
                self.last_problem = str(problem)
                return lost(b"", self.last_problem)
            wire = Wire(port, deadline, self._clock, mask=self.protocol.mask)
            try:
                port.reset_input_buffer()  # a late answer to an earlier request must not pass for this one
                result = talk(wire)
            except LINK_ERRORS as exc:
                self.protocol.reset()
                self.last_problem = self._link.drop(exc)
                return lost(wire.raw, self.last_problem)
            self.last_problem = ""
            if wire.echo_seen and not self.echo_detected:
                self.echo_detected = True
                log.warning("%s echoes what the till sends (cable or adapter loopback); echoes are skipped", self.path)
            return result


def _lost_reading(raw: bytes, detail: str) -> Reading:
    return no_answer(raw, detail, connected=False)


def open_scale(path: str, protocol: str | ScaleProtocol, **options: Any) -> SerialScale:
    """The scale the config names; the port opens on the first read, so this never fails on hardware."""
    return SerialScale(path, protocol, **options)


def probe(path: str, protocol: str | ScaleProtocol, *, timeout: float = 1.0, **options: Any) -> bool:
    """Whether ``path`` holds a scale speaking ``protocol``: only a well-formed reply claims the port.

    For discovery code that offers a person the ports worth configuring; the till itself never
    guesses a protocol.
    """
    with SerialScale(path, protocol, timeout=timeout, backoff=Backoff(first=0.0), **options) as scale:
        return scale.probe()
