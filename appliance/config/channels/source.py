"""Where a till's channel rules come from, and whether that file changed since it was last read.

The till asks :meth:`RulesSource.changed` when a sale starts, never in the middle of a basket: a
``stat`` of the file (its stamp: inode, size, modification and change times), so a sale pays for a
read only when the file was replaced or written. A file caught half-written reads as broken; its
completed write changes the stamp again, so the next sale reads it once more.
"""

from __future__ import annotations

import os
from pathlib import Path

from appliance.config import Config
from appliance.config.channels import ChannelRules, channel_rules

Stamp = tuple[int, int, int, int] | None


class RulesSource:
    """The box's config and its channel file (None: the default rules, which never change)."""

    def __init__(self, config: Config, path: Path | None = None):
        self.config = config
        self.path = path or config.channels_file
        self.stamp: Stamp = None

    def read(self) -> ChannelRules:
        """The rules of the box's channel now; ConfigError if the file cannot be used."""
        self.stamp = self._stamp()
        return channel_rules(self.config, self.path)

    def changed(self) -> bool:
        return self.path is not None and self._stamp() != self.stamp

    def _stamp(self) -> Stamp:
        if self.path is None:
            return None
        try:
            status = os.stat(self.path)
        except OSError:
            return None  # gone or unreadable: read() will say so
        return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
