"""A channel's automatic discounts: which rules apply to a line, and how much they take off.

Pure code (no config, no clock): the channels file is parsed into these types by
``appliance.config.channels.discounts``, and the sale model asks :func:`choose` for each line as
it is rung up. Every figure is integer cents computed with the till's one rounding rule
(:func:`appliance.core.money.round_div`), so the same line gives the same discount on the screen,
on the receipt and in the journal.

How rules combine (docs/channels.md, "Discounts"):

- A hub wants its customers to get the best deal it advertises without the cashier choosing, so
  by default (``combine = "best"``) the candidate that takes the most cents off the line wins.
- A hub that orders its rules by priority says ``combine = "first"``: the first matching rule in
  file order wins, whatever it is worth.
- Rules never add up, unless each says ``stack = true``: the matching stacking rules are summed
  and that sum is one candidate, compared with the non-stacking rules as a whole.
- Nothing ever takes a line below zero: the discount is capped at the line's gross.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum

from appliance.core.money import round_div, to_cents

#: Weekday names as the channels file writes them, in ``date.weekday()`` order (Monday is 0).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Minutes in a day: an hour range may end at "24:00", the end of the day.
DAY_MINUTES = 24 * 60


class Combine(StrEnum):
    BEST = "best"
    FIRST = "first"


@dataclass(frozen=True)
class DiscountRule:
    """One automatic discount of a channel.

    Exactly one of ``percent`` (of the line's gross) or ``amount`` (off each unit, or off each kg
    for a weighed line) is set; the parser refuses anything else, and so does this class, since a
    rule that takes nothing off or both ways has no meaning. Empty matchers mean every variant.
    ``hours`` are minutes since local midnight, start inclusive, end exclusive.
    """

    name: str
    percent: Decimal | None = None
    amount: Decimal | None = None
    categories: frozenset[int] = frozenset()
    tags: frozenset[str] = frozenset()
    variants: frozenset[int] = frozenset()
    date_from: date | None = None
    date_until: date | None = None
    weekdays: frozenset[int] = frozenset()
    hours: tuple[int, int] | None = None
    customer_tags: frozenset[str] = frozenset()
    stack: bool = False
    _hundredths: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise ValueError(f"discount {self.name!r}: give a percent or an amount, exactly one")
        value = self.percent if self.percent is not None else self.amount
        assert value is not None
        if value <= 0 or (self.percent is not None and value > 100):
            raise ValueError(f"discount {self.name!r}: {value} is out of range")
        object.__setattr__(self, "_hundredths", to_cents(value))
        # tags compare in any case, as the assortment's and OFN's customer tags do ("Veg" = "veg")
        object.__setattr__(self, "tags", frozenset(tag.casefold() for tag in self.tags))
        object.__setattr__(self, "customer_tags", frozenset(tag.casefold() for tag in self.customer_tags))

    def matches(self, line: LineContext) -> bool:
        """Whether the rule is in force for this line: its product, its moment, its customer."""
        return self._matches_product(line) and self._in_force(line.moment) and self._for_customer(line)

    def cents_off(self, line: LineContext) -> int:
        """What the rule alone takes off the line, never more than the line's gross."""
        gross = line.gross_cents
        if self.percent is not None:
            off = round_div(gross * self._hundredths, 10000)
        elif line.weight_g:
            off = round_div(self._hundredths * line.weight_g, 1000)
        else:
            off = self._hundredths * line.quantity
        return min(off, gross)

    def as_record(self) -> dict[str, str]:
        """How the rule is described on a line's discount record: its kind and value."""
        if self.percent is not None:
            return {"kind": "percent", "value": str(self.percent)}
        return {"kind": "amount", "value": str(self.amount)}

    def _matches_product(self, line: LineContext) -> bool:
        if not (self.categories or self.tags or self.variants):
            return True
        return (
            line.variant_id in self.variants
            or (line.category is not None and line.category in self.categories)
            or not self.tags.isdisjoint(line.tags)
        )

    def _in_force(self, moment: datetime) -> bool:
        day = moment.date()
        if self.date_from is not None and day < self.date_from:
            return False
        if self.date_until is not None and day > self.date_until:
            return False
        if self.weekdays and day.weekday() not in self.weekdays:
            return False
        if self.hours is not None:
            minute = moment.hour * 60 + moment.minute
            start, end = self.hours
            return start <= minute < end
        return True

    def _for_customer(self, line: LineContext) -> bool:
        return not self.customer_tags or not self.customer_tags.isdisjoint(line.customer_tags)


