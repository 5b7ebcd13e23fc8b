"""Files written whole or not at all: the head witness of a new store, the accounting export.

A file is written into a temporary file beside it, fsync'd, and renamed over it (the directory
fsync'd too), so a crash, a kill or a full disk leaves the old file or the new one, never half of
one. The temporary file is created for the service user alone (mode 0600) and never through a
symbolic link. This costs a flush and, on ext4, the new file written out at the rename: fine for a
set-up or an export, too much for every sale (witness.py writes the witness in place instead).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from appliance.store.keys import fsync_directory

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` as the new content of ``path``, atomically and durably."""
    temporary = _temporary(path)
    try:
        descriptor = os.open(temporary, _FLAGS, 0o600)
        try:
            os.write(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        _discard(temporary)
        raise
    fsync_directory(path.parent)


@contextmanager
def replacing(path: Path, *, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text file to write ``path``'s new content into; it replaces ``path`` (durably) only if the
    block ends without an error. On an error (a full disk) ``path`` is left as it was."""
    temporary = _temporary(path)
    try:
        descriptor = os.open(temporary, _FLAGS, 0o600)
        with open(descriptor, "w", encoding=encoding, newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        _discard(temporary)
        raise
    fsync_directory(path.parent)


def _temporary(path: Path) -> Path:
    """A name of this process and thread beside ``path``: two writers never share one."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _discard(temporary: Path) -> None:
    try:
        temporary.unlink()
    except OSError:
        pass
