"""Pure code: no I/O and no clock of its own. Values in, values out."""
