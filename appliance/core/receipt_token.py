"""The hub's receipt code: a signed summary of a sale that any till of the hub can read offline.

A till holds its own sales only. A customer who bought at lane 1 and comes back at lane 2 hands over
the receipt; lane 2 cannot ask lane 1 (the boxes do not talk to each other, and the network may be
down). So the receipt carries what a return needs: the lane, the number and UUID of the sale, when
and in which channel it was made, each line (variant, pieces or grams, unit price, amount after
discounts, VAT code, rate and amount, discount) and how it was paid.

The summary is written as CBOR (RFC 8949: a compact binary form with a well-kept library, cbor2;
docs/dependencies.md) and signed with HMAC-SHA256 under the hub's receipt key, a file every box of
the hub holds. The tag is cut to 96 bits (12 bytes): a forger has one guess per scan at the counter,
so 2^-96 is out of reach, and the QR code stays small. Signed bytes and tag are written in base32
(RFC 4648, upper case, no padding), which a QR code carries in its alphanumeric mode and which a
keyboard-wedge scanner types with letters and digits only, in any keyboard layout.

The text starts with :data:`PREFIX` (``RT1``), so a scan is told apart from a product's barcode and
from the plain sale code (``S00000042L1``). A code that fails its check is refused as a whole: the
till never reads a field of a summary it cannot trust.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import cbor2

from appliance.core.money import from_cents
from appliance.core.sale import CompletedLine, CompletedPayment, CompletedSale, Kind, PricedBy, SaleError

PREFIX = "RT1"
VERSION = 1
TAG_BYTES = 12  # 96 bits
#: The signing domain: a tag made for anything else under the same key never checks out here.
DOMAIN = b"ofn-checkout receipt code v1\x00"
#: Receipts whose summary would pass this are printed without the hub code (a QR code holds it, but
#: a scanner typing 1,600 characters into the till takes too long and a slip that size is unwieldy).
MAX_SIGNED_BYTES = 1000
#: The shortest key a hub may use: 128 bits.
MIN_KEY_BYTES = 16

EACH, WEIGHT = 0, 1


class ReceiptCodeError(SaleError):
    """A scanned hub code that cannot be used: the message says why and what to do."""


@dataclass(frozen=True)
class SummaryLine:
    line_no: int
    variant_id: int
    priced_by: PricedBy
    amount_sold: int  # pieces, or grams for a weighed line
    unit_price: int  # cents per piece, or per kg
    amount: int  # cents the customer paid for the line, after every discount
    vat_code: str
    vat_rate_bp: int
    vat: int  # cents of VAT in ``amount``
    discount: int  # cents taken off the line (its own and its share of the sale's discount)


@dataclass(frozen=True)
class SaleSummary:
    """What a receipt's hub code proves about a sale."""

    lane_id: int
    number: int
    uuid: str
    completed_at: datetime
    channel: str
    lines: tuple[SummaryLine, ...]
    payments: tuple[tuple[str, int], ...]  # (method code, cents)


def summarize(sale: CompletedSale, number: int) -> SaleSummary:
    """The summary of a completed sale: its live lines (a voided line sold nothing)."""
    if sale.kind is not Kind.SALE:
        raise ValueError("only a sale gets a hub code: a return is not returned again")
    lines = tuple(
        SummaryLine(
            line_no=line.line_no,
            variant_id=line.variant_id,
            priced_by=line.priced_by,
            amount_sold=line.weight_g if line.priced_by is PricedBy.WEIGHT else line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            vat_code=line.vat_code,
            vat_rate_bp=line.vat_rate_bp,
            vat=line.vat,
            discount=line.discount_cents + line.sale_discount_cents,
        )
        for line in sale.lines
        if not line.voided
    )
    payments = tuple((payment.method, payment.amount) for payment in sale.payments)
    return SaleSummary(sale.lane_id, number, sale.uuid, sale.completed_at, sale.channel, lines, payments)


def sign(summary: SaleSummary, key: bytes) -> str | None:
    """The code printed on the receipt; None when the sale is too large to carry one."""
    _check_key(key)
    body = cbor2.dumps(_encode(summary), canonical=True)
    if len(body) > MAX_SIGNED_BYTES:
        return None
    text = base64.b32encode(body + _tag(key, body)).decode("ascii").rstrip("=")
    return PREFIX + text


def is_hub_code(text: str) -> bool:
    """Whether a scan looks like a hub code (then it is read with :func:`read`, never as a number)."""
    cleaned = text.strip().upper()
    return cleaned.startswith(PREFIX) and len(cleaned) > len(PREFIX) + 16


def read(text: str, key: bytes) -> SaleSummary:
    """The summary a scanned code carries, once its tag checks out under the hub's key."""
    _check_key(key)
    cleaned = text.strip().upper()
    if not cleaned.startswith(PREFIX):
        raise ReceiptCodeError("This is not a receipt's return code: scan the square code on the receipt")
    payload = cleaned[len(PREFIX) :]
    try:
        raw = base64.b32decode(payload + "=" * (-len(payload) % 8))
    except (binascii.Error, ValueError):
        raise _forged() from None
    if base64.b32encode(raw).decode("ascii").rstrip("=") != payload:
        raise _forged()  # the last character's unused bits changed: the text was altered, if not the bytes
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if len(raw) <= TAG_BYTES or not hmac.compare_digest(tag, _tag(key, body)):
        raise _forged()
    try:
        return _decode(cbor2.loads(body))
    except (cbor2.CBORDecodeError, ValueError, TypeError, KeyError, IndexError):
        # signed by a key of this hub but not a summary this version writes: a newer till's code
        raise ReceiptCodeError(
            "This receipt's code was made by a newer version of the till: take the goods back at the lane"
            " that sold them, or update this till"
        ) from None


