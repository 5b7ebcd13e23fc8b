"""python-escpos, imported on first use with its import-time side effects tamed.

Its import is slow and has side effects (see :func:`_escpos`), so no module imports it at load
time: importing ``drivers.printer`` (the print queue, the twins, a command's ``--help``) leaves it
alone, and only the ``render`` step asks :func:`_escpos` for it. The printer profiles that
``code_pages`` reads when a printer is built come from :func:`capabilities`, which reads the
library's printer database without importing the library: the counter builds its printer before
its first frame, and importing python-escpos (which pulls in imaging, barcode and QR code
libraries) there made every start of the till slower (docs/benchmarks.md, bench/counter_start.py).
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
from typing import Any

#: The package's logger, as before the split: log lines keep naming ``drivers.printer``, not one of its modules.
log = logging.getLogger(__package__)


_escpos_modules: dict[str, ModuleType] = {}
_capabilities: dict[str, Any] = {}


def capabilities() -> dict[str, Any]:
    """python-escpos's printer database (``profiles``, ``encodings``), as its ``CAPABILITIES``.

    Read from the pickle :func:`_prepare_capabilities_cache` writes (the one python-escpos itself
    loads), so the library is not imported; when that cache cannot be written, from the library.
    """
    if not _capabilities:
        cached = _prepare_capabilities_cache()
        data = None
        if cached is not None:
            try:
                with open(cached, "rb") as source:
                    data = pickle.load(source)  # noqa: S301  (our own cache, in the service's directory)
            except (OSError, EOFError, pickle.UnpicklingError):
                log.warning("cannot read the python-escpos capabilities cache %s", cached, exc_info=True)
        _capabilities.update(data if isinstance(data, dict) else _escpos()["capabilities"].CAPABILITIES)
    return _capabilities


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


def _prepare_capabilities_cache() -> Path | None:
    """Write the pickle of python-escpos's capabilities.json when it is missing or older; its path,
    or None when it could not be written."""
    import importlib.util

    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return None
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
            return target
        data = json.loads(source.read_text(encoding="utf-8"))
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(data, out, protocol=2)
        os.replace(temporary, target)
    except OSError:
        log.warning("cannot write the python-escpos capabilities cache in %s", directory, exc_info=True)
        return None
    return target
