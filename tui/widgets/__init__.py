"""The pieces of the counter's screens: basket, totals, entry, status bar, scale readout."""
