"""The real sample data (data/sample) against the catalogue, and the fixture of the slips it contains.

The sample is every figure CATALOG.md §4 transcribes from the three source reports, exactly as each
report wrote it. tests/fixtures/sample_expected_findings.csv lists the reports' own arithmetic slips;
the product's checks must find exactly those, so these tests pin the fixture to the data: each row
must point at values really present, and recomputing every check from the data must give the fixture
back, no more and no fewer.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from fractions import Fraction
from math import floor
from pathlib import Path

import pytest

from core.catalog import Catalog, default_catalog
from etl.model import MEASURE_COLUMNS, UNIT_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
FINDINGS = ROOT / "tests" / "fixtures" / "sample_expected_findings.csv"
FINDING_COLUMNS = ("rule", "unit_code", "year", "period", "measure", "stated", "computed")
MACHINE_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
QUALIFIERS = {"", ">", "<", "~"}

Key = tuple[str, int, str, str]  # unit_code, year, period, org_type
Facts = dict[Key, dict[str, dict[str, str]]]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="module")
def units() -> list[dict[str, str]]:
    header, rows = _read(SAMPLE / "units.csv")
    assert tuple(header) == UNIT_COLUMNS
    return rows


@pytest.fixture(scope="module")
def measures() -> list[dict[str, str]]:
    header, rows = _read(SAMPLE / "measures.csv")
    assert tuple(header) == MEASURE_COLUMNS
    return rows


@pytest.fixture(scope="module")
def facts(measures: list[dict[str, str]]) -> Facts:
    out: Facts = {}
    for r in measures:
        out.setdefault((r["unit_code"], int(r["year"]), r["period"], r["org_type"]), {})[r["measure"]] = r
    return out


@pytest.fixture(scope="module")
def expected() -> list[dict[str, str]]:
    header, rows = _read(FINDINGS)
    assert tuple(header) == FINDING_COLUMNS
    return rows


def _exact(text: str) -> Fraction:
    return Fraction(Decimal(text))


def _text(x: Fraction) -> str:
    """An exact fraction with a finite decimal expansion as machine text: 71237/1000 → '71.237'."""
    return str(Decimal(x.numerator) / Decimal(x.denominator))


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _round_half_up(x: Fraction, decimals: int) -> Fraction:
    k = 10**decimals
    return Fraction(floor(x * k + Fraction(1, 2)), k)


def _truncate(x: Fraction, decimals: int) -> Fraction:
    k = 10**decimals
    return Fraction(floor(x * k), k)


def _value(cat: Catalog, group: dict[str, dict[str, str]], measure: str) -> Fraction | None:
    """A measure's value: its own exact row, else the sum of its parts when every part is known."""
    if measure in group:
        if group[measure]["qualifier"]:
            return None  # a bound or an approximation cannot be checked exactly
        return _exact(group[measure]["value"])
    m = cat.measures.get(measure)
    if m is None or not m.derived_sum:
        return None
    parts = [_value(cat, group, p) for p in m.derived_sum]
    return None if any(p is None for p in parts) else sum(parts, Fraction(0))


def _computed_rate(cat: Catalog, group: dict[str, dict[str, str]], indicator: str) -> Fraction | None:
    ind = cat.indicators[indicator]
    num = [_value(cat, group, m) for m in ind.numerator]
    den = [_value(cat, group, m) for m in ind.denominator]
    if not den or any(v is None for v in num + den):
        return None
    total = sum(den, Fraction(0))
    return None if total == 0 else 100 * sum(num, Fraction(0)) / total


def _consistent(stated: str, computed: Fraction) -> bool:
    # A report may round or truncate to the decimals it writes; anything else is a slip.
    d, s = _decimals(stated), _exact(stated)
    return s in (_round_half_up(computed, d), _truncate(computed, d))


def _all_findings(cat: Catalog, facts: Facts) -> set[tuple[str, str, int, str, str, str, str]]:
    """Every stated rate and every catalogue balance whose inputs are all present, where they disagree."""
    found = set()
    for (unit, year, period, _org), group in facts.items():
        for code, row in group.items():
            if not cat.is_rate(code) or row["qualifier"]:
                continue
            c = _computed_rate(cat, group, code)
            if c is not None and not _consistent(row["value"], c):
                computed = _text(_round_half_up(c, 3))
                found.add(("stated_rate", unit, year, period, code, row["value"], computed))
        for b in cat.balances:
            whole = group.get(b.whole)
            parts = [_value(cat, group, p) for p in b.parts]
            if whole is None or whole["qualifier"] or any(p is None for p in parts):
                continue
            total = sum(parts, Fraction(0))
            if total != _exact(whole["value"]):
                found.add(("balance", unit, year, period, b.whole, whole["value"], _text(total)))
    return found


# -- units --------------------------------------------------------------------------------------


def test_units_are_unique_with_known_kinds_and_parents(cat: Catalog, units: list[dict[str, str]]) -> None:
    codes = [u["unit_code"] for u in units]
    assert codes == ["HD", "BD", "BD-TAYSON", "TH", "TH-KHOI"]
    for u in units:
        assert u["name_vi"] and u["name_en"], u
        assert u["kind"] in cat.unit_kinds, u
        assert u["parent_code"] == "" or u["parent_code"] in codes, u
    assert {u["unit_code"]: u["parent_code"] for u in units} == {
        "HD": "", "BD": "", "BD-TAYSON": "BD", "TH": "", "TH-KHOI": "TH",
    }


