"""The fiscal journal's secret key: 32 random bytes in a file only the service user can read.

The key turns the journal's hash chain into an HMAC chain, so rewriting history takes more than
write access to the database. Losing it does not lose sales, but makes the journal unverifiable,
which is why a box refuses to start a new chain over an existing journal with a fresh key.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 32


class JournalKeyError(Exception):
    """The key is missing, unreadable or malformed; the message says what to do, never the key."""


def load_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise JournalKeyError(
            f"Journal key {path} is missing: restore it from the box's backup "
            "(the journal cannot be sealed or verified without it)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JournalKeyError(f"Journal key {path} cannot be read: {exc.__class__.__name__}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise JournalKeyError(f"Journal key {path} is malformed: expected {KEY_BYTES * 2} hex digits")
    return key


class ApiKeyError(Exception):
    """The OFN API key file is missing, unreadable or empty; the message says so, never the key."""


def load_api_key(path: Path) -> str:
    """The hub's OFN API key, as support staff provisioned it (docs/ofn-setup.md)."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ApiKeyError(f"No API key file at {path}: provision the hub's OFN API key (docs/ofn-setup.md)") from None
    except (OSError, UnicodeDecodeError):
        raise ApiKeyError(f"Cannot read the API key file {path}: it must be readable by the service user") from None
    if not key:
        raise ApiKeyError(f"The API key file {path} is empty: provision the hub's OFN API key")
    return key


def create_key(path: Path) -> bytes:
    """Write a new key atomically with mode 0600; an existing key is never overwritten."""
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, (key.hex() + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return load_key(path)
    finally:
        temporary.unlink()
    _fsync_directory(path.parent)
    return key


def key_is_private(path: Path) -> bool:
    """Whether only the owner can read the key (doctor and config check warn otherwise)."""
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
