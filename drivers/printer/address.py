"""Where a printer is: a ``usb:``, ``serial:``, ``tcp://`` or ``file:`` URL parsed into an :class:`Address`.

The URL is parsed once, when the printer is set up, so a mistyped one is refused with the way
to write it before the first sale rather than at the first receipt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from .errors import PrinterConfigError


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
