"""PINs as the till keeps them (scrypt, a salt each, the costs in the hash) and the lock-out's
rules, without a store: pure code, with hypothesis where the inputs vary."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.core.lockout import LOCK_AFTER, LOCK_SECONDS, LockState, Tick, shown
from appliance.core.pins import CURRENT, Cost, PinError, check_pin, hash_pin, needs_rehash, verify_pin, well_formed

#: A cost low enough for hypothesis to hash hundreds of PINs: the rules do not depend on it.
CHEAP = Cost(2**4, 2, 1)

pins = st.text(alphabet=string.digits, min_size=4, max_size=8)


@given(st.text(max_size=12))
def test_a_pin_is_four_to_eight_ascii_digits_and_the_error_never_repeats_it(text: str) -> None:
    valid = 4 <= len(text) <= 8 and all(char in string.digits for char in text)
    if valid:
        assert check_pin(text) == text
    else:
        with pytest.raises(PinError) as refused:
            check_pin(text)
        assert str(refused.value) == "A PIN is 4 to 8 digits"


@pytest.mark.parametrize("text", ["١٢٣٤", "１２３４", "12 34", "123", "123456789", "12.4", "-1234", "+1234", ""])
def test_what_looks_like_digits_is_not_a_pin(text: str) -> None:
    """Arabic-Indic and full-width digits pass ``str.isdigit``: a keypad types neither."""
    with pytest.raises(PinError):
        check_pin(text)


@settings(max_examples=60)
@given(pins, pins)
def test_only_the_same_pin_verifies(pin: str, other: str) -> None:
    stored = hash_pin(pin, CHEAP)
    assert verify_pin(pin, stored)
    assert verify_pin(other, stored) == (other == pin)


@given(st.text(max_size=20))
def test_anything_typed_is_checked_without_an_error(typed: str) -> None:
    assert verify_pin(typed, hash_pin("4826", CHEAP)) == (typed == "4826")


def test_each_hash_has_its_own_salt_and_names_its_costs() -> None:
    first, second = hash_pin("4826"), hash_pin("4826")
    assert first != second  # a salt each: equal PINs do not show as equal hashes
    scheme, costs, salt, key = first.split("$")
    assert (scheme, costs) == ("scrypt", "n=16384,r=8,p=1") and CURRENT == Cost(16384, 8, 1)
    assert verify_pin("4826", first) and verify_pin("4826", second) and not verify_pin("4827", first)


def test_a_hash_made_with_smaller_costs_still_verifies_and_asks_to_be_made_again() -> None:
    old = hash_pin("4826", Cost(2**10, 8, 1))
    assert verify_pin("4826", old) and needs_rehash(old)
    assert not needs_rehash(hash_pin("4826"))
    grown = Cost(2**15, 8, 1)  # the costs can grow: today's hashes then ask to be made again
    assert needs_rehash(hash_pin("4826"), grown)


@given(st.text(max_size=80))
def test_a_damaged_hash_never_verifies_and_never_raises(stored: str) -> None:
    assert not verify_pin("4826", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "scrypt$n=1073741824,r=8,p=1$c2FsdHNhbHRzYWx0$" + "A" * 44,  # a gigabyte asked for: refused, not tried
        "scrypt$n=1000,r=8,p=1$c2FsdHNhbHRzYWx0$" + "A" * 44,  # n not a power of two
        "scrypt$n=16384,r=8$c2FsdHNhbHRzYWx0$" + "A" * 44,
        "bcrypt$n=16384,r=8,p=1$c2FsdHNhbHRzYWx0$" + "A" * 44,
        "scrypt$n=16384,r=8,p=1$not base64!$" + "A" * 44,
    ],
)
def test_a_hash_asking_for_the_impossible_is_refused_before_any_work(stored: str) -> None:
    assert not well_formed(stored) and not verify_pin("4826", stored) and needs_rehash(stored)


# -- the lock-out ----------------------------------------------------------------------------------


def test_the_fifth_wrong_pin_in_a_row_locks_for_a_minute_then_the_count_starts_again() -> None:
    state, boot = LockState(), "b"
    for n in range(1, LOCK_AFTER):
        state = state.failed(Tick(100 + n, boot))
        assert state.locked_at is None and state.tries_left(Tick(100 + n, boot)) == LOCK_AFTER - n
    state = state.failed(Tick(110, boot))
    assert state.left(Tick(110, boot)) == LOCK_SECONDS and state.tries_left(Tick(110, boot)) == 0
    assert state.left(Tick(140.5, boot)) == 29.5
    assert state.left(Tick(170, boot)) == 0 and state.tries_left(Tick(170, boot)) == LOCK_AFTER
    again = state.failed(Tick(171, boot))
    assert (again.failures, again.locked_at) == (1, None)


def test_after_a_reboot_a_lock_starts_its_minute_again() -> None:
    locked = LockState(LOCK_AFTER, Tick(5000, "boot-1"))
    after = Tick(3, "boot-2")  # a monotonic clock starts again near zero at boot
    assert locked.left(after) == LOCK_SECONDS
    anchored = locked.anchored(after)
    assert anchored.locked_at == after and anchored.left(Tick(33, "boot-2")) == 30


def test_a_clock_read_before_the_lock_began_cannot_end_it() -> None:
    locked = LockState(LOCK_AFTER, Tick(5000, "b"))
    assert locked.left(Tick(4000, "b")) == LOCK_SECONDS
    assert locked.anchored(Tick(4000, "b")).left(Tick(4030, "b")) == 30


@given(st.lists(st.tuples(st.floats(0, 200, allow_nan=False), st.booleans(), st.booleans()), max_size=40))
def test_the_lock_never_lasts_more_than_a_minute_from_the_last_wrong_pin(
    events: list[tuple[float, bool, bool]],
) -> None:
    state, seconds, boot = LockState(), 0.0, 0
    for wait, wrong, reboot in events:
        seconds += wait
        if reboot:
            boot, seconds = boot + 1, wait
        now = Tick(seconds, str(boot))
        state = state.anchored(now)
        assert 0 <= state.left(now) <= LOCK_SECONDS
        assert 0 <= state.tries_left(now) <= LOCK_AFTER
        if wrong and state.left(now) == 0:
            state = state.failed(now)
            assert (state.left(now) == LOCK_SECONDS) == (state.failures >= LOCK_AFTER)


@pytest.mark.parametrize(("seconds", "text"), [(60, "1:00"), (59.2, "1:00"), (47, "0:47"), (0.1, "0:01"), (0, "0:00")])
def test_the_time_left_is_shown_rounded_up(seconds: float, text: str) -> None:
    assert shown(seconds) == text
