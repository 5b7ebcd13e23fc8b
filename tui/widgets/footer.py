"""The footer of every counter screen: Textual's, without the memory it never gives back and
without building its keys again when they have not changed.

Textual's ``Footer`` builds its keys again each time the bindings in force may have changed (a
screen opens, closes or comes back, the focus moves: several times a sale at the counter), and
binds each new key to the footer's ``compact`` setting. That binding stays in the footer's list of
watchers after the key is gone, and the list is only cleaned when ``compact`` changes, which it
never does here: every key ever shown stayed in memory (Textual issue #6666, open in 8.2.8). At
the counter that was about 0.3-0.5 MB a sale (docs/benchmarks.md, bench/counter_memory.py). This footer
drops the watchers of the keys it removed, and keeps its keys when the bindings to show are the
same as the ones it shows: the sale screen coming back after a payment shows the same keys, and
building them again made garbage that Python's full collections then paid for in the middle of
the next scans (bench/counter_scan.py, the p99).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual's footer, forgetting the keys it removed (use it on every counter screen)."""

    _shown: tuple[tuple[object, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.children and self._keys_to_show(screen) == self._shown:
            self._bindings_ready = True
            return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        watchers = getattr(self, "__watchers", {}).get("compact")  # where Textual keeps them (reactive.py)
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
        if not self._bindings_ready and not self.children and self.app.app_focus:
            # Textual's footer is empty until the screen first says its bindings changed, then builds
            # its keys after the next refresh: a screen's first frame came without its keys, and the
            # keys a frame later (the counter's first usable frame, bench/counter_start.py). Built
            # now from the bindings in force; when the screen says they changed, they are built
            # again only if they differ (bindings_changed).
            self.set_reactive(TextualFooter._bindings_ready, True)
        if self._bindings_ready:  # what is built now, not what was asked for: Textual skips a change
            self._shown = self._keys_to_show(self.screen)  # while the app has lost the focus
        yield from super().compose()

    def _keys_to_show(self, screen: Screen[object]) -> tuple[tuple[object, ...], ...]:
        """What the footer's keys are made of: the shown bindings in force, as compose reads them."""
        return tuple(
            (binding.key, self.app.get_key_display(binding), binding.description, binding.action, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
