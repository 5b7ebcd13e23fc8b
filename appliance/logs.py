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


def log_directory() -> Path:
    configured = os.environ.get("OFN_CHECKOUT_LOG_DIR")
    for candidate in ([Path(configured)] if configured else []) + [DEFAULT_DIR, Path(tempfile.gettempdir()) / "ofn-checkout"]:
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    return Path(tempfile.gettempdir())


def setup_logging(name: str) -> Path:
    """Log INFO and above to ``<log dir>/<name>.log``; return the file's path for error messages."""
    path = log_directory() / f"{name}.log"
    root = logging.getLogger()
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path for h in root.handlers):
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    return path
