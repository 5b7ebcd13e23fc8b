"""The errors a person can act on: every command prints their message in one line (exit 3), and the
counter screen says it on its message line. Anything else is a fault: logged, never shown raw.
"""

from __future__ import annotations

from appliance.config import ConfigError
from appliance.core.invoice_error import InvoiceError
from appliance.core.money import MoneyError
from appliance.core.pins import PinError
from appliance.core.sale import SaleError
from appliance.core.text import TextError
from appliance.ofn.errors import OfnError
from appliance.reports.errors import ReportError
from appliance.store.catalogue import CatalogueError
from appliance.store.database import StoreError
from appliance.store.keys import ApiKeyError, JournalKeyError
from appliance.store.people import PeopleError
from appliance.store.shifts import ShiftError
from appliance.store.sync_lock import SyncBusy

PERSON_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    StoreError,
    JournalKeyError,
    ApiKeyError,
    SaleError,
    ShiftError,
    CatalogueError,
    MoneyError,
    SyncBusy,
    OfnError,  # what OFN or the road to it did, in words (errors.py imports no HTTP stack)
    TextError,
    InvoiceError,
    PeopleError,  # a change to the people refused, a PIN refused or locked out
    PinError,
    ReportError,  # a report asked for wrongly (dates), or an export the hub report cannot trust
)
