"""The replay script's format (tui/replay_script.py): what each line becomes, and every line that
cannot run refused with its number before anything runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.replay_script import KNOWN_KEYS, ScriptError, Step, parse


def test_each_action_becomes_a_step_with_its_line_number() -> None:
    script = """# a basket
scan 3760000010719

type 3*
key plus enter
weigh 734
wait-sync
wait-sync 5
expect-total 12,34
expect-screen No change  to give
"""
    steps = parse(script)
    assert [(step.line_no, step.action, step.value) for step in steps] == [
        (2, "scan", "3760000010719"),
        (4, "type", ("3", "asterisk")),
        (5, "key", ("plus", "enter")),
        (6, "weigh", 734),
        (7, "wait-sync", 60.0),
        (8, "wait-sync", 5.0),
        (9, "expect-total", Decimal("12.34")),
        (10, "expect-screen", "No change  to give"),
    ]
    assert steps[0] == Step(2, "scan 3760000010719", "scan", "3760000010719")


def test_typed_keys_are_the_keypad_keys_by_their_names() -> None:
    (step,) = parse("type 12.50+-*/,")
    assert step.value == ("1", "2", "full_stop", "5", "0", "plus", "minus", "asterisk", "slash", "comma")
    assert set(step.value) <= KNOWN_KEYS  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("kee plus", "unknown action 'kee'"),
        ("key plu", "'plu' is not a key name"),
        ("key", "name the key"),
        ("type 12 50", "cannot type ' '"),
        ("type é", "cannot type 'é'"),
        ("scan", "give the code"),
        ("weigh -40", "whole grams"),
        ("weigh 0.5", "whole grams"),
        ("weigh 30001", "whole grams"),
        ("wait-sync soon", "seconds"),
        ("wait-sync 0", "seconds"),
        ("expect-total 12.345", "more than two decimals"),
        ("expect-total twelve", "is not an amount"),
        ("expect-screen", "what the screen must show"),
    ],
)
def test_a_line_that_cannot_run_is_refused_with_its_number(line: str, reason: str) -> None:
    with pytest.raises(ScriptError) as refused:
        parse(f"scan 3760000010719\n\n# next\n{line}\nkey enter\n")
    assert refused.value.line_no == 4
    assert refused.value.line == line
    assert reason in refused.value.reason
    assert str(refused.value).startswith(f"line 4: {line}: ")


@given(st.text(max_size=200))
def test_any_text_is_steps_or_a_refused_line(text: str) -> None:
    """Whatever a script holds, reading it gives steps or one ScriptError, never another exception."""
    try:
        steps = parse(text)
    except ScriptError as refused:
        assert 1 <= refused.line_no <= len(text.splitlines())
        return
    lines = text.splitlines()
    for step in steps:
        assert lines[step.line_no - 1].strip() == step.line
