"""USB-serial (CDC-ACM) scanners: each barcode a line of bytes, read through pyserial.

No keyboard layout can go wrong here, so this is the most robust mode a scanner can offer;
:class:`SerialScanner` runs the same reconnecting loop as the keyboard-wedge reader over a
:class:`LineAssembler`.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable

import serial

from .reader import _ReconnectingReader
from .scans import (
    DEFAULT_INTER_KEY_TIMEOUT,
    TERMINATORS,
    DeviceGone,
    DeviceUnavailable,
    Dropped,
    Outcome,
    Scan,
    ScannerStatus,
    cut_scan_reason,
)

#: The GS1 group separator (drivers.keymaps.GS): named here so that a serial scanner loads no keyboard layout.
GS = "\x1d"


class LineAssembler:
    """Bytes in, scans out: a serial scanner ends each barcode with CR, LF or CR LF.

    Framed as the keyboard-wedge assembler frames keys: a line cut by a pause longer than the
    timeout is dropped, and so is the rest of it, up to its end of line.
    """

    def __init__(
        self,
        *,
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        device: str = "",
    ) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)}")
        self.terminator = terminator
        self.inter_key_timeout = inter_key_timeout
        self.gs_substitute = gs_substitute or None
        self.device = device
        self._buffer = bytearray()
        self._last: float | None = None
        self._tail_reason: str | None = None  # set while the bytes read belong to a broken line

    @property
    def pending(self) -> str:
        return self._decode(bytes(self._buffer))

    def deadline(self) -> float | None:
        return None if not self._buffer or self._last is None else self._last + self.inter_key_timeout

    def feed(self, data: bytes, now: float) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if data and (deadline := self.deadline()) is not None and now >= deadline:
            if outcome := self._timed_out():
                outcomes.append(outcome)
        if data:
            self._last = now
        ends = TERMINATORS[self.terminator].encode()
        for byte in data:
            if byte in ends:
                if scan := self._finish():
                    outcomes.append(scan)
            else:
                self._buffer.append(byte)
        return outcomes

    def expire(self, now: float) -> Outcome | None:
        deadline = self.deadline()
        return self._timed_out() if deadline is not None and now >= deadline else None

    def interrupt(self, reason: str) -> Dropped | None:
        """The port went away: drop the partial line; the scanner starts afresh when it is back."""
        self._tail_reason = None
        return self._drop(reason)

    def _drop(self, reason: str) -> Dropped | None:
        partial, self._buffer = self._decode(bytes(self._buffer)), bytearray()
        return Dropped(partial, reason) if partial else None

    def _timed_out(self) -> Outcome | None:
        if self.terminator == "none":
            return self._finish()
        timeout_ms = round(self.inter_key_timeout * 1000)
        dropped = self._drop(self._tail_reason or f"no end of line came within {timeout_ms} ms")
        self._tail_reason = self._tail_reason or cut_scan_reason(self.inter_key_timeout)
        return dropped

    def _finish(self) -> Outcome | None:
        tail, self._tail_reason = self._tail_reason, None
        if tail is not None:  # the end of a broken line: what came before it is its tail
            return self._drop(tail)
        text, self._buffer = self._decode(bytes(self._buffer)), bytearray()
        if self.gs_substitute:
            text = text.replace(self.gs_substitute, GS)
        return Scan(text, self.device, "serial") if text else None  # CR LF: the LF ends an empty line

    @staticmethod
    def _decode(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")  # older scanners send ISO-8859-1 for accented data


class SerialScanner(_ReconnectingReader):
    """A scanner in USB-serial mode (/dev/ttyACM*): no layout to get wrong, lines end with CR/LF."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_status: Callable[[ScannerStatus], object] | None = None,
        on_dropped: Callable[[Dropped], object] | None = None,
        retry_min: float = 0.1,
        retry_max: float = 1.0,
        serial_factory: Callable[..., serial.Serial] = serial.Serial,
    ) -> None:
        self._lines = self._decoder = LineAssembler(
            terminator=terminator, inter_key_timeout=inter_key_timeout, gs_substitute=gs_substitute, device=port
        )
        super().__init__(
            clock=clock, on_status=on_status, on_dropped=on_dropped, retry_min=retry_min, retry_max=retry_max
        )
        self.port = port
        self.baudrate = baudrate
        self._factory = serial_factory
        self._serial: serial.Serial | None = None

    @property
    def pending(self) -> str:
        return self._lines.pending

    def _open(self) -> str:
        try:
            self._serial = self._factory(self.port, baudrate=self.baudrate, timeout=0, exclusive=True)
        except serial.SerialException as exc:
            raise DeviceUnavailable(_serial_problem(self.port, exc), _serial_kind(exc), self.port) from None
        return self.port

    def _fileno(self) -> int:
        assert self._serial is not None
        return self._serial.fileno()

    def _read(self, now: float) -> list[Outcome]:
        assert self._serial is not None
        try:
            data = self._serial.read(max(1, self._serial.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise DeviceGone(str(exc)) from exc
        return self._lines.feed(data, now)

    def _close_device(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # the device is gone already


def _serial_kind(exc: serial.SerialException) -> str:
    number = getattr(exc, "errno", None)
    if number == errno.EACCES:
        return "permission"
    if number == errno.EBUSY or "lock" in str(exc).lower():
        return "busy"
    return "missing"


def _serial_problem(port: str, exc: serial.SerialException) -> str:
    kind = _serial_kind(exc)
    if getattr(exc, "errno", None) == errno.ENOENT:
        return f"{port} does not exist: check the cable and the port name (ofn-checkout devices lists them)"
    if kind == "permission":
        return f"cannot open {port}: permission denied; the user must be in group dialout"
    if kind == "busy":
        return f"{port} is in use by another program (is the till running? stop it first)"
    return f"cannot open {port}: {exc}; check the cable and the port name (ofn-checkout devices lists them)"
