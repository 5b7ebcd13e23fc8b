"""ESC/POS receipt printers: a print document to bytes, the connection the bytes go over, the status.

Three parts, kept apart so each can be tested on its own and swapped for a twin:

- :class:`Renderer` turns an :class:`appliance.document.Document` into ESC/POS bytes with
  python-escpos, as text (not a picture of the receipt): it resets the printer, pins ONE code page
  with ``ESC t n`` and encodes every character itself in that page, so the bytes never depend on
  what the printer was left in or on python-escpos guessing a page per character. A character the
  page lacks prints as ``?``; control characters in item names print as ``?`` too, so a name can
  never smuggle a command to the printer.
- connections (:func:`open_connection`) open ``usb:VID:PID``, ``serial:/dev/…``,
  ``tcp://host:9100`` or ``file:PATH`` for one job and close it after, with a stall timeout on
  every write: a printer that stops taking bytes fails the job instead of hanging the till (the
  Odoo IoT box once hung forever on a USB read with no timeout). They count the bytes the device
  accepted, so the print queue knows whether a failed job may have printed in part.
- :func:`query_status` asks ``DLE EOT 1/2/4`` where the connection can answer and reads the
  printer's real-time status: online, cover open, paper near end, paper out.

:class:`Printer` puts them together: ``print(document)`` checks the status, then sends the job.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import pickle
import platform
import select
import socket
import stat
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from appliance.document import Align, Barcode, Cut, Document, DrawerKick, Feed, Logo, QrCode, Rule, Text

log = logging.getLogger(__name__)

ESC = b"\x1b"
GS = b"\x1d"
DLE_EOT = b"\x10\x04"

#: Code pages that hold the euro sign and French accents, best first. CP858 is PC850 with € (Epson
#: table 19, the one Odoo's IoT box pins); CP1252 also has œ but fewer printers carry it.
PREFERRED_CODE_PAGES = ("CP858", "CP1252", "ISO_8859-15", "CP850")

DEFAULT_STALL_TIMEOUT = 5.0
DEFAULT_STATUS_TIMEOUT = 0.5
CONNECT_TIMEOUT = 3.0
#: Drawer kick OFF time, 2 ms units: 500 ms. Drawers that get a pulse with no rest after it open
#: every second time only; 50 ms on / 500 ms off is the pair reported to work.
KICK_OFF_UNITS = 250


# -- errors a person can act on --------------------------------------------------------------------


class PrinterError(Exception):
    """A printing problem a person can act on; ``str()`` is one line: what happened, what to do.

    ``retry`` tells the print queue whether waiting can fix it (paper loaded, printer plugged back).
    """

    retry = True


class PrinterConfigError(PrinterError):
    """The printer is set up wrongly (URL, profile); waiting will not help."""

    retry = False


class PrinterNotFound(PrinterError):
    """No device at the address: unplugged, switched off, wrong path or address."""


class PrinterPermissionDenied(PrinterError):
    """The device is there but this user may not open it (udev rule or group missing)."""


class PrinterBusy(PrinterError):
    """Another program holds the device (CUPS, a second till process)."""


class PrinterOffline(PrinterError):
    """The printer is there but not printing: offline, or not taking bytes."""


class PaperOut(PrinterError):
    pass


class CoverOpen(PrinterError):
    pass


class PrintInterrupted(PrinterError):
    """The connection failed after the printer took part of the job: part of it may be on paper."""

    retry = False

    def __init__(self, message: str, sent: int, total: int):
        super().__init__(message)
        self.sent = sent
        self.total = total


# -- addresses -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """Where a printer is, parsed from a URL once, so a bad URL is refused before the first sale."""

    kind: str  # usb | serial | tcp | file
    path: str = ""
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    baud: int = 9600
    flow: str = "none"

    def __str__(self) -> str:
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.product:04x}"
        if self.kind == "tcp":
            return f"tcp://{self.host}:{self.port}"
        if self.kind == "serial":
            return f"serial:{self.path}?baud={self.baud}" + (f"&flow={self.flow}" if self.flow != "none" else "")
        return f"file:{self.path}"


URL_HELP = "use usb:VID:PID, serial:/dev/ttyUSB0[?baud=9600], tcp://HOST[:9100] or file:PATH"


def parse_url(url: str) -> Address:
    text = url.strip()
    if text.startswith("usb:"):
        return _usb_address(text)
    if text.startswith("serial:"):
        return _serial_address(text)
    if text.startswith("tcp://"):
        parts = urlsplit(text)
        try:
            port = parts.port or 9100
        except ValueError:
            raise PrinterConfigError(f"Printer URL {url!r}: the port must be a number") from None
        if not parts.hostname:
            raise PrinterConfigError(f"Printer URL {url!r} names no host: {URL_HELP}")
        return Address("tcp", host=parts.hostname, port=port)
    if text.startswith("file:"):
        path = text[len("file:") :]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise PrinterConfigError(f"Printer URL {url!r} names no file: {URL_HELP}")
        return Address("file", path=os.path.abspath(path))
    raise PrinterConfigError(f"Printer URL {url!r} not understood: {URL_HELP}")


def _usb_address(text: str) -> Address:
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        vendor, product = (int(part.removeprefix("0x"), 16) for part in parts[1:])
        if not (0 <= vendor <= 0xFFFF and 0 <= product <= 0xFFFF):
            raise ValueError
    except ValueError:
        raise PrinterConfigError(
            f"Printer URL {text!r}: write usb:VID:PID in hexadecimal, e.g. usb:04b8:0e15 (see lsusb)"
        ) from None
    return Address("usb", vendor=vendor, product=product)


def _serial_address(text: str) -> Address:
    path, _, query = text[len("serial:") :].partition("?")
    if not path:
        raise PrinterConfigError(f"Printer URL {text!r} names no port: {URL_HELP}")
    options = {key: values[-1] for key, values in parse_qs(query).items()}
    unknown = set(options) - {"baud", "flow"}
    if unknown:
        raise PrinterConfigError(f"Printer URL {text!r}: unknown option {sorted(unknown)[0]!r} (baud, flow)")
    try:
        baud = int(options.get("baud", "9600"))
    except ValueError:
        raise PrinterConfigError(f"Printer URL {text!r}: baud must be a number such as 9600 or 38400") from None
    flow = options.get("flow", "none")
    if flow not in ("none", "rtscts", "dsrdtr"):
        raise PrinterConfigError(f"Printer URL {text!r}: flow must be none, rtscts or dsrdtr")
    return Address("serial", path=path, baud=baud, flow=flow)


# -- connections -----------------------------------------------------------------------------------


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


# -- status ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's real-time status; ``known`` is False where the connection cannot answer."""

    known: bool
    online: bool = True
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    error: bool = False
    drawer_signal: bool | None = None
    note: str = ""

    @property
    def state(self) -> str:
        """One word or two for a screen: what the printer is doing."""
        if not self.known:
            return "unknown"
        if self.cover_open:
            return "cover open"
        if self.paper_out:
            return "out of paper"
        if self.error:
            return "error"
        if not self.online:
            return "offline"
        if self.paper_near_end:
            return "paper low"
        return "ready"

    def problem(self, *, needs_paper: bool = True) -> PrinterError | None:
        """The error to raise instead of printing, or None when printing may go ahead."""
        if not self.known:
            return None
        if self.cover_open and needs_paper:
            return CoverOpen("Printer cover open: close it to print")
        if self.paper_out and needs_paper:
            return PaperOut("Printer out of paper: load a new roll")
        if self.error:
            return PrinterOffline("Printer error (cutter jam?): open the cover, clear it, switch off and on")
        if not self.online and needs_paper:
            return PrinterOffline("Printer offline: check it is switched on and its cover is closed")
        return None


