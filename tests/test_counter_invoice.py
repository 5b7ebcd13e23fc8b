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

from .counter_kit import FLOUR, app_for, counter_kit, said, scan, screen_text, type_keys, until


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


def with_company_id(config: Config) -> Config:
    """The config with the seller's company id an invoice must print."""
    return config.__class__(**{**config.__dict__, "receipt": {**config.receipt, "company_id": "SIRET 123"}})


async def ask_invoice(pilot) -> None:  # type: ignore[no-untyped-def]
    """``*`` on the receipt choice: the customer list."""
    await type_keys(pilot, "*")
    await until(pilot, lambda: isinstance(pilot.app.screen, CustomerScreen), what="the customer list")


async def answer(pilot, *fields: str) -> None:  # type: ignore[no-untyped-def]
    """Each field typed on a full keyboard, then Enter."""
    for field in fields:
        for char in field:
            await pilot.press(char if char != " " else "space")
        await pilot.press("enter")


def footer_line(app: object) -> str:
    return screen_text(app).splitlines()[-1]  # type: ignore[arg-type]


async def pay_exact(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await scan(pilot, FLOUR)
    await type_keys(pilot, "+")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))


async def test_invoice_after_payment_for_a_customer_found_by_name(till: Till, config: Config, tmp_path: Path) -> None:
    config = with_company_id(config)
    cache_customers(till)
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pay_exact(pilot, app)
            await ask_invoice(pilot)
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
    config = with_company_id(config)
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pay_exact(pilot, app)
            await ask_invoice(pilot)
            await pilot.press("enter")  # the list is empty: "a new customer"
            await until(pilot, lambda: isinstance(app.screen, NewCustomer))
            await answer(pilot, "Paul Leroy", "12 rue Neuve", "", "79000 Niort", "")
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


async def test_a_return_of_an_invoiced_sale_hands_out_its_credit_note_and_a_return_is_never_invoiced(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """``*`` after a return: the credit note sealed with it, printed; the menu's invoice entry on the
    return's number: a duplicate of it. A return of a sale never invoiced has none, and says so."""
    from tui.screens.choose import ChooseScreen

    from .test_counter_returns import start_return

    config = with_company_id(config)
    cache_customers(till)
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        printer = kit.printer
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pay_exact(pilot, app)  # sale 1, invoiced
            await until(pilot, lambda: "Invoice" in footer_line(app), what="* offered in the footer")
            await ask_invoice(pilot)
            await pilot.press("enter")
            await until(pilot, lambda: "Printing INV-1-000001 for" in screen_text(app), what="said on the sale screen")

            await start_return(pilot, kit, number=1)
            await pilot.press("enter")
            await type_keys(pilot, "+")
            await pilot.press("enter")  # back as paid
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            assert "* : credit note" in screen_text(app)
            await type_keys(pilot, "*")
            await until(pilot, lambda: len(printer.printout().pieces()) == 2, what="the credit note on paper")
            paper = "\n".join(printer.printout().pieces()[1])
            assert "CREDIT NOTE" in paper and "CN-1-000001" in paper and "INV-1-000001" in paper
            assert "DUPLICATE" not in paper
            await until(pilot, lambda: isinstance(app.screen, SaleScreen) and "Printing CN-1-000001 for" in said(app))

            await type_keys(pilot, "/")
            await pilot.press("4")
            await type_keys(pilot, "2")  # the return's number
            await pilot.press("enter")
            await until(pilot, lambda: "already has invoice CN-1-000001" in screen_text(app))
            await pilot.press("1")
            await until(pilot, lambda: len(printer.printout().pieces()) == 3, what="the duplicate on paper")
            assert "DUPLICATE" in "\n".join(printer.printout().pieces()[2])

            await pay_exact(pilot, app)  # sale 3, not invoiced
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            await start_return(pilot, kit, number=3)
            await pilot.press("enter")
            await type_keys(pilot, "+")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            assert "* :" not in screen_text(app).split("Receipt?")[1].splitlines()[0]
            await until(pilot, lambda: "No receipt" in footer_line(app), what="the footer's keys")
            assert "Invoice" not in footer_line(app)  # nor in the footer
            await type_keys(pilot, "*")
            await until(pilot, lambda: "A return is not invoiced" in screen_text(app))
            assert isinstance(app.screen, ReceiptScreen) and not isinstance(app.screen, ChooseScreen)
        assert app.unexpected == 0


async def test_a_customer_of_the_list_without_an_address_gets_it_typed_and_keeps_the_rest(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """An OFN customer who never gave an address (an e-mail only) is picked: the till asks for the
    address there and then, and the invoice is made out to her with it, her e-mail and OFN id kept.
    Backspace on the first question gives up: no invoice."""
    config = with_company_id(config)
    with write_transaction(till.db) as connection:
        camille = customer("Camille Durand", email="camille@example.org", ofn_id=9)
        upsert_ofn_customers(connection, [camille], till.clock.now())
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pay_exact(pilot, app)
            await ask_invoice(pilot)
            await pilot.press("enter")  # the first of the list: Camille
            await until(pilot, lambda: isinstance(app.screen, NewCustomer), what="the address asked")
            assert "Camille Durand has no address on file: Address, first line" in said(app)
            await pilot.press("backspace")  # gives up
            await until(pilot, lambda: "No invoice made" in said(app), what="no invoice")
            assert isinstance(app.screen, ReceiptScreen) and till.invoice_for(app.counter.last_completed.number) is None

            await ask_invoice(pilot)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, NewCustomer))
            await answer(pilot, "5 place du Marché", "", "79000 Niort", "")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="back to selling")
            number = app.counter.last_completed.number
    invoice = till.invoice_for(number)
    assert invoice is not None
    made_out = invoice.customer
    assert (made_out.name, made_out.address) == ("Camille Durand", ("5 place du Marché", "79000 Niort"))
    assert (made_out.email, made_out.ofn_id) == ("camille@example.org", 9)
    kept = [found.address for found in till.customers("Camille")]
    assert ("5 place du Marché", "79000 Niort") in kept, kept  # there for her next invoice


def test_a_known_customer_is_asked_only_what_is_missing() -> None:
    """Her name is not asked again; a VAT number on file is not asked either."""
    with_vat = NewCustomer(known=customer("Épicerie Dupont SARL", vat_number="FR32123456789", ofn_id=7))
    without = NewCustomer(known=customer("Camille Durand", ofn_id=9))
    assert with_vat.answers == ["Épicerie Dupont SARL"] and not any("VAT" in q for q, _ in with_vat.fields)
    assert without.answers == ["Camille Durand"] and any("VAT" in q for q, _ in without.fields)
    assert len(NewCustomer().fields) == len(NewCustomer.FIELDS) and NewCustomer().answers == []
