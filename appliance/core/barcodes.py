"""What a scanned or typed code means, before anyone looks in the catalogue. No I/O.

A scanner hands the till a string; :func:`interpret` turns it into a :class:`Scan`: a GTIN (EAN-8,
UPC-A, UPC-E, EAN-13, GTIN-14), a restricted-circulation EAN-13 with a weight or a price printed
in it by a shop scale, a GS1-128 / GS1 DataBar element string (GTIN, net weight, price, lot,
expiry), a short number typed on the keypad (a PLU), or something the till does not understand.
Nothing here raises on bad input: a misread is a :class:`Scan` of kind ``malformed`` whose
``reason`` the cashier can act on, because a scanner in a shop produces garbage now and then.

Every GTIN is compared in its 14-digit form (zeros on the left), so an EAN-13 scanned from a
package finds the product whether OFN holds it as 13 digits, or as the 12-digit UPC-A or 14-digit
GTIN-14 of the same number.

Which prefixes carry a weight or a price is not universal: GS1 leaves prefixes 02 and 20-29 to each
country's GS1 organisation, and shops often follow their scale's factory settings instead.
:class:`Nomenclature` holds those rules as data; :data:`PRESETS` are the national conventions the
till ships with (docs/barcodes.md lists their digit layouts and where each comes from).

GS1 element strings are parsed with biip, imported on first use because it takes a fifth of a
second to load and most commands never see one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

GS = "\x1d"
"""ASCII group separator: what a scanner sends for FNC1 between GS1 fields of variable length."""

#: AIM symbology identifiers (ISO/IEC 15424) whose data is a GS1 element string.
GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})

#: Longest number that counts as typed on the keypad rather than scanned: GTIN-8 is the shortest GTIN.
PLU_MAX_DIGITS = 7

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """Check digit of a GTIN-8/12/13/14 body (the digits before the check digit).

    From the right, digits are weighted 3, 1, 3, 1, …; the check digit brings the sum to a
    multiple of ten.
    """
    if not body.isdigit():
        raise ValueError(f"{body!r} is not all digits")
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _is_digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts "²" and Arabic-Indic digits, which a GTIN never holds."""
    return text.isascii() and text.isdigit()


def gtin_problem(code: str) -> str | None:
    """Why ``code`` is not a valid GTIN-8/12/13/14, in words for the cashier; None when it is one."""
    if not _is_digits(code):
        return "a GTIN is digits only"
    if len(code) not in GTIN_LENGTHS:
        return f"a GTIN has 8, 12, 13 or 14 digits, not {len(code)}"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"check digit should be {expected}"
    return None


def is_gtin(code: str) -> bool:
    return gtin_problem(code) is None


def with_check_digit(body: str) -> str:
    return body + str(gtin_check_digit(body))


def gtin14(code: str) -> str:
    """The 14-digit form of a GTIN-8/12/13/14 (zeros on the left), the one form lookups compare."""
    problem = gtin_problem(code)
    if problem:
        raise ValueError(f"{code!r} is not a GTIN: {problem}")
    return code.zfill(14)


# -- UPC-E ------------------------------------------------------------------------------------------


def upce_to_upca(code: str) -> str:
    """Expand an 8-digit UPC-E (number system 0 or 1, six digits, check digit) to its 12-digit UPC-A.

    UPC-E drops zeros from the UPC-A; its last data digit says where they were. The check digit is
    the UPC-A's, so it is carried over, and validated by the caller on the expanded number.
    """
    if len(code) != 8 or not _is_digits(code) or code[0] not in "01":
        raise ValueError(f"{code!r} is not a UPC-E: 8 digits starting with 0 or 1")
    system, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return system + body + check


