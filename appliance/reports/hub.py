"""``report hub``: every box's accounting export read together, as the hub sees its lanes.

The fleet playbook fetches each box's export (docs/provisioning.md); this reads them back and
gives the totals per lane and per channel, which add up to the hub's total to the cent (each row
of each file is counted once in its lane, once in its channel and once in the whole, all in
integer cents). It refuses what it cannot trust: a file that is not an export of ours (its header
is checked), a row it cannot read, or two files of one lane (the lane's sales would count twice).

Two more checks need several boxes at once, which is why they are here and not on a box:

- a line of a sale returned at two lanes (the ``returns_*`` columns name the original line): each
  box refuses a second return of a line it has seen, but two boxes offline cannot know of each
  other; it is flagged, and called an over-return when more came back than was sold;
- what each lane's export puts on its OFN counter order (``ofn_order``), counted the way the sync
  engine counts (docs/sync.md: pieces as they are, weighed goods by their running total of grams
  rounded once to the variant's unit, returns taken off), against what OFN's order holds: the
  caller reads the orders (``appliance/cli/report_hub.py``) and :func:`ofn_differences` compares.
  A line the box left out of OFN (``not_in_ofn``: voided, a shelf-only item, damaged goods given
  back) is neither on an order nor waiting for one: the box decided it with core/ofn_scope.py when
  it exported, and its export is all this report sees of it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TextIO

from appliance.core.money import MoneyError, to_cents
from appliance.core.ofn_scope import LeftOut
from appliance.reports.channels import ReportError
from appliance.reports.export import COLUMNS, FORMULA_STARTS
from appliance.store.sync_state import units_of

#: The record kinds an export of ours writes.
RECORDS = ("line", "payment", "order_payment")


@dataclass
class Figures:
    """Totals of a part of the hub (a lane, a channel) or of the whole, in integer cents."""

    sales_count: int = 0
    returns_count: int = 0
    sales_total: int = 0
    returns_total: int = 0
    vat: dict[str, dict[str, int]] = field(default_factory=dict)  # "code rate" -> {"gross", "vat"}
    payments: dict[str, int] = field(default_factory=dict)
    order_payments: dict[str, int] = field(default_factory=dict)  # hand-overs: OFN's takings, not ours

    @property
    def total(self) -> int:
        return self.sales_total + self.returns_total

    def as_record(self) -> dict[str, object]:
        return {
            "sales_count": self.sales_count,
            "returns_count": self.returns_count,
            "sales_total": self.sales_total,
            "returns_total": self.returns_total,
            "total": self.total,
            "vat": {key: dict(value) for key, value in sorted(self.vat.items())},
            "payments": dict(sorted(self.payments.items())),
            "order_payments": dict(sorted(self.order_payments.items())),
        }


@dataclass(frozen=True)
class Line:
    """A line row of an export: what the hub's checks need of it."""

    lane_id: int
    channel: str
    sale_uuid: str
    sale_kind: str
    line_no: int
    variant_id: int
    description: str
    quantity: int
    weight_g: int
    amount: int
    vat_key: str
    vat: int
    voided: bool
    returns_sale_uuid: str
    returns_line_no: int | None
    ofn_order: str
    ofn_unit_g: int | None
    not_in_ofn: LeftOut | None = None  # why the line changes nothing in OFN; None: it does

    @property
    def on_an_order(self) -> bool:
        """Whether the line changes what an OFN order holds (counted there, or waiting to be): the
        export says why not in ``not_in_ofn``, a voided line included (core/ofn_scope.py)."""
        return self.not_in_ofn is None


@dataclass(frozen=True)
class Payment:
    record: str
    lane_id: int
    channel: str
    method: str
    amount: int


@dataclass(frozen=True)
class LaneExport:
    """One box's export, read and checked."""

    name: str
    lane_id: int | None  # None: the file has no rows (nothing sold in its dates)
    lines: tuple[Line, ...]
    payments: tuple[Payment, ...]


@dataclass(frozen=True)
class ReturnFlag:
    """A sold line given back at more than one lane."""

    sale_uuid: str
    line_no: int
    description: str
    lanes: tuple[int, ...]
    sold: int | None  # pieces or grams, when the sale is in one of the exports
    returned: int
    unit: str  # "pieces" or "g"

    @property
    def over_returned(self) -> bool:
        return self.sold is not None and self.returned > self.sold


@dataclass(frozen=True)
class Difference:
    """A variant whose quantity on a counter order is not what the lane's export says."""

    lanes: tuple[int, ...]
    order: str
    variant_id: int
    description: str
    export_says: int
    ofn_holds: int | None  # None: the order could not be read
    reason: str = ""


