"""The footer of every counter screen: Textual's, without the memory it never gives back.

Textual's ``Footer`` builds its keys again each time the bindings in force change (a screen
opens, closes or comes back: three times a sale at the counter), and binds each new key to the
footer's ``compact`` setting. That binding stays in the footer's list of watchers after the key
is gone, and the list is only cleaned when ``compact`` changes, which it never does here: every
key ever shown stays in memory (Textual issue #6666, open in 8.2.8). At the counter that was
about 0.3-0.5 MB a sale, 250 MB over a day of 500 sales (docs/benchmarks.md, "Counter memory").
This footer drops the watchers of the keys it has removed before it builds the new ones.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual's footer, forgetting the keys it removed (use it on every counter screen)."""

    def compose(self) -> ComposeResult:
        watchers = getattr(self, "__watchers", {}).get("compact")  # where Textual keeps them (reactive.py)
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
        yield from super().compose()
