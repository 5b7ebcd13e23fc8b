"""The characters a Linux console font can draw, read from its PSF file's Unicode table.

PSF1 (two magic bytes 36 04; a table of UCS-2 values, 0xFFFF ends a glyph's entry) and PSF2 (magic
72 b5 4a 86; UTF-8 strings, 0xFF ends an entry, 0xFE starts a sequence) are what Debian's
console-setup ships in /usr/share/consolefonts.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

CONSOLE_FONTS = Path("/usr/share/consolefonts")


def characters(path: Path) -> set[str]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if data[:2] == b"\x36\x04":
        mode, height = data[2], data[3]
        if not mode & 0x02:
            raise ValueError(f"{path} has no Unicode table")
        table = data[4 + (512 if mode & 0x01 else 256) * height :]
        values = struct.unpack(f"<{len(table) // 2}H", table[: len(table) // 2 * 2])
        return {chr(value) for value in values if value not in (0xFFFE, 0xFFFF)}
    if data[:4] == b"\x72\xb5\x4a\x86":
        _version, header, flags, count, size, _h, _w = struct.unpack_from("<7I", data, 4)
        if not flags & 0x01:
            raise ValueError(f"{path} has no Unicode table")
        found: set[str] = set()
        for entry in data[header + count * size :].split(b"\xff"):
            found.update(entry.split(b"\xfe")[0].decode("utf-8", errors="ignore"))
        return found
    raise ValueError(f"{path} is not a PSF font")
