"""``journal verify``: the seal of the journal, plus everything in the store that must agree with it.

The chain and its anchor are checked by :func:`appliance.core.seal.verify`. Around it, this module
checks what the seal alone does not cover:

- the schema: every table, view, trigger and index as this version's migrations make them at the
  store's level (schema_audit.py), so a view that filters sales or a trigger dropped, made
  harmless or added is named;
- the head witness beside the key (witness.py): a journal that ends before the entry it saw was
  cut, even with its anchor deleted or put back from an older copy;
- the set-up: a store with the key's identity in its first entry, and a set-up record that says
  the same (an emptied journal would otherwise look like a new store);
- the small tables that index the journal (shifts, Z closures, cash movements, period closures)
  say what their journal entries say, and every such entry has its row. The till reads those
  tables for speed; this is what makes reading them safe;
- the invoice and credit note series: gap-less, each document for a real sale or return, every
  return of an invoiced sale credited (invoice_audit.py);
- the people who may log in: each row sealed under the key and the same as its latest journal
  entry (people_audit.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from appliance.core.seal import Entry, Finding, Verdict, verify
from appliance.store.database import StoreError, connect, explain
from appliance.store.invoice_audit import KINDS as INVOICE_KINDS
from appliance.store.invoice_audit import invoice_findings
from appliance.store.journal import anchor, entries
from appliance.store.keys import KeyFile, read_key_file
from appliance.store.opening import absence_problem, set_up_unfinished
from appliance.store.people import KINDS as PEOPLE_KINDS
from appliance.store.people_audit import people_findings
from appliance.store.schema_audit import applied_migrations, newer_schema, schema_problems
from appliance.store.witness import Witness, witness_findings

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


def verify_path(path: Path, key_path: Path, lane_id: int) -> Verdict:
    """``journal verify`` of the store at ``path``, opened read-only (an archive on read-only media).

    A file that is missing beside its key, empty, or not a store is a finding, never "0 entries".
    Raises StoreError for what cannot be checked at all (no file and no key, a newer schema).
    """
    problem = absence_problem(path, key_path, lane_id)
    if problem is not None:
        if not path.exists() and (not key_path.exists() or set_up_unfinished(key_path, lane_id)):
            raise StoreError(problem)
        return Verdict(0, [Finding(None, None, problem)])
    db = connect(path, write=False)
    try:
        applied = applied_migrations(db.conn)
        if not applied:
            return Verdict(0, [Finding(None, None, f"{path} is not a checkout store: it has none of its tables")])
        if (newer := newer_schema(applied)) is not None:
            raise StoreError(f"{path} {newer} to verify it")
        lane = db.conn.execute("SELECT lane_id FROM store_info LIMIT 1").fetchone()
        return verify_store(db.conn, read_key_file(key_path), lane[0] if lane else lane_id)
    except sqlite3.DatabaseError as exc:
        return Verdict(0, [Finding(None, None, f"{path} {explain(exc, opening=True)}")])
    finally:
        db.close()


def verify_store(connection: sqlite3.Connection, key_file: KeyFile, lane_id: int) -> Verdict:
    """Everything ``journal verify`` checks, read in one transaction so a sale committed meanwhile
    cannot look like an entry the anchor does not cover yet. The head witness is read first, before
    the transaction starts: a sale witnessed meanwhile then only makes the journal look longer."""
    findings: list[Finding] = []
    indexed: dict[int, Entry] = {}
    witness = Witness.for_key(key_file, lane_id)
    reading = witness.read()
    warnings: list[str] = []
    connection.execute("BEGIN")
    try:
        problems = schema_problems(connection, applied_migrations(connection))
        findings += [Finding(None, None, problem) for problem in problems]
        verdict = verify(key_file.key, lane_id, _keeping(entries(connection), indexed), anchor(connection, lane_id))
        findings += verdict.findings
        findings += _setup_findings(connection, key_file, verdict.entries, indexed.get(1))
        witnessed, warnings = witness_findings(connection, witness, reading)
        findings += witnessed
        if verdict.ok:
            findings += _side_table_findings(connection, indexed)
            findings += invoice_findings(connection, (e for e in indexed.values() if e.kind in INVOICE_KINDS))
            people = (e for e in indexed.values() if e.kind in PEOPLE_KINDS)
            findings += people_findings(connection, key_file.key, people)
    except sqlite3.DatabaseError as exc:
        findings.append(Finding(None, None, f"the database file is damaged ({exc}): restore it from a backup"))
        verdict = Verdict(0, [])
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
    return Verdict(verdict.entries, findings, warnings)


def _setup_findings(
    connection: sqlite3.Connection, key_file: KeyFile, count: int, first: Entry | None
) -> list[Finding]:
    """The store was set up once, for this key: entry 1 records it, and the set-up record agrees."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(store_info)")}
    identity = "store_id" in columns  # from migration 6 on
    info = connection.execute(
        f"SELECT lane_id, created_at{', store_id, training' if identity else ''} FROM store_info"
    ).fetchall()
    others = connection.execute("SELECT lane_id FROM journal_anchor").fetchall()
    findings = []
    if count == 0:
        when = f"this store was set up on {info[0][1]}" if info else "its key says this store was set up"
        findings.append(
            Finding(info[0][0] if info else None, 1, f"the journal is empty, but {when}: its entries were removed")
        )
    elif not info:
        findings.append(Finding(None, None, "the store's set-up record (store_info) was removed"))
    if first is not None:
        record = json.loads(first.payload)
        if first.kind != "store_created" or record.get("store_id") != key_file.store_id:
            findings.append(
                Finding(
                    first.lane_id, 1, f"this store is not the one its key {key_file.path} was made for (set up again)"
                )
            )
        elif identity and info and info[0][2:] != (record.get("store_id"), int(record.get("training", False))):
            findings.append(
                Finding(None, None, "the store's set-up record (store_info) does not say what entry 1 says")
            )
    if len(info) > 1 or len(others) > 1:
        findings.append(Finding(None, None, "the store names more than one lane: rows were added to it"))
    return findings


_INDEXED_KINDS = {kind for kinds, _, _ in _SIDE_TABLES.values() for kind in kinds} | {*INVOICE_KINDS, *PEOPLE_KINDS}


def _keeping(stream: Iterator[Entry], indexed: dict[int, Entry]) -> Iterator[Entry]:
    """Pass the entries on to the chain check, keeping those the side tables index (and the set-up,
    entry 1): one read."""
    for entry in stream:
        if entry.kind in _INDEXED_KINDS or entry.seq == 1:
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
