"""``[channels.NAME.payment]``: which of the box's payment methods a channel takes, its cash limit
per sale, and which methods need a customer on the sale."""

from __future__ import annotations

from typing import Any

from appliance.config import Field, Problem, _read_table
from appliance.config.channels.checks import names, positive_amount, some_names
from appliance.core.money import to_cents
from appliance.core.payment_rules import PaymentRules

FIELDS: dict[str, Field] = {
    "methods": Field(some_names, (), "codes of [[payment]] entries of the box's config; absent: every one"),
    "cash_limit": Field(positive_amount, None, 'cash per sale at most, e.g. "1000.00"; absent: no limit'),
    "needs_customer": Field(names, (), "methods that need a customer on the sale"),
}


def parse_payment(prefix: str, table: dict[str, Any], problems: list[Problem]) -> PaymentRules:
    """The channel's payment rules; an absent table takes every method of the box's config."""
    values = _read_table(prefix, table, FIELDS, problems)  # a value that failed its check is left out
    methods, needs = values.get("methods", ()), values.get("needs_customer", ())
    for name in needs:
        if methods and name not in methods:
            problems.append(
                Problem(f"{prefix}.needs_customer", list(needs), f"names {name!r}, which is not in {prefix}.methods")
            )
    limit = values.get("cash_limit")
    return PaymentRules(
        methods=methods,
        cash_limit=to_cents(limit) if limit is not None else None,
        needs_customer=frozenset(needs),
    )
