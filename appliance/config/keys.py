"""The counter's keypad map as data: every action a key can do, its default keys, and the check of
the config's ``[keys]`` section.

The default map is made for a 17-key numeric keypad (digits, ``.``, Enter, ``+ - * /``,
Backspace, NumLock), with F-keys for the same actions on a full keyboard. The same physical key
does different things on different screens (``+`` pays on the sale screen and prints a receipt
after payment), so each screen's action has its own name and a hub can move one without the
others. Digits and the decimal point always build the entry and cannot be given to an action.

The screens (``tui/keymap.py``) turn this table into Textual bindings; ``config check`` refuses a
key name the terminal cannot send, with the action and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    name: str
    keys: tuple[str, ...]
    label: str  # what the footer shows, a word or two
    doc: str  # what it does, for docs/cashier-keys.md and the help screen


ACTIONS: tuple[Action, ...] = (
    # the sale screen
    Action("add", ("enter",), "Add", "look the entry up as a barcode or PLU and add it (a scan adds without it)"),
    Action("quantity", ("asterisk", "f2"), "Qty ×", "the entry becomes the quantity of the next item (3 * then scan)"),
    Action("void", ("minus", "f3"), "Void", "void the selected line (the last one unless you moved)"),
    Action("pay", ("plus", "f4"), "Pay", "go to payment"),
    Action("menu", ("slash", "f5"), "Menu", "every other action, numbered"),
    Action("back", ("backspace", "escape"), "Back", "delete the last typed character, or go back one step"),
    Action("up", ("up",), "Up", "select the line above"),
    Action("down", ("down",), "Down", "select the line below"),
    Action("help", ("f1",), "Help", "every key of this screen"),
    Action("pickup", ("f6",), "Pick-up", "hand over a customer's online order"),
    Action("refund", ("f7",), "Return", "take goods back against a receipt"),
    # the payment screen
    Action("pay_cash", ("enter",), "Cash", "take cash: the typed amount, or the exact amount when nothing is typed"),
    Action("pay_card", ("asterisk", "f2"), "Card", "take the card on the terminal (Enter once it approves)"),
    Action("pay_other", ("slash", "f5"), "Other", "other methods (cheque, voucher…)"),
    Action("remove_tender", ("minus", "f3"), "Undo pay", "take back the last payment entered"),
    # after payment
    Action("no_receipt", ("enter",), "No receipt", "finish without a receipt (the default)"),
    Action("print_receipt", ("plus", "f4"), "Receipt", "print a receipt"),
    Action("invoice", ("asterisk", "f2"), "Invoice", "make an invoice out to the customer"),
    # taking goods back: the lines of the receipt
    Action(
        "return_one",
        ("enter",),
        "Give back",
        "one more of the selected line (a weighed line: all its weight left); typed first: that many pieces or grams",
    ),
    Action("return_off", ("minus", "f3"), "Take off", "take the selected line out of the return"),
    Action(
        "return_damaged",
        ("asterisk", "f2"),
        "Damaged",
        "the selected line's goods are damaged: refunded, not back to stock (again: back to stock)",
    ),
    Action("to_refund", ("plus", "f4"), "Refund", "go to the refund"),
    # taking goods back: the refund
    Action("refund_as_paid", ("enter",), "As paid", "refund the way the sale was paid (the method shown)"),
    Action("refund_cash", ("asterisk", "f2"), "Cash", "refund in cash: the typed amount, or all that is left"),
    Action("refund_other", ("slash", "f5"), "Other", "refund by another method (card, cheque, voucher…)"),
    Action("remove_refund", ("minus", "f3"), "Undo", "take back the last refund entered"),
    # the pick-up list and an order being handed over
    Action("open_order", ("enter",), "Open", "open the selected order to hand it over"),
    Action(
        "take_off",
        ("minus", "f3"),
        "Take off",
        "take one of the selected line off the order (a quantity typed first: that many)",
    ),
    Action(
        "hand_over", ("plus", "f4"), "Pay/Hand over", "take payment of what is due, or hand over when nothing is due"
    ),
    # the manager's screens: needs attention, diagnostics
    Action("retry", ("enter",), "Retry", "send what sync parked again, once it is fixed in OFN; retry the printer"),
    Action(
        "credit_answer",
        ("asterisk", "f2"),
        "Credit in OFN?",
        "say whether a customer's credit posting in doubt is in OFN: found (never sent again) or not (sent again)",
    ),
    Action("test_scan", ("enter",), "Look up", "look the typed code up as a sale would (a scan does it by itself)"),
    Action("test_page", ("plus", "f4"), "Test page", "print the printer's test page through the print queue"),
    Action(
        "kick_drawer",
        ("asterisk", "f2"),
        "Drawer",
        "open the cash drawer: a manager allows it, the journal records a no-sale",
    ),
    Action("check_again", ("slash", "f5"), "Check again", "run every check again"),
    # counting the drawer (opening the shift, the Z closure), and the shift's reports
    Action(
        "count_done",
        ("enter",),
        "Done",
        "the count is done: open the shift with it, or see the difference before the Z closure",
    ),
    Action("count_clear", ("minus", "f3"), "Clear", "clear the selected count (or the typed total)"),
    Action("close_shift", ("enter",), "Close (Z)", "close the shift with the cash counted and print the Z report"),
    Action("print_report", ("plus", "f4"), "Print", "print the report on the receipt printer"),
    Action("older", ("minus", "f3"), "Older", "the closure before the one shown"),
    Action("newer", ("plus", "f4"), "Newer", "the closure after the one shown"),
)

BY_NAME = {action.name: action for action in ACTIONS}

#: Keys the console and terminals send that an action may use; digits and "." build the entry.
NAMED_KEYS = frozenset(
    {
        "enter",
        "backspace",
        "tab",
        "escape",
        "space",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "pageup",
        "pagedown",
        "insert",
        "delete",
        "plus",
        "minus",
        "asterisk",
        "slash",
        "comma",
        "equals_sign",
        *(f"f{n}" for n in range(1, 13)),
    }
)

#: What a person may write in the config for the keypad's own characters.
CHARACTER_NAMES = {"+": "plus", "-": "minus", "*": "asterisk", "/": "slash", ",": "comma", "=": "equals_sign"}

_CTRL = re.compile(r"ctrl\+[a-z]")


def key_name(value: str) -> str:
    """The key's name as the screens bind it; ValueError says why a key cannot be used."""
    name = CHARACTER_NAMES.get(value, value.strip().lower())
    if name in ("full_stop", ".") or (len(name) == 1 and name.isdigit()):
        raise ValueError(f"{value!r}: digits and the decimal point build the entry and cannot be given to an action")
    if name in NAMED_KEYS or _CTRL.fullmatch(name) or (len(name) == 1 and name.isascii() and name.isalpha()):
        return name
    raise ValueError(
        f"{value!r} is not a key the till knows: use a character (+ - * / a-z), a name such as"
        " enter, backspace, escape, up, down, f1…f12, or ctrl+letter"
    )


def key_list(value: object) -> tuple[str, ...]:
    """A config value for one action: a key or a list of keys, at least one."""
    keys = [value] if isinstance(value, str) else value
    if not isinstance(keys, list) or not keys or not all(isinstance(key, str) for key in keys):
        raise ValueError('must be a key or a list of keys, e.g. ["plus", "f4"]')
    return tuple(dict.fromkeys(key_name(key) for key in keys))