def upca_to_upce(code: str) -> str | None:
    """The UPC-E that expands to this UPC-A, or None when it has too few zeros to be compressed."""
    if len(code) != 12 or not _is_digits(code) or code[0] not in "01":
        return None
    system, manufacturer, product, check = code[0], code[1:6], code[6:11], code[11]
    if manufacturer[2:] in ("000", "100", "200") and product[:2] == "00":
        data = manufacturer[:2] + product[2:5] + manufacturer[2]
    elif manufacturer[3:] == "00" and product[:3] == "000":
        data = manufacturer[:3] + product[3:5] + "3"
    elif manufacturer[4] == "0" and product[:4] == "0000":
        data = manufacturer[:4] + product[4] + "4"
    elif manufacturer[4] != "0" and product[:4] == "0000" and product[4] in "56789":
        data = manufacturer + product[4]
    else:
        return None
    return system + data + check


# -- the GS1 price/weight verifier digit (General Specifications §7.9) ---------------------------

_TWO_MINUS = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)
_THREE = (0, 3, 6, 9, 2, 5, 8, 1, 4, 7)
_FIVE_PLUS = (0, 5, 1, 6, 2, 7, 3, 8, 4, 9)
_FIVE_MINUS = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)


def value_check_digit(value: str) -> int:
    """The verifier digit some countries print before a 4- or 5-digit embedded price or weight.

    The EAN check digit alone lets a swap of two price digits through; this digit, computed with
    the GS1 "2-, 3, 5+, 5-" weighting tables, catches it.
    """
    if not _is_digits(value) or len(value) not in (4, 5):
        raise ValueError(f"{value!r}: a verifier digit covers 4 or 5 digits")
    digits = [int(c) for c in value]
    if len(digits) == 4:
        total = _TWO_MINUS[digits[0]] + _TWO_MINUS[digits[1]] + _THREE[digits[2]] + _FIVE_MINUS[digits[3]]
        return (total * 3) % 10
    total = (
        _FIVE_PLUS[digits[0]]
        + _TWO_MINUS[digits[1]]
        + _FIVE_MINUS[digits[2]]
        + _FIVE_PLUS[digits[3]]
        + _TWO_MINUS[digits[4]]
    )
    return _FIVE_MINUS.index((10 - total % 10) % 10)


# -- restricted-circulation codes with a weight or price inside ------------------------------------


class Measure(StrEnum):
    WEIGHT = "weight"
    PRICE = "price"


@dataclass(frozen=True)
class EmbeddedRule:
    """One layout of an EAN-13 printed by a shop scale: prefix, item, [verifier], value, check digit.

    ``decimals`` places the decimal point: a weight is kilograms with that many decimals (3 = grams),
    a price is in the currency with that many decimals (2 = cents).
    """

    prefix: str
    measure: Measure
    item_digits: int
    value_digits: int
    decimals: int
    value_check: bool = False

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    def problem(self) -> str | None:
        if not _is_digits(self.prefix) or not (self.prefix.startswith("2") or self.prefix.startswith("02")):
            return f"prefix {self.prefix!r} is not a restricted-circulation prefix (02 or 20-29)"
        if self.item_digits < 1 or self.value_digits < 1:
            return "item and value need at least one digit each"
        used = len(self.prefix) + self.item_digits + int(self.value_check) + self.value_digits + 1
        if used != 13:
            return f"{self.layout()} has {used} digits; an EAN-13 has 13"
        if self.value_check and self.value_digits not in (4, 5):
            return "a verifier digit covers a value of 4 or 5 digits"
        top = 3 if self.measure is Measure.WEIGHT else 2
        if not 0 <= self.decimals <= top:
            unit = "kg (3 = grams)" if self.measure is Measure.WEIGHT else "currency (2 = cents)"
            return f"decimals must be 0 to {top} for a {self.measure.value} in {unit}"
        return None

    def layout(self) -> str:
        """The digit layout as docs and error messages show it, e.g. ``22 IIII V PPPPP C``."""
        value = ("W" if self.measure is Measure.WEIGHT else "P") * self.value_digits
        parts = [self.prefix, "I" * self.item_digits] + (["V"] if self.value_check else []) + [value, "C"]
        return " ".join(parts)

    @property
    def _value_start(self) -> int:
        return len(self.prefix) + self.item_digits + int(self.value_check)

    def item_ref(self, code13: str) -> str:
        return code13[len(self.prefix) : len(self.prefix) + self.item_digits]

    def value_digits_of(self, code13: str) -> str:
        return code13[self._value_start : self._value_start + self.value_digits]

    def value_problem(self, code13: str) -> str | None:
        """The verifier digit's complaint, if this layout has one and it does not match."""
        if not self.value_check:
            return None
        expected = value_check_digit(self.value_digits_of(code13))
        if int(code13[self._value_start - 1]) != expected:
            return f"{self.measure.value} check digit should be {expected}"
        return None

    def encode(self, item_ref: str, value: int) -> str:
        """The EAN-13 a scale would print: for labels, tests and the docs' examples."""
        if len(item_ref) != self.item_digits or not _is_digits(item_ref):
            raise ValueError(f"item reference must be {self.item_digits} digits")
        if not 0 <= value < 10**self.value_digits:
            raise ValueError(f"value must fit in {self.value_digits} digits")
        digits = f"{value:0{self.value_digits}d}"
        verifier = str(value_check_digit(digits)) if self.value_check else ""
        return with_check_digit(self.prefix + item_ref + verifier + digits)

    def base_code(self, code13: str) -> str:
        """The code with its value zeroed: one number per product, whatever the weight or price.

        This is what a hub stores as the product's barcode (Odoo does the same), so every label of
        the same product finds it.
        """
        return self.encode(self.item_ref(code13), 0)

    def grams(self, digits: str) -> int:
        return int(digits) * 10 ** (3 - self.decimals)

    def price(self, digits: str) -> Decimal:
        return Decimal(int(digits)).scaleb(-self.decimals)


