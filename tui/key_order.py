"""Keys acted on in the order they were typed, whatever the load.

Textual hands each key to the focused widget's message queue and runs the key's binding later, once
the key has bubbled up to the app through the queue of every node on the way; meanwhile the focused
widget goes on with the next keys. Keys that arrive together were acted on out of order: with a
keyboard-wedge scanner's codes back to back (or any keys queued while the till was busy), the
second code was typed into the entry before the first code's Enter took it, so that Enter took both
codes (an unknown code) and the next found the entry empty. Three scans sent at once sold one item
(tests/test_counter_keys.py).

So the app takes each key itself, in its own task, in the order the keys came: a key the entry in
focus types is typed there and then, a key a screen takes itself (a digit picking from a list, a
digit of the cash count) is taken there and then, and any other key runs its binding there and then,
as Textual's own binding lookup would. What a key opens or closes is done before the next key is
read, the result of a dialog included (its callback runs in the app's task, between two keys). A
screen that has just opened and has not given its entry the focus yet gives it at the first key (a
cashier typing the cash tendered right after ``+``); keys that come before the screen in front has
even been built wait for it, in order, and so do keys that come before the app is done starting
(``ready``: ``run`` builds the devices once the first frame is out, and a key waits for them, so
that no receipt or drawer is ever asked of a till that has not built its printer yet).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual import events
from textual.css.query import NoMatches

from .screens.base import Counted
from .widgets.entry import Entry

if TYPE_CHECKING:
    from textual.app import App


#: How often held keys look again whether the screen in front has been built.
HOLD_POLL = 0.005
#: Longer than any screen takes to build (a few milliseconds): past it, a held key is acted on all the
#: same, on the screen in front as it is, rather than leave the keyboard dead behind a broken screen.
HOLD_LIMIT = 2.0


class KeysInOrder:
    """The app's keys, one at a time: typed into the entry, taken by the screen or run as a binding;
    held, in order, while the screen in front is being built or the app is not ``ready``."""

    def __init__(
        self, app: App[Any], clock: Callable[[], float] = time.monotonic, ready: Callable[[], bool] = lambda: True
    ):
        self.app = app
        self.clock = clock
        self.ready = ready
        self.held: list[events.Key] = []
        self.waited_since = 0.0

    async def take(self, event: events.Key) -> bool:
        """Whether the key was dealt with here; False: Textual's own path (a widget that is not an
        entry has the focus: none does today)."""
        if self.held or not self.app.screen.is_mounted or not self.ready():
            self.held.append(event)  # behind the keys held before it
            if len(self.held) == 1:
                self.waited_since = self.clock()
                self.app.set_timer(HOLD_POLL, self.release)
            return True
        return await self.act(event)

    async def release(self) -> None:
        """The first key held, once the screen in front is built; the next one after what this one
        opened or closed has been done (a dialog's result comes to the app as a callback, run before
        the app's next message). The key stays first in line while it is acted on, so a key that
        arrives meanwhile waits behind it."""
        app = self.app
        built = app.screen.is_mounted and self.ready()
        if not built and self.clock() - self.waited_since < HOLD_LIMIT:
            app.set_timer(HOLD_POLL, self.release)
            return
        event = self.held[0]
        try:
            if not await self.act(event):
                app.focused._forward_event(event)  # type: ignore[union-attr]  # act said so: a widget of another kind has it
        finally:  # a key whose action failed (the safety net said so) must not stop the ones behind it
            del self.held[0]
            if self.held:
                if built:  # the next key's wait starts now; behind a screen never built, none waits again
                    self.waited_since = self.clock()
                app.call_next(self.release)

    def typed_at_once(self, keys: Sequence[events.Key]) -> int:
        """How many of ``keys``, from the first, the entry in focus typed, in one change of its text
        (Entry.type_keys); 0: the first key goes the usual way (:meth:`take`). Only when no key is
        held and the screen in front is built, so the order is the one :meth:`take` would keep."""
        app = self.app
        if self.held or not app.screen.is_mounted or not self.ready():
            return 0
        focused = app.screen.focused
        if focused is None:
            focused = self.focus_entry()
        return focused.type_keys(keys) if isinstance(focused, Entry) else 0

    async def act(self, event: events.Key) -> bool:
        app = self.app
        screen = app.screen
        focused = screen.focused
        if focused is None:
            focused = self.focus_entry()
        if isinstance(focused, Entry):
            if focused.type_key(event):
                return True
        elif focused is not None:
            return False
        elif isinstance(screen, Counted) and screen.take_key(event):
            return True  # a screen that takes keys itself: a list to pick from, the cash count
        # Textual's own lookup (App._check_bindings, of the version pinned in constraints.txt): the
        # focused widget's chain up to the last modal screen, the keymap applied, disabled actions skipped.
        await app._check_bindings(event.key)
        return True

    def focus_entry(self) -> Entry | None:
        """The entry of the screen in front, given the focus: nothing had it (the screen has just opened)."""
        screen = self.app.screen
        try:
            entry = screen.query_one(Entry)
        except NoMatches:
            return None
        if not entry.focusable:
            return None
        screen.set_focus(entry, scroll_visible=False)
        return entry
