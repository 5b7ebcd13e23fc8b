"""``journal verify``: the seal of the journal, plus everything in the store that must agree with it.

The chain and its anchor are checked by :func:`appliance.core.seal.verify`. Around it, this module
checks what the seal alone does not cover:

- the protective triggers are all there, with their original text (a trigger of the same name
  made harmless is as bad as a dropped one);
- a store that was set up has a journal (an emptied journal with its anchor removed would
  otherwise look like a new store);
- the small tables that index the journal (shifts, Z closures, cash movements, period closures)
  say what their journal entries say, and every such entry has its row. The till reads those
  tables for speed; this is what makes reading them safe.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from appliance.core.seal import Entry, Finding, Verdict, verify
from appliance.store.journal import anchor, entries
from appliance.store.schema import expected_triggers, normalized_sql

#: For each side table: its journal kinds, how to find its rows' entries, and for each column what
#: it must equal, read from the entry's kind and payload.
_SIDE_TABLES: dict[str, tuple[tuple[str, ...], str, dict[str, Callable[[str, dict[str, Any]], object]]]] = {
    "shift": (
        ("shift_open",),
        "SELECT journal_seq, id, opened_by, opening_float FROM shift",
        {
            "id": lambda kind, p: p["shift_id"],
            "opened_by": lambda kind, p: p["opened_by"],
            "opening_float": lambda kind, p: p["opening_float"],
        },
    ),
    "shift_close": (
        ("shift_close",),
        "SELECT journal_seq, shift_id, closed_by, counted_cash, expected_cash FROM shift_close",
        {
            "shift_id": lambda kind, p: p["shift_id"],
            "closed_by": lambda kind, p: p["closed_by"],
            "counted_cash": lambda kind, p: p["cash"]["counted"],
            "expected_cash": lambda kind, p: p["cash"]["expected"],
        },
    ),
    "cash_movement": (
        ("cash_in", "cash_out"),
        "SELECT journal_seq, shift_id, 'cash_' || kind, amount, reason FROM cash_movement",
        {
            "shift_id": lambda kind, p: p["shift_id"],
            "kind": lambda kind, p: kind,
            "amount": lambda kind, p: p["amount"],
            "reason": lambda kind, p: p["reason"],
        },
    ),
    "closure": (
        ("closure_day", "closure_month", "closure_year"),
        "SELECT journal_seq, period, first_seq, last_seq, total, perpetual_total FROM closure",
        {
            "period": lambda kind, p: p["period"],
            "first_seq": lambda kind, p: p["first_seq"],
            "last_seq": lambda kind, p: p["last_seq"],
            "total": lambda kind, p: p["totals"]["total"],
            "perpetual_total": lambda kind, p: p["perpetual_total"],
        },
    ),
}


def verify_store(connection: sqlite3.Connection, key: bytes, lane_id: int) -> Verdict:
    """Everything ``journal verify`` checks, read in one transaction so a sale committed meanwhile
    cannot look like an entry the anchor does not cover yet."""
    findings: list[Finding] = []
    indexed: dict[int, Entry] = {}
    connection.execute("BEGIN")
    try:
        findings += _trigger_findings(connection)
        verdict = verify(key, lane_id, _keeping(entries(connection), indexed), anchor(connection, lane_id))
        findings += verdict.findings
        findings += _setup_findings(connection, verdict.entries)
        if verdict.ok:
            findings += _side_table_findings(connection, indexed)
    except sqlite3.DatabaseError as exc:
        findings.append(Finding(None, None, f"the database file is damaged ({exc}): restore it from a backup"))
        verdict = Verdict(0, [])
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
    return Verdict(verdict.entries, findings)


def _trigger_findings(connection: sqlite3.Connection) -> list[Finding]:
    present = {
        name: normalized_sql(sql or "")
        for name, sql in connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    missing, altered = [], []
    for name, sql in sorted(expected_triggers().items()):
        if name not in present:
            missing.append(name)
        elif present[name] != sql:
            altered.append(name)
    findings = []
    if missing:
        findings.append(Finding(None, None, "protection triggers were removed: " + ", ".join(missing)))
    if altered:
        findings.append(Finding(None, None, "protection triggers were altered: " + ", ".join(altered)))
    return findings


def _setup_findings(connection: sqlite3.Connection, count: int) -> list[Finding]:
    info = connection.execute("SELECT lane_id, created_at FROM store_info").fetchall()
    others = connection.execute("SELECT lane_id FROM journal_anchor").fetchall()
    findings = []
    if info and count == 0:
        findings.append(
            Finding(
                info[0][0],
                1,
                f"the journal is empty, but this store was set up on {info[0][1]}: its entries were removed",
            )
        )
    if len(info) > 1 or len(others) > 1:
        findings.append(Finding(None, None, "the store names more than one lane: rows were added to it"))
    return findings


_INDEXED_KINDS = {kind for kinds, _, _ in _SIDE_TABLES.values() for kind in kinds}


def _keeping(stream: Iterator[Entry], indexed: dict[int, Entry]) -> Iterator[Entry]:
    """Pass the entries on to the chain check, keeping those the side tables index: one read."""
    for entry in stream:
        if entry.kind in _INDEXED_KINDS:
            indexed[entry.seq] = entry
        yield entry


def _side_table_findings(connection: sqlite3.Connection, indexed: dict[int, Entry]) -> list[Finding]:
    findings: list[Finding] = []
    for table, (kinds, query, fields) in _SIDE_TABLES.items():
        sealed = {seq: (entry.kind, json.loads(entry.payload)) for seq, entry in indexed.items() if entry.kind in kinds}
        seen: set[int] = set()
        for row in connection.execute(query):
            seq, values = row[0], dict(zip(fields, row[1:], strict=True))
            seen.add(seq)
            if seq not in sealed:
                findings.append(
                    Finding(
                        None,
                        seq,
                        f"a {table} row points at journal entry {seq}, which does not record it (row added or edited)",
                    )
                )
                continue
            kind, payload = sealed[seq]
            for column, value in values.items():
                expected = fields[column](kind, payload)
                if value != expected:
                    findings.append(
                        Finding(
                            None,
                            seq,
                            f"the {table} row of this entry says {column} = {value!r}, "
                            f"the sealed entry says {expected!r} (row edited)",
                        )
                    )
                    break
        for seq in sorted(set(sealed) - seen):
            findings.append(Finding(None, seq, f"this {sealed[seq][0]} entry has no row in {table} (row removed)"))
    return findings