@dataclass(frozen=True)
class DiscountPolicy:
    """How a channel's rules combine, and how much a person may take off by hand, per role.

    ``manual_percent_limit`` maps a role (``cashier``, ``manager``) to the largest manual
    discount, in percent of what it applies to, that role gives alone; a role not named keeps the
    box's ``[roles] discount_limit_percent`` (cashiers) or has no limit (managers).
    """

    combine: Combine = Combine.BEST
    manual_percent_limit: tuple[tuple[str, Decimal], ...] = ()

    def manual_limit(self, role: str) -> Decimal | None:
        return dict(self.manual_percent_limit).get(role)


@dataclass(frozen=True)
class LineContext:
    """What the rules look at on a line. ``moment`` is local time (the hub's time zone), since a
    hub writes "Saturday 08:00-12:00" as its own clock reads it."""

    variant_id: int
    unit_cents: int
    quantity: int = 0
    weight_g: int = 0
    category: int | None = None
    tags: frozenset[str] = frozenset()
    moment: datetime = datetime(2000, 1, 1)
    customer_tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Tags compare in any case, as the rules' own (folded once each): folded here once a line,
        # not again by every rule that looks at it.
        object.__setattr__(self, "tags", frozenset(tag.casefold() for tag in self.tags))
        object.__setattr__(self, "customer_tags", frozenset(tag.casefold() for tag in self.customer_tags))

    @property
    def gross_cents(self) -> int:
        """Price × quantity, or price per kg × weight, rounded once: as the sale computes it."""
        if self.weight_g:
            return round_div(self.unit_cents * self.weight_g, 1000)
        return self.unit_cents * self.quantity


@dataclass(frozen=True)
class Applied:
    """The rules that apply to a line (one, or several that stack) and what they take off."""

    rules: tuple[DiscountRule, ...]
    cents: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self.rules)

    def as_record(self) -> dict[str, object]:
        """The line's discount record: ``rule`` names it (joined with " + " when rules stack, with
        ``rules`` listing them), so the journal explains the receipt later."""
        if len(self.rules) == 1:
            record: dict[str, object] = {**self.rules[0].as_record(), "reason": "automatic"}
            record["rule"] = self.rules[0].name
            return record
        return {
            "kind": "stacked",
            "value": str(Decimal(self.cents) / 100),
            "reason": "automatic",
            "rule": " + ".join(self.names),
            "rules": list(self.names),
        }


def applicable(rules: Iterable[DiscountRule], line: LineContext) -> list[DiscountRule]:
    """The rules in force for the line, in file order."""
    return [rule for rule in rules if rule.matches(line)]


def choose(rules: Sequence[DiscountRule], policy: DiscountPolicy, line: LineContext) -> Applied | None:
    """What applies to the line under the policy, or None when nothing takes a cent off."""
    matching = applicable(rules, line)
    if not matching:
        return None
    stacked = [rule for rule in matching if rule.stack]
    if policy.combine is Combine.FIRST:
        first = matching[0]
        chosen = _applied(stacked if first.stack else [first], line)
        return chosen if chosen.cents else None
    candidates = [_applied([rule], line) for rule in matching if not rule.stack]
    if stacked:
        candidates.append(_applied(stacked, line))
    best = max(candidates, key=lambda candidate: candidate.cents)  # the first of equals: file order
    return best if best.cents else None


def _applied(rules: Sequence[DiscountRule], line: LineContext) -> Applied:
    total = sum(rule.cents_off(line) for rule in rules)
    return Applied(tuple(rules), min(total, line.gross_cents))


@dataclass(frozen=True)
class AutoDiscounts:
    """A channel's rules as one sale uses them: fixed for the sale's life (a change of the channels
    file takes effect at the next sale), with the zone that turns the sale's start into local time."""

    rules: tuple[DiscountRule, ...] = ()
    policy: DiscountPolicy = DiscountPolicy()
    zone: tzinfo | None = None

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone) if self.zone is not None else moment
