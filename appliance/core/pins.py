"""PINs: what a valid one is, and how it is kept (scrypt, a salt per person). Pure code.

A PIN is 4 to 8 digits typed on the keypad. It is never kept: the store holds
``scrypt$n=16384,r=8,p=1$<salt>$<key>`` (salt and key in base64), so the cost parameters travel
with each hash and can grow: a hash made with smaller ones still verifies, and is made again with
the current ones at the next good login (:func:`needs_rehash`).

Why scrypt at these costs: a PIN has at most 10^8 values, so no hash can make guessing one from a
stolen copy of the store impossible; what the till relies on at the counter is the lock-out (five
wrong PINs lock the PIN screen). The hash makes each guess cost about 16 MiB of memory and tens of
milliseconds of one core (bench/pins.py measures it), which turns an 8-digit PIN into years of work
and a 6-digit one into days, and keeps a PIN from being read at a glance in the database. Larger
costs would make every login slower, as a login checks the PIN against every person's hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

PIN_MIN = 4
PIN_MAX = 8
SALT_BYTES = 16
KEY_BYTES = 32
SCHEME = "scrypt"


class PinError(ValueError):
    """A PIN that cannot be one: the message says what a PIN is."""


@dataclass(frozen=True)
class Cost:
    """scrypt's parameters: ``n`` (CPU and memory, a power of two), ``r`` (block size), ``p`` (lanes)."""

    n: int
    r: int
    p: int

    def __str__(self) -> str:
        return f"n={self.n},r={self.r},p={self.p}"

    @property
    def memory(self) -> int:
        """Bytes scrypt needs (128·r·n for its table, plus the lanes' blocks), with a margin."""
        return 128 * self.r * (self.n + self.p + 2) + 1024 * 1024

    def at_least(self, other: Cost) -> bool:
        return self.n >= other.n and self.r >= other.r and self.p >= other.p


#: What new hashes use. RFC 7914's interactive-login figures: 16 MiB, about 50 ms on a desktop core.
CURRENT = Cost(n=2**14, r=8, p=1)

#: The most a stored hash may ask for: a hash edited to ask for gigabytes must not stop the till.
LIMIT = Cost(n=2**20, r=16, p=4)


def check_pin(text: str) -> str:
    """``text`` as a PIN, or PinError saying what a PIN is (the error never repeats the text)."""
    if not (PIN_MIN <= len(text) <= PIN_MAX) or not all("0" <= char <= "9" for char in text):
        raise PinError(f"A PIN is {PIN_MIN} to {PIN_MAX} digits")
    return text


def hash_pin(pin: str, cost: Cost = CURRENT, salt: bytes | None = None) -> str:
    """The text the store keeps for ``pin``: a fresh random salt unless one is given (tests)."""
    check_pin(pin)
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    key = _scrypt(pin, salt, cost)
    return f"{SCHEME}${cost}${_b64(salt)}${_b64(key)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the one ``stored`` was made from; False for a malformed ``stored`` too."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    cost, salt, key = parsed
    try:
        check_pin(pin)
    except PinError:
        return False
    return hmac.compare_digest(_scrypt(pin, salt, cost, len(key)), key)


def needs_rehash(stored: str, cost: Cost = CURRENT) -> bool:
    """A hash made with smaller costs than ``cost`` (or unreadable): make it again at the next login."""
    parsed = _parse(stored)
    return parsed is None or not parsed[0].at_least(cost)


def well_formed(stored: str) -> bool:
    return _parse(stored) is not None


def _scrypt(pin: str, salt: bytes, cost: Cost, length: int = KEY_BYTES) -> bytes:
    return hashlib.scrypt(
        pin.encode("ascii"), salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.memory, dklen=length
    )


def _parse(stored: str) -> tuple[Cost, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != SCHEME:
        return None
    try:
        fields = dict(item.split("=", 1) for item in parts[1].split(","))
        cost = Cost(int(fields["n"]), int(fields["r"]), int(fields["p"]))
        salt = base64.b64decode(parts[2], validate=True)
        key = base64.b64decode(parts[3], validate=True)
    except (ValueError, KeyError, binascii.Error):
        return None
    power_of_two = cost.n > 1 and cost.n & (cost.n - 1) == 0
    if not power_of_two or not (1 <= cost.r and 1 <= cost.p) or not LIMIT.at_least(cost):
        return None
    if len(salt) < 8 or not 16 <= len(key) <= 64:
        return None
    return cost, salt, key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