def read_export(name: str, handle: TextIO) -> LaneExport:
    """An export file of ours, whole, or ReportError naming the file and what is wrong."""
    reader = csv.reader(handle)
    header = next(reader, None)
    _check_header(name, header)
    lines: list[Line] = []
    payments: list[Payment] = []
    lanes: set[int] = set()
    for number, values in enumerate(reader, start=2):
        if not values:
            continue
        if len(values) != len(COLUMNS):
            raise ReportError(f"{name}, line {number}: {len(values)} cells where an export has {len(COLUMNS)}")
        row = dict(zip(COLUMNS, values))
        try:
            lane = int(row["lane_id"])
            if row["record"] == "line":
                lines.append(_line(row))
            elif row["record"] in RECORDS:
                payments.append(
                    Payment(
                        row["record"],
                        lane,
                        unquoted(row["channel"]),
                        unquoted(row["payment_method"]),
                        _cents(row["payment_amount"]),
                    )
                )
            else:
                raise ValueError(f"record {row['record']!r} is none of {', '.join(RECORDS)}")
        except (ValueError, MoneyError, InvalidOperation) as bad:
            raise ReportError(
                f"{name}, line {number}: {bad or 'a value that is not a number'}; export it again"
            ) from None
        lanes.add(lane)
    if len(lanes) > 1:
        raise ReportError(
            f"{name} holds lanes {', '.join(map(str, sorted(lanes)))}: an export is one box's; give each box's file"
        )
    return LaneExport(name, lanes.pop() if lanes else None, tuple(lines), tuple(payments))


def _check_header(name: str, header: list[str] | None) -> None:
    if header is None:
        raise ReportError(f"{name} is empty: not an accounting export of OFN Checkout (`journal export`)")
    if header == list(COLUMNS):
        return
    if header[:5] == list(COLUMNS[:5]):
        missing = [column for column in COLUMNS if column not in header]
        what = f"it lacks {', '.join(missing)}" if missing else "its columns are not in our order"
        raise ReportError(f"{name} is an export of another version of OFN Checkout ({what}): export it again")
    raise ReportError(f"{name} is not an accounting export of OFN Checkout: its first line is not the export's header")


def _line(row: dict[str, str]) -> Line:
    return Line(
        lane_id=int(row["lane_id"]),
        channel=unquoted(row["channel"]),
        sale_uuid=row["sale_uuid"],
        sale_kind=row["sale_kind"],
        line_no=int(row["line_no"]),
        variant_id=int(row["variant_id"]),
        description=unquoted(row["description"]),
        quantity=int(row["quantity"]),
        weight_g=int(row["weight_g"] or 0),
        amount=_cents(row["amount"]),
        vat_key=f"{unquoted(row['vat_code'])} {row['vat_rate']}",
        vat=_cents(row["vat_amount"]),
        voided=row["voided"] not in ("0", "", "False"),
        returns_sale_uuid=row["returns_sale_uuid"],
        returns_line_no=int(row["returns_line_no"]) if row["returns_line_no"] else None,
        ofn_order=row["ofn_order"],
        ofn_unit_g=int(row["ofn_unit_g"]) if row["ofn_unit_g"] else None,
        not_in_ofn=_left_out(row["not_in_ofn"]),
    )


def _left_out(text: str) -> LeftOut | None:
    if not text:
        return None
    try:
        return LeftOut(text)
    except ValueError:
        raise ValueError(f"not_in_ofn {text!r} is none of {', '.join(LeftOut)}") from None


def unquoted(text: str) -> str:
    """A text cell as it was before the export neutralised a formula start (``'=`` back to ``=``)."""
    return text[1:] if text.startswith("'") and text[1:2].startswith(FORMULA_STARTS) and text[1:2] else text


def _cents(text: str) -> int:
    return to_cents(Decimal(text))


def check_lanes(exports: Iterable[LaneExport]) -> None:
    """Refuse two files of one lane: its sales would count twice."""
    seen: dict[int, str] = {}
    for export in exports:
        if export.lane_id is None:
            continue
        if export.lane_id in seen:
            raise ReportError(
                f"{export.name} repeats lane {export.lane_id} (already in {seen[export.lane_id]}):"
                " give one export a lane, covering the whole period"
            )
        seen[export.lane_id] = export.name


@dataclass
class HubTotals:
    lanes: dict[int, Figures] = field(default_factory=dict)
    channels: dict[str, Figures] = field(default_factory=dict)
    hub: Figures = field(default_factory=Figures)

    def as_record(self) -> dict[str, object]:
        return {
            "lanes": {str(lane): figures.as_record() for lane, figures in sorted(self.lanes.items())},
            "channels": {name: figures.as_record() for name, figures in sorted(self.channels.items())},
            "hub": self.hub.as_record(),
        }


