"""Reading scans: GTIN check digits, UPC-E, scale labels of every preset, GS1 element strings, garbage."""

from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from biip.checksums import gs1_price_weight_check_digit
from hypothesis import given
from hypothesis import strategies as st

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.config import ConfigError
from appliance.core.barcodes import (
    GS,
    PRESETS,
    EmbeddedRule,
    Measure,
    ScanKind,
    gtin14,
    gtin_check_digit,
    gtin_problem,
    interpret,
    nomenclature,
    rules_from_config,
    upca_to_upce,
    upce_to_upca,
    value_check_digit,
    with_check_digit,
)

NONE = PRESETS["none"]
FR = PRESETS["fr"]


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


@st.composite
def gtins(draw: st.DrawFn, length: int) -> str:
    return with_check_digit(draw(digits(length - 1)))


# -- check digits ---------------------------------------------------------------------------------


def test_known_check_digits() -> None:
    assert gtin_check_digit("301762042200") == 3  # a jar sold everywhere in France
    assert gtin_check_digit("04210000526") == 4
    assert gtin_problem("3017620422003") is None
    assert gtin_problem("3017620422004") == "check digit should be 3"
    assert gtin_problem("30176204220") == "a GTIN has 8, 12, 13 or 14 digits, not 11"
    assert gtin_problem("３０１７６２０４２２００３") == "a GTIN is digits only"  # full-width digits are no GTIN


@pytest.mark.parametrize("length", [8, 12, 13, 14])
@given(data=st.data())
def test_check_digit_round_trip_for_every_length(length: int, data: st.DataObject) -> None:
    code = data.draw(gtins(length))
    assert gtin_problem(code) is None
    assert gtin14(code) == code.zfill(14) and len(gtin14(code)) == 14
    assert int(code[-1]) == gtin_check_digit(code[:-1])


@pytest.mark.parametrize("length", [8, 12, 13, 14])
@given(data=st.data())
def test_any_single_digit_change_is_refused(length: int, data: st.DataObject) -> None:
    code = data.draw(gtins(length))
    position = data.draw(st.integers(0, length - 1))
    new = data.draw(st.sampled_from([d for d in string.digits if d != code[position]]))
    changed = code[:position] + new + code[position + 1 :]
    expected = gtin_check_digit(changed[:-1])
    assert gtin_problem(changed) == f"check digit should be {expected}"
    # ]E4 says EAN-8, so an 8-digit code is not also tried as a UPC-E
    scan = interpret(("]E4" if length == 8 else "") + changed, NONE)
    assert scan.kind is ScanKind.MALFORMED and scan.reason == f"check digit should be {expected}"


@given(code=gtins(13))
def test_every_form_of_a_gtin_has_the_same_key(code: str) -> None:
    forms = [code, "0" + code]
    if code.startswith("0"):
        forms.append(code[1:])  # the UPC-A of the same number
    assert {interpret(form, NONE).key for form in forms} == {code.zfill(14)}
    assert all(interpret(form, NONE).kind is ScanKind.GTIN for form in forms)


# -- UPC-E ----------------------------------------------------------------------------------------


def test_upce_known_example() -> None:
    assert upce_to_upca("04252614") == "042100005264"
    assert upca_to_upce("042100005264") == "04252614"
    scan = interpret("04252614", NONE)
    assert scan.kind is ScanKind.GTIN and "00042100005264" in (scan.key, *scan.alternatives)
    assert upca_to_upce("042123456785") is None  # no run of zeros to drop


@given(system=st.sampled_from("01"), data=digits(6))
def test_upce_expansion_round_trips(system: str, data: str) -> None:
    upca = upce_to_upca(system + data + "0")
    upca = upca[:-1] + str(gtin_check_digit(upca[:-1]))
    upce = system + data + upca[-1]
    assert upce_to_upca(upce) == upca
    compressed = upca_to_upce(upca)
    assert compressed is not None and upce_to_upca(compressed) == upca
    scan = interpret("]E0" + upce, NONE)
    assert (scan.kind, scan.key) == (ScanKind.GTIN, upca.zfill(14))


@given(code=gtins(8))
def test_eight_digits_keep_both_readings(code: str) -> None:
    scan = interpret(code, NONE)
    readings = (scan.key, *scan.alternatives)
    assert scan.kind is ScanKind.GTIN and readings[0] == code.zfill(14)
    upca = upce_to_upca(code) if code[0] in "01" else None
    assert (upca is not None and gtin_problem(upca) is None) == (len(readings) == 2)
    assert interpret("]E4" + code, NONE).alternatives == ()


