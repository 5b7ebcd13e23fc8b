"""The PIN lock-out: five wrong PINs in a row lock the PIN screen for a minute. Pure code.

Time here is a monotonic clock's reading (seconds since the machine booted) and the boot it was
read in: setting the wall clock back or forward neither ends a lock nor makes one longer, and the
state is kept in the store, so restarting the app does not end one either. A monotonic reading
means nothing in another boot, so after a reboot a lock starts its minute again from the first
time it is looked at (:meth:`LockState.anchored`): a reboot can make a lock last longer, never
shorter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Wrong PINs in a row that lock the PIN screen, and for how long (seconds).
LOCK_AFTER = 5
LOCK_SECONDS = 60.0


@dataclass(frozen=True)
class Tick:
    """A monotonic clock's reading, and the boot it was read in."""

    seconds: float
    boot: str


@dataclass(frozen=True)
class LockState:
    """Wrong PINs since the last good one, and when the lock began (None: not locked)."""

    failures: int = 0
    locked_at: Tick | None = None

    def anchored(self, now: Tick) -> LockState:
        """The same lock, its start moved to ``now`` when it was read in another boot (or, a clock
        that went backwards, in a time still to come): the minute starts again from here."""
        start = self.locked_at
        if start is not None and (start.boot != now.boot or start.seconds > now.seconds):
            return LockState(self.failures, now)
        return self

    def left(self, now: Tick) -> float:
        """Seconds until the PIN screen takes a PIN again; 0 when it takes one now.

        Only meaningful for an :meth:`anchored` state (a start in another boot reads as a full lock).
        """
        start = self.locked_at
        if start is None:
            return 0.0
        if start.boot != now.boot or start.seconds > now.seconds:
            return LOCK_SECONDS
        return max(0.0, LOCK_SECONDS - (now.seconds - start.seconds))

    def failed(self, now: Tick) -> LockState:
        """One more wrong PIN; the fifth in a row locks. A lock that has run out starts a new count."""
        failures = (0 if self.locked_at is not None and self.left(now) == 0 else self.failures) + 1
        return LockState(failures, now if failures >= LOCK_AFTER else None)

    def tries_left(self, now: Tick) -> int:
        """Wrong PINs still allowed before the lock (0 while locked)."""
        if self.locked_at is not None:
            return 0 if self.left(now) > 0 else LOCK_AFTER
        return max(LOCK_AFTER - self.failures, 0)


def shown(seconds: float) -> str:
    """``0:47``: the time left, rounded up to the second (a lock never looks shorter than it is)."""
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
