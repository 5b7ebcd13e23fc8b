"""A simulated day of 2,000 sales: the Z reports, the export and the journal agree to the cent."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from appliance.cli.simulation import Plan, run
from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.reports import export
from appliance.store import closures
from appliance.till import Till

DAY = date(2026, 3, 2)


def cents(text: str) -> int:
    return int(Decimal(text) * 100)


@pytest.mark.slow
def test_z_reports_export_and_journal_agree_for_a_day_of_2000_sales(config: Config) -> None:
    clock = SteppingClock(datetime(2026, 3, 2, 5, 30, tzinfo=UTC))
    till = Till.create(config, clock=clock)
    completed = run(till, clock, Plan(sales=2000, seed=11, pace=12, shift_size=500), lambda stored: None)
    assert completed == 2000
    assert clock.now().date() == DAY  # the whole simulation stayed within the day

    z_reports = [
        json.loads(row[0])
        for row in till.connection.execute(
            "SELECT j.payload FROM shift_close AS c JOIN journal AS j ON j.seq = c.journal_seq ORDER BY c.shift_id"
        )
    ]
    assert len(z_reports) == 4
    z_total, z_vat, z_pay = 0, Counter(), Counter()
    for z in z_reports:
        z_total += z["totals"]["total"]
        z_vat.update({(v["code"], "gross"): v["gross"] for v in z["totals"]["vat"]})
        z_vat.update({(v["code"], "vat"): v["vat"] for v in z["totals"]["vat"]})
        z_pay.update(z["totals"]["payments"])

    out = io.StringIO()
    export.write_csv(till.connection, out, DAY, DAY, till.zone)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    lines = [r for r in rows if r["record"] == "line"]
    payments = [r for r in rows if r["record"] == "payment"]
    export_vat, export_pay = Counter(), Counter()
    for r in lines:
        export_vat[(r["vat_code"], "gross")] += cents(r["amount"])
        export_vat[(r["vat_code"], "vat")] += cents(r["vat_amount"])
    for r in payments:
        export_pay[r["payment_method"]] += cents(r["payment_amount"])

    journal_total, journal_vat, journal_pay, journal_sales = 0, Counter(), Counter(), 0
    for (payload,) in till.connection.execute("SELECT payload FROM journal WHERE kind IN ('sale', 'return')"):
        record = json.loads(payload)
        journal_sales += 1
        journal_total += record["total"]
        for v in record["vat"]:
            journal_vat[(v["code"], "gross")] += v["gross"]
            journal_vat[(v["code"], "vat")] += v["vat"]
        for p in record["payments"]:
            journal_pay[p["method"]] += p["amount"]

    assert journal_sales == 2000
    assert z_total == sum(cents(r["amount"]) for r in lines) == journal_total
    assert z_total == sum(cents(r["payment_amount"]) for r in payments)
    assert dict(z_vat) == dict(export_vat) == dict(journal_vat)
    assert dict(z_pay) == dict(export_pay) == dict(journal_pay)
    assert sum(z["totals"]["returns_count"] for z in z_reports) > 0  # the day had returns too

    clock.current = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    till.close_periods()
    (day,) = closures.closures(till.connection, "day")
    assert day["period"] == "2026-03-02" and day["totals"]["total"] == z_total == day["perpetual_total"]
    assert till.verify().ok
    till.close()


def test_the_same_seed_gives_the_same_day(config: Config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    results = []
    for name in ("a.db", "b.db"):
        clock = SteppingClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
        till = Till.create(replace(config, store_path=tmp_path / name / "till.db"), clock=clock)
        totals: list[int] = []
        run(till, clock, Plan(sales=60, seed=5), lambda stored: totals.append(stored.sale.total))
        results.append(totals)
        till.close()
    assert results[0] == results[1] and len(results[0]) == 60


def test_a_run_resumes_where_the_store_left_off(config: Config) -> None:
    clock = SteppingClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
    till = Till.create(config, clock=clock)
    numbers: list[int] = []
    run(till, clock, Plan(sales=30, seed=1, close_at_end=False), lambda stored: numbers.append(stored.number))
    later = SteppingClock(clock.now() - timedelta(hours=5))  # a resumed run never goes back in time
    from appliance.cli.simulation import resume_clock

    resumed = resume_clock(till, later.now())
    assert resumed.now() > clock.now() - timedelta(seconds=1)
    run(till, resumed, Plan(sales=30, seed=1), lambda stored: numbers.append(stored.number))
    assert numbers == list(range(1, 61))
    till.close()
