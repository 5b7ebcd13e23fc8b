"""The code printed on a receipt (barcode or QR), and how a scan or a typed number is read back.

Sale numbers are gap-less *per lane*, so every lane has a sale 42. A code holding only the number
would let a till find its own sale 42 when handed another till's receipt, and refund or reprint
the wrong sale. So the code names both: ``S`` + the sale number in 8 digits + ``L`` + the lane's
id (``S00000042L1``): short enough for any receipt printer's CODE128, readable by a person, and in
characters every scanner's keyboard map types (upper case letters and digits).

What a cashier may give back to :func:`read_sale_ref`:

- the scanned code (lane known);
- ``S`` + 8 digits, the code of receipts printed before the lane was added (lane unknown: read as
  this lane's sale, as a typed number is);
- the sale number, typed on the keypad (lane unknown: the cashier reads "Till 1  No 42" on the
  receipt and is at that till).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from appliance.core.sale import SaleError

#: Sale numbers fit the code's 8 digits: at a thousand sales a day, that is 270 years of one lane.
MAX_NUMBER = 99_999_999

_CODE = re.compile(r"S(\d{8})(?:L(\d{1,9}))?")


@dataclass(frozen=True)
class SaleRef:
    """A sale named by a receipt: its number, and its lane when the code said which."""

    number: int
    lane_id: int | None = None


def receipt_code(lane_id: int, number: int) -> str:
    """What a receipt's barcode carries for sale ``number`` of lane ``lane_id``."""
    if not 0 < number <= MAX_NUMBER or lane_id <= 0:
        raise ValueError(f"no receipt code for sale {number} of lane {lane_id}")
    return f"S{number:08d}L{lane_id}"


def read_sale_ref(text: str) -> SaleRef:
    """The sale a scanned receipt code or a typed number names; SaleError says what to do instead."""
    cleaned = text.strip().upper()
    if cleaned.isdigit() and cleaned.isascii():
        number = int(cleaned)
        if not 0 < number <= MAX_NUMBER:
            raise SaleError(f"{cleaned} is not a sale number: type the number after No on the receipt")
        return SaleRef(number)
    match = _CODE.fullmatch(cleaned)
    if match is None or int(match.group(1)) == 0:
        shown = text.strip()[:30]
        raise SaleError(
            f"{shown!r} is not a receipt's code: scan the barcode at the foot of the receipt,"
            " or type the number after No"
        )
    lane = match.group(2)
    return SaleRef(int(match.group(1)), int(lane) if lane is not None else None)
