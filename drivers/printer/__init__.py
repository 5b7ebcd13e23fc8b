"""ESC/POS receipt printers: a print document to bytes, the connection the bytes go over, the status.

Three parts, kept apart so each can be tested on its own and swapped for a twin:

- ``render`` (:class:`Renderer`) turns an :class:`appliance.core.document.Document` into ESC/POS
  bytes with python-escpos (``escpos_lib``, loaded on first use), as text in ONE code page pinned
  with ``ESC t n`` (``code_pages``), never in what the printer was left in;
- ``connections`` (:func:`open_connection`) open the printer at an ``address`` for one job, with a
  stall timeout on every write, and count the bytes the device accepted, so the print queue knows
  whether a failed job may have printed in part;
- ``status`` (:func:`query_status`) asks ``DLE EOT 1/2/4`` where the connection can answer and
  reads the printer's real-time status: online, cover open, paper near end, paper out.

``driver`` (:class:`Printer`) puts them together: ``print(document)`` checks the status, then sends
the job. ``errors`` holds what all of them raise; ``commands`` the few command bytes built by hand.
Everything public is importable from ``drivers.printer`` itself, as it was when this was one module.
"""

from typing import TYPE_CHECKING, Any

from .address import URL_HELP, Address, parse_url
from .code_pages import FALLBACK_CODE_PAGE, PREFERRED_CODE_PAGES, CodePage, code_page_for, code_page_table, profile_data
from .commands import DLE_EOT, ESC, GS, KICK_OFF_UNITS, kick_bytes, print_mode
from .connections import (
    CONNECT_TIMEOUT,
    DEFAULT_STALL_TIMEOUT,
    Connection,
    FdConnection,
    UsbConnection,
    open_connection,
)
from .driver import Printer
from .errors import (
    CoverOpen,
    PaperOut,
    PrinterBusy,
    PrinterConfigError,
    PrinterError,
    PrinterNotFound,
    PrinterOffline,
    PrinterPermissionDenied,
    PrintInterrupted,
)
from .escpos_lib import capabilities_cache_dir
from .settings import PrinterSettings
from .status import DEFAULT_STATUS_TIMEOUT, UNKNOWN, PrinterStatus, is_status_byte, parse_status, query_status

if TYPE_CHECKING:
    from .render import Renderer


def __getattr__(name: str) -> Any:
    """``Renderer``, imported when first asked for: building a printer does not need it (driver.py)."""
    if name == "Renderer":
        from .render import Renderer

        return Renderer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_STALL_TIMEOUT",
    "DEFAULT_STATUS_TIMEOUT",
    "DLE_EOT",
    "ESC",
    "FALLBACK_CODE_PAGE",
    "GS",
    "KICK_OFF_UNITS",
    "PREFERRED_CODE_PAGES",
    "UNKNOWN",
    "URL_HELP",
    "Address",
    "CodePage",
    "Connection",
    "CoverOpen",
    "FdConnection",
    "PaperOut",
    "PrintInterrupted",
    "Printer",
    "PrinterBusy",
    "PrinterConfigError",
    "PrinterError",
    "PrinterNotFound",
    "PrinterOffline",
    "PrinterPermissionDenied",
    "PrinterSettings",
    "PrinterStatus",
    "Renderer",
    "UsbConnection",
    "capabilities_cache_dir",
    "code_page_for",
    "code_page_table",
    "is_status_byte",
    "kick_bytes",
    "open_connection",
    "parse_status",
    "parse_url",
    "print_mode",
    "profile_data",
    "query_status",
]
