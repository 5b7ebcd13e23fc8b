"""A label and a value on one line of a fixed width: the layout every text report and receipt uses."""

from __future__ import annotations


def pair(label: str, value: str, width: int) -> str:
    """``label`` on the left, ``value`` flush right, at least one space between (a longer pair
    overflows the width rather than lose a character: reports read on a screen)."""
    return f"{label}{' ' * max(width - len(label) - len(value), 1)}{value}"


def pair_cut(label: str, value: str, width: int) -> str:
    """The same on paper, where a line cannot overflow: the label is cut to leave the value whole."""
    room = max(width - len(value) - 1, 1)
    return f"{label[:room]:<{room}} {value}"
