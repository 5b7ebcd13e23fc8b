"""Invoices at the counter: ``*`` after payment, a customer found by typing part of her name or
typed in as new, the invoice printed on the receipt printer and sealed with its own number; asked
again, a numbered duplicate. The hub's customers are cached in the store as the sync daemon caches
them from OFN."""

from __future__ import annotations

from pathlib import Path

from appliance.config import Config
from appliance.core.customer import customer
from appliance.store.customers import upsert_ofn_customers
from appliance.store.database import write_transaction
from appliance.till import Till
from tui.screens.customer import CustomerScreen, NewCustomer
from tui.screens.receipt import ReceiptScreen
from tui.screens.sale import SaleScreen

from .counter_kit import FLOUR, app_for, counter_kit, scan, screen_text, type_keys, until


def cache_customers(till: Till) -> None:
    with write_transaction(till.db) as connection:
        upsert_ofn_customers(
            connection,
            [
                customer("Épicerie Dupont SARL", ("3 rue Basse", "79000 Niort"), vat_number="FR32123456789", ofn_id=7),
                customer(
                    "Jeanne Martin", ("8 allée des Tilleuls", "79000 Niort"), email="jeanne@example.org", ofn_id=8
                ),
            ],
            till.clock.now(),
        )


async def pay_exact(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await scan(pilot, FLOUR)
    await type_keys(pilot, "+")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))


async def test_invoice_after_payment_for_a_customer_found_by_name(till: Till, config: Config, tmp_path: Path) -> None:
    config = config.__class__(**{**config.__dict__, "receipt": {**config.receipt, "company_id": "SIRET 123"}})
    cache_customers(till)
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pay_exact(pilot, app)
            await type_keys(pilot, "*")
            await until(pilot, lambda: isinstance(app.screen, CustomerScreen))
            for char in "dupont":
                await pilot.press(char)
            await until(pilot, lambda: "Épicerie Dupont" in screen_text(app) and "Jeanne" not in screen_text(app))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="back to selling")
            assert kit.printer is not None
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 1, what="the invoice on paper")
            paper = "\n".join(kit.printer.printout().pieces()[0])
            number = app.counter.last_completed.number
    invoice = till.invoice_for(number)
    assert invoice is not None and invoice.customer.name == "Épicerie Dupont SARL"
    assert invoice.label in paper and "FR32123456789" in paper and "Épicerie Dupont SARL" in paper


async def test_a_new_customer_typed_in_and_a_second_ask_gives_a_duplicate(
    till: Till, config: Config, tmp_path: Path
) -> None:
    config = config.__class__(**{**config.__dict__, "receipt": {**config.receipt, "company_id": "SIRET 123"}})
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pay_exact(pilot, app)
            await type_keys(pilot, "*")
            await until(pilot, lambda: isinstance(app.screen, CustomerScreen))
            await pilot.press("enter")  # the list is empty: "a new customer"
            await until(pilot, lambda: isinstance(app.screen, NewCustomer))
            for field in ("Paul Leroy", "12 rue Neuve", "", "79000 Niort", ""):
                for char in field:
                    await pilot.press(char if char != " " else "space")
                await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="back to selling")
            number = app.counter.last_completed.number
            # the customer comes back for it: the menu's invoice entry, the same sale, the duplicate
            await type_keys(pilot, "/")
            await pilot.press("4")
            await pilot.press("enter")  # nothing typed: the last sale
            await until(pilot, lambda: "already has invoice" in screen_text(app))
            await pilot.press("1")
            assert kit.printer is not None
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 2, what="the duplicate on paper")
            second = "\n".join(kit.printer.printout().pieces()[1])
    invoice = till.invoice_for(number)
    assert invoice is not None and invoice.customer.address == ("12 rue Neuve", "79000 Niort")
    assert "DUPLICATE" in second and invoice.label in second
    assert [found.name for found in till.customers("Leroy")] == ["Paul Leroy"]  # kept for the next time
