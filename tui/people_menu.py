"""People and PINs on screen (the manager's menu): add someone, give a new PIN, disable someone.

The same till calls as ``ofn-checkout people`` (docs/people.md), behind a manager's PIN. A new
PIN is typed twice and never shown; a name needs the letters of a full keyboard (or the command
line over SSH). On a till with nobody set up yet, this is how the first manager is added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from appliance.store.people import Person

from .screens.choose import Choice, ChooseScreen
from .screens.info import InfoScreen
from .screens.pin import NewPinScreen
from .screens.prompt import PromptScreen

if TYPE_CHECKING:
    from .app import CheckoutApp


def people_menu(app: CheckoutApp) -> None:
    app.approve("people and PINs", lambda by: _menu(app, by or app.counter.cashier or "the counter"))


def _menu(app: CheckoutApp, by: str) -> None:
    choices = [
        Choice("Add a person (cashier or manager)", lambda: add_person(app, by)),
        Choice("A new PIN for someone", lambda: new_pin(app, by)),
        Choice("Disable someone (their PIN no longer works)", lambda: disable(app, by)),
        Choice("Who can log in", lambda: who(app)),
    ]
    app.push(ChooseScreen("People and PINs", choices), lambda action: action() if action else None)


def add_person(app: CheckoutApp, by: str) -> None:
    roles = [
        Choice("Cashier: sells", "cashier"),
        Choice("Manager: sells, and allows what a cashier may not", "manager"),
    ]

    def named(name: str | None) -> None:
        if name is not None:
            app.push(ChooseScreen(f"{name} is a", roles), lambda role: with_role(name, role))

    def with_role(name: str, role: str | None) -> None:
        if role is not None:
            _twice(app, name, lambda pin: _added(app, name, role, pin, by))

    question = "Name of the new person (letters: a full keyboard), then Enter"
    app.push(PromptScreen(question, app.till.new_person_name, letters=True), named)


def _added(app: CheckoutApp, name: str, role: str, pin: str, by: str) -> None:
    person = app.screen_attempt(lambda: app.till.add_person(name, role, pin, by))
    if person is not None:
        app.say(f"{person.name} added as {person.role}: they log in with their PIN", "ok")


def new_pin(app: CheckoutApp, by: str) -> None:
    def chosen(person: Person | None) -> None:
        if person is not None:
            _twice(app, person.name, lambda pin: changed(person, pin))

    def changed(person: Person, pin: str) -> None:
        if app.screen_attempt(lambda: app.till.change_pin(person.name, pin, by)) is not None:
            app.say(f"{person.name} has a new PIN", "ok")

    _pick(app, "A new PIN for", chosen)


def disable(app: CheckoutApp, by: str) -> None:
    def chosen(person: Person | None) -> None:
        if person is None:
            return
        choices = [Choice(f"Yes: disable {person.name}", True), Choice("No", False)]
        app.push(ChooseScreen(f"Disable {person.name}?", choices), lambda yes: done(person) if yes else None)

    def done(person: Person) -> None:
        if app.screen_attempt(lambda: app.till.disable_person(person.name, by)) is not None:
            app.say(f"{person.name} is disabled: their PIN no longer opens the till", "warn")

    _pick(app, "Disable", chosen)


def who(app: CheckoutApp) -> None:
    body = Text()
    for person in app.till.people():
        body.append(f"{person.name}", style="bold" if person.active else "dim")
        body.append(f"  {person.role}{'' if person.active else ', disabled'}\n")
    if not app.till.people():
        body.append("Nobody yet: the till asks no PIN. Add a manager first.\n")
    app.push(InfoScreen("Who can log in", body))


def _pick(app: CheckoutApp, title: str, then: Callable[[Person | None], None]) -> None:
    active = [person for person in app.till.people() if person.active]
    if not active:
        app.say("Nobody is set up yet: add a manager first", "warn")
        return
    footnote = "" if len(active) <= 10 else "More than ten people: use `ofn-checkout people` for the others"
    choices = [Choice(f"{person.name} ({person.role})", person) for person in active]
    app.push(ChooseScreen(title, choices, footnote=footnote), then)


def _twice(app: CheckoutApp, name: str, then: Callable[[str], None]) -> None:
    """The new PIN, typed twice: the same both times, or nothing is changed."""

    def first(pin: str | None) -> None:
        if pin is not None:
            app.push(NewPinScreen(f"The same PIN for {name} again"), lambda again: second(pin, again))

    def second(pin: str, again: str | None) -> None:
        if again is None:
            return
        if again != pin:
            app.say("The two PINs differ: nothing was changed", "error")
            return
        then(pin)

    app.push(NewPinScreen(f"New PIN for {name}"), first)
