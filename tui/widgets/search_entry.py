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
    def type_key(self, event: events.Key) -> bool:
        char = event.character
        if not char or len(self.text) >= MAX_LENGTH or not (char.isalnum() or char in MARKS):
            return False  # an action key (or too long): the screen's bindings take it
        if char == " " and (not self.text or self.text.endswith(" ")):
            return True  # a leading or doubled space finds nothing more
        self.text += char
        self._times.append(event.time)
        return True
