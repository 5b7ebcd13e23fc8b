"""The serial port under a scale: opened on demand, dropped on any I/O error, reopened with backoff.

A USB scale gets unplugged by a cashier's elbow and plugged back; the till must not need a
restart, and must not hammer a missing port five times a second either. So the link keeps the
port closed after a failure until a backoff delay has passed, and each read asks it for a port.
On the Pi, configure a ``/dev/serial/by-id/...`` path: it survives replugging, ttyUSB0 does not.
"""

from __future__ import annotations

import errno
import logging
import os
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import serial

from .protocol import SerialSettings

log = logging.getLogger(__name__)

TICK = 0.05  # longest single blocking read; the exchange loops on its own monotonic deadline


@dataclass(frozen=True)
class Backoff:
    """Delays between reopen attempts: ``first``, doubling, at most ``longest`` seconds."""

    first: float = 0.25
    factor: float = 2.0
    longest: float = 5.0

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return min(self.longest, self.first * self.factor ** (failures - 1))


class PortProblem(Exception):
    """The port cannot be used; the text tells a person what to do about it."""


def explain(path: str, exc: BaseException) -> str:
    """One line for the cashier's screen or support's terminal (the log keeps the exception)."""
    code = error_number(exc)
    if code == errno.ENOENT:
        return f"No scale at {path}: check the scale's USB cable and the port setting (ls /dev/serial/by-id)"
    if code in (errno.EACCES, errno.EPERM):
        return f"Permission denied on {path}: add the till's user to the dialout group, then log in again"
    if code in (errno.EAGAIN, errno.EBUSY):
        return f"{path} is in use by another program (is the till running? stop it first)"
    if code == errno.ENOTTY:
        return f"{path} is not a serial port: check the port setting"
    if code == errno.EINVAL or isinstance(exc, ValueError):
        return f"{path} refused the serial settings: check the port setting and the baud rate"
    reason = os.strerror(code) if code else str(exc)
    return f"Lost the scale on {path} ({reason}): check the cable; reconnecting"


def error_number(exc: BaseException) -> int | None:
    """The errno behind an exception; termios.error carries it as its first argument."""
    code = getattr(exc, "errno", None)
    if code is None and isinstance(exc, termios.error) and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]
    return code


class SerialLink:
    """Owns the pyserial port of one scale. Not thread-safe: the scale serialises its callers."""

    def __init__(
        self,
        path: str,
        settings: SerialSettings,
        *,
        opener: Callable[..., Any] = serial.Serial,
        clock: Callable[[], float] = time.monotonic,
        backoff: Backoff | None = None,
        write_timeout: float = 1.0,
    ):
        self.path = path
        self.settings = settings
        self._opener = opener
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._write_timeout = write_timeout
        self._port: Any = None
        self._failures = 0
        self._retry_at = 0.0
        self._problem = ""

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def port(self) -> Any:
        """The open port, opening it if the backoff allows; PortProblem otherwise."""
        if self._port is not None:
            return self._port
        if self._failures and self._clock() < self._retry_at:
            raise PortProblem(self._problem)
        try:
            self._port = self._opener(
                self.path,
                baudrate=self.settings.baudrate,
                bytesize=self.settings.bytesize,
                parity=self.settings.parity,
                stopbits=self.settings.stopbits,
                timeout=TICK,
                write_timeout=self._write_timeout,
                exclusive=True,
            )
        except (OSError, ValueError, termios.error) as exc:  # SerialException is an OSError; the others: settings
            self._failed(explain(self.path, exc), exc)
            raise PortProblem(self._problem) from exc
        if self._failures:
            log.info("scale port %s is back", self.path)
        self._failures = 0
        self._problem = ""
        return self._port

    def drop(self, exc: BaseException) -> str:
        """Close after an I/O error; the next ``port()`` reopens once the backoff has passed."""
        self.close()
        self._failed(explain(self.path, exc), exc)
        return self._problem

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # noqa: BLE001 - closing a port that vanished may fail; it is closed either way
                log.debug("closing %s failed", self.path, exc_info=True)

    def _failed(self, problem: str, exc: BaseException) -> None:
        if not self._failures:
            log.warning("scale port %s: %s", self.path, exc)
        self._failures += 1
        self._retry_at = self._clock() + self._backoff.delay(self._failures)
        self._problem = problem
