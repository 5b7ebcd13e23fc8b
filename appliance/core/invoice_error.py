"""What an invoice that cannot be made raises: a module of its own so that the list of errors a
person can act on (appliance/cli/errors.py, which the counter imports at start) does not define
the invoices' types. ``appliance.core.invoice`` still names it.
"""


class InvoiceError(ValueError):
    """An invoice that cannot be made or found; the message says why and what to do."""
