"""Connections: one channel to a printer per job, over a tty, /dev/usb/lp*, a socket, a file or libusb.

:func:`open_connection` opens ``usb:VID:PID``, ``serial:/dev/…``, ``tcp://host:9100`` or
``file:PATH`` for one job, to be closed after it. Every write has a stall timeout: a printer that
stops taking bytes fails the job instead of hanging the till (the Odoo IoT box once hung forever
on a USB read with no timeout). A failure counts the bytes the device accepted, so the print
queue knows whether a failed job may have printed in part (:class:`PrintInterrupted`).
"""

from __future__ import annotations

import errno
import logging
import os
import select
import socket
import stat
import time
from collections.abc import Callable
from typing import Any, Protocol

from .address import Address
from .errors import (
    PrinterBusy,
    PrinterConfigError,
    PrinterError,
    PrinterNotFound,
    PrinterOffline,
    PrinterPermissionDenied,
    PrintInterrupted,
)

#: The package's logger, as before the split: log lines keep naming ``drivers.printer``, not one of its modules.
log = logging.getLogger(__package__)

DEFAULT_STALL_TIMEOUT = 5.0
CONNECT_TIMEOUT = 3.0


class Connection(Protocol):
    """One open channel to a printer, for one job. ``can_read`` says whether status can come back."""

    description: str
    can_read: bool

    def write(self, data: bytes) -> None: ...

    def read(self, size: int, timeout: float) -> bytes: ...

    def close(self) -> None: ...


_GONE = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.EPIPE, errno.ECONNRESET, errno.ENOENT, errno.EBADF}