UNKNOWN = PrinterStatus(known=False, note="this connection cannot report status")


def is_status_byte(value: int) -> bool:
    """Real-time status bytes have bits 0 and 7 clear and bits 1 and 4 set; anything else is noise."""
    return value & 0x93 == 0x12


def parse_status(printer: int, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Decode the answers to ``DLE EOT 1`` (printer), ``2`` (offline cause) and ``4`` (paper sensor).

    ``DLE EOT 1``: bit 2 drawer connector pin 3 high, bit 3 offline. ``DLE EOT 2``: bit 2 cover
    open, bit 5 stopped at paper end, bit 6 error. ``DLE EOT 4``: bits 2-3 paper near end, bits 5-6
    paper out.
    """
    cause = offline_cause or 0
    roll = paper or 0
    return PrinterStatus(
        known=True,
        online=not printer & 0x08,
        cover_open=bool(cause & 0x04),
        paper_near_end=bool(roll & 0x0C),
        paper_out=bool(roll & 0x60) or bool(cause & 0x20),
        error=bool(cause & 0x40),
        drawer_signal=bool(printer & 0x04),
    )


def query_status(connection: Connection, timeout: float = DEFAULT_STATUS_TIMEOUT) -> PrinterStatus:
    if not connection.can_read:
        return UNKNOWN
    _drain(connection)
    answers: list[int] = []
    for n in (1, 2, 4):
        connection.write(DLE_EOT + bytes([n]))
        answer = _read_byte(connection, timeout)
        if answer is None:
            if not answers:
                return PrinterStatus(known=False, note="the printer did not answer a status request")
            answers.append(0)
            continue
        if not is_status_byte(answer):
            return PrinterStatus(known=False, note=f"the printer answered 0x{answer:02x} to a status request")
        answers.append(answer)
    return parse_status(*answers)


def _drain(connection: Connection) -> None:
    """Drop bytes left from an earlier, late answer so they are not taken for this one's."""
    for _ in range(64):
        if not connection.read(64, 0):
            return


def _read_byte(connection: Connection, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while True:
        data = connection.read(1, max(0.0, deadline - time.monotonic()))
        if data:
            return data[0]
        if time.monotonic() >= deadline:
            return None


# -- python-escpos, loaded on first use ------------------------------------------------------------


_escpos_modules: dict[str, ModuleType] = {}


def _escpos() -> dict[str, ModuleType]:
    """Import python-escpos with its side effects tamed.

    On import it re-parses a 70 KB capabilities file unless it finds a pickle of it, writes that
    pickle non-atomically (two processes starting together could read half a file) and leaves a new
    temp directory behind when ESCPOS_CAPABILITIES_PICKLE_DIR is unset; it also configures the root
    logger, which would print over the till's screen. So: pick a cache directory, write the pickle
    atomically ourselves, and give the root logger a handler for the length of the import.
    """
    if not _escpos_modules:
        _prepare_capabilities_cache()
        root = logging.getLogger()
        guard = logging.NullHandler() if not root.handlers else None
        if guard:
            root.addHandler(guard)
        try:
            import escpos.capabilities
            import escpos.constants
            import escpos.image
            import escpos.printer
        finally:
            if guard:
                root.removeHandler(guard)
        _escpos_modules.update(
            capabilities=escpos.capabilities,
            constants=escpos.constants,
            image=escpos.image,
            printer=escpos.printer,
        )
    return _escpos_modules


def capabilities_cache_dir() -> Path:
    """ESCPOS_CAPABILITIES_PICKLE_DIR, else systemd's CacheDirectory, else the user's cache."""
    if os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR"):
        return Path(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"])
    if os.environ.get("CACHE_DIRECTORY"):
        return Path(os.environ["CACHE_DIRECTORY"].split(":")[0]) / "escpos"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ofn-checkout" / "escpos"


def _prepare_capabilities_cache() -> None:
    import importlib.util

    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return
    source = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
    directory = capabilities_cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        directory = Path(tempfile.gettempdir()) / f"ofn-checkout-escpos-{os.getuid()}"
        directory.mkdir(mode=0o700, exist_ok=True)
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(directory)
    target = directory / f"{platform.python_version()}.capabilities.pickle"
    try:
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            return
        capabilities = json.loads(source.read_text(encoding="utf-8"))
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(capabilities, out, protocol=2)
        os.replace(temporary, target)
    except OSError:
        log.warning("cannot write the python-escpos capabilities cache in %s", directory, exc_info=True)


# -- code pages and profiles -----------------------------------------------------------------------


@dataclass(frozen=True)
class CodePage:
    """One printer character table: its name, its ``ESC t`` number, Python's codec for it."""

    name: str
    number: int
    encoding: str

    @property
    def select(self) -> bytes:
        return ESC + b"t" + bytes([self.number])

    def printable(self, text: str) -> str:
        """What the printer will show for ``text``: composed accents, ``?`` for what it cannot print."""
        return "".join(self._char(char) for char in unicodedata.normalize("NFC", text))

    def encode(self, text: str) -> bytes:
        return self.printable(text).encode(self.encoding)

    def _char(self, char: str) -> str:
        if unicodedata.category(char) == "Cc":
            return "?"
        try:
            char.encode(self.encoding)
        except UnicodeEncodeError:
            return "?"
        return char


FALLBACK_CODE_PAGE = CodePage("CP437", 0, "cp437")


def profile_data(profile: str) -> dict[str, Any]:
    profiles = _escpos()["capabilities"].CAPABILITIES["profiles"]
    if profile not in profiles:
        raise PrinterConfigError(f"Unknown printer profile {profile!r}: use one of {', '.join(sorted(profiles))}")
    return profiles[profile]


def code_page_for(profile: str) -> CodePage:
    """The first page of :data:`PREFERRED_CODE_PAGES` the profile's printer has, with its number."""
    numbers = {name: int(number) for number, name in profile_data(profile)["codePages"].items()}
    encodings = _escpos()["capabilities"].CAPABILITIES["encodings"]
    for name in PREFERRED_CODE_PAGES:
        if name in numbers:
            return CodePage(name, numbers[name], encodings[name]["python_encode"])
    return CodePage("CP437", numbers.get("CP437", 0), "cp437")


def code_page_table(profile: str) -> dict[int, str]:
    """Every table number of the profile that Python can decode: what a twin needs to read bytes back."""
    encodings = _escpos()["capabilities"].CAPABILITIES["encodings"]
    table = {}
    for number, name in profile_data(profile)["codePages"].items():
        python = encodings.get(name, {}).get("python_encode")
        if python:
            table[int(number)] = python
    return table


# -- rendering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrinterSettings:
    """How this till's printer is set up (devices.printer and devices.drawer of the config)."""

    profile: str = "default"
    columns: int = 42
    drawer_pin: str = "both"  # "2", "5" or "both"
    pulse_ms: int = 50
    qr_native: bool | None = None  # None: as the profile says


def kick_bytes(pin: str, pulse_ms: int) -> bytes:
    """``ESC p m t1 t2`` for pin 2 (m=0), pin 5 (m=1) or both, ON for ``pulse_ms``, then 500 ms OFF.

    t1 and t2 count 2 ms units. Both pins are kicked when the wiring is unknown, as Odoo does: a
    drawer answers on one of them.
    """
    on = max(1, min(255, round(pulse_ms / 2)))
    off = max(on, KICK_OFF_UNITS)
    pins = {"2": (0,), "5": (1,), "both": (0, 1)}[pin]
    return b"".join(ESC + b"p" + bytes([m, on, off]) for m in pins)


@dataclass
class _Style:
    bold: bool = False
    double: bool = False
    align: Align = Align.LEFT


@dataclass
class Renderer:
    """Documents to ESC/POS bytes for one printer profile and paper width."""

    settings: PrinterSettings = field(default_factory=PrinterSettings)

    def __post_init__(self) -> None:
        data = profile_data(self.settings.profile)
        self.profile = data
        self.code_page = code_page_for(self.settings.profile)
        self.font = _font_for(data, self.settings.columns)
        features = data.get("features", {})
        self.hardware_barcode = bool(features.get("barcodeB"))
        self.native_qr = bool(features.get("qrCode")) if self.settings.qr_native is None else self.settings.qr_native
        self.raster = bool(features.get("bitImageRaster"))
        pixels = data.get("media", {}).get("width", {}).get("pixels")
        self.dots = pixels if isinstance(pixels, int) else self.settings.columns * 12

    @property
    def columns(self) -> int:
        return self.settings.columns

    def render(self, document: Document) -> bytes:
        out = _escpos()["printer"].Dummy(profile=self.settings.profile)
        out.hw("INIT")
        out._raw(self.code_page.select)
        if self.font:
            out._raw(ESC + b"M" + bytes([self.font]))
        style = _Style()
        for block in document.blocks:
            if isinstance(block, Text):
                self._text(out, style, block)
            elif isinstance(block, Rule):
                self._text(out, style, Text((self.code_page.printable(block.char) or "-")[0] * self.columns))
            elif isinstance(block, Feed):
                out.print_and_feed(max(0, min(255, block.lines)))
            elif isinstance(block, Cut):
                out.cut(mode="PART" if block.partial else "FULL")
            elif isinstance(block, DrawerKick):
                out._raw(kick_bytes(self.settings.drawer_pin, self.settings.pulse_ms))
            elif isinstance(block, Barcode):
                self._barcode(out, style, block)
            elif isinstance(block, QrCode):
                self._qr(out, style, block)
            elif isinstance(block, Logo):
                self._logo(out, style, block)
        return bytes(out.output)

    def _text(self, out: Any, style: _Style, block: Text) -> None:
        if block.double != style.double:
            out.set(double_width=block.double, double_height=block.double, normal_textsize=not block.double)
            style.double = block.double
            out.set(bold=block.bold)  # ESC ! resets bold with the size
            style.bold = block.bold
        if block.bold != style.bold:
            out.set(bold=block.bold)
            style.bold = block.bold
        self._align(out, style, block.align)
        out._raw(self.code_page.encode(block.text) + b"\n")

    def _align(self, out: Any, style: _Style, align: Align) -> None:
        if align is not style.align:
            out.set(align=align.value)
            style.align = align

    def _barcode(self, out: Any, style: _Style, block: Barcode) -> None:
        data = block.data
        if not data or len(data) > 250 or not all(32 <= ord(c) < 127 for c in data):
            log.warning("barcode %r left out: CODE128 here takes 1 to 250 printable ASCII characters", data)
            return
        if self.hardware_barcode:
            out._hw_barcode("{B" + data.replace("{", "{{"), "CODE128", height=80, width=2, pos="OFF", function_type="B")
            style.align = Align.CENTER
        elif self.raster:
            self._image(out, style, _software_barcode(data))
        else:
            log.warning(
                "barcode %r left out: profile %s prints neither barcodes nor images", data, self.settings.profile
            )
            return
        self._align(out, style, Align.LEFT)

    def _qr(self, out: Any, style: _Style, block: QrCode) -> None:
        if not block.data:
            return
        if self.native_qr:
            self._align(out, style, Align.CENTER)
            out.qr(block.data, size=max(1, min(16, block.size)), native=True)
        elif self.raster:
            import qrcode

            code = qrcode.QRCode(box_size=max(1, min(16, block.size)), border=1)
            code.add_data(block.data)
            code.make(fit=True)
            self._image(out, style, code.make_image().get_image().convert("RGB"))
        else:
            log.warning("QR code left out: profile %s prints neither QR codes nor images", self.settings.profile)
        self._align(out, style, Align.LEFT)

    def _logo(self, out: Any, style: _Style, block: Logo) -> None:
        from PIL import Image, UnidentifiedImageError

        if not self.raster:
            log.warning("logo left out: profile %s prints no raster images", self.settings.profile)
            return
        try:
            if block.data is not None:
                image = Image.open(BytesIO(block.data))
            elif block.path:
                image = Image.open(block.path)
            else:
                return
            with image:
                image.load()
                picture = image.copy()
        except (OSError, UnidentifiedImageError) as exc:
            log.warning("logo left out: %s", exc)
            return
        self._image(out, style, picture)
        self._align(out, style, Align.LEFT)

    def _image(self, out: Any, style: _Style, image: Any) -> None:
        out._raw(self.raster_bytes(image))

    def raster_bytes(self, image: Any) -> bytes:
        """``GS v 0`` raster commands for a Pillow image, centred, scaled down to the paper width.

        Built here rather than with python-escpos's ``image()``, which prints a notice on stdout
        for profiles of unknown width; bands of at most 255 rows suit older printers too.
        """
        from PIL import Image

        if image.width > self.dots:
            height = max(1, round(image.height * self.dots / image.width))
            image = image.resize((self.dots, height), Image.Resampling.LANCZOS)
        if image.width < self.dots:
            canvas = Image.new("RGBA", (self.dots, image.height), (255, 255, 255, 255))
            canvas.paste(image.convert("RGBA"), ((self.dots - image.width) // 2, 0))
            image = canvas
        picture = _escpos()["image"].EscposImage(image)
        raster = picture.to_raster_format()
        row = picture.width_bytes
        chunks = [ESC + b"a\x00"]
        for top in range(0, picture.height, 255):
            rows = min(255, picture.height - top)
            header = GS + b"v0\x00" + row.to_bytes(2, "little") + rows.to_bytes(2, "little")
            chunks.append(header + raster[top * row : (top + rows) * row])
        return b"".join(chunks)


def _font_for(profile: dict[str, Any], columns: int) -> int:
    """Font A when it holds ``columns`` characters a line, else the first narrower font that does."""
    fonts = profile.get("fonts", {})
    for number in sorted(fonts, key=int):
        if fonts[number].get("columns", 0) >= columns:
            return int(number)
    return 0


def _software_barcode(data: str) -> Any:
    import barcode
    from barcode.writer import ImageWriter

    code = barcode.get("code128", data, writer=ImageWriter())
    return code.render(writer_options={"write_text": False, "module_height": 8.0, "quiet_zone": 1.0, "dpi": 203})


# -- the printer -----------------------------------------------------------------------------------


class Printer:
    """One receipt printer: render documents, read its status, send jobs. Blocking; call from a worker.

    ``connect`` opens a fresh connection per job (the httpx transport idea): a URL in production, a
    twin's in-memory connection in tests and the demo.
    """

    def __init__(
        self,
        connect: Callable[[], Connection],
        settings: PrinterSettings | None = None,
        *,
        description: str = "printer",
        status_timeout: float = DEFAULT_STATUS_TIMEOUT,
    ):
        self._connect = connect
        self.renderer = Renderer(settings or PrinterSettings())
        self.description = description
        self.status_timeout = status_timeout

    @classmethod
    def from_url(
        cls, url: str, settings: PrinterSettings | None = None, *, stall_timeout: float = DEFAULT_STALL_TIMEOUT
    ) -> Printer:
        address = parse_url(url)
        return cls(lambda: open_connection(address, stall_timeout), settings, description=str(address))

    @property
    def settings(self) -> PrinterSettings:
        return self.renderer.settings

    @property
    def columns(self) -> int:
        return self.renderer.columns

    @property
    def code_page(self) -> CodePage:
        return self.renderer.code_page

    def render(self, document: Document) -> bytes:
        return self.renderer.render(document)

    def status(self) -> PrinterStatus:
        connection = self._connect()
        try:
            return query_status(connection, self.status_timeout)
        finally:
            connection.close()

    def send(self, data: bytes, *, needs_paper: bool = True) -> PrinterStatus:
        """Check the status where the printer can tell it, then send ``data`` whole.

        Raises the :class:`PrinterError` to show; returns the status seen before sending.
        """
        connection = self._connect()
        try:
            status = query_status(connection, self.status_timeout)
            problem = status.problem(needs_paper=needs_paper)
            if problem is not None:
                raise problem
            connection.write(data)
            return status
        finally:
            connection.close()

    def print(self, document: Document) -> PrinterStatus:
        return self.send(self.render(document), needs_paper=document.needs_paper)
