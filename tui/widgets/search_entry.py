"""The pick-up list's search line: what the cashier types to find an order, redrawn on every key.

On the sale screen letters are only for a code typed on a full keyboard; here they are a customer's
name or e-mail, so the line also keeps accented letters, spaces and the marks names and e-mails
hold (``-`` in Jean-Pierre, ``@`` and ``.``). The keypad's ``+ * /`` stay actions.
"""

from __future__ import annotations

from textual import events

from .entry import MAX_LENGTH, Entry

#: What a name or an e-mail holds besides letters and digits.
MARKS = frozenset(" .@-_'")


class SearchEntry(Entry):
    def _typed(self, text: str, event: events.Key) -> str | None:
        char = event.character
        if not char or len(text) >= MAX_LENGTH or not (char.isalnum() or char in MARKS):
            return None  # an action key (or too long): the screen's bindings take it
        if char == " " and (not text or text.endswith(" ")):
            return text  # a leading or doubled space finds nothing more
        self._times.append(event.time)
        return text + char
