"""The reconnecting reader: the loop both scanner kinds share, and the keyboard-wedge ScannerReader on it.

Connect, read, time out a partial scan, lose the device, back off (0.1 s doubling to 1 s),
reconnect: so a scanner plugged back is read again within a second. Clocks are monotonic and
injected; waiting is real (select), so a worker thread can block in ``read_scan()`` and another
thread can ``close()`` the reader to wake it.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol

from .event_source import EventSource, Opener
from .scans import (
    DEFAULT_INTER_KEY_TIMEOUT,
    DeviceGone,
    DeviceUnavailable,
    Dropped,
    EndOfInput,
    Outcome,
    Scan,
    ScannerState,
    ScannerStatus,
)

#: The package's logger, as before the split: log lines keep naming ``drivers.scanner``, not one of its modules.
log = logging.getLogger(__package__)


class _Decoder(Protocol):
    def deadline(self) -> float | None: ...

    def expire(self, now: float) -> Outcome | None: ...

    def interrupt(self, reason: str) -> Dropped | None: ...


class _ReconnectingReader:
    """The loop both scanner kinds share: connect, read, time out, lose, back off, reconnect."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        on_status: Callable[[ScannerStatus], object] | None,
        on_dropped: Callable[[Dropped], object] | None,
        retry_min: float,
        retry_max: float,
    ) -> None:
        self.clock = clock
        self.on_status = on_status
        self.on_dropped = on_dropped
        self.retry_min, self.retry_max = retry_min, retry_max
        self._retry = retry_min
        self._next_attempt = float("-inf")
        self._ready: deque[Scan] = deque()
        self._status = ScannerStatus(ScannerState.DISCONNECTED, "", "Scanner not opened yet")
        self._connected = False
        self.ended = False
        self.dropped = 0
        self._closed = threading.Event()
        self._busy = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)

    @property
    def status(self) -> ScannerStatus:
        return self._status

    @property
    def pending(self) -> str:
        """The scan being typed, not finished yet (for a "reading…" hint)."""
        raise NotImplementedError

    def read_scan(self, timeout: float | None = None) -> Scan | None:
        """The next scan; None after ``timeout`` seconds (real time), once closed, or at the end of input."""
        give_up = None if timeout is None else time.monotonic() + timeout
        with self._busy:
            try:
                while not self._ready:
                    if self._closed.is_set() or self.ended:
                        return None
                    remaining = None if give_up is None else give_up - time.monotonic()
                    progressed = self._pass(None if remaining is None else max(0.0, remaining))
                    if remaining is not None and remaining <= 0 and not progressed and not self._ready:
                        return None
                scan = self._ready.popleft()
                self._note_layout(scan)
                return scan
            finally:
                if self._closed.is_set():
                    self._release()

    def __iter__(self) -> Iterator[Scan]:
        while (scan := self.read_scan()) is not None:
            yield scan

    def open(self) -> None:
        """Open the device now, raising DeviceUnavailable, for a command that must fail fast.

        Without it, the reader opens the device itself and keeps retrying until it is there.
        """
        with self._busy:
            if not self._connected:
                name = self._open()
                self._connected = True
                self._set_status(ScannerState.CONNECTED, name, f"Scanner ready: {name}")

    def close(self) -> None:
        """Stop: wakes a ``read_scan()`` blocked in another thread, which then returns None."""
        self._closed.set()
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass  # already released
        if self._busy.acquire(blocking=False):
            try:
                self._release()
            finally:
                self._busy.release()

    def __enter__(self) -> _ReconnectingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one pass of the loop --

    def _pass(self, budget: float | None) -> bool:
        now = self.clock()
        if not self._connected:
            if now < self._next_attempt:
                self._wait(_shortest(budget, self._next_attempt - now), None)
                return False
            return self._connect()
        deadline = self._deadline()
        wait = budget if deadline is None else _shortest(budget, max(0.0, deadline - now))
        progressed = False
        readable = self._wait(wait, self._fileno())
        while readable:  # everything pending, before any timeout is judged
            progressed = True
            try:
                outcomes = self._read(self.clock())
            except DeviceGone as exc:
                self._lose(str(exc))
                return True
            except EndOfInput:
                self._end()
                return True
            for outcome in outcomes:
                self._handle(outcome)
            readable = self._wait(0, self._fileno())
        if self._connected and (expired := self._expire(self.clock())) is not None:
            self._handle(expired)
            progressed = True
        return progressed

    def _wait(self, timeout: float | None, fd: int | None) -> bool:
        """Wait for ``fd`` to be readable (or the wake pipe); True if ``fd`` is."""
        fds = [self._wake_r] + ([fd] if fd is not None else [])
        try:
            readable, _, _ = select.select(fds, [], [], timeout)
        except (OSError, ValueError) as exc:  # the fd was closed under us: treat as unplugged
            if fd is not None and not self._closed.is_set():
                self._lose(str(exc))
            return False
        if self._wake_r in readable:
            try:
                os.read(self._wake_r, 64)
            except OSError:
                pass
        return fd is not None and fd in readable

    def _connect(self) -> bool:
        try:
            name = self._open()
        except EndOfInput:
            self.ended = True
            return True
        except DeviceUnavailable as exc:
            self._set_status(ScannerState.DISCONNECTED, exc.device, str(exc))
            self._schedule_retry()
            return False
        self._connected = True
        self._retry = self.retry_min
        self._set_status(ScannerState.CONNECTED, name, f"Scanner ready: {name}")
        return True

    def _lose(self, reason: str) -> None:
        name = self._status.device
        self._close_device()
        self._connected = False
        if dropped := self._interrupt("the scanner disconnected in the middle of a scan"):
            self._handle(dropped)
        self._set_status(
            ScannerState.DISCONNECTED,
            name,
            f"Scanner disconnected ({reason}): plug it back in; scanning resumes by itself",
        )
        self._schedule_retry()

    def _end(self) -> None:
        name = self._status.device
        self._close_device()
        self._connected = False
        self.ended = True
        if dropped := self._interrupt("the input ended in the middle of a scan"):
            self._handle(dropped)
        self._set_status(ScannerState.DISCONNECTED, name, f"End of input: {name}")

    def _schedule_retry(self) -> None:
        self._next_attempt = self.clock() + self._retry
        self._retry = min(self._retry * 2, self.retry_max)

    def _handle(self, outcome: Outcome) -> None:
        if isinstance(outcome, Dropped):
            self.dropped += 1
            log.warning("partial scan %r dropped: %s", outcome.text, outcome.reason)
            if self.on_dropped:
                self.on_dropped(outcome)
            return
        self._ready.append(outcome)

    def _note_layout(self, scan: Scan) -> None:
        """The layout warning follows the scans as they are handed out, the last one deciding."""
        if scan.suspected_layout:
            self._set_status(
                ScannerState.WRONG_LAYOUT,
                scan.device,
                f"Scans look garbled: the scanner seems to type in the {scan.suspected_layout} layout, "
                f"not {scan.layout} ({scan.text!r} would be {scan.suspected_text!r}). "
                f'Set devices.scanner.layout = "{scan.suspected_layout}", '
                f"or program the scanner for {scan.layout}",
            )
        elif self._status.state is ScannerState.WRONG_LAYOUT:
            self._set_status(ScannerState.CONNECTED, scan.device, f"Scanner ready: {scan.device}")

    def _set_status(self, state: ScannerState, device: str, message: str) -> None:
        status = ScannerStatus(state, device, message)
        if status != self._status:
            self._status = status
            log.info("scanner %s: %s", state.value, message)
            if self.on_status:
                self.on_status(status)

    def _release(self) -> None:
        self._close_device()
        self._connected = False
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass  # closed by an earlier release
        self._wake_r = self._wake_w = -1

    # -- what each kind of scanner provides --

    def _open(self) -> str:
        raise NotImplementedError

    def _fileno(self) -> int:
        raise NotImplementedError

    def _read(self, now: float) -> list[Outcome]:
        raise NotImplementedError

    _decoder: _Decoder  # the subclass's assembler: keys or bytes in, scans out

    def _deadline(self) -> float | None:
        return self._decoder.deadline()

    def _expire(self, now: float) -> Outcome | None:
        return self._decoder.expire(now)

    def _interrupt(self, reason: str) -> Dropped | None:
        return self._decoder.interrupt(reason)

    def _close_device(self) -> None:
        raise NotImplementedError


