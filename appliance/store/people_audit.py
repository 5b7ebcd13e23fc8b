"""``journal verify`` on the people: each row of ``person`` says what its latest journal entry says,
and carries the journal key's seal.

The seal (people.row_mac) covers the whole row, the PIN hash included, so a row edited without the
key is named here. An older row put back (its seal was good once) is caught by the journal: a row
must name the latest ``person_*`` entry of its name and agree with it. A person the journal added
but whose row is gone is named too.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from appliance.core.seal import Entry, Finding
from appliance.store.people import KINDS, everyone, sealed


def people_findings(connection: sqlite3.Connection, key: bytes, entries: Iterable[Entry]) -> list[Finding]:
    """What is wrong with the people, given the journal's ``person_*`` entries in order."""
    latest: dict[str, Entry] = {}
    for sealed_entry in entries:
        if sealed_entry.kind in KINDS:
            latest[sealed_entry.ref] = sealed_entry
    findings: list[Finding] = []
    rows = everyone(connection)
    for person in rows:
        entry = latest.get(person.name)
        if not sealed(key, person):
            findings.append(
                Finding(
                    None,
                    person.journal_seq,
                    f"the person row of {person.name!r} was edited"
                    " without the journal key (its seal does not match): disable and add them again",
                )
            )
        elif entry is None or entry.seq != person.journal_seq:
            findings.append(
                Finding(
                    None,
                    person.journal_seq,
                    f"the person row of {person.name!r} is not what"
                    " the journal last recorded for them (an older row put back?)",
                )
            )
        else:
            record = json.loads(entry.payload)
            if (record["role"], record["active"]) != (person.role, person.active):
                findings.append(
                    Finding(
                        None,
                        entry.seq,
                        f"the person row of {person.name!r} says"
                        f" {person.role}, {'active' if person.active else 'disabled'}; the"
                        f" journal says {record['role']}, {'active' if record['active'] else 'disabled'}",
                    )
                )
    for name in sorted(set(latest) - {person.name for person in rows}):
        findings.append(Finding(None, latest[name].seq, f"{name!r} is in the journal but has no person row (removed)"))
    return findings