class FdConnection:
    """A printer behind a file descriptor (tty, /dev/usb/lp*, socket, plain file), non-blocking.

    Writes loop until every byte is taken; the stall timeout restarts whenever the device takes
    some, so a slow serial printer is waited for but a stuck one is not.
    """

    chunk = 4096

    def __init__(
        self,
        fd: int,
        description: str,
        *,
        can_read: bool,
        stall_timeout: float = DEFAULT_STALL_TIMEOUT,
        on_close: Callable[[], None] | None = None,
    ):
        self.fd = fd
        self.description = description
        self.can_read = can_read
        self.stall_timeout = stall_timeout
        self._on_close = on_close or (lambda: os.close(fd))
        self._closed = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        sent = 0
        deadline = time.monotonic() + self.stall_timeout
        while sent < len(data):
            try:
                taken = os.write(self.fd, view[sent : sent + self.chunk])
            except BlockingIOError:
                taken = 0
            except OSError as exc:
                raise _lost(self.description, exc, sent, len(data)) from exc
            if taken:
                sent += taken
                deadline = time.monotonic() + self.stall_timeout
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._wait(select.POLLOUT, remaining):
                raise _stalled(self.description, sent, len(data))

    def read(self, size: int, timeout: float) -> bytes:
        if not self._wait(select.POLLIN, timeout):
            return b""
        try:
            data = os.read(self.fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise _lost(self.description, exc, 0, 0) from exc
        return data

    def _wait(self, event: int, timeout: float) -> bool:
        poller = select.poll()
        poller.register(self.fd, event)
        ready = poller.poll(max(0, int(timeout * 1000)))
        if not ready:
            return False
        revents = ready[0][1]
        if revents & select.POLLNVAL:
            return False
        # POLLHUP/POLLERR: let the next os.read/os.write report what happened.
        return True

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close()


def _lost(where: str, exc: OSError, sent: int, total: int) -> PrinterError:
    reason = "unplugged or switched off" if exc.errno in _GONE else exc.strerror or str(exc)
    if sent:
        return PrintInterrupted(
            f"Printing stopped part-way ({where} {reason}): check the receipt, reprint it if incomplete",
            sent,
            total,
        )
    return PrinterNotFound(f"Printer {where} {reason}: check the cable and the power")


def _stalled(where: str, sent: int, total: int) -> PrinterError:
    if sent:
        return PrintInterrupted(
            f"Printer {where} stopped taking data part-way (paper or cover?): check the receipt, reprint it if "
            "incomplete",
            sent,
            total,
        )
    return PrinterOffline(f"Printer {where} is not taking data: check it is on, has paper and its cover is closed")


def open_connection(address: Address, stall_timeout: float = DEFAULT_STALL_TIMEOUT) -> Connection:
    if address.kind == "usb":
        return UsbConnection.open(address.vendor, address.product, stall_timeout)
    if address.kind == "serial":
        return _open_serial(address, stall_timeout)
    if address.kind == "tcp":
        return _open_tcp(address, stall_timeout)
    return _open_file(address.path, stall_timeout)


def _open_file(path: str, stall_timeout: float) -> Connection:
    """A device node (/dev/usb/lp0, a tty) or a plain file that collects the bytes.

    A plain file is created only outside /dev: a missing /dev/usb/lp0 means an unplugged printer,
    not a file to create in its place.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path) or os.path.realpath(path).startswith("/dev/"):
            raise PrinterNotFound(f"No printer at {path}: check it is plugged in and switched on") from None
        mode = stat.S_IFREG
    except PermissionError:
        raise PrinterPermissionDenied(f"Permission denied on {path}: check the directory's rights") from None
    except OSError as exc:
        raise _open_error(path, exc, group="lp") from None
    try:
        if stat.S_ISCHR(mode):
            fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            return FdConnection(fd, path, can_read=True, stall_timeout=stall_timeout)
        if stat.S_ISFIFO(mode):
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            return FdConnection(fd, path, can_read=False, stall_timeout=stall_timeout)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return FdConnection(fd, path, can_read=False, stall_timeout=stall_timeout)
    except OSError as exc:
        raise _open_error(path, exc, group="lp") from None


def _open_error(where: str, exc: OSError, *, group: str) -> PrinterError:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return PrinterPermissionDenied(f"Permission denied on {where}: the till's user must be in group {group}")
    if exc.errno in (errno.EBUSY, errno.EAGAIN):
        return PrinterBusy(f"Printer {where} is in use by another program (CUPS?): stop it or remove its queue")
    if exc.errno in (errno.ENOENT, errno.ENXIO, errno.ENODEV, errno.EIO):
        return PrinterNotFound(f"No printer at {where}: check it is plugged in and switched on")
    return PrinterNotFound(f"Cannot open printer {where}: {exc.strerror or exc}")


def _open_serial(address: Address, stall_timeout: float) -> Connection:
    import serial

    try:
        port = serial.Serial(
            address.path,
            baudrate=address.baud,
            timeout=0,
            write_timeout=0,
            rtscts=address.flow == "rtscts",
            dsrdtr=address.flow == "dsrdtr",
            exclusive=True,
        )
    except serial.SerialException as exc:
        code = exc.errno if isinstance(exc.errno, int) else None
        if code is None and "lock" in str(exc).lower():
            code = errno.EBUSY
        raise _open_error(address.path, OSError(code, str(exc)), group="dialout") from None
    except ValueError as exc:
        raise PrinterConfigError(f"Printer URL serial:{address.path}: {exc}") from None
    return FdConnection(port.fileno(), address.path, can_read=True, stall_timeout=stall_timeout, on_close=port.close)


def _open_tcp(address: Address, stall_timeout: float) -> Connection:
    where = f"{address.host}:{address.port}"
    try:
        sock = socket.create_connection((address.host, address.port), timeout=CONNECT_TIMEOUT)
    except ConnectionRefusedError:
        raise PrinterNotFound(f"No printer answers at {where} (connection refused): check it is on") from None
    except TimeoutError:
        raise PrinterNotFound(f"No printer answers at {where} (timed out): check it is on and its address") from None
    except socket.gaierror:
        raise PrinterNotFound(f"Unknown printer host {address.host}: check the address") from None
    except OSError as exc:
        raise PrinterNotFound(f"Cannot reach printer {where}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return FdConnection(sock.fileno(), where, can_read=True, stall_timeout=stall_timeout, on_close=sock.close)


class UsbConnection:
    """A USB printer driven directly through libusb (pyusb), with a timeout on every transfer.

    Endpoints are read from the descriptors rather than assumed (python-escpos assumes 0x01/0x82,
    which many printers do not use), and the kernel's usblp driver is detached first.
    """

    chunk = 4096

    def __init__(self, device: Any, interface: int, out_ep: Any, in_ep: Any, description: str, stall_timeout: float):
        self.device = device
        self.interface = interface
        self.out_ep = out_ep
        self.in_ep = in_ep
        self.description = description
        self.can_read = in_ep is not None
        self.stall_timeout = stall_timeout
        self._pending = b""

    @classmethod
    def open(
        cls,
        vendor: int,
        product: int,
        stall_timeout: float = DEFAULT_STALL_TIMEOUT,
        *,
        find: Callable[..., Any] | None = None,
    ) -> UsbConnection:
        import usb.core
        import usb.util

        where = f"usb:{vendor:04x}:{product:04x}"
        try:
            device = (find or usb.core.find)(idVendor=vendor, idProduct=product)
        except usb.core.NoBackendError:
            raise PrinterConfigError("USB printing needs libusb: install the libusb-1.0-0 package") from None
        if device is None:
            raise PrinterNotFound(f"No printer at {where}: check the cable and the power (lsusb lists USB devices)")
        try:
            try:
                configuration = device.get_active_configuration()
            except usb.core.USBError:
                device.set_configuration()
                configuration = device.get_active_configuration()
            interface = _printer_interface(configuration)
            number = interface.bInterfaceNumber
            try:
                if device.is_kernel_driver_active(number):
                    device.detach_kernel_driver(number)
            except NotImplementedError:
                pass
            usb.util.claim_interface(device, number)
        except usb.core.USBError as exc:
            usb.util.dispose_resources(device)
            raise _open_error(where, OSError(exc.errno, str(exc)), group="lp") from None

        def direction(wanted: int) -> Any:
            return usb.util.find_descriptor(
                interface, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == wanted
            )

        out_ep, in_ep = direction(usb.util.ENDPOINT_OUT), direction(usb.util.ENDPOINT_IN)
        if out_ep is None:
            usb.util.dispose_resources(device)
            raise PrinterConfigError(f"USB device {where} has no output endpoint: is it a printer?")
        return cls(device, number, out_ep, in_ep, where, stall_timeout)

    def write(self, data: bytes) -> None:
        import usb.core

        sent = 0
        while sent < len(data):
            try:
                sent += self.out_ep.write(data[sent : sent + self.chunk], timeout=int(self.stall_timeout * 1000))
            except usb.core.USBTimeoutError:
                # libusb may have moved part of the chunk before the timeout: count it as begun.
                raise _stalled(self.description, sent + 1, len(data)) from None
            except usb.core.USBError as exc:
                raise _lost(self.description, OSError(exc.errno, str(exc)), sent, len(data)) from None

    def read(self, size: int, timeout: float) -> bytes:
        import usb.core

        if not self._pending:
            try:
                packet = self.in_ep.read(self.in_ep.wMaxPacketSize, timeout=max(1, int(timeout * 1000)))
            except usb.core.USBTimeoutError:
                return b""
            except usb.core.USBError as exc:
                raise _lost(self.description, OSError(exc.errno, str(exc)), 0, 0) from None
            self._pending = bytes(packet)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def close(self) -> None:
        import usb.util

        try:
            usb.util.release_interface(self.device, self.interface)
        except Exception:  # an unplugged device cannot be released; its resources still must be
            log.debug("releasing %s failed", self.description, exc_info=True)
        usb.util.dispose_resources(self.device)


def _printer_interface(configuration: Any) -> Any:
    """The printer-class interface (7) if the device has one, else the first interface."""
    interfaces = list(configuration)
    for interface in interfaces:
        if interface.bInterfaceClass == 7:
            return interface
    return interfaces[0]
