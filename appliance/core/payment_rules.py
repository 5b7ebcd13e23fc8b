"""A channel's payment rules: which methods it takes, how much cash one sale may take, who needs a
customer. Pure code: the channel file's parser builds a :class:`PaymentRules`, the till asks it.

The rules are checked twice on purpose: when a tender is taken (so the cashier hears why at once,
and the basket stays as it was), and again when the sale is completed (so no path round the
payment screen, a kept basket or a replayed script, can seal a sale the rules refuse).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from appliance.core.money import from_cents
from appliance.core.sale import CompletedPayment, PaymentMethod, SaleError


@dataclass(frozen=True)
class PaymentRules:
    """``methods`` empty means every method of the box's config (a box without a channel file).

    ``cash_limit`` is in cents, per sale, on the cash kept (what is tendered less the change);
    ``needs_customer`` names the methods that take a customer (customer credit always does).
    """

    methods: tuple[str, ...] = ()
    cash_limit: int | None = None
    needs_customer: frozenset[str] = field(default_factory=frozenset)

    def allowed(self, configured: Iterable[PaymentMethod]) -> tuple[PaymentMethod, ...]:
        """The box's methods this channel takes, in the channel's order (the screen's list)."""
        by_code = {method.code: method for method in configured}
        if not self.methods:
            return tuple(by_code.values())
        return tuple(by_code[code] for code in self.methods if code in by_code)

    def accepts(self, method: PaymentMethod) -> bool:
        return not self.methods or method.code in self.methods

    def needs_a_customer(self, method: PaymentMethod) -> bool:
        return method.is_ofn_credit or method.code in self.needs_customer

    def check_method(self, method: PaymentMethod, channel_label: str) -> None:
        if not self.accepts(method):
            taken = ", ".join(self.methods)
            raise SaleError(f"{method.label} is not taken at {channel_label} (it takes {taken}): ask for another way")

    def check_cash(self, cash_kept: int, channel_label: str) -> None:
        """Refuse a sale whose cash (net of change) would go over the channel's limit."""
        if self.cash_limit is not None and cash_kept > self.cash_limit:
            limit = from_cents(self.cash_limit)
            raise SaleError(
                f"Cash is limited to {limit} a sale at {channel_label}: take at most {limit} in cash"
                " and the rest another way"
            )

    def check_tender(
        self,
        method: PaymentMethod,
        amount: int,
        *,
        due: int,
        cash_so_far: int,
        has_customer: bool,
        channel_label: str,
    ) -> None:
        """Whether a payment of ``amount`` cents by ``method`` may be taken now.

        ``due`` is what is left to pay before it, ``cash_so_far`` the cash already taken on the sale.
        Cash beyond ``due`` is change, so it does not count against the limit.
        """
        self.check_method(method, channel_label)
        if method.is_cash:
            self.check_cash(cash_so_far + min(amount, due), channel_label)
        if self.needs_a_customer(method) and not has_customer:
            raise SaleError(f"{method.label} needs a customer: pick the customer first")

    def check_payments(
        self, payments: Iterable[CompletedPayment], methods: Iterable[PaymentMethod], label: str
    ) -> None:
        """The completed sale's payments against the rules: the last word before it is sealed."""
        by_code = {method.code: method for method in methods}
        cash = 0
        for payment in payments:
            method = by_code.get(payment.method) or PaymentMethod(payment.method, payment.method)
            self.check_method(method, label)
            if payment.cash:
                cash += payment.amount
            if self.needs_a_customer(method) and payment.customer_id is None:
                raise SaleError(f"{method.label} needs a customer: pick the customer first")
        self.check_cash(cash, label)
