"""Where tracebacks go: a log file, never the cashier's screen or a support person's terminal.

Under systemd the services log to the journal through stderr; the CLI writes to
$OFN_CHECKOUT_LOG_DIR (default /var/log/ofn-checkout, or the temp dir when that is not writable).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

DEFAULT_DIR = Path("/var/log/ofn-checkout")
_installed: logging.FileHandler | None = None


def _candidates() -> list[Path]:
    configured = os.environ.get("OFN_CHECKOUT_LOG_DIR")
    fallback = Path(tempfile.gettempdir()) / f"ofn-checkout-{os.getuid()}"
    return ([Path(configured)] if configured else []) + [DEFAULT_DIR, fallback]


def setup_logging(name: str) -> Path | None:
    """Log INFO and above to ``<log dir>/<name>.log``; return the file's path for error messages.

    The file is opened now, not at the first message, so that a log that cannot be written is
    noticed here (the next directory is tried) rather than in the middle of reporting an error.
    Text that is not valid UTF-8 (a mistyped argument) is escaped, never a reason to fail.
    """
    global _installed
    root = logging.getLogger()
    for directory in _candidates():
        path = directory / f"{name}.log"
        if _installed is not None and Path(_installed.baseFilename) == path.absolute():
            return path
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8", errors="backslashreplace")
        except OSError:
            continue
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
        if _installed is not None:
            root.removeHandler(_installed)
            _installed.close()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        for chatty in ("httpx", "httpcore"):  # one line per request would drown what matters
            logging.getLogger(chatty).setLevel(logging.WARNING)
        _installed = handler
        return path
    return None
