"""Time as the till records it: UTC text in the database, local dates for periods and receipts.

The clock is injected (``Till(clock=...)``) so that ``simulate`` can run a whole day in seconds and
tests can cross midnight without waiting for it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SteppingClock:
    """A clock that moves only when told to: simulations and tests."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.current = start.astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> datetime:
        self.current += timedelta(seconds=seconds)
        return self.current


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC text: sorts as time does, so SQL can compare it."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local_date(text: str, zone: ZoneInfo) -> date:
    return parse_utc(text).astimezone(zone).date()


def local_day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[str, str]:
    """UTC text bounds [start of ``first``, start of the day after ``last``) in local time."""
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return utc_text(start), utc_text(end)
