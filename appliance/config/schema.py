"""The config file's schema: every section, key, checker, default and one line of doc.

Declared once here; docs/configuration.md documents the same keys and a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from appliance.config.keys import ACTIONS, key_list
from appliance.config.values import (
    _MISSING,
    SCANNER_LAYOUTS,
    SCANNER_TERMINATORS,
    SERIAL_RATES,
    _amount_or_zero,
    _bool,
    _currency,
    _denominations,
    _device_path,
    _gpio_pin,
    _gpio_pin_or_none,
    _gs_substitute,
    _int_between,
    _int_in,
    _language,
    _lines,
    _name_fragments,
    _nonempty,
    _one_of,
    _optional_path,
    _order_number,
    _order_numbers,
    _path,
    _positive_int,
    _rate,
    _reasons,
    _string,
    _tax_category,
    _timezone,
    _url,
)
from appliance.core.barcodes import DEFAULT_NOMENCLATURE, PRESETS, rules_from_config


@dataclass(frozen=True)
class Field:
    check: Callable[[object], Any]
    default: Any = _MISSING
    doc: str = ""


SECTIONS: dict[str, dict[str, Field]] = {
    "ofn": {
        "base_url": Field(_url, doc="OFN instance the hub sells on"),
        "hub_id": Field(_positive_int, doc="the hub's enterprise (distributor) id in OFN"),
        "order_cycle_id": Field(_positive_int, doc="the order cycle onsite sales go into"),
        "api_key_file": Field(_path, doc="file holding the API key of the hub's OFN user"),
        "counter_order": Field(_order_number, "", "this lane's counter order in the current order cycle"),
        "other_counter_orders": Field(
            _order_numbers, (), "the other tills' counter orders: kept out of the pickup list"
        ),
    },
    "sync": {
        "interval_s": Field(_int_between(1, 3600), 5, "seconds between two drains of the outbox"),
        "catalogue_minutes": Field(_int_between(1, 1440), 15, "minutes between two catalogue refreshes"),
        "pickup_minutes": Field(_int_between(1, 1440), 2, "minutes between two reads of the pickup orders"),
        "customers_minutes": Field(_int_between(5, 10080), 60, "minutes between two reads of the hub's customers"),
        "in_doubt_s": Field(
            _int_between(5, 3600), 240, "seconds a change whose answer was lost may still be applied by OFN"
        ),
    },
    "lane": {
        "id": Field(_positive_int, doc="number of this till; sale numbers are gap-less per lane"),
        "name": Field(_nonempty, doc="name on receipts and reports"),
        "channel": Field(_nonempty, doc='where the till sells, e.g. "pickup point"'),
        "channels_file": Field(
            _optional_path, None, "the hub's channel file (docs/channels.md); empty: every method, the whole catalogue"
        ),
    },
    "locale": {
        "currency": Field(_currency, "EUR", "ISO 4217 code"),
        "language": Field(_language, "fr_FR", "formats amounts and dates"),
        "timezone": Field(_timezone, "Europe/Paris", "local time for receipts and daily closures"),
    },
    "store": {
        "path": Field(_path, Path("/var/lib/ofn-checkout/checkout.db"), "the SQLite file"),
    },
    "journal": {
        "key_file": Field(_optional_path, None, "HMAC key of the fiscal journal"),
    },
    "backup": {
        "dir": Field(_optional_path, None, "where `store backup` keeps its snapshots"),
        "keep": Field(_int_between(1, 365), 7, "verified snapshots kept; older ones are dropped"),
    },
    "receipt": {
        "legal_name": Field(_nonempty, doc="seller's legal name"),
        "address": Field(_lines, doc="seller's address, one string per line"),
        "vat_number": Field(_string, "", "intra-community VAT number"),
        "company_id": Field(_string, "", "company registration (SIRET, Companies House…); required for invoices"),
        "legal_form": Field(_string, "", 'legal form on invoices, e.g. "SCIC SARL" or "association loi 1901"'),
        "capital": Field(_string, "", 'share capital on invoices, e.g. "10 000 €" or "variable"'),
        "invoice_notes": Field(_lines, (), "lines printed at the foot of every invoice and credit note"),
        "footer": Field(_lines, (), "lines printed at the bottom"),
        "show_fees": Field(_bool, False, "print the hub's fees (OFN's enterprise fees) included in the total"),
        "print": Field(_one_of("on_request", "always"), "on_request", "print a receipt for every sale, or on request"),
        "print_weighed_over": Field(
            _amount_or_zero, Decimal(0), "print by itself when weighed goods of a sale exceed this amount; 0: never"
        ),
        "print_cancelled_card": Field(_bool, True, "print by itself when a card payment was taken back"),
    },
    "counter": {
        "cashier": Field(_string, "", "who rings up sales on a till with no people set up (no PIN asked)"),
        "keyboard_scanner": Field(
            _bool, False, "the keyboard doubles as the scanner (demo): a fast burst ended by Enter is a scan"
        ),
        "scan_gap_ms": Field(_int_between(5, 100), 30, "keyboard scanner: longest gap between two keys of a scan"),
        "scan_min_chars": Field(_int_between(3, 20), 6, "keyboard scanner: shortest scan"),
        "scale_poll_ms": Field(_int_between(50, 2000), 200, "how often the scale is read"),
        "status_poll_ms": Field(_int_between(200, 10000), 1000, "how often the status bar reads the sync state"),
        "attention_after_minutes": Field(
            _int_between(1, 10080), 60, "the status light turns red once a sale has waited this long for OFN"
        ),
    },
    "cash": {
        "denominations": Field(_denominations, (), "coins and notes of the counting sheet; []: the currency's own"),
        "in_reasons": Field(
            _reasons,
            ("change from the bank", "float top-up", "money found in the till"),
            "why cash goes into the drawer outside a sale: the list the manager picks from",
        ),
        "out_reasons": Field(
            _reasons,
            ("bank deposit", "change for another till", "supplier paid in cash", "petty cash"),
            "why cash leaves the drawer outside a sale: the list the manager picks from",
        ),
    },
    "roles": {
        "discount_limit_percent": Field(
            _int_between(0, 100), 10, "a cashier's discount above this percentage needs a manager's PIN"
        ),
        "refund_limit": Field(_amount_or_zero, Decimal(20), "a refund above this amount needs a manager's PIN"),
    },
    "keys": {action.name: Field(key_list, action.keys, action.doc) for action in ACTIONS},
    "barcodes": {
        "nomenclature": Field(_one_of(*PRESETS), DEFAULT_NOMENCLATURE, "which prefixes carry a weight or a price"),
        "gs1": Field(_bool, True, "read GS1-128 / DataBar codes (GTIN, weight, price, lot, expiry)"),
        "rules": Field(rules_from_config, (), "the site's own weight/price layouts, on top of the preset"),
    },
    "devices.scanner": {
        "enabled": Field(_bool, False),
        "path": Field(_device_path, "", "evdev device; empty: found by name under /dev/input/by-id"),
        "names": Field(_name_fragments, (), "parts of a name that mark a keyboard as the scanner"),
        "layout": Field(_one_of(*SCANNER_LAYOUTS), "us", "keyboard layout the scanner types in"),
        "terminator": Field(_one_of(*SCANNER_TERMINATORS), "enter", "the key that ends a scan"),
        "gs_substitute": Field(_gs_substitute, "", "what the scanner sends in place of GS (0x1D)"),
        "inter_key_timeout_ms": Field(_int_between(20, 2000), 200, "longest pause between two keys of one scan"),
        "serial_port": Field(_device_path, "", "USB-serial mode: the scanner's serial port instead of evdev"),
        "baudrate": Field(_int_in(*SERIAL_RATES), 9600, "USB-serial mode: line speed"),
    },
    "devices.scale": {
        "enabled": Field(_bool, False),
        "port": Field(_device_path, "", "serial port, e.g. /dev/serial/by-id/usb-…"),
        "protocol": Field(_one_of("toledo8217", "nci", "cas", "cas-pd2"), "toledo8217"),
        "toledo_status_bit5": Field(_one_of("net", "always-one"), "net", "Toledo: what status bit 5 says"),
        "cas_bcc": Field(_one_of("from-sta", "from-soh"), "from-sta", "CAS ECR: where the block check starts"),
    },
    "devices.printer": {
        "enabled": Field(_bool, False),
        "url": Field(_string, "", "usb:VID:PID, serial:/dev/ttyUSB0, tcp://host:9100 or file:/dev/usb/lp0"),
        "profile": Field(_string, "default", "python-escpos printer profile"),
        "columns": Field(_int_in(32, 42, 48), 42, "characters per line"),
    },
    "devices.drawer": {
        "kick": Field(_one_of("printer", "gpio", "none"), "printer", "how the drawer is opened"),
        "pin": Field(_one_of("both", "2", "5"), "both", "drawer kick connector pin"),
        "pulse_ms": Field(_int_between(10, 500), 50, "kick pulse length"),
        "gpio_pin": Field(_gpio_pin, 23, 'relay pin when kick = "gpio"'),
        "gpio_active": Field(_one_of("high", "low"), "high", "level that closes the relay"),
        "switch": Field(_bool, False, "a switch on a GPIO input tells whether the drawer is open"),
        "switch_pin": Field(_gpio_pin, 25, "the switch's GPIO input"),
        "switch_closed_when": Field(_one_of("shut", "open"), "shut", "when the switch contact is closed"),
        "open_warning_s": Field(_int_between(5, 3600), 60, "seconds the drawer may stay open before the warning"),
    },
    "devices.lights": {
        "enabled": Field(_bool, False, "a status light (green, amber, red) and a buzzer on GPIO outputs"),
        "green": Field(_gpio_pin, 17, "online, everything posted"),
        "amber": Field(_gpio_pin, 27, "selling offline, sales waiting to be posted (blinks)"),
        "red": Field(_gpio_pin, 22, "needs attention"),
        "buzzer": Field(_gpio_pin_or_none, 24, "beeps at an unknown barcode; false: no buzzer"),
    },
}


TABLE_ARRAYS: dict[str, dict[str, Field]] = {
    "vat": {
        "tax_category_id": Field(_tax_category, doc='OFN tax category id, or "none"'),
        "code": Field(_nonempty, doc="letter printed beside receipt lines"),
        "rate": Field(_rate, doc='percent, as a string: "5.5"'),
        "label": Field(_nonempty, doc='e.g. "TVA 5,5 %"'),
    },
    "payment": {
        "code": Field(_nonempty, doc="short name kept in the journal"),
        "label": Field(_nonempty, doc="name on screen and receipt"),
        "cash": Field(_bool, False, "counted in the drawer, gives change"),
        "card": Field(_bool, False, "taken on the card terminal: the counter's card key (*) uses it"),
        "ofn_credit": Field(_bool, False, "paid from the customer's credit in OFN (a customer is asked for)"),
    },
}
