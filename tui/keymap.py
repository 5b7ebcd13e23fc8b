"""The keypad map as Textual bindings: defaults and labels from ``appliance/config/keys.py``, the
config's ``[keys]`` applied through Textual's keymap (bindings are remapped by their id).

Each screen lists its actions with :func:`bindings`; the footer shows them with the keys in
force, so a hub that moves "Pay" to another key sees the footer follow.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType

from appliance.config.keys import BY_NAME

#: How the footer and the help screen name keys whose Textual names are words.
KEY_SIGNS = {
    "plus": "+",
    "minus": "-",
    "asterisk": "*",
    "slash": "/",
    "enter": "Enter",
    "backspace": "BkSp",
    "escape": "Esc",
    "up": "Up",
    "down": "Down",
    "comma": ",",
    "equals_sign": "=",
}


def binding(name: str, *, show: bool = True, priority: bool = False, label: str | None = None) -> Binding:
    """The binding for one action of ``appliance.config.keys.ACTIONS``, its id the action's name."""
    action = BY_NAME[name]
    return Binding(
        ",".join(action.keys),
        name,
        label or action.label,
        show=show,
        priority=priority,
        id=name,
        tooltip=action.doc,
    )


def bindings(*names: str, hidden: tuple[str, ...] = ()) -> list[BindingType]:
    made: list[BindingType] = [binding(name) for name in names]
    return made + [binding(name, show=False) for name in hidden]


def keymap(keys: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Textual's keymap (binding id → keys): the actions of the config's ``[keys]`` moved off their defaults.

    Textual applies its keymap to every binding map of the focused chain on every key press, and the
    defaults are the bindings' own keys already: left out, a till on the default map pays nothing
    per key (a keyboard-wedge scan is 14 key presses; docs/benchmarks.md, bench/counter_scan.py).
    """
    return {name: ",".join(names) for name, names in keys.items() if tuple(names) != BY_NAME[name].keys}


def sign(key: str) -> str:
    """A key as the cashier sees it printed on the keypad or keyboard."""
    if key in KEY_SIGNS:
        return KEY_SIGNS[key]
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    return key


def keys_of(name: str, keys: Mapping[str, tuple[str, ...]]) -> str:
    """The keys of an action in force, as signs ("+ / F4")."""
    return " / ".join(sign(key) for key in keys.get(name, BY_NAME[name].keys))