def hub_totals(exports: Iterable[LaneExport]) -> HubTotals:
    """Every row counted once into its lane, once into its channel and once into the whole."""
    totals = HubTotals()
    for export in exports:
        counted: set[str] = set()
        for line in export.lines:
            parts = _parts(totals, line.lane_id, line.channel)
            first = line.sale_uuid not in counted
            counted.add(line.sale_uuid)
            for figures in parts:
                _add_line(figures, line, first)
        for payment in export.payments:
            for figures in _parts(totals, payment.lane_id, payment.channel):
                bucket = figures.payments if payment.record == "payment" else figures.order_payments
                bucket[payment.method] = bucket.get(payment.method, 0) + payment.amount
    return totals


def _parts(totals: HubTotals, lane: int, channel: str) -> tuple[Figures, ...]:
    return (totals.lanes.setdefault(lane, Figures()), totals.channels.setdefault(channel, Figures()), totals.hub)


def _add_line(figures: Figures, line: Line, first_of_its_sale: bool) -> None:
    if line.sale_kind == "return":
        figures.returns_count += first_of_its_sale
        figures.returns_total += line.amount
    else:
        figures.sales_count += first_of_its_sale
        figures.sales_total += line.amount
    if not line.voided:
        rate = figures.vat.setdefault(line.vat_key, {"gross": 0, "vat": 0})
        rate["gross"] += line.amount
        rate["vat"] += line.vat


def return_flags(exports: Iterable[LaneExport]) -> tuple[ReturnFlag, ...]:
    """Sold lines given back at two lanes or more, with what was sold when the sale is in the exports."""
    sold: dict[tuple[str, int], Line] = {}
    returned: dict[tuple[str, int], list[Line]] = defaultdict(list)
    for export in exports:
        for line in export.lines:
            if line.voided:
                continue
            if line.sale_kind == "sale":
                sold[(line.sale_uuid, line.line_no)] = line
            elif line.returns_sale_uuid and line.returns_line_no is not None:
                returned[(line.returns_sale_uuid, line.returns_line_no)].append(line)
    flags = []
    for (uuid, line_no), returns in sorted(returned.items()):
        lanes = tuple(sorted({line.lane_id for line in returns}))
        if len(lanes) < 2:
            continue
        original = sold.get((uuid, line_no))
        weighed = any(line.weight_g for line in returns)
        back = sum(abs(line.weight_g if weighed else line.quantity) for line in returns)
        had = None if original is None else abs(original.weight_g if weighed else original.quantity)
        description = original.description if original is not None else returns[0].description
        flags.append(ReturnFlag(uuid, line_no, description, lanes, had, back, "g" if weighed else "pieces"))
    return tuple(flags)


@dataclass
class _Expected:
    lanes: set[int] = field(default_factory=set)
    description: str = ""
    pieces: int = 0
    grams: int = 0
    unit: int | None = None

    @property
    def units(self) -> int:
        """What the order must hold: docs/sync.md's count, weighed goods rounded once."""
        return self.pieces + units_of(self.grams, self.unit)


def counter_expectations(exports: Iterable[LaneExport]) -> dict[str, dict[int, _Expected]]:
    """Order -> variant -> what the exports' lines put on it (lines left out of OFN put nothing)."""
    found: dict[str, dict[int, _Expected]] = defaultdict(lambda: defaultdict(_Expected))
    for export in exports:
        for line in export.lines:
            if not line.on_an_order or not line.ofn_order:
                continue
            wanted = found[line.ofn_order][line.variant_id]
            wanted.lanes.add(line.lane_id)
            wanted.description = wanted.description or line.description
            if line.weight_g:
                wanted.grams += line.weight_g
                wanted.unit = wanted.unit or line.ofn_unit_g
            else:
                wanted.pieces += line.quantity
    return found


def not_yet_counted(exports: Iterable[LaneExport]) -> dict[int, int]:
    """Lane -> lines its box had not counted into an OFN order when it exported (sync was behind)."""
    waiting: dict[int, int] = defaultdict(int)
    for export in exports:
        for line in export.lines:
            if line.on_an_order and not line.ofn_order:
                waiting[line.lane_id] += 1
    return dict(waiting)


def ofn_differences(
    expected: Mapping[str, Mapping[int, _Expected]], held: Mapping[str, Mapping[int, int] | str]
) -> tuple[Difference, ...]:
    """Each order's variants, the exports' count against OFN's; ``held[order]`` is a reason when unread."""
    differences = []
    for order in sorted(expected):
        wanted = expected[order]
        lanes = tuple(sorted({lane for line in wanted.values() for lane in line.lanes}))
        holds = held.get(order, "not read")
        if isinstance(holds, str):
            differences.append(Difference(lanes, order, 0, "", 0, None, holds))
            continue
        for variant_id in sorted(set(wanted) | set(holds)):
            line = wanted.get(variant_id)
            says = line.units if line is not None else 0
            has = holds.get(variant_id, 0)
            if says != has:
                reason = "" if line is not None else "on the order in OFN, in none of the exports"
                description = line.description if line is not None else ""
                differences.append(Difference(lanes, order, variant_id, description, says, has, reason))
    return tuple(differences)