def as_sale(
    summary: SaleSummary, names: dict[int, str], labels: dict[str, str], cash_methods: frozenset[str]
) -> CompletedSale:
    """The sale as a return needs it: what the summary proves, with this till's names for the
    variants (``names``), VAT labels (by code) and which payment methods are cash."""
    lines = tuple(_line(line, names, labels) for line in summary.lines)
    total = sum(line.amount for line in lines)
    payments = tuple(
        CompletedPayment(method, method in cash_methods, amount, amount) for method, amount in summary.payments
    )
    return CompletedSale(
        uuid=summary.uuid,
        kind=Kind.SALE,
        lane_id=summary.lane_id,
        channel=summary.channel,
        cashier="",
        started_at=summary.completed_at,
        completed_at=summary.completed_at,
        original_uuid=None,
        lines=lines,
        sale_discount=None,
        sale_discount_cents=0,
        total=total,
        vat=(),
        payments=payments,
        tendered=sum(amount for _, amount in summary.payments),
        change=0,
    )


# -- the bytes ---------------------------------------------------------------------------------


def _tag(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, DOMAIN + body, hashlib.sha256).digest()[:TAG_BYTES]


def _check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the hub's receipt key must be at least {MIN_KEY_BYTES} bytes")


def _forged() -> ReceiptCodeError:
    return ReceiptCodeError(
        "This receipt's code does not check out: it was altered, or printed outside this hub."
        " Nothing refunded; take the goods back at the lane that sold them, by the sale's number"
    )


def _encode(summary: SaleSummary) -> list[object]:
    seconds = int(summary.completed_at.timestamp())
    return [
        VERSION,
        summary.lane_id,
        summary.number,
        uuid.UUID(summary.uuid).bytes,
        seconds,
        summary.channel,
        [
            [
                line.line_no,
                line.variant_id,
                WEIGHT if line.priced_by is PricedBy.WEIGHT else EACH,
                line.amount_sold,
                line.unit_price,
                line.amount,
                line.vat_code,
                line.vat_rate_bp,
                line.vat,
                line.discount,
            ]
            for line in summary.lines
        ],
        [[method, cents] for method, cents in summary.payments],
    ]


def _decode(data: object) -> SaleSummary:
    if not isinstance(data, list) or len(data) != 8 or data[0] != VERSION:
        raise ValueError("not a version 1 summary")
    _, lane_id, number, uuid_bytes, seconds, channel, lines, payments = data
    return SaleSummary(
        lane_id=_int(lane_id),
        number=_int(number),
        uuid=str(uuid.UUID(bytes=bytes(uuid_bytes))),
        completed_at=datetime.fromtimestamp(_int(seconds), UTC),
        channel=_str(channel),
        lines=tuple(_decode_line(line) for line in lines),
        payments=tuple((_str(method), _int(cents)) for method, cents in payments),
    )


def _decode_line(data: list[object]) -> SummaryLine:
    line_no, variant_id, kind, sold, unit, amount, code, rate, vat, discount = data
    if kind not in (EACH, WEIGHT):
        raise ValueError("unknown kind of line")
    return SummaryLine(
        line_no=_int(line_no),
        variant_id=_int(variant_id),
        priced_by=PricedBy.WEIGHT if kind == WEIGHT else PricedBy.EACH,
        amount_sold=_int(sold),
        unit_price=_int(unit),
        amount=_int(amount),
        vat_code=_str(code),
        vat_rate_bp=_int(rate),
        vat=_int(vat),
        discount=_int(discount),
    )


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("a number was expected")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a text was expected")
    return value


def _line(line: SummaryLine, names: dict[int, str], labels: dict[str, str]) -> CompletedLine:
    weighed = line.priced_by is PricedBy.WEIGHT
    list_price = line.unit_price
    return CompletedLine(
        line_no=line.line_no,
        variant_id=line.variant_id,
        name=names.get(line.variant_id) or f"Variant {line.variant_id}",
        sku="",
        priced_by=line.priced_by,
        quantity=0 if weighed else line.amount_sold,
        weight_g=line.amount_sold if weighed else 0,
        unit_price=line.unit_price,
        list_price=list_price,
        override_reason="",
        discount={"kind": "amount", "value": str(from_cents(line.discount)), "reason": "on the sale"}
        if line.discount
        else None,
        discount_cents=line.discount,
        sale_discount_cents=0,
        amount=line.amount,
        vat_code=line.vat_code,
        vat_rate_bp=line.vat_rate_bp,
        vat_label=labels.get(line.vat_code, f"{Decimal(line.vat_rate_bp) / 100} %"),
        vat=line.vat,
        voided=False,
        returns=None,
    )
