"""Which sale lines change what OFN holds, decided in one place.

A completed line reaches the lane's counter order in OFN unless it is voided, a channel's
shelf-only item (not in OFN at all: docs/channels.md) or a returned line marked damaged (the goods
stay off the shelf, so the counter order keeps them as sold: docs/sync.md). The outbox, the
accounting export, ``report hub`` (through the export) and ``sync audit`` must all agree on that,
or a check reports a difference that is not there; so they all ask :func:`left_out_of_ofn`.
"""

from __future__ import annotations

from enum import StrEnum


class LeftOut(StrEnum):
    """Why a line changes nothing on an OFN order: the accounting export's ``not_in_ofn`` column."""

    VOIDED = "voided"
    SHELF = "shelf"
    DAMAGED = "damaged"


def left_out_of_ofn(*, voided: bool, shelf: str | None, damaged: bool) -> LeftOut | None:
    """Why the line stays out of OFN, or None when it changes what OFN's order holds.

    Taken as plain values because the callers hold a line in different shapes (a completed line, a
    row of the ``sale_line`` view); a void outranks the rest, since a voided line was never sold.
    """
    if voided:
        return LeftOut.VOIDED
    if shelf:
        return LeftOut.SHELF
    if damaged:
        return LeftOut.DAMAGED
    return None