# -- restricted-circulation codes: every rule of every preset -------------------------------------


def test_price_weight_verifier_known_examples() -> None:
    assert value_check_digit("2875") == 9
    assert value_check_digit("14685") == 6


@given(value=st.one_of(digits(4), digits(5)))
def test_price_weight_verifier_agrees_with_biip(value: str) -> None:
    assert value_check_digit(value) == gs1_price_weight_check_digit(value)


RULES = [(name, rule) for name, preset in PRESETS.items() for rule in preset.rules]


@pytest.mark.parametrize(("preset", "rule"), RULES, ids=[f"{n}-{r.prefix}" for n, r in RULES])
@given(data=st.data())
def test_embedded_value_comes_back(preset: str, rule: EmbeddedRule, data: st.DataObject) -> None:
    item = data.draw(digits(rule.item_digits))
    value = data.draw(st.integers(0, 10**rule.value_digits - 1))
    code = rule.encode(item, value)
    assert gtin_problem(code) is None and len(code) == 13 and code.startswith(rule.prefix)
    scan = interpret(code, PRESETS[preset])
    assert scan.item_ref == item
    assert scan.key == rule.encode(item, 0).zfill(14)
    assert scan.alternatives == (code.zfill(14),)
    if rule.measure is Measure.WEIGHT:
        assert scan.kind is ScanKind.WEIGHT_EMBEDDED and scan.price is None
        assert scan.weight_g == value * 10 ** (3 - rule.decimals)
    else:
        assert scan.kind is ScanKind.PRICE_EMBEDDED and scan.weight_g is None
        assert scan.price == Decimal(value).scaleb(-rule.decimals)
        assert scan.price_cents == value * 10 ** (2 - rule.decimals)
    assert interpret(code, NONE).kind is ScanKind.GTIN  # without rules, the same code is a plain GTIN


VERIFIED = [(name, rule) for name, rule in RULES if rule.value_check]


@pytest.mark.parametrize(("preset", "rule"), VERIFIED, ids=[f"{n}-{r.prefix}" for n, r in VERIFIED])
@given(data=st.data())
def test_a_misprinted_value_is_caught_by_its_verifier(preset: str, rule: EmbeddedRule, data: st.DataObject) -> None:
    """The EAN check digit is recomputed, as a scale printing a wrong value would: only the verifier catches it."""
    code = rule.encode(data.draw(digits(rule.item_digits)), data.draw(st.integers(0, 10**rule.value_digits - 1)))
    position = 13 - 1 - rule.value_digits + data.draw(st.integers(0, rule.value_digits - 1))
    new = data.draw(st.sampled_from([d for d in string.digits if d != code[position]]))
    changed = with_check_digit((code[:position] + new + code[position + 1 :])[:-1])
    scan = interpret(changed, PRESETS[preset])
    assert scan.kind is ScanKind.MALFORMED
    assert scan.reason.startswith(f"{rule.measure.value} check digit should be")


@pytest.mark.parametrize(("region", "preset"), [("de", "de"), ("gb", "uk")])
@given(data=st.data())
def test_german_and_british_labels_read_as_biip_reads_them(region: str, preset: str, data: st.DataObject) -> None:
    from biip import ParseConfig
    from biip.gtin import Gtin

    rule = data.draw(st.sampled_from(PRESETS[preset].rules))
    code = rule.encode(data.draw(digits(rule.item_digits)), data.draw(st.integers(0, 10**rule.value_digits - 1)))
    theirs = Gtin.parse(code, config=ParseConfig(rcn_region=region))
    ours = interpret(code, PRESETS[preset])
    if rule.measure is Measure.WEIGHT:
        assert Decimal(ours.weight_g or 0) / 1000 == theirs.weight  # type: ignore[attr-defined]
    else:
        assert ours.price == theirs.price  # type: ignore[attr-defined]


def test_odoo_documented_examples() -> None:
    """The examples of Odoo's default nomenclature read the same under the presets that follow it."""
    for preset in ("fr", "be"):
        assert interpret("2100005080002", PRESETS[preset]).weight_g == 8000
        assert interpret("2305000123451", PRESETS[preset]).price == Decimal("123.45")