@dataclass(frozen=True)
class Nomenclature:
    """The embedded-value rules of one site: which prefixes carry what, digit by digit."""

    name: str
    title: str
    rules: tuple[EmbeddedRule, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        prefixes = [rule.prefix for rule in self.rules]
        for index, prefix in enumerate(prefixes):
            if any(_overlap(prefix, other) for other in prefixes[index + 1 :]):
                raise ValueError(f"nomenclature {self.name}: prefix {prefix} overlaps another rule")
        # Longest prefix first, so that a specific rule wins over a general one.
        object.__setattr__(self, "rules", tuple(sorted(self.rules, key=lambda r: (-len(r.prefix), r.prefix))))

    def rule_for(self, code13: str) -> EmbeddedRule | None:
        for rule in self.rules:
            if code13.startswith(rule.prefix):
                return rule
        return None

    def with_rules(self, extra: Iterable[EmbeddedRule]) -> Nomenclature:
        """This nomenclature with site rules added; a site rule replaces a preset rule on its prefix."""
        extra = tuple(extra)
        if not extra:
            return self
        kept = tuple(rule for rule in self.rules if not any(_overlap(rule.prefix, e.prefix) for e in extra))
        return replace(self, name=f"{self.name}+site", rules=kept + extra)


def _overlap(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _rules(
    measure: Measure, prefixes: Iterable[str], item: int, value: int, decimals: int, check: bool = False
) -> tuple[EmbeddedRule, ...]:
    return tuple(EmbeddedRule(p, measure, item, value, decimals, check) for p in prefixes)


W, P = Measure.WEIGHT, Measure.PRICE

PRESETS: Mapping[str, Nomenclature] = {
    n.name: n
    for n in (
        Nomenclature(
            "fr",
            "France",
            _rules(W, ("21", "26"), 5, 5, 3)
            + _rules(P, ("02", "20", "22", "23", "24", "25", "27", "28", "29"), 5, 5, 2),
            "GS1 France leaves the layout to each shop: price labels with a 5-digit item as the French OCA "
            "point-of-sale modules use them, Odoo's default weight prefix 21, and 26 as a French food co-op uses it",
        ),
        Nomenclature(
            "de",
            "Germany",
            _rules(P, ("22", "23"), 4, 5, 2, check=True) + _rules(W, ("28", "29"), 4, 5, 3, check=True),
            "GS1 Germany: 4-digit item, verifier digit, 5-digit value",
        ),
        Nomenclature(
            "uk",
            "United Kingdom",
            _rules(P, ("20",), 5, 4, 2, check=True),
            "GS1 UK: prefix 20, 5-digit item, verifier digit, price in pence on 4 digits",
        ),
        Nomenclature(
            "be",
            "Belgium and Luxembourg",
            _rules(W, ("21",), 5, 5, 3) + _rules(P, ("23",), 5, 5, 2),
            "Odoo's default nomenclature (weight 21, price 23); GS1 Belgium & Luxembourg's national numbers "
            "for supplier-weighed goods are not covered",
        ),
        Nomenclature(
            "nl",
            "Netherlands",
            _rules(P, tuple(str(p) for p in range(20, 30)), 5, 5, 2),
            "a shop-scale price label on every 2x prefix (5-digit item, price in cents); not checked against "
            "a GS1 Nederland rule",
        ),
        Nomenclature("none", "No embedded values", (), "every code is looked up as it is"),
    )
}

DEFAULT_NOMENCLATURE = "fr"

RULE_KEYS = ("prefix", "measure", "item_digits", "value_digits", "decimals", "value_check")


def rules_from_config(value: object) -> tuple[EmbeddedRule, ...]:
    """Site rules from the config (``barcodes.rules``): a list of tables, each one layout.

    Raises ValueError naming the entry and the reason, as the config checker reports every key.
    """
    if not isinstance(value, list):
        raise ValueError('must be a list of tables such as [{prefix = "21", measure = "weight", ...}]')
    rules = tuple(_rule_from_table(index + 1, entry) for index, entry in enumerate(value))
    try:
        Nomenclature("site", "site rules", rules)
    except ValueError as exc:
        raise ValueError(str(exc).replace("nomenclature site: ", "")) from None
    return rules


def _rule_from_table(number: int, entry: object) -> EmbeddedRule:
    where = f"rule {number}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a table")
    unknown = sorted(set(entry) - set(RULE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {', '.join(unknown)}")
    missing = [key for key in RULE_KEYS[:5] if key not in entry]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    prefix, measure, check = entry["prefix"], entry["measure"], entry.get("value_check", False)
    item, value, decimals = entry["item_digits"], entry["value_digits"], entry["decimals"]
    if not isinstance(prefix, str) or measure not in ("weight", "price"):
        raise ValueError(f'{where}: prefix is a string of digits and measure is "weight" or "price"')
    if any(isinstance(n, bool) or not isinstance(n, int) for n in (item, value, decimals)) or not isinstance(
        check, bool
    ):
        raise ValueError(
            f"{where}: item_digits, value_digits and decimals are whole numbers, value_check true or false"
        )
    try:
        return EmbeddedRule(prefix, Measure(measure), item, value, decimals, check)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def nomenclature(name: str, site_rules: Iterable[EmbeddedRule] = ()) -> Nomenclature:
    """The preset called ``name`` with the site's own rules on top (see :func:`rules_from_config`)."""
    if name not in PRESETS:
        raise ValueError(f"unknown nomenclature {name!r}: one of {', '.join(PRESETS)}")
    return PRESETS[name].with_rules(site_rules)


# -- the result of a scan --------------------------------------------------------------------------


class ScanKind(StrEnum):
    GTIN = "gtin"
    WEIGHT_EMBEDDED = "weight_embedded"
    PRICE_EMBEDDED = "price_embedded"
    GS1 = "gs1"
    PLU = "plu"
    UNKNOWN = "unknown"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Scan:
    """What a code says, before the catalogue is asked.

    ``key`` is what lookups compare: a GTIN-14 for GTINs and GS1 codes, the product's base code
    (value zeroed, as a GTIN-14) for embedded codes, the number without leading zeros for a PLU,
    the text itself otherwise. ``alternatives`` are other GTIN-14s the same digits may stand for:
    the full code of an embedded label (a hub may use a 2x code as a plain product code) or the
    other reading of an 8-digit code (EAN-8 or UPC-E).
    """

    kind: ScanKind
    code: str
    key: str = ""
    alternatives: tuple[str, ...] = ()
    item_ref: str | None = None
    weight_g: int | None = None
    price: Decimal | None = None
    lot: str | None = None
    expiry: date | None = None
    best_before: date | None = None
    reason: str = ""
    symbology: str | None = None

    @property
    def price_cents(self) -> int | None:
        if self.price is None:
            return None
        return int((self.price * 100).to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def ok(self) -> bool:
        return self.kind is not ScanKind.MALFORMED

    @property
    def shown(self) -> str:
        """The code as a screen can print it: control characters (GS) as spaces, cut to 48 characters."""
        text = "".join(c if c.isprintable() else " " for c in self.code) or "(nothing)"
        return text if len(text) <= 48 else text[:47] + "…"


def interpret(text: str, rules: Nomenclature = PRESETS["none"], *, gs1: bool = True) -> Scan:
    """Read one scan (or one number typed on the keypad). Never raises: bad input is a result."""
    if not isinstance(text, str):
        return Scan(ScanKind.MALFORMED, repr(text), reason="not text")
    cleaned = text.strip()
    symbology = None
    if len(cleaned) >= 3 and cleaned[0] == "]":
        symbology, cleaned = cleaned[:3], cleaned[3:].strip()
    if not cleaned:
        return Scan(ScanKind.MALFORMED, cleaned, reason="empty scan", symbology=symbology)
    looks_gs1 = symbology in GS1_SYMBOLOGIES or GS in cleaned
    if looks_gs1 or _may_be_gs1(cleaned):
        if not gs1:
            off = "GS1 codes are turned off (barcodes.gs1)"
            return Scan(ScanKind.UNKNOWN, cleaned, cleaned, reason=off, symbology=symbology)
        return _gs1(cleaned, symbology, strict=looks_gs1)
    if not _is_digits(cleaned):
        return Scan(ScanKind.UNKNOWN, cleaned, cleaned, symbology=symbology)
    if len(cleaned) <= PLU_MAX_DIGITS:
        return Scan(ScanKind.PLU, cleaned, str(int(cleaned)), symbology=symbology)
    if len(cleaned) == 8:
        return _eight_digits(cleaned, symbology)
    if len(cleaned) in GTIN_LENGTHS:
        return _gtin(cleaned, rules, symbology)
    return Scan(
        ScanKind.UNKNOWN, cleaned, cleaned, reason=f"{len(cleaned)} digits is no GTIN length", symbology=symbology
    )


def _may_be_gs1(text: str) -> bool:
    """A GS1 string sent without its symbology identifier: a scanner set up without AIM ids does that.

    Longer than a GTIN, and either all digits or opening with a product number (01), the way every
    GS1 code at a till does; anything else is left to the other readings.
    """
    if len(text) <= 14:
        return False
    return _is_digits(text) or (text.startswith("01") and _is_digits(text[2:16]))


def _eight_digits(code: str, symbology: str | None) -> Scan:
    """EAN-8 or UPC-E: the digits alone cannot tell, so both valid readings are kept.

    A symbology identifier settles it (``]E4`` is EAN-8, ``]E0`` is the UPC/EAN-13 family).
    """
    readings: list[str] = []
    if symbology != "]E0" and is_gtin(code):
        readings.append(code.zfill(14))
    if symbology != "]E4" and code[0] in "01":
        upca = upce_to_upca(code)
        if is_gtin(upca):
            readings.append(upca.zfill(14))
    if not readings:
        if symbology == "]E0" and code[0] in "01":
            return Scan(ScanKind.MALFORMED, code, reason=gtin_problem(upce_to_upca(code)) or "", symbology=symbology)
        return Scan(ScanKind.MALFORMED, code, reason=gtin_problem(code) or "not a UPC-E", symbology=symbology)
    return Scan(ScanKind.GTIN, code, readings[0], tuple(readings[1:]), symbology=symbology)


def _gtin(code: str, rules: Nomenclature, symbology: str | None) -> Scan:
    problem = gtin_problem(code)
    if problem:
        return Scan(ScanKind.MALFORMED, code, reason=problem, symbology=symbology)
    full = code.zfill(14)
    rule = rules.rule_for(full[1:]) if full[0] == "0" else None
    if rule is None:
        return Scan(ScanKind.GTIN, code, full, symbology=symbology)
    code13 = full[1:]
    problem = rule.value_problem(code13)
    if problem:
        return Scan(ScanKind.MALFORMED, code, reason=problem, symbology=symbology)
    digits = rule.value_digits_of(code13)
    common: dict[str, Any] = {
        "code": code,
        "key": rule.base_code(code13).zfill(14),
        "alternatives": (full,),
        "item_ref": rule.item_ref(code13),
        "symbology": symbology,
    }
    if rule.measure is Measure.WEIGHT:
        return Scan(ScanKind.WEIGHT_EMBEDDED, weight_g=rule.grams(digits), **common)
    return Scan(ScanKind.PRICE_EMBEDDED, price=rule.price(digits), **common)


# -- GS1 element strings ---------------------------------------------------------------------------


def _gs1(data: str, symbology: str | None, *, strict: bool) -> Scan:
    """A GS1-128 / DataBar / GS1 DataMatrix element string: GTIN (01), weight (310x), price (392x)…

    ``strict`` is False for a bare run of digits that merely might be GS1: when it does not parse,
    it is an unknown code rather than a misread.
    """
    from biip import ParseError
    from biip.gs1_messages import GS1Message

    data = data.strip(GS)
    gtin_problem_found = _gs1_gtin_problem(data)
    if gtin_problem_found:
        return Scan(ScanKind.MALFORMED, data, reason=gtin_problem_found, symbology=symbology)
    try:
        message = GS1Message.parse(data)
    except Exception as exc:  # noqa: BLE001 - a third-party parser on scanner garbage: any failure is a misread
        if not isinstance(exc, (ParseError, ValueError)):
            exc = ValueError("unexpected content")
        if not strict:
            return Scan(ScanKind.UNKNOWN, data, data, reason="not a code the till knows", symbology=symbology)
        return Scan(ScanKind.MALFORMED, data, reason=f"GS1 data cannot be read ({exc})", symbology=symbology)
    found: dict[str, Any] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai == "01":
            found["key"] = element.value
        elif ai == "10":
            found["lot"] = element.value
        elif ai == "17":
            found["expiry"] = element.date
        elif ai == "15":
            found["best_before"] = element.date
        elif ai.startswith("310"):
            kilos = _implied_decimal(ai, element.value)
            found["weight_g"] = int((kilos * 1000).to_integral_value(rounding=ROUND_HALF_UP))
        elif ai.startswith("392"):
            found["price"] = _implied_decimal(ai, element.value)
    if "key" not in found:
        reason = "GS1 code without a product number (01)"
        return Scan(ScanKind.UNKNOWN, data, data, reason=reason, symbology=symbology, **found)
    return Scan(ScanKind.GS1, data, symbology=symbology, **found)


def _implied_decimal(ai: str, digits: str) -> Decimal:
    """A GS1 measure or amount: the AI's fourth digit says how many of the digits are decimals.

    Computed here rather than taken from biip, which reads an amount shorter than its decimals
    wrongly (``3922`` + ``1`` gives 0.1 instead of 0.01).
    """
    return Decimal(int(digits)).scaleb(-int(ai[3]))


def _gs1_gtin_problem(data: str) -> str | None:
    """A wrong check digit in a leading (01), said the way a cashier understands, not biip's way."""
    if data.startswith("01") and _is_digits(data[2:16]) and len(data) >= 16:
        problem = gtin_problem(data[2:16])
        if problem:
            return f"product number {data[2:16]}: {problem}"
    return None