def test_units_named_by_resolutions_exist(cat: Catalog, units: list[dict[str, str]]) -> None:
    codes = {u["unit_code"] for u in units}
    named = {c for r in cat.resolutions.values() for c in r.binds.units}
    assert named <= codes


# -- measures -----------------------------------------------------------------------------------


def test_every_row_is_valid_against_the_catalogue(
    cat: Catalog, units: list[dict[str, str]], measures: list[dict[str, str]]
) -> None:
    codes = {u["unit_code"] for u in units}
    assert len(measures) == 177
    for i, r in enumerate(measures, start=2):
        where = f"measures.csv row {i}: {r}"
        assert r["unit_code"] in codes, where
        assert cat.known_code(r["measure"]), where
        if r["measure"] in cat.indicators:
            assert cat.indicators[r["measure"]].is_rate, where  # a stated rate, never a count indicator
            # not capped at 100: admissions against plan are really 102,67% (Tây Sơn 2021)
            assert float(r["value"]) >= 0, where
        assert cat.term_of(int(r["year"])) is not None, where
        assert r["period"] in cat.periods, where
        assert r["org_type"] == "" or r["org_type"] in cat.org_types, where
        assert MACHINE_NUMBER.match(r["value"]), where
        assert r["qualifier"] in QUALIFIERS, where
        assert r["source"].strip(), where
        assert '"' in r["source"], where  # every source quotes the phrase it was read from


def test_keys_are_unique(measures: list[dict[str, str]]) -> None:
    keys = [(r["unit_code"], r["year"], r["period"], r["org_type"], r["measure"]) for r in measures]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("unit", "year", "period", "measure", "value", "qualifier"),
    [
        ("HD", 2022, "Y", "collective_rated_rate", "99.74", ""),
        ("HD", 2022, "Y", "cell_failed_rate", "0.04", ""),
        ("HD", 2022, "Y", "leader_rated", "5008", ""),
        ("BD-TAYSON", 2021, "Y", "org_good_or_better_rate", "96.5", ""),
        ("BD-TAYSON", 2022, "Y", "org_excellent_share", "31", ""),
        ("BD-TAYSON", 2023, "H1", "admitted", "68", ""),
        ("BD-TAYSON", 2023, "H1", "admission_plan", "203", ""),
        ("TH-KHOI", 2023, "TD", "admitted", "2078", ""),
        ("TH-KHOI", 2023, "TD", "org_good_or_better_rate", "90", ">"),
        ("TH-KHOI", 2023, "TD", "member_good_or_better_rate", "95", ">"),
        ("TH-KHOI", 2023, "TD", "cell_regular_meetings_rate", "80", ">"),
        ("TH-KHOI", 2020, "Y", "org_total", "177", ""),
        ("TH-KHOI", 2023, "Y", "units_cultural_standard_rate", "51.23", ""),
    ],
)
def test_figures_keep_the_source_decimals_and_bounds(
    facts: Facts, unit: str, year: int, period: str, measure: str, value: str, qualifier: str
) -> None:
    row = facts[(unit, year, period, "")][measure]
    assert (row["value"], row["qualifier"]) == (value, qualifier)


def test_no_member_total_invented_for_tay_son(measures: list[dict[str, str]]) -> None:
    # Tây Sơn gives only the admission share of all members (4,14%), never the member count.
    assert not [r for r in measures if r["unit_code"] == "BD-TAYSON" and r["measure"] == "member_total"]


# -- expected findings --------------------------------------------------------------------------


def test_each_expected_finding_refers_to_present_values(
    cat: Catalog, facts: Facts, expected: list[dict[str, str]]
) -> None:
    # part_exceeds_whole (an implied sum above its whole) is the product's own inference, checked in
    # tests/test_load.py; this independent oracle recomputes stated rates and balances only.
    expected = [f for f in expected if f["rule"] != "part_exceeds_whole"]
    assert len(expected) == 11
    for f in expected:
        group = facts[(f["unit_code"], int(f["year"]), f["period"], "")]
        row = group[f["measure"]]
        assert row["value"] == f["stated"] and row["qualifier"] == "", f
        if f["rule"] == "stated_rate":
            assert cat.is_rate(f["measure"]), f
            c = _computed_rate(cat, group, f["measure"])
            assert c is not None, f
            assert _round_half_up(c, 3) == _exact(f["computed"]), f
            assert not _consistent(f["stated"], c), f
        else:
            assert f["rule"] == "balance", f
            sums = [
                sum(parts, Fraction(0))
                for b in cat.balances
                if b.whole == f["measure"]
                and None not in (parts := [_value(cat, group, p) for p in b.parts])
            ]
            assert _exact(f["computed"]) in sums, f
            assert _exact(f["computed"]) != _exact(f["stated"]), f


def test_expected_findings_are_exactly_the_slips_in_the_data(
    cat: Catalog, facts: Facts, expected: list[dict[str, str]]
) -> None:
    listed = {
        (f["rule"], f["unit_code"], int(f["year"]), f["period"], f["measure"], f["stated"], f["computed"])
        for f in expected
        if f["rule"] != "part_exceeds_whole"
    }
    assert _all_findings(cat, facts) == listed


def test_a_rate_within_truncation_is_not_a_slip() -> None:
    # Tây Sơn 2021: 56/58 = 96.55…% written 96,5 (truncated); 16/4.116 = 0.3887% written 0,38.
    assert _consistent("96.5", Fraction(5600, 58))
    assert _consistent("0.38", Fraction(1600, 4116))
    assert not _consistent("0.04", Fraction(100, 4313))
