"""The entry line's rule for the demo's keyboard-as-scanner: a fast burst ended by Enter is a scan,
typing is typing, whatever the codes and the pauses (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from tui.widgets.entry import Burst, Entry

BURST = Burst(gap=0.030, min_chars=6)
#: A code's first character starts the burst before any gap can be measured, so it must be one that
#: is typed (a digit or a letter): a code starting with + - * / would act first. Barcodes do not.
codes = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("0123456789ABCDEFGHIJ"),
    st.text(alphabet="0123456789ABCDEFGHIJ+-/*.", min_size=5, max_size=29),
)
typed = st.text(alphabet="0123456789", min_size=0, max_size=8)


@dataclass
class Key:
    character: str
    time: float


def feed(entry: Entry, text: str, start: float, gaps: list[float]) -> float:
    now = start
    for char, gap in zip(text, gaps):
        now += gap
        assert entry.type_key(Key(char, now))  # type: ignore[arg-type]
    return now


@given(code=codes, prefix=typed, gaps=st.lists(st.floats(0.0, 0.029), min_size=30, max_size=30))
def test_a_fast_burst_ended_by_enter_is_a_scan_and_what_was_typed_before_stays(
    code: str, prefix: str, gaps: list[float]
) -> None:
    entry = Entry(burst=BURST)
    now = feed(entry, prefix, 0.0, [0.2] * len(prefix))
    now = feed(entry, code, now + 0.5, [0.0] + gaps)
    assert entry.take_scan(now + 0.01) == code
    assert entry.text == prefix


@given(
    text=st.text(alphabet="0123456789", min_size=1, max_size=20),
    gaps=st.lists(st.floats(0.08, 1.0), min_size=20, max_size=20),
)
def test_typing_is_never_a_scan(text: str, gaps: list[float]) -> None:
    entry = Entry(burst=BURST)
    now = feed(entry, text, 0.0, gaps)
    assert entry.take_scan(now + 0.1) is None
    assert entry.text == text


def test_a_short_burst_or_a_slow_enter_is_typing() -> None:
    entry = Entry(burst=BURST)
    now = feed(entry, "12345", 0.0, [0.001] * 5)
    assert entry.take_scan(now + 0.001) is None  # five keys: a PLU typed fast, not a scan
    entry.clear()
    now = feed(entry, "3760000010719", 0.0, [0.001] * 13)
    assert entry.take_scan(now + 0.5) is None  # the Enter came late: a person pressed it


def test_action_keys_act_outside_a_burst_and_are_code_inside_one() -> None:
    entry = Entry(burst=BURST)
    assert not entry.type_key(Key("+", 1.0)) and entry.text == ""  # type: ignore[arg-type]  # the binding: pay
    now = feed(entry, "ABC", 2.0, [0.001] * 3)
    assert entry.type_key(Key("+", now + 0.001)) and entry.text == "ABC+"  # type: ignore[arg-type]


def test_without_a_keyboard_scanner_nothing_is_a_scan() -> None:
    entry = Entry(burst=None)
    now = feed(entry, "3760000010719", 0.0, [0.001] * 13)
    assert entry.take_scan(now) is None
    assert entry.take() == "3760000010719"
