"""A receipt printer twin: takes ESC/POS bytes as a printer would and shows what would be on paper.

The twin reads the same bytes a real printer gets, from memory, a real pseudo-terminal (as a
serial or /dev/usb/lp printer), a TCP socket on 127.0.0.1 (as a network printer on port 9100) or a
file the driver wrote. It decodes text in the code page the bytes selected, skips the commands it
knows the length of, and notes what is not text as events: code page selections, cuts, drawer
kicks, barcode and QR contents, images. It answers ``DLE EOT`` with a status a test or the demo
scripts (paper out, cover open, offline), and while it cannot print it holds the bytes, as a real
printer's buffer does, printing them when the paper is back.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import tty
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .printer import PrinterNotFound, PrintInterrupted

#: Epson's table numbers for ``ESC t n`` (the "default" profile of python-escpos agrees).
EPSON_CODE_PAGES = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
    40: "iso8859-15",
}

#: ESC commands by the number of parameter bytes after the command letter.
_ESC_FIXED = {
    ord("@"): 0, ord("t"): 1, ord("!"): 1, ord("E"): 1, ord("G"): 1, ord("-"): 1, ord("a"): 1, ord("d"): 1,
    ord("J"): 1, ord("p"): 3, ord("M"): 1, ord("2"): 0, ord("3"): 1, ord("R"): 1, ord("V"): 1, ord("{"): 1,
    ord("c"): 2, ord(" "): 1, ord("$"): 2, ord("\\"): 2, ord("="): 1, ord("r"): 1, ord("U"): 1, ord("L"): 0,
    ord("S"): 0, ord("T"): 1, ord("W"): 8, ord("i"): 0, ord("m"): 0, ord("e"): 1, ord("%"): 1,
}  # fmt: skip
_GS_FIXED = {
    ord("!"): 1, ord("h"): 1, ord("w"): 1, ord("H"): 1, ord("f"): 1, ord("B"): 1, ord("L"): 2, ord("W"): 2,
    ord("P"): 2, ord("a"): 1, ord("b"): 1, ord("r"): 1, ord("I"): 1, ord("/"): 1, ord("$"): 2, ord("\\"): 2,
}  # fmt: skip
_CUTS = {0: False, 48: False, 1: True, 49: True, 65: False, 66: True, 97: False, 98: True, 103: False, 104: True}


@dataclass(frozen=True)
class Event:
    """Something printed or done that is not text; ``line`` is how many text lines came before it."""

    kind: str
    value: Any = None
    line: int = 0


@dataclass(frozen=True)
class PrintedLine:
    text: str
    bold: bool = False
    double: bool = False
    align: str = "left"
    font: int = 0  # 0 font A, 1 font B (narrower: more columns), ...


@dataclass(frozen=True)
class TwinStatus:
    """What the twin reports to ``DLE EOT``; ``answers=False`` plays a printer that never answers."""

    online: bool = True
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    error: bool = False
    drawer_open: bool = False
    answers: bool = True

    @property
    def can_print(self) -> bool:
        return self.online and not (self.cover_open or self.paper_out or self.error)

    def byte(self, n: int) -> int | None:
        if not self.answers:
            return None
        value = 0x12
        if n == 1:
            value |= (0 if self.can_print else 0x08) | (0x04 if self.drawer_open else 0)
        elif n == 2:
            value |= (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0) | (0x40 if self.error else 0)
        elif n == 4:
            value |= (0x0C if self.paper_near_end else 0) | (0x60 if self.paper_out else 0)
        return value


@dataclass
class _Mode:
    code_page: int = 0
    bold: bool = False
    double: bool = False
    align: str = "left"
    font: int = 0


class EscPosReader:
    """An incremental ESC/POS reader: feed it bytes in any slices, read lines and events."""

    def __init__(self, code_pages: dict[int, str] | None = None):
        self.code_pages = dict(code_pages or EPSON_CODE_PAGES)
        self.lines: list[PrintedLine] = []
        self.events: list[Event] = []
        self._buffer = bytearray()
        self._line: list[str] = []
        self._line_mode: _Mode | None = None
        self._mode = _Mode()
        self._qr_data = ""

    def feed(self, data: bytes) -> list[int]:
        """Read ``data``; returns the ``n`` of each ``DLE EOT n`` met, in order, for the caller to answer."""
        self._buffer += data
        requests: list[int] = []
        position = 0
        while position < len(self._buffer):
            used = self._step(position, requests)
            if used == 0:
                break
            position += used
        del self._buffer[:position]
        return requests

    @property
    def pending(self) -> bytes:
        """Bytes of a command not complete yet."""
        return bytes(self._buffer)

    def _event(self, kind: str, value: Any = None) -> None:
        self.events.append(Event(kind, value, len(self.lines)))

    def _end_line(self) -> None:
        mode = self._line_mode or self._mode
        self.lines.append(PrintedLine("".join(self._line), mode.bold, mode.double, mode.align, mode.font))
        self._line = []
        self._line_mode = None

    def _flush(self) -> None:
        if self._line:
            self._end_line()

    def _step(self, i: int, requests: list[int]) -> int:
        """Handle the command or character at ``i``; 0 when it is not complete yet."""
        buf = self._buffer
        byte = buf[i]
        if byte == 0x0A:
            self._end_line()
            return 1
        if byte == 0x1B:
            return self._esc(i)
        if byte == 0x1D:
            return self._gs(i)
        if byte == 0x10:
            return self._dle(i, requests)
        if byte == 0x1C:  # FS: kanji modes and NV images, nothing a receipt needs
            size = 4 if self._need(i, 2) and buf[i + 1] == ord("p") else 2
            return size if self._need(i, size) else 0
        if byte < 0x20:
            return 1  # CR and other controls move nothing on a receipt
        end = i
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        if self._line_mode is None:
            self._line_mode = replace(self._mode)
        encoding = self.code_pages.get(self._mode.code_page, "cp437")
        self._line.append(bytes(buf[i:end]).decode(encoding, errors="replace"))
        return end - i

    def _need(self, i: int, count: int) -> bool:
        return len(self._buffer) - i >= count

    def _esc(self, i: int) -> int:
        buf = self._buffer
        if not self._need(i, 2):
            return 0
        command = buf[i + 1]
        if command == ord("*"):
            if not self._need(i, 5):
                return 0
            m, width = buf[i + 2], buf[i + 3] + buf[i + 4] * 256
            size = 5 + width * (3 if m in (32, 33) else 1)
            if not self._need(i, size):
                return 0
            self._event("image", ("column", width))
            return size
        if command not in _ESC_FIXED:
            self._event("unknown", bytes(buf[i : i + 2]))
            return 2
        size = 2 + _ESC_FIXED[command]
        if not self._need(i, size):
            return 0
        args = buf[i + 2 : i + size]
        self._apply_esc(command, args)
        return size

    def _apply_esc(self, command: int, args: bytearray) -> None:
        mode = self._mode
        if command == ord("@"):  # clears what is not printed yet, as a printer's buffer
            self._mode = _Mode()
            self._line, self._line_mode = [], None
            self._event("init")
        elif command == ord("t"):
            mode.code_page = args[0]
            self._event("code page", args[0])
        elif command == ord("!"):  # every bit at once, the font's (A or B) among them
            mode.font = args[0] & 0x01
            mode.bold = bool(args[0] & 0x08)
            mode.double = bool(args[0] & 0x30)
            self._event("print mode", args[0])
        elif command == ord("E"):
            mode.bold = bool(args[0] & 1)
        elif command == ord("a"):
            mode.align = {0: "left", 1: "center", 2: "right"}.get(args[0] % 48, "left")
        elif command in (ord("d"), ord("J")):
            self._flush()
            self._event("feed", args[0] if command == ord("d") else ("dots", args[0]))
        elif command == ord("p"):
            self._event("drawer", (2 if args[0] % 48 == 0 else 5, args[1] * 2, args[2] * 2))
        elif command == ord("M"):
            mode.font = args[0] % 48
            self._event("font", mode.font)
        elif command in (ord("i"), ord("m")):
            self._flush()
            self._event("cut", command == ord("m"))

    def _gs(self, i: int) -> int:
        buf = self._buffer
        if not self._need(i, 2):
            return 0
        command = buf[i + 1]
        if command == ord("V"):
            if not self._need(i, 3):
                return 0
            m = buf[i + 2]
            size = 4 if m >= 65 else 3
            if not self._need(i, size):
                return 0
            self._flush()
            self._event("cut", _CUTS.get(m, False))
            return size
        if command == ord("k"):
            return self._barcode(i)
        if command == ord("v"):
            if not self._need(i, 8):
                return 0
            width, height = buf[i + 4] + buf[i + 5] * 256, buf[i + 6] + buf[i + 7] * 256
            size = 8 + width * height
            if not self._need(i, size):
                return 0
            self._flush()
            self._event("image", ("raster", width * 8, height))
            return size
        if command == ord("("):
            return self._gs_paren(i)
        if command == ord("*"):
            if not self._need(i, 4):
                return 0
            size = 4 + buf[i + 2] * buf[i + 3] * 8
            return size if self._need(i, size) else 0
        if command not in _GS_FIXED:
            self._event("unknown", bytes(buf[i : i + 2]))
            return 2
        size = 2 + _GS_FIXED[command]
        if not self._need(i, size):
            return 0
        if command == ord("!"):
            self._mode.double = buf[i + 2] != 0
        return size

    def _barcode(self, i: int) -> int:
        buf = self._buffer
        if not self._need(i, 3):
            return 0
        m = buf[i + 2]
        if m <= 6:
            end = buf.find(0, i + 3)
            if end < 0:
                return 0
            data, size = bytes(buf[i + 3 : end]), end + 1 - i
        else:
            if not self._need(i, 4):
                return 0
            length = buf[i + 3]
            size = 4 + length
            if not self._need(i, size):
                return 0
            data = bytes(buf[i + 4 : i + size])
        self._flush()
        self._event("barcode", decode_code128(data) if m == 73 else data.decode("ascii", errors="replace"))
        return size

    def _gs_paren(self, i: int) -> int:
        buf = self._buffer
        if not self._need(i, 5):
            return 0
        length = buf[i + 3] + buf[i + 4] * 256
        size = 5 + length
        if not self._need(i, size):
            return 0
        body = bytes(buf[i + 5 : i + size])
        kind = buf[i + 2]
        if kind == ord("k") and len(body) >= 2 and body[0] == ord("1"):
            if body[1] == 80:  # store the symbol's data
                self._qr_data = body[3:].decode("utf-8", errors="replace")
            elif body[1] == 81:  # print the stored symbol
                self._flush()
                self._event("qr", self._qr_data)
        elif kind == ord("L") and len(body) >= 2 and body[1] in (2, 50):
            self._flush()
            self._event("image", ("graphics",))
        return size

    def _dle(self, i: int, requests: list[int]) -> int:
        buf = self._buffer
        if not self._need(i, 2):
            return 0
        command = buf[i + 1]
        if command == 0x04:  # DLE EOT n: real-time status
            if not self._need(i, 3):
                return 0
            requests.append(buf[i + 2])
            return 3
        if command == 0x14:  # DLE DC4 fn m t
            if not self._need(i, 5):
                return 0
            if buf[i + 2] == 1:
                self._event("drawer", (2 if buf[i + 3] == 0 else 5, buf[i + 4] * 100, 0))
            return 5
        if command == 0x05:  # DLE ENQ n
            return 3 if self._need(i, 3) else 0
        return 1


def decode_code128(data: bytes) -> str:
    """CODE128 data as ESC/POS sends it: ``{A``/``{B``/``{C`` switch code sets, ``{{`` is a brace."""
    out: list[str] = []
    code_set = "B"
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == ord("{") and i + 1 < len(data):
            following = chr(data[i + 1])
            if following in "ABC":
                code_set = following
            elif following == "{":
                out.append("{")
            i += 2
            continue
        out.append(f"{byte:02d}" if code_set == "C" else chr(byte))
        i += 1
    return "".join(out)


@dataclass
class Printout:
    """What came out of the twin: lines of text and, between them, the events."""

    lines: list[PrintedLine] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def text(self) -> list[str]:
        return [line.text for line in self.lines]

    def of(self, kind: str) -> list[Any]:
        return [event.value for event in self.events if event.kind == kind]

    def pieces(self) -> list[list[str]]:
        """The text of each piece of paper, cut from the roll; a last piece not cut yet is left out."""
        pieces: list[list[str]] = []
        start = 0
        for event in self.events:
            if event.kind == "cut":
                pieces.append(self.text[start : event.line])
                start = event.line
        return pieces


def read_bytes(data: bytes, code_pages: dict[int, str] | None = None) -> Printout:
    """Read bytes written to a file (``file:PATH``) the way the twin would have printed them."""
    reader = EscPosReader(code_pages)
    reader.feed(data)
    return Printout(reader.lines, reader.events)


class PrinterTwin:
    """A simulated ESC/POS printer. Thread-safe: transports feed it from their own threads."""

    def __init__(self, code_pages: dict[int, str] | None = None):
        self._lock = threading.Lock()
        self._reader = EscPosReader(code_pages)
        self._held = bytearray()
        self.status = TwinStatus()
        self.received = bytearray()
        self.plugged = True
        self._accept_limit: int | None = None
        self.printed = threading.Condition(self._lock)

    # -- scripting --------------------------------------------------------------------------------

    def set_status(self, **changes: Any) -> None:
        """Change what the printer reports; bytes held while it could not print are printed once it can."""
        with self._lock:
            self.status = replace(self.status, **changes)
            if self.status.can_print and self._held:
                held, self._held = bytes(self._held), bytearray()
                self._reader.feed(held)
                self.printed.notify_all()

    def unplug(self) -> None:
        with self._lock:
            self.plugged = False

    def plug(self) -> None:
        with self._lock:
            self.plugged = True
            self._accept_limit = None

    def unplug_after(self, count: int) -> None:
        """Take ``count`` more bytes, then behave as if the cable was pulled."""
        with self._lock:
            self._accept_limit = count

    # -- what came out ----------------------------------------------------------------------------

    def printout(self) -> Printout:
        with self._lock:
            return Printout(list(self._reader.lines), list(self._reader.events))

    @property
    def lines(self) -> list[str]:
        return self.printout().text

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until ``count`` events of ``kind`` have been printed (for transports on threads)."""
        with self._lock:
            return self.printed.wait_for(
                lambda: sum(1 for e in self._reader.events if e.kind == kind) >= count, timeout
            )

    # -- the wire ---------------------------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        """Take bytes as the printer's interface does; returns the bytes it answers."""
        with self._lock:
            self.received += data
            if self.status.can_print:
                requests = self._reader.feed(data)
            else:
                self._held += data
                requests = [data[k + 2] for k in range(len(data) - 2) if data[k : k + 2] == b"\x10\x04"]
            self.printed.notify_all()
            answers = [self.status.byte(n) for n in requests]
            return bytes(a for a in answers if a is not None)

    def connection(self) -> MemoryConnection:
        """An in-memory connection, as :func:`drivers.printer.open_connection` would return."""
        with self._lock:
            if not self.plugged:
                raise PrinterNotFound("No printer at twin: check it is plugged in and switched on")
        return MemoryConnection(self)


class MemoryConnection:
    description = "twin"
    can_read = True

    def __init__(self, twin: PrinterTwin):
        self.twin = twin
        self._inbox = bytearray()

    def write(self, data: bytes) -> None:
        twin = self.twin
        with twin._lock:
            if not twin.plugged:
                raise PrinterNotFound("Printer twin unplugged or switched off: check the cable and the power")
            limit = twin._accept_limit
            cut = None
            if limit is not None and len(data) > limit:
                twin.plugged, twin._accept_limit, cut = False, None, limit
            elif limit is not None:
                twin._accept_limit = limit - len(data)
        if cut is None:
            self._inbox += twin.feed(data)
            return
        twin.feed(data[:cut])
        if cut:
            raise PrintInterrupted("Printing stopped part-way (twin unplugged): check the receipt", cut, len(data))
        raise PrinterNotFound("Printer twin unplugged or switched off: check the cable and the power")

    def read(self, size: int, timeout: float) -> bytes:
        data, self._inbox = bytes(self._inbox[:size]), self._inbox[size:]
        return data

    def close(self) -> None:
        pass


class _Wire:
    """A thread that moves bytes between a file descriptor and the twin until stopped."""

    def __init__(self, twin: PrinterTwin):
        self.twin = twin
        self._stop_r = self._stop_w = -1
        self._thread: threading.Thread | None = None

    def start(self, name: str) -> None:
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        os.write(self._stop_w, b"x")
        self._thread.join(5)
        self._thread = None
        os.close(self._stop_r)
        os.close(self._stop_w)

    def _run(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _serve(self, fd: int) -> bool:
        """Serve one descriptor until it closes (True) or a stop is asked (False)."""
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.register(self._stop_r, select.POLLIN)
        while True:
            for ready, _ in poller.poll():
                if ready == self._stop_r:
                    return False
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    return True
                answer = self.twin.feed(data)
                if answer:
                    try:
                        os.write(fd, answer)
                    except OSError:
                        return True


class PtyPrinter(_Wire):
    """The twin behind a real pseudo-terminal, reachable through ``link`` as /dev/serial/by-id is.

    ``unplug()`` closes the terminal, so the driver's writes fail with EIO, and removes ``link``,
    as udev removes a by-id link; ``plug()`` opens a new one and points ``link`` at it, as udev
    does on replug. The twin keeps its own handle on the slave side so the terminal stays raw
    between the driver's jobs.

    The link goes before the terminal closes: the kernel hands the freed /dev/pts number to the
    next pty opened anywhere on the machine, and a link left pointing at it would lead the driver
    (with its exclusive lock) into somebody else's terminal.
    """

    def __init__(self, twin: PrinterTwin, link: Path):
        super().__init__(twin)
        self.link = Path(link)
        self._master = self._slave = -1
        self.plugged = False

    def plug(self) -> None:
        if self.plugged:
            return
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        temporary = self.link.with_name(self.link.name + ".new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(os.ttyname(self._slave))
        os.replace(temporary, self.link)
        self.start(f"pty-printer {self.link.name}")
        self.plugged = True

    def unplug(self) -> None:
        if not self.plugged:
            return
        if self.link.is_symlink():
            self.link.unlink()
        self.stop()
        os.close(self._master)
        os.close(self._slave)
        self.plugged = False

    close = unplug

    def __enter__(self) -> PtyPrinter:
        self.plug()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unplug()

    def _run(self) -> None:
        self._serve(self._master)


class TcpPrinter(_Wire):
    """The twin listening on 127.0.0.1, one client at a time, as a network printer's port 9100."""

    def __init__(self, twin: PrinterTwin, host: str = "127.0.0.1", port: int = 0):
        super().__init__(twin)
        self._server = socket.create_server((host, port))
        self.host, self.port = self._server.getsockname()[:2]
        self.start(f"tcp-printer {self.port}")

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def close(self) -> None:
        self.stop()
        self._server.close()

    def __enter__(self) -> TcpPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._server.fileno(), select.POLLIN)
        poller.register(self._stop_r, select.POLLIN)
        while True:
            if any(fd == self._stop_r for fd, _ in poller.poll()):
                return
            client, _ = self._server.accept()
            with client:
                if not self._serve(client.fileno()):
                    return
