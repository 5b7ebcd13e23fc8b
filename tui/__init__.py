"""The counter screen: the cashier's Textual app (see DESIGN.md, "Counter screen").

Device events reach the screens as messages (``messages.py``), posted by the workers of
``bridge.py``; screens call the appliance's ``Till`` through a :class:`~tui.counter.Counter` and never
write SQL or speak bytes.
"""

import os

#: Textual paints at most this many frames a second (read when Textual is first imported, so it is
#: set here, before any module of ``tui`` imports it). Its default, 60, paces an action that needs
#: two frames (a keyboard-wedge scan draws its digits, then the line; a key that opens a screen) at
#: 17-33 ms for the second: the update timer skips a period after an idle one (docs/benchmarks.md).
#: The counter's frames come from a person's actions, a few a second, so a higher cap costs nothing
#: while nothing changes; the environment may still set another (``TEXTUAL_FPS=60``).
os.environ.setdefault("TEXTUAL_FPS", "240")
