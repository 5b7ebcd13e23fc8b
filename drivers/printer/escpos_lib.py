"""python-escpos, imported on first use with its import-time side effects tamed.

Its import is slow and has side effects (see :func:`_escpos`), so no module imports it at load
time: importing ``drivers.printer`` (the print queue, the twins, a command's ``--help``) leaves it
alone, and the profiles of ``code_pages`` and the ``render`` step ask :func:`_escpos` for it.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import platform
import tempfile
from pathlib import Path
from types import ModuleType

#: The package's logger, as before the split: log lines keep naming ``drivers.printer``, not one of its modules.
log = logging.getLogger(__package__)


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
