"""What a report that cannot be made as asked raises: a module of its own so that the list of
errors a person can act on (appliance/cli/errors.py, which the counter imports at start) does not
import the channel reports. ``appliance.reports.channels`` still names it.
"""


class ReportError(Exception):
    """A report that cannot be made as asked; the message says what to give instead."""
