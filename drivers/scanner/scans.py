"""What the scanner drivers hand out and raise: scans, dropped scans, the status, the device errors.

With them the framing settings both assemblers take (the terminators, the inter-key timeout).
Shared by both assemblers, the event sources and both readers; kept in a module of their own so
each of those can speak of a scan without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TERMINATORS = {"enter": "\n\r", "tab": "\t", "none": ""}
DEFAULT_INTER_KEY_TIMEOUT = 0.2  # seconds between two keys of one scan; scanners type a key every few ms


class ScannerState(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    WRONG_LAYOUT = "wrong layout suspected"


@dataclass(frozen=True)
class ScannerStatus:
    state: ScannerState
    device: str
    message: str  # for a person: what happened and what to do


@dataclass(frozen=True)
class Scan:
    text: str
    device: str
    layout: str
    suspected_layout: str | None = None  # set when the keys read as a clean code in another layout
    suspected_text: str | None = None


@dataclass(frozen=True)
class Dropped:
    """A partial scan thrown away; the cashier has to scan again."""

    text: str
    reason: str


Outcome = Scan | Dropped


def cut_scan_reason(inter_key_timeout: float) -> str:
    """Why the keys after a pause are dropped up to the next terminator: both assemblers say it so."""
    return f"the rest of a scan cut by a pause of more than {round(inter_key_timeout * 1000)} ms"


class DeviceGone(Exception):
    """The open device stopped: unplugged, or the end of a pipe."""


class DeviceUnavailable(Exception):
    """The device cannot be opened now; ``kind`` is missing, permission, busy or not-input."""

    def __init__(self, message: str, kind: str = "missing", device: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.device = device


class EndOfInput(Exception):
    """A recorded stream has ended: there is nothing to reconnect to."""
