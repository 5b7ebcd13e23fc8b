"""The people who use the till: their names, roles and PINs (as scrypt hashes), and logging in.

Who could sell is part of the fiscal record, so adding a person, disabling one and changing a PIN
are journal entries (``person_added``, ``person_disabled``, ``person_pin``, ``ref`` the name) with
the person's state after the change and who made it: never the PIN, never its hash. The ``person``
table is what logging in reads: each row names the entry that made it what it is, and carries an
HMAC under the journal key over everything in it, the hash included (:func:`row_mac`). A row
edited without the key (a cashier made manager, a hash swapped for one of a known PIN, an older
row put back) is never accepted at login, and ``journal verify`` names it (people_audit.py).

The rules that keep the till usable: the first person is a manager, the last active manager
cannot be disabled, and two active people never share a PIN (a PIN alone says who logs in).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from appliance.core import text
from appliance.core.lockout import Tick
from appliance.core.pins import check_pin, hash_pin, needs_rehash, verify_pin
from appliance.core.seal import canonical
from appliance.store import journal as journal_store
from appliance.store import pin_lock
from appliance.store.database import Database, write_transaction

log = logging.getLogger(__name__)

ROLES = ("cashier", "manager")
KINDS = ("person_added", "person_disabled", "person_pin")


class PeopleError(Exception):
    """A change to the people that cannot be made, or a PIN refused: the message says what to do."""


class PinRefused(PeopleError):
    """No one has this PIN (or no manager, when a manager's was asked for)."""

    def __init__(self, message: str, tries_left: int):
        super().__init__(message)
        self.tries_left = tries_left


class PinLocked(PeopleError):
    """Too many wrong PINs in a row: the PIN screen takes none for ``seconds`` more."""

    def __init__(self, seconds: float):
        super().__init__("Too many wrong PINs: the PIN screen is locked for a minute")
        self.seconds = seconds


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    active: bool
    pin: str = field(repr=False)  # the scrypt hash, never shown
    journal_seq: int = 0
    mac: str = field(default="", repr=False)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def row_mac(key: bytes, person: Person) -> str:
    """The row's seal: everything in it, bound to the journal key."""
    fields = ["person", person.name, person.role, int(person.active), person.pin, person.journal_seq]
    return hmac.new(key, canonical(fields).encode(), hashlib.sha256).hexdigest()


def sealed(key: bytes, person: Person) -> bool:
    return hmac.compare_digest(row_mac(key, person), person.mac)


# -- reading ---------------------------------------------------------------------------------------


def everyone(connection: sqlite3.Connection) -> list[Person]:
    """Every row, managers first, then by name (disabled people too); none in a store from before
    people existed (opened read-only, it was not migrated)."""
    if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'person'").fetchone() is None:
        return []
    rows = connection.execute(
        "SELECT name, role, active, pin, journal_seq, mac FROM person ORDER BY role DESC, name"
    ).fetchall()
    return [Person(name, role, bool(active), pin, seq, mac) for name, role, active, pin, seq, mac in rows]


def has_people(connection: sqlite3.Connection) -> bool:
    """Whether anyone can log in: until then the till opens without a PIN (docs/people.md)."""
    return any(person.active for person in everyone(connection))


def find(connection: sqlite3.Connection, name: str) -> Person | None:
    """A person by name, whatever the case of the letters."""
    wanted = name.strip().casefold()
    return next((person for person in everyone(connection) if person.name.casefold() == wanted), None)


def can_log_in(connection: sqlite3.Connection, key: bytes) -> list[Person]:
    """The active people whose row carries the journal key's seal; a row without it is logged and left out."""
    people = []
    for person in everyone(connection):
        if not person.active:
            continue
        if sealed(key, person):
            people.append(person)
        else:
            log.error(
                "the person row %r does not carry the journal key's seal: ignored (run journal verify)", person.name
            )
    return people


def who_has(connection: sqlite3.Connection, key: bytes, pin: str) -> Person | None:
    """The active person whose PIN this is (one scrypt per person until the match)."""
    return next((person for person in can_log_in(connection, key) if verify_pin(pin, person.pin)), None)


# -- logging in ----------------------------------------------------------------------------------


def log_in(db: Database, key: bytes, pin: str, now: Tick, *, manager: bool = False) -> Person:
    """The person whose PIN this is, as the PIN screen asks: PinError for what cannot be a PIN (not
    counted: no one has it), PinLocked while the lock-out runs (the PIN is not even checked),
    PinRefused for a wrong one (counted: the fifth in a row locks). With ``manager``, a cashier's
    PIN is refused too, but not counted: it is a person's own PIN, not a guess.

    The PIN is checked outside any transaction (a scrypt per person takes a while, and the sync
    daemon must not wait on it); each transaction here is a row or two.
    """
    check_pin(pin)
    with write_transaction(db) as connection:
        state = pin_lock.current(connection, now)
    if (left := state.left(now)) > 0:
        raise PinLocked(left)
    person = who_has(db.conn, key, pin)
    if person is not None and manager and not person.is_manager:
        raise PinRefused("That PIN is not a manager's: a manager types theirs", state.tries_left(now))
    with write_transaction(db) as connection:
        if person is None:
            state = pin_lock.failed(connection, now)
        else:
            pin_lock.succeeded(connection)
            renew_hash(connection, key, person, pin)
    if person is not None:
        return person
    if (left := state.left(now)) > 0:
        raise PinLocked(left)
    tries = state.tries_left(now)
    raise PinRefused(
        f"Wrong PIN: {tries} more tr{'y' if tries == 1 else 'ies'} before the PIN screen locks for a minute", tries
    )


def lock_left(db: Database, now: Tick) -> float:
    """Seconds the PIN screen stays locked (0: it takes a PIN)."""
    with write_transaction(db) as connection:
        return pin_lock.current(connection, now).left(now)


# -- changes ---------------------------------------------------------------------------------------


#: What to do instead of adding someone already on the till, as the screens say it.
CHANGE_THE_PIN = "change their PIN instead"


def refuse_active(existing: Person | None, instead: str = CHANGE_THE_PIN) -> None:
    """Refuse adding someone under the name of ``existing`` (:func:`find`) while they are active:
    ``instead`` says what to do (the screen and the command line each name their own way)."""
    if existing is not None and existing.active:
        raise PeopleError(f"{existing.name} is already a {existing.role} on this till: {instead}")


def add_person(
    connection: sqlite3.Connection, key: bytes, lane_id: int, name: str, role: str, pin_hash: str, by: str, at: datetime
) -> Person:
    """Add someone (or bring back someone disabled, with a new PIN); the caller holds the transaction
    and has checked that no one else has the PIN (:func:`refuse_taken_pin`)."""
    name, by = text.name(name, "The name"), text.name(by, "Who makes the change")
    if role not in ROLES:
        raise PeopleError(f"A role is cashier or manager, not {role!r}")
    existing = find(connection, name)
    refuse_active(existing)
    if role != "manager" and not any(p.is_manager and p.active for p in everyone(connection)):
        raise PeopleError("The first person on a till is a manager: add a manager first, then the cashiers")
    kept = existing.name if existing is not None else name
    return _write(connection, key, lane_id, "person_added", Person(kept, role, True, pin_hash), by, at)


def disable_person(
    connection: sqlite3.Connection, key: bytes, lane_id: int, name: str, by: str, at: datetime
) -> Person:
    """Stop someone logging in (their sales stay theirs); never the last active manager."""
    by = text.name(by, "Who makes the change")
    person = _active(connection, name)
    managers = [p for p in everyone(connection) if p.is_manager and p.active]
    if person.is_manager and len(managers) == 1:
        raise PeopleError(f"{person.name} is the last manager of this till: add another manager first")
    disabled = Person(person.name, person.role, False, person.pin)
    return _write(connection, key, lane_id, "person_disabled", disabled, by, at)


def change_pin(
    connection: sqlite3.Connection, key: bytes, lane_id: int, name: str, pin_hash: str, by: str, at: datetime
) -> Person:
    """A new PIN for someone active; the caller has checked no one else has it."""
    by = text.name(by, "Who makes the change")
    person = _active(connection, name)
    return _write(connection, key, lane_id, "person_pin", Person(person.name, person.role, True, pin_hash), by, at)


def refuse_taken_pin(connection: sqlite3.Connection, key: bytes, pin: str, name: str) -> None:
    """Two active people never share a PIN: the PIN alone says who logs in."""
    check_pin(pin)
    owner = who_has(connection, key, pin)
    if owner is not None and owner.name.casefold() != name.strip().casefold():
        raise PeopleError("Someone else has this PIN: choose another one")


def new_hash(pin: str) -> str:
    return hash_pin(check_pin(pin))


def renew_hash(connection: sqlite3.Connection, key: bytes, person: Person, pin: str) -> None:
    """A hash made with smaller scrypt costs is made again with the current ones (no journal entry:
    the person's state did not change). The caller holds the transaction."""
    if not needs_rehash(person.pin):
        return
    renewed = Person(person.name, person.role, person.active, hash_pin(pin), person.journal_seq)
    _store(connection, key, renewed)


def _active(connection: sqlite3.Connection, name: str) -> Person:
    person = find(connection, name)
    if person is None:
        raise PeopleError(f"There is nobody called {name.strip()!r} on this till (`ofn-checkout people list`)")
    if not person.active:
        raise PeopleError(f"{person.name} is disabled already: add them again to give them a new PIN")
    return person


def _write(
    connection: sqlite3.Connection, key: bytes, lane_id: int, kind: str, person: Person, by: str, at: datetime
) -> Person:
    record = {"name": person.name, "role": person.role, "active": person.active, "by": by}
    entry = journal_store.append(connection, key, lane_id, kind, person.name, record, at)
    log.info("%s: %s, %s, %s, by %s", kind, person.name, person.role, "active" if person.active else "disabled", by)
    stored = Person(person.name, person.role, person.active, person.pin, entry.seq)
    return _store(connection, key, stored)


def _store(connection: sqlite3.Connection, key: bytes, person: Person) -> Person:
    mac = row_mac(key, person)
    connection.execute(
        "INSERT INTO person (name, role, active, pin, journal_seq, mac) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET role = excluded.role, active = excluded.active, pin = excluded.pin,"
        " journal_seq = excluded.journal_seq, mac = excluded.mac",
        (person.name, person.role, int(person.active), person.pin, person.journal_seq, mac),
    )
    return Person(person.name, person.role, person.active, person.pin, person.journal_seq, mac)
