"""A repaint that joins the screen's next frame at once, not after a round of messages.

Textual runs each widget as a message pump of its own. ``refresh()`` marks the widget dirty and
prompts its pump; the pump's idle turn tells the screen (an ``Update`` message); the screen's turn
adds the widget to the frame and wakes the update timer. When the timer is already awake, as it is
after the keys of a keyboard-wedge scan (the entry showed the digits), its frame comes before those
rounds: the entry is cleared in that frame, and the new line waits for the next one, a frame
interval later. A keyboard scan took 13.8-15.6 ms to show its line, against 6.6 ms with this
(bench/counter_scan.py, docs/benchmarks.md, "A scan's frame").

A widget with :class:`ScreenRepaint` does what those rounds would: when a repaint is all it waits
for, on the screen in front, it adds itself to the screen's next frame and wakes the timer. Anything
else pending (a layout, a scroll, new styles, a recompose, a callback waiting for its idle turn)
takes Textual's own path, as does every widget where this Textual lacks what the check reads: the
names are Textual's internals, of the version pinned in provisioning/constraints.txt, and
tests/test_counter_frame.py fails if the quick path stops being taken.

A widget that has a Textual base of its own lists that base first (``Basket(ScrollView,
ScreenRepaint)``): Textual reads the default CSS and the type names of the first base only.
"""

from __future__ import annotations

from typing import Any

from textual.dom import NoScreen
from textual.widget import Widget

#: Textual's flags for work a widget's idle turn does besides a repaint; one absent counts as set.
OTHER_WORK = ("_layout_required", "_scroll_required", "_refresh_styles_required", "_recompose_required", "_closing")


class ScreenRepaint(Widget):
    """Repaints join the screen's next frame at once (see the module's docstring)."""

    _joined: Any = None  # the screen whose next frame this widget joined last

    def check_idle(self) -> None:
        screen = self._screen_for_repaint()
        if screen is None:
            super().check_idle()
            return
        self._repaint_required = False
        screen._dirty_widgets.add(self)
        self._joined = screen
        screen._update_timer.resume()

    def repaint_waiting(self) -> bool:
        """Whether a repaint asked for is still waiting for the screen's next frame, nothing drawn
        since (Textual's ``_dirty_regions`` are emptied when the widget is drawn): a change made now
        is drawn in that frame without asking again."""
        screen = self._joined
        return screen is not None and bool(self._dirty_regions) and self in screen._dirty_widgets

    def withdraw_repaint(self) -> None:
        """Take back a repaint still waiting for the screen's next frame (:meth:`repaint_waiting`):
        what the screen shows turned out right after all. Whatever else the frame draws goes on."""
        if self.repaint_waiting():
            self._joined._dirty_widgets.discard(self)
            self._dirty_regions.clear()
            self._repaint_regions.clear()

    def _screen_for_repaint(self) -> Any:
        """The screen in front, if a repaint is all this widget waits for; else None."""
        if getattr(self, "_repaint_required", False) is not True or getattr(self, "_next_callbacks", True):
            return None
        if any(getattr(self, flag, True) for flag in OTHER_WORK):
            return None
        if not (self.is_mounted and self.display and self.parent is not None):
            return None
        try:
            screen = self.screen
        except NoScreen:
            return None
        if getattr(self.app, "_batch_count", 1) or not screen.is_current:
            return None
        if not isinstance(getattr(screen, "_dirty_widgets", None), set) or not hasattr(screen, "_update_timer"):
            return None
        compositor = getattr(screen, "_compositor", None)
        return screen if compositor is not None and screen in compositor else None  # as Screen._on_update
