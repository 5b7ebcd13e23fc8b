"""X and Z reports, cash control, and the daily/monthly/yearly closures with grand totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from appliance.core.clock import SteppingClock
from appliance.core.sale import Discount, DiscountKind
from appliance.store import closures
from appliance.store.shifts import ShiftError
from appliance.till import Till


def sell(till: Till, variant: int, quantity: int, method: str, tendered: str | None = None) -> int:
    sale = till.new_sale("Alice")
    sale.add(till.item(variant), quantity)
    due = Decimal(sale.totals().total) / 100
    sale.tender(till.payment(method), Decimal(tendered) if tendered else due)
    return till.complete(sale).sale.total


def price(till: Till, variant: int) -> int:
    return int(till.item(variant).price * 100)


def test_x_then_z_report_account_for_every_sale_and_the_cash(till: Till) -> None:
    a = sell(till, 1100, 2, "cash", "50.00")
    b = sell(till, 1101, 1, "card")
    sale = till.new_sale("Alice")
    sale.add(till.item(1102), 1)
    sale.add(till.item(1103), 1)
    sale.void(2)
    sale.discount_line(1, Discount(DiscountKind.PERCENT, Decimal("10"), "damaged"))
    sale.tender(till.payment("cash"), Decimal(sale.totals().total) / 100)
    c = till.complete(sale).sale.total
    discount = price(till, 1102) - c
    till.move_cash("in", Decimal("20.00"), "change", "Alice")
    till.move_cash("out", Decimal("30.00"), "bank", "Alice")
    cancelled = till.new_sale("Alice")
    cancelled.add(till.item(1104), 1)
    till.cancel(cancelled, "customer left")

    x = till.x_report()
    assert (x.totals.sales_count, x.totals.returns_count, x.totals.voided_lines, x.cancelled_sales) == (3, 0, 1, 1)
    assert x.totals.sales_total == a + b + c
    assert x.totals.payments == {"card": b, "cash": a + c}
    assert x.totals.discounts == discount
    assert x.expected_cash == 10000 + a + c + 2000 - 3000
    assert sum(v.gross for v in x.totals.vat) == x.totals.total

    z = till.close_shift(Decimal(x.expected_cash - 150) / 100, "Alice")
    assert z.kind == "Z" and z.cash_difference == -150
    assert z.totals == x.totals
    assert till.current_shift() is None
    sealed = till.connection.execute(
        "SELECT j.payload FROM shift_close AS c JOIN journal AS j ON j.seq = c.journal_seq"
    ).fetchone()[0]
    assert '"difference":-150' in sealed


def test_a_z_is_a_journal_entry_and_a_second_one_is_refused(till: Till) -> None:
    sell(till, 1100, 1, "card")
    till.close_shift(Decimal("100"), "Alice")
    kinds = [row[0] for row in till.connection.execute("SELECT kind FROM journal ORDER BY seq")]
    assert kinds == ["store_created", "shift_open", "sale", "shift_close"]
    with pytest.raises(ShiftError, match="No shift is open"):
        till.close_shift(Decimal("100"), "Alice")


def test_only_one_shift_open_per_lane(till: Till) -> None:
    with pytest.raises(ShiftError, match="still open"):
        till.open_shift("Bruno", Decimal("50"))


def test_cash_out_cannot_exceed_what_the_drawer_should_hold(till: Till) -> None:
    with pytest.raises(ShiftError, match="Only 100.00 should be in the drawer"):
        till.move_cash("out", Decimal("150"), "bank", "Alice")
    with pytest.raises(ShiftError, match="Say why"):
        till.move_cash("in", Decimal("10"), " ", "Alice")


def test_returns_reduce_takings_and_cash(till: Till) -> None:
    sell(till, 1100, 2, "cash")
    original = till.find_sale(number=1)
    assert original is not None
    ret = till.new_return(original, "Alice")
    till.add_return_line(ret, original, 1, quantity=1)
    ret.tender(till.payment("cash"), Decimal(ret.totals().total) / 100)
    till.complete(ret)
    x = till.x_report()
    assert x.totals.returns_count == 1
    assert x.totals.returns_total == -price(till, 1100)
    assert x.totals.total == price(till, 1100)
    assert x.expected_cash == 10000 + price(till, 1100)


def test_a_day_is_closed_by_the_first_sale_of_the_next(till: Till, clock: SteppingClock) -> None:
    monday = sell(till, 1100, 1, "card") + sell(till, 1101, 1, "card")
    clock.advance(24 * 3600)
    tuesday = sell(till, 1102, 1, "card")
    (day,) = closures.closures(till.connection, "day")
    assert day["period"] == "2026-03-02"
    assert day["totals"]["total"] == monday and day["perpetual_total"] == monday
    assert (day["totals"]["first_number"], day["totals"]["last_number"]) == (1, 2)
    clock.advance(24 * 3600)
    till.close_periods()
    days = closures.closures(till.connection, "day")
    assert [d["period"] for d in days] == ["2026-03-02", "2026-03-03"]
    assert days[1]["totals"]["total"] == tuesday and days[1]["perpetual_total"] == monday + tuesday


def test_months_and_years_close_with_perpetual_totals(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = SteppingClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    till = Till.create(config, clock=clock)
    from appliance.cli.demo import demo_variants
    from appliance.store.catalogue import upsert_variants
    from appliance.store.database import write_transaction

    with write_transaction(till.db) as connection:
        upsert_variants(connection, demo_variants(), clock.now())
    till.open_shift("Alice", Decimal("0"))
    totals = []
    for moment in (
        datetime(2026, 11, 30, 9, tzinfo=UTC),
        datetime(2026, 12, 1, 9, tzinfo=UTC),
        datetime(2026, 12, 31, 9, tzinfo=UTC),
        datetime(2027, 1, 2, 9, tzinfo=UTC),
    ):
        clock.current = moment
        totals.append(sell(till, 1100, 1, "card"))
    months = closures.closures(till.connection, "month")
    years = closures.closures(till.connection, "year")
    assert [(m["period"], m["totals"]["total"]) for m in months] == [
        ("2026-11", totals[0]),
        ("2026-12", totals[1] + totals[2]),
    ]
    assert [(y["period"], y["totals"]["total"], y["perpetual_total"]) for y in years] == [
        ("2026", sum(totals[:3]), sum(totals[:3]))
    ]
    assert months[-1]["perpetual_total"] == sum(totals[:3])
    kinds = [row[0] for row in till.connection.execute("SELECT kind FROM journal ORDER BY seq")]
    assert kinds.count("closure_day") == 3 and kinds.count("closure_month") == 2 and kinds.count("closure_year") == 1
    assert years[0]["totals"]["last_number"] == 3  # the 2027 sale is not in 2026's closure
    till.close()


def test_a_clock_set_back_neither_reopens_a_closed_day_nor_breaks_a_sale(till: Till, clock: SteppingClock) -> None:
    sell(till, 1100, 1, "card")
    clock.advance(24 * 3600)
    sell(till, 1101, 1, "card")  # closes Monday
    clock.advance(-30 * 3600)  # back to Sunday evening
    sell(till, 1102, 1, "card")
    clock.advance(3 * 24 * 3600)
    till.close_periods()
    days = closures.closures(till.connection, "day")
    assert [d["period"] for d in days] == ["2026-03-02", "2026-03-03"]
    assert days[1]["totals"]["last_number"] == 3
    assert sum(d["totals"]["total"] for d in days) == days[-1]["perpetual_total"]


def day_ranges_cover_the_journal_once(till: Till) -> bool:
    days = closures.closures(till.connection, "day")
    return all(b["first_seq"] == a["last_seq"] + 1 for a, b in zip(days, days[1:])) and days[0]["first_seq"] == 1


def test_a_day_is_closed_even_when_the_first_thing_done_the_next_day_is_a_z(till: Till, clock: SteppingClock) -> None:
    clock.current = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 21:00 in Paris
    monday = sell(till, 1100, 1, "card")
    clock.current = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 00:30 on Tuesday in Paris
    till.close_shift(Decimal("100"), "Alice")
    (day,) = closures.closures(till.connection, "day")
    assert day["period"] == "2026-03-02" and day["totals"]["total"] == monday


def test_a_clock_set_wrongly_forward_does_not_stop_the_closures(till: Till, clock: SteppingClock) -> None:
    sell(till, 1100, 1, "card")
    clock.current = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)  # a wrong clock, for one sale
    sell(till, 1101, 1, "card")
    clock.current = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    for day in range(3, 40):
        clock.current = datetime(2026, 3, 1, 10, 0, tzinfo=UTC) + timedelta(days=day)
        sell(till, 1102, 1, "card")
    days = [d["period"] for d in closures.closures(till.connection, "day")]
    assert days[-1] == (clock.current.date() - timedelta(days=1)).isoformat()  # yesterday is closed
    assert "2027-03-02" not in days
    assert day_ranges_cover_the_journal_once(till)
    perpetual = closures.closures(till.connection, "day")[-1]["perpetual_total"]
    last_day_end = closures.closures(till.connection, "day")[-1]["last_seq"]
    assert (
        perpetual == till.connection.execute("SELECT SUM(total) FROM sale WHERE id <= ?", (last_day_end,)).fetchone()[0]
    )


def test_an_idle_week_closes_each_day_that_had_entries(till: Till, clock: SteppingClock) -> None:
    for _ in range(3):
        sell(till, 1100, 1, "card")
        clock.advance(86400)
    clock.advance(7 * 86400)
    till.close_periods()
    assert [d["period"] for d in closures.closures(till.connection, "day")] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
    ]
    assert day_ranges_cover_the_journal_once(till)


def test_the_perpetual_total_carries_over_closed_days(till: Till, clock: SteppingClock) -> None:
    totals = [sell(till, 1100, 1, "card")]
    for _ in range(2):
        clock.advance(86400)
        totals.append(sell(till, 1101, 2, "card"))
    assert len(closures.closures(till.connection, "day")) == 2
    assert till.x_report().perpetual_total == sum(totals)
