"""``[[channels.NAME.discounts]]`` and ``[channels.NAME.discount_policy]``: a channel's automatic
discounts, how they combine, and how much each role may take off by hand.

Read like the rest of the configuration: every problem of every rule at once, each with its key
(``channels."shop counter".discounts[2].percent``), its value and its reason, so a support person
fixes the file in one go. What a rule means is in :mod:`appliance.core.discount_rules`; the
schema for people is docs/channels.md, "Discounts".
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from appliance.config import Field, Problem, _read_table, _table_array
from appliance.config.channels.checks import ids, positive_amount
from appliance.config.values import _MISSING, _bool, _nonempty, _one_of
from appliance.core.discount_rules import DAY_MINUTES, WEEKDAYS, Combine, DiscountPolicy, DiscountRule

#: The roles a manual limit may name: those of appliance/store/people.py (a test keeps them in step).
ROLES = ("cashier", "manager")
_HOURS = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")


def _percent(value: object) -> Decimal:
    """A percentage as a string ("10", "12.5"): between 0 and 100, two decimals at most."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError('must be a percentage written as a string, e.g. "10"')
    try:
        percent = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not percent.is_finite() or percent != percent.quantize(Decimal("0.01")):
        raise ValueError("must be a number with at most two decimals")
    if not 0 < percent <= 100:
        raise ValueError("must be more than 0 and at most 100")
    return percent


def _limit_percent(value: object) -> Decimal:
    """A manual limit may be 0: that role gives no discount alone."""
    if value in ("0", "0.0", "0.00"):
        return Decimal(0)
    return _percent(value)


def _amount(value: object) -> Decimal:
    """The channel file's positive amount; its example is the size of a discount, not of a cash limit."""
    if not isinstance(value, str):
        raise ValueError('must be an amount written as a string, e.g. "0.50"')
    return positive_amount(value)


def _tags(value: object) -> frozenset[str]:
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise ValueError('must be a list of tags in quotes, e.g. ["veg"]')
    return frozenset(v.strip() for v in value)


def _date(value: object) -> date:
    """A local date, written 2026-01-31 (a TOML date) or "2026-01-31"."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("must be a date written YYYY-MM-DD, e.g. 2026-01-31")


def _weekdays(value: object) -> frozenset[int]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'must be a list of weekdays, e.g. ["sat", "sun"] (of {" ".join(WEEKDAYS)})')
    unknown = [v for v in value if v.strip().lower() not in WEEKDAYS]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a weekday: write {' '.join(WEEKDAYS)}")
    return frozenset(WEEKDAYS.index(v.strip().lower()) for v in value)


def _hours(value: object) -> tuple[int, int]:
    """ "08:00-12:00", local time, start inclusive, end exclusive; "24:00" ends with the day."""
    match = _HOURS.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError('must be a range of local times, e.g. "08:00-12:00"')
    sh, sm, eh, em = (int(part) for part in match.groups())
    if sh > 23 or sm > 59 or em > 59 or eh > 24 or (eh == 24 and em):
        raise ValueError("holds a time that does not exist (00:00 to 24:00)")
    start, end = sh * 60 + sm, eh * 60 + em
    if end <= start:
        raise ValueError("must end after it starts (a range over midnight is two rules)")
    assert end <= DAY_MINUTES
    return start, end


RULE_FIELDS: dict[str, Field] = {
    "name": Field(_nonempty, doc="unique in the channel; sealed on the line, printed on the receipt"),
    "percent": Field(_percent, None, 'percentage off the line, e.g. "10"'),
    "amount": Field(_amount, None, 'amount off each unit (each kg when weighed), e.g. "0.50"'),
    "categories": Field(ids, frozenset(), "OFN primary taxon ids the rule applies to"),
    "tags": Field(_tags, frozenset(), "variant tags the rule applies to"),
    "variants": Field(ids, frozenset(), "OFN variant ids the rule applies to"),
    "from": Field(_date, None, "first day the rule applies (local date)"),
    "until": Field(_date, None, "last day the rule applies (local date)"),
    "weekdays": Field(_weekdays, frozenset(), "days the rule applies: mon tue wed thu fri sat sun"),
    "hours": Field(_hours, None, 'local times the rule applies, e.g. "08:00-12:00"'),
    "customer_tags": Field(_tags, frozenset(), "only for a customer with one of these OFN tags"),
    "stack": Field(_bool, False, "true: adds up with the other rules that say so"),
}

POLICY_FIELDS: dict[str, Field] = {
    "combine": Field(_one_of(*(c.value for c in Combine)), "best", '"best" for the customer, or "first" in file order'),
    "manual_percent_limit": Field(lambda v: v, {}, "the largest discount by hand each role gives alone, in percent"),
}


def parse_discounts(prefix: str, entries: Any, problems: list[Problem]) -> tuple[DiscountRule, ...]:
    """The channel's rules in file order; a rule with a problem is reported and left out."""
    rules: list[DiscountRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(_table_array(prefix, entries, problems)):
        key = f"{prefix}[{index}]"
        rule = _rule(key, entry, problems)
        if rule is None:
            continue
        if rule.name in seen:
            problems.append(Problem(f"{key}.name", rule.name, "is the name of another rule of the channel"))
            continue
        seen.add(rule.name)
        rules.append(rule)
    return tuple(rules)


def _rule(key: str, entry: dict[str, Any], problems: list[Problem]) -> DiscountRule | None:
    before = len(problems)
    values = _read_table(key, entry, RULE_FIELDS, problems)
    percent, amount = values.get("percent"), values.get("amount")
    if "percent" in entry and "amount" in entry:
        problems.append(Problem(f"{key}.amount", entry["amount"], "a rule takes a percent or an amount off, not both"))
    elif "percent" not in entry and "amount" not in entry:
        problems.append(Problem(key, _MISSING, 'needs percent = "10" or amount = "0.50"'))
    start, end = values.get("from"), values.get("until")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        problems.append(Problem(f"{key}.until", end.isoformat(), f"is before from ({start.isoformat()})"))
    if len(problems) > before:
        return None
    return DiscountRule(
        name=values["name"],
        percent=percent,
        amount=amount,
        categories=values["categories"],
        tags=values["tags"],
        variants=values["variants"],
        date_from=start,
        date_until=end,
        weekdays=values["weekdays"],
        hours=values["hours"],
        customer_tags=values["customer_tags"],
        stack=values["stack"],
    )


def parse_discount_policy(prefix: str, table: dict[str, Any], problems: list[Problem]) -> DiscountPolicy:
    """How the channel's rules combine, and the manual limits per role (absent: the box's config)."""
    values = _read_table(prefix, table, POLICY_FIELDS, problems)
    combine = Combine(values["combine"]) if values.get("combine") in set(Combine) else Combine.BEST
    return DiscountPolicy(combine, _limits(f"{prefix}.manual_percent_limit", values["manual_percent_limit"], problems))


def _limits(key: str, table: object, problems: list[Problem]) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(table, dict):
        problems.append(Problem(key, table, 'must be a table of roles, e.g. { cashier = "10", manager = "100" }'))
        return ()
    limits: list[tuple[str, Decimal]] = []
    for role, value in table.items():
        if role not in ROLES:
            problems.append(Problem(f"{key}.{role}", value, f"is not a role: write {' or '.join(ROLES)}"))
            continue
        try:
            limits.append((role, _limit_percent(value)))
        except ValueError as exc:
            problems.append(Problem(f"{key}.{role}", value, str(exc)))
    return tuple(limits)
