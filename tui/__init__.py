"""The counter screen: the cashier's Textual app (see DESIGN.md, "Counter screen").

Device events reach the screens as messages (``messages.py``), posted by the workers of
``bridge.py``; screens call the appliance's ``Till`` through a :class:`~tui.counter.Counter` and never
write SQL or speak bytes.
"""