def _shortest(budget: float | None, wait: float) -> float:
    return wait if budget is None else min(budget, wait)


class ScannerReader(_ReconnectingReader):
    """A keyboard-wedge scanner: blocking ``read_scan()`` for a worker thread, ``close()`` from any.

    >>> reader = ScannerReader(evdev_opener(), layout="fr")     # doctest: +SKIP
    >>> for scan in reader: print(scan.text)                    # doctest: +SKIP
    """

    def __init__(
        self,
        opener: Opener,
        *,
        layout: str = "us",
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_status: Callable[[ScannerStatus], object] | None = None,
        on_dropped: Callable[[Dropped], object] | None = None,
        retry_min: float = 0.1,
        retry_max: float = 1.0,
    ) -> None:
        from .assembler import ScanAssembler  # and the keyboard layouts: a serial scanner needs neither

        self._assembler = self._decoder = ScanAssembler(
            layout, terminator=terminator, inter_key_timeout=inter_key_timeout, gs_substitute=gs_substitute
        )
        super().__init__(
            clock=clock, on_status=on_status, on_dropped=on_dropped, retry_min=retry_min, retry_max=retry_max
        )
        self._opener = opener
        self._source: EventSource | None = None

    @property
    def pending(self) -> str:
        return self._assembler.pending

    def _open(self) -> str:
        self._source = self._opener()
        self._assembler.device = self._source.name
        if (caps := self._source.caps_lock_on()) is not None:
            self._assembler.set_caps_lock(caps)
        return self._source.name

    def _fileno(self) -> int:
        assert self._source is not None
        return self._source.fileno()

    def _read(self, now: float) -> list[Outcome]:
        assert self._source is not None
        outcomes: list[Outcome] = []
        for event in self._source.read_events():
            stamp = event.sec + event.usec / 1_000_000
            outcomes += self._assembler.feed(event.type, event.code, event.value, now, stamp)
        return outcomes

    def _close_device(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.close()
