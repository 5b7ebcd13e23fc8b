"""The fiscal journal's secret key: 32 random bytes in a file only the service user can read.

The key turns the journal's hash chain into an HMAC chain, so rewriting history takes more than
write access to the database. Losing it does not lose sales, but makes the journal unverifiable,
which is why a box refuses to start a new chain over an existing journal with a fresh key.

The key file also names the store it was made for (``store <id>`` on its second line), and the
store's first, sealed entry names the same identity: the key knows that its store exists, so a
store emptied, deleted or set up again beside it is refused instead of taken for a new one. Key
files written before the identity existed hold the key alone and stay valid.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

KEY_BYTES = 32
STORE_ID_BYTES = 16


class JournalKeyError(Exception):
    """The key is missing, unreadable or malformed; the message says what to do, never the key."""


@dataclass(frozen=True)
class KeyFile:
    """A journal key and the identity of the store it was made for (None: a key from before identities)."""

    path: Path
    key: bytes
    store_id: str | None


def load_key(path: Path) -> bytes:
    return read_key_file(path).key


def read_key_file(path: Path) -> KeyFile:
    try:
        lines = path.read_text(encoding="ascii").split()
    except FileNotFoundError:
        raise missing_key(path) from None
    except IsADirectoryError:
        raise JournalKeyError(f"Journal key {path} is a directory, not a key file: check journal.key_file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JournalKeyError(f"Journal key {path} cannot be read: {exc.__class__.__name__}") from None
    if not lines:
        raise JournalKeyError(f"Journal key {path} is empty: restore it from the box's backup")
    try:
        key = bytes.fromhex(lines[0])
    except ValueError:
        key = b""
    store_id = lines[2] if len(lines) == 3 and lines[1] == "store" else None
    if len(key) != KEY_BYTES or len(lines) not in (1, 3) or (len(lines) == 3 and not _is_store_id(store_id)):
        raise JournalKeyError(f"Journal key {path} is malformed: expected {KEY_BYTES * 2} hex digits")
    _warn_if_shared(path, "journal key")
    return KeyFile(path, key, store_id)


def missing_key(path: Path) -> JournalKeyError:
    return JournalKeyError(
        f"Journal key {path} is missing: restore it from the box's backup "
        "(the journal cannot be sealed or verified without it)"
    )


def new_store_id() -> str:
    return secrets.token_hex(STORE_ID_BYTES)


def _is_store_id(text: str | None) -> bool:
    return text is not None and len(text) == STORE_ID_BYTES * 2 and all(c in "0123456789abcdef" for c in text)


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
    _warn_if_shared(path, "API key file")
    return key


def create_key(path: Path, store_id: str | None = None) -> bytes:
    """Write a new key atomically with mode 0600; an existing key is never overwritten.

    ``store_id`` binds the key to the store being set up (``store init`` always gives one).
    """
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    text = key.hex() + "\n" + (f"store {store_id}\n" if store_id else "")
    try:
        os.write(descriptor, text.encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return load_key(path)
    finally:
        temporary.unlink()
    fsync_directory(path.parent)
    return key


def permission_warning(path: Path, what: str) -> str | None:
    """The one warning about a key file others may read: config check, doctor and the key's use say it alike."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & 0o077:
        return None
    return f"{what} {path} can be read by other users (mode {mode:04o}): chmod 600 it"


def _warn_if_shared(path: Path, what: str) -> None:
    if (warning := permission_warning(path, what)) is not None:
        log.warning(warning)


def fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
