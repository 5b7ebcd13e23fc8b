"""Where tracebacks go: a log file, never the cashier's screen or a support person's terminal.

Under systemd the services log to the journal through stderr; the CLI writes to
$OFN_CHECKOUT_LOG_DIR (default /var/log/ofn-checkout, or a directory of its own in the temp dir
when that is not writable). Logs are the service user's alone (directories 0700, files 0600).

The fallback in the temp dir has a name anyone can guess, and anyone can create it first (a
directory of their own, or a symbolic link to a file of the service user's). So it is used only
if it is a real directory (not a link), owned by this user, and closed to everybody else; log
files are never opened through a link.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

DEFAULT_DIR = Path("/var/log/ofn-checkout")
_installed: logging.FileHandler | None = None


def log_directories() -> list[Path]:
    """Where logs may be, in the order they are tried (the support bundle reads them all)."""
    return _candidates()


def _candidates() -> list[Path]:
    configured = os.environ.get("OFN_CHECKOUT_LOG_DIR")
    fallback = Path(tempfile.gettempdir()) / f"ofn-checkout-{os.getuid()}"
    return ([Path(configured)] if configured else []) + [DEFAULT_DIR, fallback]


def _usable_directory(directory: Path) -> bool:
    """Make ``directory`` (0700) if need be. In the shared temp dir, True only for a real directory
    of this user's that nobody else can enter; elsewhere (a path an administrator chose), any
    directory."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = os.lstat(directory)
    except OSError:
        return False
    if directory.parent != Path(tempfile.gettempdir()):
        return directory.is_dir()
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not stat.S_IMODE(status.st_mode) & 0o077


def _open_private(path: Path) -> None:
    """Create the log file for the service user alone, never following a link."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600))


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
        if not _usable_directory(directory):
            continue
        try:
            _open_private(path)
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