def test_site_rules_replace_the_preset_on_their_prefix() -> None:
    rules = rules_from_config(
        [{"prefix": "26", "measure": "price", "item_digits": 4, "value_digits": 5, "decimals": 2, "value_check": True}]
    )
    site = nomenclature("fr", rules)
    code = rules[0].encode("1234", 1999)
    assert interpret(code, site).price == Decimal("19.99")
    assert interpret(code, FR).kind is ScanKind.MALFORMED or interpret(code, FR).price != Decimal("19.99")
    assert interpret("2112345015002", site).weight_g == 1500  # the preset's other rules stay


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        ("21", "must be a list of tables"),
        ([{"prefix": "21"}], "rule 1: missing measure, item_digits, value_digits, decimals"),
        ([{"prefix": "31", "measure": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3}], "rule 1: prefix"),
        ([{"prefix": "21", "measure": "weight", "item_digits": 6, "value_digits": 5, "decimals": 3}], "14 digits"),
        ([{"prefix": "21", "measure": "price", "item_digits": 5, "value_digits": 5, "decimals": 3}], "0 to 2"),
        (
            [
                {
                    "prefix": "22",
                    "measure": "price",
                    "item_digits": 3,
                    "value_digits": 6,
                    "decimals": 2,
                    "value_check": True,
                }
            ],
            "4 or 5 digits",
        ),
        (
            [{"prefix": "21", "measure": "kg", "item_digits": 5, "value_digits": 5, "decimals": 3}],
            '"weight" or "price"',
        ),
        ([{"prefix": "21", "measure": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3, "x": 1}], "x"),
        (
            [
                {"prefix": "2", "measure": "price", "item_digits": 6, "value_digits": 5, "decimals": 2},
                {"prefix": "21", "measure": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3},
            ],
            "prefix 2 overlaps",
        ),
    ],
)
def test_bad_site_rules_are_refused_with_a_reason(rules: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        rules_from_config(rules)


def test_the_config_section_is_checked_with_the_rest() -> None:
    text = demo_config_text() + '\n[barcodes]\nnomenclature = "de"\ngs1 = false\n'
    config_module.parse(text)  # valid
    bad = demo_config_text() + '\n[barcodes]\nnomenclature = "fr_FR"\nrules = [{prefix = "19"}]\n'
    with pytest.raises(ConfigError) as error:
        config_module.parse(bad)
    problems = [str(p) for p in error.value.problems]
    assert any(p.startswith("barcodes.nomenclature = 'fr_FR': must be one of 'fr'") for p in problems)
    assert any(p.startswith("barcodes.rules") and "rule 1: missing measure" in p for p in problems)


# -- GS1 element strings --------------------------------------------------------------------------

LOT_CHARS = string.ascii_uppercase + string.digits + "-./"


@given(
    gtin=gtins(14),
    grams=st.integers(0, 999_999),
    expiry=st.dates(date(2001, 1, 1), date(2060, 12, 31)),
    lot=st.text(alphabet=LOT_CHARS, min_size=1, max_size=20),
    cents=st.none() | st.integers(0, 9_999_999),
    lot_first=st.booleans(),
    prefix=st.sampled_from(["]C1", "]e0", "]d2", ""]),
)
def test_gs1_element_strings(
    gtin: str, grams: int, expiry: date, lot: str, cents: int | None, lot_first: bool, prefix: str
) -> None:
    fixed = f"01{gtin}3103{grams:06d}17{expiry:%y%m%d}"
    price = "" if cents is None else f"3922{cents}"
    # variable-length fields (10, 392x) end with GS unless they end the message
    body = f"10{lot}{GS}{fixed}{price}" if lot_first else f"{fixed}{price}{GS if price else ''}10{lot}"
    scan = interpret(prefix + body + "\r\n", FR)
    assert scan.kind is ScanKind.GS1, scan.reason
    assert (scan.key, scan.weight_g, scan.expiry, scan.lot) == (gtin, grams, expiry, lot)
    assert scan.price == (None if cents is None else Decimal(cents).scaleb(-2))
    assert scan.symbology == (prefix or None)


@given(kilos=st.integers(0, 999_999), decimals=st.integers(0, 5))
def test_gs1_net_weight_to_grams(kilos: int, decimals: int) -> None:
    scan = interpret(f"]C10103017620422003310{decimals}{kilos:06d}", NONE)
    exact = Decimal(kilos).scaleb(-decimals) * 1000
    assert scan.weight_g == int(exact.to_integral_value(rounding="ROUND_HALF_UP"))


def test_gs1_amounts_shorter_than_their_decimals() -> None:
    """biip 4.0 reads 3922 + "1" as 0.1; one cent is what the label says."""
    assert interpret("]C10103017620422003" + "39221", NONE).price == Decimal("0.01")
    assert interpret("]C10103017620422003" + "39233", NONE).price_cents == 0  # 0.003 rounds to no cent


def test_gs1_expiry_day_zero_is_the_end_of_the_month() -> None:
    assert interpret("]C1010301762042200317260200", NONE).expiry == date(2026, 2, 28)


def test_gs1_misreads_say_why() -> None:
    bad_gtin = interpret("]C10103017620422004", NONE)
    assert bad_gtin.kind is ScanKind.MALFORMED
    assert bad_gtin.reason == "product number 03017620422004: check digit should be 3"
    bad_date = interpret("]C101030176204220031726133110ABC", NONE)
    assert bad_date.kind is ScanKind.MALFORMED and bad_date.reason.startswith("GS1 data cannot be read")
    no_gtin = interpret("]C110ABC", NONE)
    assert no_gtin.kind is ScanKind.UNKNOWN and no_gtin.lot == "ABC" and "(01)" in no_gtin.reason
    assert interpret("]C10103017620422003", NONE, gs1=False).kind is ScanKind.UNKNOWN


def test_long_digit_runs_that_are_not_gs1_are_unknown_not_misread() -> None:
    scan = interpret("999999999999999999", NONE)
    assert scan.kind is ScanKind.UNKNOWN and scan.key == "999999999999999999"


# -- keypad entries and anything else -------------------------------------------------------------


def test_plu_and_text() -> None:
    assert (interpret("0042", FR).kind, interpret("0042", FR).key) == (ScanKind.PLU, "42")
    assert interpret(" ABC-123 \n", FR).key == "ABC-123"
    assert interpret("]E03017620422003", FR).key == "03017620422003"
    assert interpret("", FR).reason == "empty scan"
    assert interpret("12345678901", FR).kind is ScanKind.UNKNOWN


@given(text=st.text(alphabet=st.sampled_from(list(string.printable) + [GS, "]", "é", "\x00", "٣"]), max_size=60))
def test_random_input_never_raises(text: str) -> None:
    for rules in (FR, PRESETS["de"], NONE):
        scan = interpret(text, rules)
        assert scan.kind in ScanKind
        if scan.kind is ScanKind.MALFORMED:
            assert scan.reason


@given(text=st.text(alphabet="0123456789" + GS, min_size=15, max_size=50))
def test_random_gs1_like_digits_never_raise(text: str) -> None:
    for prefix in ("]C1", ""):
        scan = interpret(prefix + text, FR)
        assert scan.kind in (ScanKind.GS1, ScanKind.UNKNOWN, ScanKind.MALFORMED, ScanKind.GTIN, ScanKind.PLU)
        if scan.kind is ScanKind.GS1:
            assert len(scan.key) == 14 and gtin_problem(scan.key) is None


# -- the documentation says what the code does ----------------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "barcodes.md"


def test_docs_show_every_preset_and_layout() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, preset in PRESETS.items():
        assert f"| `{name}`" in text, name
        for rule in preset.rules:
            assert rule.layout().split(" ", 1)[1] in text, (name, rule.layout())


def test_docs_examples_read_as_documented() -> None:
    rows = re.findall(r"^\| `(\w+)`[^\n]*`(\d{13})` = £?([\d.]+)", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(rows) == 8
    for preset, code, value in rows:
        scan = interpret(code, PRESETS[preset])
        read = scan.price if scan.price is not None else Decimal(scan.weight_g or 0) / 1000
        assert read == Decimal(value), (preset, code)


@pytest.mark.parametrize("doc", ["barcodes.md", "configuration.md"])
def test_docs_config_examples_are_valid(doc: str) -> None:
    text = (DOC.parent / doc).read_text(encoding="utf-8")
    example = re.search(r"```toml\n(\[barcodes\].*?)```", text, re.DOTALL)
    assert example is not None
    config_module.parse(demo_config_text() + "\n" + example.group(1))
