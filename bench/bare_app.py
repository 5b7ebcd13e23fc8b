"""The baseline of the counter benchmarks: the smallest Textual app that shows the key it got.

One ``Static`` and a key handler, run exactly as the counter runs (full screen, on the terminal it
was started in). Its exec to first frame is the floor of any Textual app's start on this machine;
its key to new frame the floor of any screen's answer to a key. The counter is measured against
it in the same run.

    .venv/bin/python bench/bare_app.py    # Ctrl+Q quits
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Static

READY = "bare app ready"


class BareApp(App[None]):
    ENABLE_COMMAND_PALETTE = False

    def compose(self) -> ComposeResult:
        yield Static(READY, id="said")

    def on_mount(self) -> None:
        self.count = 0

    def on_key(self, event: events.Key) -> None:
        self.count += 1
        self.query_one(Static).update(f"got {event.key} (#{self.count})")


if __name__ == "__main__":
    BareApp().run()
