"""The fiscal journal's seal: an HMAC-SHA256 chain with an end-of-chain anchor. Pure code.

Each entry is sealed with ``HMAC(key, header + "\\n" + payload)``, where the header is the canonical
JSON of ``[lane, seq, kind, ref, created_at, prev_hash]`` and the payload is the canonical JSON of
what happened. Putting ``seq`` and ``prev_hash`` under the seal makes an edited, removed or moved
entry break the chain at that entry. The anchor, one row per lane with its own HMAC, names the last
entry, so cutting entries off the end is detected too. Without the key none of it can be redone.

The anchor lives in the database, so on its own it cannot tell a tail cut together with an older
anchor put back. The head witness (``witness_mac``, kept in a file beside the key by
``appliance.store.witness``) names a recent entry from outside the database; a journal that ends
before it was cut. What no check on the box can catch: someone holding the key, or someone who puts
back old copies of every file at once (store, key directory, witness). Z reports on paper, which
carry the chain's hash, and the sales posted to OFN are the outside witnesses for that.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import orjson

from appliance.core.frozen import frozen
from appliance.core.text import counted

GENESIS = "0" * 64


def canonical(value: object) -> str:
    """Sorted keys, no spaces, UTF-8 kept: one text per value, as ``json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` writes it (orjson does the same about seven times
    faster, which matters on the sale path; tests/test_journal.py holds the two together). Seals
    are checked against the stored text, never a re-encoding.
    """
    return canonical_utf8(value).decode()


def canonical_utf8(value: object) -> bytes:
    """The canonical text of ``value`` in UTF-8, as it is sealed and stored: what :func:`canonical`
    decodes. A new entry is sealed and stored from these bytes, never encoded again (see append)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


@frozen
class Entry:
    lane_id: int
    seq: int
    kind: str
    ref: str
    created_at: str
    payload: str
    prev_hash: str
    hash: str


@frozen
class Anchor:
    lane_id: int
    seq: int
    hash: str
    mac: str


class ChainEnd(Protocol):
    """The last entry as the anchor names it: an :class:`Entry`, or the store's tip."""

    @property
    def seq(self) -> int: ...

    @property
    def hash(self) -> str: ...


@dataclass(frozen=True)
class Finding:
    """The first thing wrong on a lane; ``seq`` names the entry a person should look at."""

    lane_id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = [f"lane {self.lane_id}"] if self.lane_id is not None else []
        where += [f"entry {self.seq}"] if self.seq is not None else []
        return f"{', '.join(where)}: {self.problem}" if where else self.problem


def seal(
    key: bytes, lane_id: int, seq: int, kind: str, ref: str, created_at: str, prev_hash: str, payload: str | bytes
) -> str:
    """The entry's HMAC; ``payload`` is its text, or that text's UTF-8 (what a new entry has at hand)."""
    header = orjson.dumps([lane_id, seq, kind, ref, created_at, prev_hash])
    return _hmac_hex(key, header + b"\n" + (payload if isinstance(payload, bytes) else payload.encode()))


def anchor_mac(key: bytes, lane_id: int, seq: int, last_hash: str) -> str:
    return _hmac_hex(key, f"anchor\n{lane_id}\n{seq}\n{last_hash}".encode())


def witness_mac(key: bytes, store_id: str, lane_id: int, seq: int, entry_hash: str) -> str:
    """The head witness's MAC: bound to the store's identity, so a witness of another store never fits."""
    return _hmac_hex(key, f"witness\n{store_id}\n{lane_id}\n{seq}\n{entry_hash}".encode())


def _hmac_hex(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message``, from a copy of the key's HMAC state set up once.

    A sale computes three (its seal, the anchor's MAC, the head witness's), and each one-shot
    ``hmac.digest`` looks the hash up in OpenSSL and keys it again: 3.0 µs against 1.5 µs for
    a copy of the keyed state (and 27,000 instructions against 20,000). The digest is the same
    (tests/test_journal.py pins a fixed entry's seal). Hashing the payload is the rest of the cost.
    """
    mac = _keyed(key).copy()
    mac.update(message)
    return mac.hexdigest()


@functools.lru_cache(maxsize=4)  # a process uses one key (tests and tools a few in turn)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod="sha256")


def make_entry(
    key: bytes, lane_id: int, seq: int, kind: str, ref: str, created_at: str, prev_hash: str, payload: bytes
) -> Entry:
    """A new entry, sealed; ``payload`` is its canonical text in UTF-8 (:func:`canonical_utf8`)."""
    return Entry(
        lane_id,
        seq,
        kind,
        ref,
        created_at,
        payload.decode(),
        prev_hash,
        seal(key, lane_id, seq, kind, ref, created_at, prev_hash, payload),
    )


def make_anchor(key: bytes, entry: Entry) -> Anchor:
    return Anchor(entry.lane_id, entry.seq, entry.hash, anchor_mac(key, entry.lane_id, entry.seq, entry.hash))


@dataclass
class Verdict:
    """What verification found: ``findings`` make it fail; ``warnings`` are said but do not."""

    entries: int
    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def counted(self) -> str:
        """How many entries were checked, as the commands say it: "1 entry", "9 entries"."""
        return counted(self.entries, "entry", "entries")


def verify(key: bytes, lane_id: int, entries: Iterable[Entry], anchor: Anchor | None) -> Verdict:
    """Check a lane's chain in ``seq`` order and its anchor; report the first bad entry."""
    count, finding, last = _verify_chain(key, lane_id, entries)
    if finding is None:
        finding = check_anchor(key, lane_id, last, anchor)
    return Verdict(count, [finding] if finding else [])


def _verify_chain(key: bytes, lane_id: int, entries: Iterable[Entry]) -> tuple[int, Finding | None, Entry | None]:
    expected_seq, prev_hash, last, count = 1, GENESIS, None, 0
    for entry in entries:
        count += 1
        expected = seal(
            key, entry.lane_id, entry.seq, entry.kind, entry.ref, entry.created_at, entry.prev_hash, entry.payload
        )
        if not hmac.compare_digest(expected, entry.hash):
            return count, Finding(lane_id, entry.seq, "content does not match its seal (edited or moved)"), last
        if entry.lane_id != lane_id:
            return (
                count,
                Finding(lane_id, entry.seq, f"belongs to lane {entry.lane_id}, not to this store's lane"),
                last,
            )
        if entry.seq != expected_seq:
            missing = (
                f"entry {expected_seq} is missing"
                if entry.seq == expected_seq + 1
                else f"entries {expected_seq} to {entry.seq - 1} are missing"
            )
            return count, Finding(lane_id, expected_seq, f"{missing} (deleted or moved)"), last
        if entry.prev_hash != prev_hash:
            return (
                count,
                Finding(lane_id, entry.seq, "does not follow the entry before it (an entry was replaced)"),
                last,
            )
        prev_hash, last, expected_seq = entry.hash, entry, expected_seq + 1
    return count, None, last


def check_anchor(key: bytes, lane_id: int, last: ChainEnd | None, anchor: Anchor | None) -> Finding | None:
    """Whether ``anchor`` is genuine and names ``last``, the journal's last entry (None: it is empty).

    Verification calls it after the whole chain; opening a store calls it with the tip alone.
    """
    if last is None:
        if anchor is not None:
            return Finding(lane_id, 1, f"all entries are missing (the anchor names entry {anchor.seq})")
        return None
    if anchor is None:
        return Finding(
            lane_id, last.seq + 1, "the end-of-chain anchor is missing: entries after this one may have been cut off"
        )
    if not hmac.compare_digest(anchor_mac(key, lane_id, anchor.seq, anchor.hash), anchor.mac):
        return Finding(lane_id, last.seq + 1, "the end-of-chain anchor is not genuine: the tail may have been cut off")
    if anchor.seq > last.seq:
        return Finding(
            lane_id, last.seq + 1, f"entries {last.seq + 1} to {anchor.seq} were cut off the end of the journal"
        )
    if anchor.seq < last.seq or anchor.hash != last.hash:
        return Finding(lane_id, anchor.seq + 1, "entries after the anchor are not covered by it")
    return None
