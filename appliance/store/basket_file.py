"""The basket in progress, kept beside the store after every change, outside the journal.

A file of its own (``<store>.basket``), replaced whole by a rename on each change, so a kill
leaves the last basket or the one before, never half of one. It is not flushed to the disk: a
process that dies leaves its writes in the kernel's cache, which is what a crash or a watchdog
restart needs; a power cut may lose the last few changes of a basket, never a sale (sales are in
the journal, flushed at every commit). Flushing on every scan would cost an SD card a write per
product for data that is not fiscal.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


def basket_path(store: Path) -> Path:
    return store.with_name(store.name + ".basket")


def keep(path: Path, record: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, _FLAGS, 0o600)
    try:
        os.write(descriptor, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def kept(path: Path) -> dict[str, Any] | None:
    """The kept basket, or None when there is none; a file that is not a basket raises ValueError."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return None
    record = json.loads(data)
    if not isinstance(record, dict):
        raise ValueError("not a basket")
    return record


def drop(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def set_aside(path: Path) -> Path:
    """Keep an unreadable basket for support to look at, out of the till's way."""
    aside = path.with_name(path.name + ".unreadable")
    os.replace(path, aside)
    return aside
