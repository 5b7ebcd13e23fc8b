"""Daily, monthly and yearly closures: sealed period totals with the perpetual grand total.

A closure covers a contiguous range of the journal, so no entry can fall between two closures,
whatever the clock does. A day is closed as soon as the till does anything on a later day (or
when ``ofn-checkout report close-periods`` runs, e.g. from a nightly timer); a month once its last
day is closed and a later month has begun; a year likewise. Local dates come from the configured
time zone.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from appliance.core.clock import local_date
from appliance.store import journal as journal_store
from appliance.store.totals import sales_totals


@dataclass(frozen=True)
class Span:
    """A stretch of the journal, named by the period it closes."""

    period: str
    first_seq: int
    last_seq: int


def close_due_periods(
    connection: sqlite3.Connection, key: bytes, lane_id: int, zone: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    """Close every finished day, then month, then year; the caller holds the write transaction."""
    today = now.astimezone(zone).date()
    made = [_close(connection, key, lane_id, "day", span, now) for span in _finished_days(connection, zone, today)]
    for kind, smaller, width in (("month", "day", 7), ("year", "month", 4)):
        for span in _finished_groups(connection, kind, smaller, width, today.isoformat()[:width]):
            made.append(_close(connection, key, lane_id, kind, span, now))
    return made


def _finished_days(connection: sqlite3.Connection, zone: ZoneInfo, today: date) -> list[Span]:
    """Split the journal after the last daily closure into finished local days.

    An entry counts for the later of its own date and the day after the last closed day, so a clock
    set back can neither reopen a closed day nor close the same day twice. An entry dated after
    today (a clock set wrongly forward) counts for the day of the entries before it, or the first
    day found after it, so it can neither hold back the closures nor close a day that has not come.
    """
    last = connection.execute(
        "SELECT period, last_seq FROM closure WHERE kind = 'day' ORDER BY last_seq DESC LIMIT 1"
    ).fetchone()
    floor = date.fromisoformat(last[0]) + timedelta(days=1) if last else date.min
    spans: list[Span] = []
    label: date | None = None
    first_seq: int | None = None
    last_seq = 0
    for seq, created_at in connection.execute(
        "SELECT seq, created_at FROM journal WHERE seq > ? ORDER BY seq", (last[1] if last else 0,)
    ):
        local: date | None = local_date(created_at, zone)
        if local is not None and local > today:
            local = label  # dated in the future by a wrong clock: it belongs with its neighbours
        if local is not None:
            day = max(local, floor)
            if day >= today:
                break
            if label is not None and day > label:
                spans.append(Span(label.isoformat(), first_seq or seq, last_seq))
                first_seq = None
            label = floor = day
        first_seq = seq if first_seq is None else first_seq
        last_seq = seq
    if label is not None and first_seq is not None:
        spans.append(Span(label.isoformat(), first_seq, last_seq))
    return spans


def _finished_groups(connection: sqlite3.Connection, kind: str, smaller: str, width: int, current: str) -> list[Span]:
    """Months (or years) that are over, built from the day (or month) closures not yet grouped.

    As with days, a group never reuses the label of one already closed: its closures join the
    next group instead.
    """
    last = connection.execute(
        "SELECT period, last_seq FROM closure WHERE kind = ? ORDER BY last_seq DESC LIMIT 1", (kind,)
    ).fetchone()
    floor = last[0] if last else ""
    spans: list[Span] = []
    pending: Span | None = None
    for period, first_seq, last_seq in connection.execute(
        "SELECT period, first_seq, last_seq FROM closure WHERE kind = ? AND last_seq > ? ORDER BY last_seq",
        (smaller, last[1] if last else 0),
    ):
        label = period[:width]
        if label >= current:
            break
        if pending is not None and label != pending.period and pending.period > floor:
            spans.append(pending)
            pending = None
        start = pending.first_seq if pending else first_seq
        pending = Span(max(label, pending.period if pending else label), start, last_seq)
    if pending is not None and pending.period > floor:
        spans.append(pending)
    return spans


def _close(
    connection: sqlite3.Connection, key: bytes, lane_id: int, kind: str, span: Span, now: datetime
) -> dict[str, Any]:
    totals = sales_totals(connection, span.first_seq, span.last_seq)
    previous = _sealed(
        connection, "SELECT journal_seq FROM closure WHERE kind = ? ORDER BY last_seq DESC LIMIT 1", (kind,)
    )
    perpetual = (previous[0]["perpetual_total"] if previous else 0) + totals.total
    report: dict[str, Any] = {
        "kind": kind,
        "period": span.period,
        "first_seq": span.first_seq,
        "last_seq": span.last_seq,
        "totals": totals.as_record(),
        "perpetual_total": perpetual,
    }
    entry = journal_store.append(connection, key, lane_id, f"closure_{kind}", span.period, report, now)
    connection.execute(
        "INSERT INTO closure (kind, period, first_seq, last_seq, total, perpetual_total, created_at, journal_seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, span.period, span.first_seq, span.last_seq, totals.total, perpetual, entry.created_at, entry.seq),
    )
    return report


def perpetual_total(connection: sqlite3.Connection) -> int:
    """Everything the lane ever took, net of refunds, up to now.

    The last daily closure's sealed perpetual total plus the sales after it: reading every sale of
    the store's life for each X report would grow slower year after year.
    """
    last = _sealed(connection, "SELECT journal_seq FROM closure WHERE kind = 'day' ORDER BY last_seq DESC LIMIT 1", ())
    carried, after = (last[0]["perpetual_total"], last[0]["last_seq"]) if last else (0, 0)
    since = connection.execute("SELECT COALESCE(SUM(total), 0) FROM sale WHERE id > ?", (after,)).fetchone()[0]
    return carried + since


def closures(connection: sqlite3.Connection, kind: str | None = None) -> list[dict[str, Any]]:
    """The closures as they were sealed (read from the journal, not from the index table)."""
    sql = "SELECT journal_seq FROM closure"
    params: tuple[object, ...] = ()
    if kind:
        sql += " WHERE kind = ?"
        params = (kind,)
    return _sealed(connection, sql + " ORDER BY journal_seq", params)


def _sealed(connection: sqlite3.Connection, seqs_sql: str, params: tuple[object, ...]) -> list[dict[str, Any]]:
    """The sealed payloads of the closure entries whose ``seq`` the query selects."""
    return [
        json.loads(payload)
        for (payload,) in connection.execute(
            f"SELECT payload FROM journal WHERE seq IN ({seqs_sql}) AND kind LIKE 'closure_%' ORDER BY seq", params
        )
    ]
