"""monitor.attainment: values, met, status and aggregation, against hand-computed cases.

Seed cases come from the real sample (data/sample: Tây Sơn 03-CTr/HU and the Thanh Hóa bloc's
191-BC/ĐUK); status edge cases run assess() on hand-written values against a test resolution added
to the real catalogue; aggregation runs on tiny databases loaded through etl.load.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from core.catalog import DEFAULT_PATH, Catalog, default_catalog, load_catalog
from core.i18n import assessed_source, source_text
from etl.load import load
from monitor.attainment import (
    ASSESS_COLUMNS,
    VALUE_COLUMNS,
    assess,
    indicator_values,
    judged_values,
    met,
    units_frame,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
TERM = "2020-2025"


def _write_csv(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _db(tmp_path: Path, units: list[tuple], measures: list[tuple]) -> duckdb.DuckDBPyConnection:
    u = _write_csv(tmp_path / "units.csv", ["unit_code", "name_vi", "name_en", "parent_code", "kind"], units)
    m = _write_csv(tmp_path / "measures.csv",
                   ["unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source"], measures)
    load([u, m], tmp_path / "t.duckdb")
    return duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv"], db)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def sample_values(sample: duckdb.DuckDBPyConnection, cat: Catalog) -> pd.DataFrame:
    return indicator_values(sample, cat, term_id=TERM)


@pytest.fixture(scope="module")
def sample_assessed(sample: duckdb.DuckDBPyConnection, cat: Catalog, sample_values: pd.DataFrame) -> pd.DataFrame:
    return assess(sample_values, cat, units_frame(sample), term_id=TERM)


def _row(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = np.ones(len(frame), bool)
    for col, val in where.items():
        mask &= (frame[col] == val).to_numpy()
    rows = frame[mask]
    assert len(rows) == 1, f"{where}: {len(rows)} rows"
    return rows.iloc[0]


# -- the seeds -------------------------------------------------------------------------------------

SEED_VALUES = [
    # unit, indicator, year, period, value, qualifier, basis, num, den, stated
    ("BD-TAYSON", "org_good_or_better_rate", 2021, "Y", 56 / 58 * 100, "", "counts", 56, 58, 96.5),
    ("BD-TAYSON", "org_excellent_share", 2021, "Y", 13 / 56 * 100, "", "counts", 13, 56, 23.2),
    ("BD-TAYSON", "member_good_or_better_rate", 2021, "Y", 3889 / 4116 * 100, "", "counts", 3889, 4116, 94.5),
    ("BD-TAYSON", "org_completed_or_better_rate", 2022, "Y", 100.0, "", "counts", 58, 58, math.nan),  # 55 + 3 derived
    ("BD-TAYSON", "admission_rate", 2021, "Y", 4.14, "", "stated", math.nan, math.nan, 4.14),  # no member total
    ("BD-TAYSON", "admissions", 2023, "H1", 68.0, "", "counts", 68, math.nan, math.nan),
    ("TH-KHOI", "org_good_or_better_rate", 2023, "TD", 90.0, ">", "stated", math.nan, math.nan, 90.0),
    ("TH-KHOI", "member_good_or_better_rate", 2023, "TD", 95.0, ">", "stated", math.nan, math.nan, 95.0),
    ("TH-KHOI", "admissions", 2023, "TD", 2078.0, "", "counts", 2078, math.nan, math.nan),
    ("TH-KHOI", "units_model_rate", 2023, "Y", 30 / 121 * 100, "", "counts", 30, 121, 24.6),
    # Bình Định has no report of its own: Tây Sơn's counts, summed (one unit)
    ("BD", "org_good_or_better_rate", 2021, "Y", 56 / 58 * 100, "", "aggregated", 56, 58, math.nan),
]


@pytest.mark.parametrize("unit,indicator,year,period,value,qualifier,basis,num,den,stated", SEED_VALUES)
def test_seed_values(sample_values: pd.DataFrame, unit: str, indicator: str, year: int, period: str, value: float,
                     qualifier: str, basis: str, num: float, den: float, stated: float) -> None:
    r = _row(sample_values, unit_code=unit, indicator=indicator, year=year, period=period)
    assert r["value"] == pytest.approx(value)
    assert (r["qualifier"], r["basis"], r["org_type"]) == (qualifier, basis, "")
    for col, want in (("num", num), ("den", den), ("stated", stated)):
        assert (math.isnan(r[col]) and math.isnan(want)) or r[col] == pytest.approx(want), col


def test_values_columns_and_sources(sample_values: pd.DataFrame) -> None:
    assert list(sample_values.columns) == VALUE_COLUMNS
    r = _row(sample_values, unit_code="BD-TAYSON", indicator="org_good_or_better_rate", year=2021, period="Y")
    assert r["source"] == ('003 Tây Sơn 03-CTr/HU II.1.1.1: "Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại '
                           'hoàn thành tốt nhiệm vụ (tỷ lệ 96,5%)"')
    r = _row(sample_values, unit_code="BD", indicator="org_good_or_better_rate", year=2021, period="Y")
    # an aggregate has no document: its basis and count of units are the data, the words the reader's
    assert (r["source"], r["basis"], r["n_units"]) == ("", "aggregated", 1)
    assert source_text(r["source"], r["basis"], r["n_units"], "vi") == "Tổng hợp từ 1 đơn vị cấp dưới"
    assert source_text(r["source"], r["basis"], r["n_units"], "en") == "Sum of the units below (1)"


SEED_ASSESSED = [
    # unit, target, met, status, verdict, latest year, latest value (what was compared), target in force
    ("BD-TAYSON", "org-gob", "yes", "achieved", "met_every_year", 2022, 55 / 58 * 100, 80.0),
    ("BD-TAYSON", "org-excellent-share", "yes", "achieved", "met_every_year", 2022, 18 / 55 * 100, 20.0),
    ("BD-TAYSON", "admission-rate", "yes", "achieved", "met_every_year", 2022, 4.16, 4.0),
    ("BD-TAYSON", "member-gob", "yes", "achieved", "met_every_year", 2022, 4022 / 4241 * 100, 80.0),
    # one point in the term: 315/323 = 97,52% against 100% by 2025
    ("BD-TAYSON", "gc-university", "no", "insufficient", "insufficient", 2023, 315 / 323 * 100, 100.0),
    # the bloc's yearly averages: "trên 90%" against > 90%, "trên 95%" against ≥ 90%
    ("TH-KHOI", "org-gob", "yes", "achieved", "met_every_year", 2023, 90.0, 90.0),
    ("TH-KHOI", "member-gob", "yes", "achieved", "met_every_year", 2023, 95.0, 90.0),
    # 2.078 admitted since the term began → 692,67 a year against > 600 (raised from 300 in 2023)
    ("TH-KHOI", "admitted", "yes", "achieved", "met_every_year", 2023, 2078 / 3, 600.0),
    # "trên 80%" of cells meet regularly against 100%: the bound cannot decide
    ("TH-KHOI", "cell-meetings", "undecided", "undecided", "undecided", 2023, 80.0, 100.0),
    ("TH-KHOI", "model", "yes", "achieved", "achieved", 2023, 30 / 121 * 100, 20.0),
    ("TH-KHOI", "mass-orgs", "", "no_data", "no_data", None, math.nan, 100.0),
]


@pytest.mark.parametrize("unit,target,met_,status,verdict,year,value,target_value", SEED_ASSESSED)
def test_seed_assessed(sample_assessed: pd.DataFrame, unit: str, target: str, met_: str, status: str, verdict: str,
                       year: int | None, value: float, target_value: float) -> None:
    r = _row(sample_assessed, unit_code=unit, target_id=target)
    assert (r["met"], r["status"], r["verdict"]) == (met_, status, verdict)
    assert (pd.isna(r["latest_year"]) and year is None) or r["latest_year"] == year
    assert (math.isnan(r["latest_value"]) and math.isnan(value)) or r["latest_value"] == pytest.approx(value)
    assert r["target"] == target_value


def test_seed_revised_target_and_td_note(sample_assessed: pd.DataFrame) -> None:
    r = _row(sample_assessed, unit_code="TH-KHOI", target_id="admitted")
    assert r["target_document"] == "Sơ kết giữa nhiệm kỳ, 191-BC/ĐUK ngày 06/07/2023"
    # how the TD count was judged is data (source_note), said in the reader's language at the edge
    assert r["source"] == '191-BC/ĐUK 06/07/2023 (CATALOG §4): "admitted since the start of the term 2.078"'
    assert r["source_note"] == {"kind": "average", "total": 2078.0, "years": 3, "average": pytest.approx(2078 / 3)}
    assert assessed_source(r, "vi").endswith("— so sánh bình quân năm: 2.078 từ đầu nhiệm kỳ ÷ 3 năm = 692,67")
    assert assessed_source(r, "en").endswith(
        " — compared as a yearly average: 2,078 since the term began ÷ 3 years = 692.67")
    r = _row(sample_assessed, unit_code="TH-KHOI", target_id="org-gob")
    assert r["source_note"] == {"kind": "term_to_date"}
    assert assessed_source(r, "vi").endswith(" — số liệu bình quân từ đầu nhiệm kỳ, so với chỉ tiêu năm")
    assert assessed_source(r, "en").endswith(" — the average since the term began, compared with the yearly target")


def test_seed_yearly_trend(sample_assessed: pd.DataFrame) -> None:
    # 96,55% (2021) and 94,83% (2022): the line through them gives 93,10% in 2023
    r = _row(sample_assessed, unit_code="BD-TAYSON", target_id="org-gob")
    assert r["achieved_per_year"] == pytest.approx((55 - 56) / 58 * 100)
    assert r["next_year_value"] == pytest.approx((2 * 55 - 56) / 58 * 100)
    assert (r["baseline_year"], r["years_met"], r["years_assessed"]) == (2021, 2, 2)


def test_assess_columns(sample_assessed: pd.DataFrame, cat: Catalog) -> None:
    assert list(sample_assessed.columns) == ASSESS_COLUMNS
    # every unit × binding target, no more: Tây Sơn by code (8), the bloc by code (18), provinces by kind (12)
    assert sample_assessed.groupby("unit_code").size().to_dict() == {"BD": 12, "BD-TAYSON": 8, "HD": 12,
                                                                     "TH": 12, "TH-KHOI": 18}


# -- met: every comparator against exact values and bounds ---------------------------------------

MET_CASES = [
    # value, qualifier, comparator, target, target_high, capped percent, expected
    (96.5517, "", ">", 80, None, True, "yes"),
    (80, "", ">", 80, None, True, "no"),
    (80, "", ">=", 80, None, True, "yes"),
    (79.99, "~", ">=", 80, None, True, "no"),  # approximate: taken as the value
    (100, "", "=", 100, None, True, "yes"),
    (99.99, "", "=", 100, None, True, "no"),
    (0.5, "", "<=", 1, None, True, "yes"),
    (1, "", "<", 1, None, True, "no"),
    (17, "", "range", 15, 20, True, "yes"),
    (20, "", "range", 15, 20, True, "yes"),
    (14.9, "", "range", 15, 20, True, "no"),
    # "over v": the set (v, 100]
    (90, ">", ">=", 95, None, True, "undecided"),
    (90, ">", ">", 80, None, True, "yes"),
    (90, ">", ">", 90, None, True, "yes"),
    (95, ">", ">=", 90, None, True, "yes"),
    (90, ">", "=", 100, None, True, "undecided"),
    (90, ">", "<=", 90, None, True, "no"),
    (90, ">", "<", 95, None, True, "undecided"),
    (18, ">", "range", 15, 20, True, "undecided"),
    (20, ">", "range", 15, 20, True, "no"),
    # "under v": the set [0, v)
    (10, "<", "<=", 10, None, True, "yes"),
    (10, "<", "<", 10, None, True, "yes"),
    (10, "<", ">=", 10, None, True, "no"),
    (10, "<", ">", 5, None, True, "undecided"),
    (15, "<", "range", 15, 20, True, "no"),
    # counts have no ceiling
    (600, ">", ">", 600, None, False, "yes"),
    (500, ">", ">=", 600, None, False, "undecided"),
    (2078 / 3, "", ">", 600, None, False, "yes"),
    (math.nan, "", ">", 600, None, False, ""),
]


@pytest.mark.parametrize("value,qualifier,comparator,target,high,capped,expected", MET_CASES)
def test_met(value: float, qualifier: str, comparator: str, target: float, high: float | None, capped: bool,
             expected: str) -> None:
    assert met(value, qualifier, comparator, target, math.nan if high is None else high, capped) == expected


# -- status: deadline and yearly targets, edge cases -----------------------------------------------

TEST_TARGETS = [
    {"id": "eq100", "indicator": "grassroots_committee_university_rate", "comparator": "=", "value": 100,
     "frequency": "deadline", "deadline": 2025},
    {"id": "ge90", "indicator": "org_good_or_better_rate", "comparator": ">=", "value": 90,
     "frequency": "deadline", "deadline": 2025},
    {"id": "gt80", "indicator": "member_good_or_better_rate", "comparator": ">", "value": 80,
     "frequency": "deadline", "deadline": 2025},
    {"id": "le1", "indicator": "member_failed_rate", "comparator": "<=", "value": 1,  # lower is better
     "frequency": "deadline", "deadline": 2025},
    {"id": "range", "indicator": "member_excellent_rate", "comparator": "range", "value": [15, 20],
     "frequency": "deadline", "deadline": 2025},
    {"id": "revised", "indicator": "commune_cadres_university_rate", "comparator": ">=", "value": 70,
     "frequency": "deadline", "deadline": 2025,
     "revisions": [{"from_year": 2023, "value": 80, "document": "NQ sửa đổi 2023"}]},
    {"id": "yearly", "indicator": "org_completed_or_better_rate", "comparator": ">=", "value": 95,
     "frequency": "yearly"},
    {"id": "yearly-count", "indicator": "admissions", "comparator": ">", "value": 300, "frequency": "yearly",
     "revisions": [{"from_year": 2023, "value": 600, "document": "191-BC/ĐUK"}]},
]


@pytest.fixture(scope="module")
def test_cat(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["resolutions"].append({
        "id": "test", "number": "T", "title_vi": "Thử", "title_en": "Test", "issuer": "T", "date": "2021-01-01",
        "term": TERM, "binds": {"units": ["X"]}, "targets": TEST_TARGETS})
    path = tmp_path_factory.mktemp("cat") / "indicators.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_catalog(path)


def _values(indicator: str, points: list[tuple], *, unit: str = "X") -> pd.DataFrame:
    """points: (year, value) or (year, value, qualifier) or (year, value, qualifier, period)."""
    rows = []
    for p in points:
        year, value, *rest = p
        qual, period = (rest[0] if rest else ""), (rest[1] if len(rest) > 1 else "Y")
        rows.append({"unit_code": unit, "indicator": indicator, "year": year, "period": period, "org_type": "",
                     "value": float(value), "qualifier": qual, "basis": "stated" if qual else "counts",
                     "num": math.nan, "den": math.nan, "stated": math.nan, "n_units": 1, "source": f"BC {year}"})
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)


UNITS = pd.DataFrame([("X", "Thử", "Test", "", "country")], columns=["unit_code", "name_vi", "name_en",
                                                                      "parent_code", "kind"])

STATUS_CASES = [
    # id, target, points, as_of, status, progress (None = NaN), projected (None = NaN)
    # achieved: P and the projection are still shown (+2 a year → 104, held at 100)
    ("achieved", "eq100", [(2021, 96), (2023, 100)], 2023, "achieved", 1.0, 100.0),
    # slope 3 a year → 102 in 2025, held at 100; P = (100 − 90) / (100 − 90)
    ("on track", "eq100", [(2021, 90), (2022, 93), (2023, 96)], 2023, "on_track", 1.0, 100.0),
    # a missing year (2022): the line runs through the years there are; P = (92 − 80) / 20
    ("accelerate, a missing year", "eq100", [(2021, 80), (2023, 86)], 2023, "accelerate", 0.6, 92.0),
    ("too slow", "eq100", [(2021, 80), (2023, 80.5)], 2023, "off_track", 0.05, 81.0),
    ("moving away", "eq100", [(2021, 85), (2022, 83)], 2022, "off_track", -8 / 15, 77.0),
    ("one point", "eq100", [(2023, 315 / 323 * 100)], 2023, "insufficient", None, None),
    # met at the baseline, not now: P has no meaning; the projection decides
    ("met at baseline, slipping", "ge90", [(2021, 95), (2022, 92), (2023, 89)], 2023, "off_track", None, 83.0),
    ("met at baseline, dip", "ge90", [(2021, 91), (2022, 89), (2023, 95), (2024, 89)], 2024, "on_track", None,
     91.0),
    # target equal to the baseline ("over 80%" from exactly 80): no gap to divide by
    ("target equals baseline", "gt80", [(2021, 80), (2022, 76), (2023, 80)], 2023, "off_track", None,
     78 + 2 / 3),
    ("lower is better", "le1", [(2021, 3), (2023, 2)], 2023, "on_track", 1.0, 1.0),
    ("lower is better, slow", "le1", [(2021, 3), (2023, 2.8)], 2023, "accelerate", 0.2, 2.6),
    ("range from below", "range", [(2021, 10), (2023, 12)], 2023, "accelerate", 0.8, 14.0),
    ("range from above", "range", [(2021, 30), (2023, 26)], 2023, "accelerate", 0.8, 22.0),
    ("range reached", "range", [(2021, 30), (2023, 19)], 2023, "achieved", 2.2, 8.0),
    # "over 90%" cannot say whether 100% was reached; the exact values' line is still shown
    ("bound latest undecided", "eq100", [(2021, 80), (2022, 85), (2023, 90, ">")], 2023, "undecided", 1.0, 100.0),
    # a bound that decides "no" is judged, but only exact values make the line
    ("bound latest, trend on exact", "eq100", [(2021, 40), (2022, 45), (2023, 50, "<")], 2023, "accelerate",
     1 / 3, 60.0),
    # the deadline year's value does not meet the target: no time is left, and no projection (issue 19)
    ("deadline passed", "eq100", [(2023, 96), (2024, 98), (2025, 99)], 2025, "missed", None, None),
    # the term's final review with the last figure a year early: judged on it, not projected
    ("final review, last figure early", "eq100", [(2022, 96), (2023, 98), (2024, 99)], 2025, "missed", None,
     None),
    ("deadline passed, one point", "eq100", [(2025, 99)], 2025, "missed", None, None),
    # the revised target holds from 2023: 70 reached in 2023, 80 not; the line reaches 80 in 2025
    ("revised target", "revised", [(2021, 60), (2022, 65), (2023, 70)], 2023, "on_track", 1.0, 80.0),
    ("before the revision", "revised", [(2021, 60), (2022, 70)], 2022, "achieved", 4.0, 100.0),
    ("as_of cuts later years", "eq100", [(2021, 80), (2023, 86), (2024, 100)], 2023, "accelerate", 0.6, 92.0),
    # docs/method.md's worked example: 241/295 (2021), 265/295 (2023) → 289/295 in 2025, P = 48/54
    ("worked example", "eq100", [(2021, 241 / 295 * 100), (2023, 265 / 295 * 100)], 2023, "accelerate", 48 / 54,
     289 / 295 * 100),
]


@pytest.mark.parametrize("case,target,points,as_of,status,progress,projected", STATUS_CASES,
                         ids=[c[0] for c in STATUS_CASES])
def test_deadline_status(test_cat: Catalog, case: str, target: str, points: list[tuple], as_of: int, status: str,
                         progress: float | None, projected: float | None) -> None:
    indicator = next(t["indicator"] for t in TEST_TARGETS if t["id"] == target)
    r = _row(assess(_values(indicator, points), test_cat, UNITS, as_of=as_of, term_id=TERM), target_id=target)
    assert (r["status"], r["verdict"]) == (status, status)
    for col, want in (("progress", progress), ("projected", projected)):
        if want is None:
            assert math.isnan(r[col]), col
        else:
            assert r[col] == pytest.approx(want), col


def test_the_progress_bands_are_read_from_the_catalogue(test_cat: Catalog, tmp_path: Path) -> None:
    # the worked example: P = 48 / 54 = 0,889, between indicators.yaml's 0,10 and 0,95: accelerate
    values = _values("grassroots_committee_university_rate", [(2021, 241 / 295 * 100), (2023, 265 / 295 * 100)])
    data = yaml.safe_load(test_cat.path.read_text(encoding="utf-8"))
    statuses = []
    for on_track, accelerate in ((0.95, 0.10), (0.85, 0.10), (0.95, 0.90)):
        data["method"]["progress"] = {"on_track": on_track, "accelerate": accelerate}
        path = tmp_path / f"{on_track}-{accelerate}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        r = _row(assess(values, load_catalog(path), UNITS, term_id=TERM), target_id="eq100")
        assert r["progress"] == pytest.approx(48 / 54)
        statuses.append(r["status"])
    assert statuses == ["accelerate", "on_track", "off_track"]


def test_worked_example_rates(test_cat: Catalog) -> None:
    r = _row(assess(_values("grassroots_committee_university_rate", [(2021, 241 / 295 * 100), (2023, 265 / 295 * 100)]),
                    test_cat, UNITS, term_id=TERM), target_id="eq100")
    assert r["achieved_per_year"] == pytest.approx(12 / 295 * 100)   # 4,07 points a year
    assert r["needed_per_year"] == pytest.approx(15 / 295 * 100)     # 5,08: (100 − 89,83) / 2


def test_progress_details(test_cat: Catalog) -> None:
    # 80 (2021), 86 (2023): +3 a year achieved; 14 points left over 2 years → +7 a year needed
    r = _row(assess(_values("grassroots_committee_university_rate", [(2021, 80), (2023, 86)]), test_cat, UNITS,
                    term_id=TERM), target_id="eq100")
    assert (r["baseline_year"], r["baseline"], r["latest_year"], r["latest_value"]) == (2021, 80.0, 2023, 86.0)
    assert (r["achieved_per_year"], r["needed_per_year"]) == (pytest.approx(3.0), pytest.approx(7.0))
    assert (r["met"], r["years_met"], r["years_assessed"]) == ("no", 0, 2)
    # the revised target in force at as_of, with the document that set it
    r = _row(assess(_values("commune_cadres_university_rate", [(2021, 60), (2023, 70)]), test_cat, UNITS,
                    term_id=TERM), target_id="revised")
    assert (r["target"], r["target_document"], r["met"]) == (80.0, "NQ sửa đổi 2023", "no")


YEARLY_CASES = [
    # id, target, points, verdict, status, years met / assessed, next year's value (None = NaN)
    ("every year", "yearly", [(2021, 96), (2022, 98)], "met_every_year", "achieved", (2, 2), 100.0),
    ("latest only", "yearly", [(2021, 90), (2022, 96)], "met_latest_only", "met_latest", (1, 2), 100.0),
    ("not latest", "yearly", [(2021, 96), (2022, 94), (2023, 93)], "not_met_latest", "off_track", (1, 3), 91 + 1 / 3),
    ("bound latest", "yearly", [(2021, 96), (2022, 90, ">")], "undecided", "undecided", (1, 2), None),
    # an earlier year a bound could not decide: only the latest is known met
    ("earlier undecided", "yearly", [(2021, 90, ">"), (2022, 97)], "met_latest_only", "met_latest", (1, 2), None),
    ("no data", "yearly", [], "no_data", "no_data", (0, 0), None),
    # H1 is shown, never judged against a yearly target
    ("first half only", "yearly", [(2023, 99, "", "H1")], "no_data", "no_data", (0, 0), None),
    # revised from 300 to 600 in 2023: 400 met the old target, not the new one
    ("revised", "yearly-count", [(2022, 400), (2023, 500)], "not_met_latest", "off_track", (1, 2), 600.0),
    # term to date: 2.078 by 2023 = 692,67 a year against > 600
    ("term to date", "yearly-count", [(2023, 2078, "", "TD")], "met_every_year", "achieved", (1, 1), None),
    # a whole-year value beats the TD figure of the same year
    ("Y beats TD", "yearly-count", [(2023, 2078, "", "TD"), (2023, 550)], "not_met_latest", "off_track", (0, 1),
     None),
]


@pytest.mark.parametrize("case,target,points,verdict,status,tally,next_year", YEARLY_CASES,
                         ids=[c[0] for c in YEARLY_CASES])
def test_yearly_verdict(test_cat: Catalog, case: str, target: str, points: list[tuple], verdict: str, status: str,
                        tally: tuple[int, int], next_year: float | None) -> None:
    indicator = next(t["indicator"] for t in TEST_TARGETS if t["id"] == target)
    r = _row(assess(_values(indicator, points), test_cat, UNITS, as_of=2023, term_id=TERM), target_id=target)
    assert (r["verdict"], r["status"]) == (verdict, status)
    assert (r["years_met"], r["years_assessed"]) == tally
    assert math.isnan(r["projected"]) and math.isnan(r["progress"])
    if next_year is None:
        assert math.isnan(r["next_year_value"])
    else:
        assert r["next_year_value"] == pytest.approx(next_year)


def test_assess_rejects_mixed_org_types(test_cat: Catalog) -> None:
    values = pd.concat([_values("org_good_or_better_rate", [(2021, 90)]),
                        _values("org_good_or_better_rate", [(2021, 80)]).assign(org_type="xa")])
    with pytest.raises(ValueError, match="one org-type selection"):
        assess(values, test_cat, UNITS)


# -- up the hierarchy, and the org-type filter -------------------------------------------------------

UNITS_TREE = [
    ("C", "Toàn quốc", "Country", "", "country"),
    ("P", "Tỉnh P", "Province P", "C", "province"),
    ("A", "Huyện A", "District A", "P", "district"),
    ("B", "Huyện B", "District B", "P", "district"),
    ("K", "Khối K", "Bloc K", "P", "bloc"),
]
TREE_FACTS = [
    # 2021: A 8/10 (good or better derived from 2 + 6), B 27/30; P has nothing of its own
    ("A", 2021, "Y", "", "org_rated", 10, "", "A 2021"),
    ("A", 2021, "Y", "", "org_excellent", 2, "", "A 2021"),
    ("A", 2021, "Y", "", "org_good", 6, "", "A 2021"),
    ("B", 2021, "Y", "", "org_rated", 30, "", "B 2021"),
    ("B", 2021, "Y", "", "org_good_or_better", 27, "", "B 2021"),
    # K gives only a bound: it cannot enter a sum
    ("K", 2021, "Y", "", "org_good_or_better_rate", 90, ">", "K 2021"),
    # 2022: P reports its own counts, which win over its districts' for P and for the country
    ("A", 2022, "Y", "", "org_rated", 10, "", "A 2022"),
    ("A", 2022, "Y", "", "org_good_or_better", 9, "", "A 2022"),
    ("P", 2022, "Y", "", "org_rated", 50, "", "P 2022"),
    ("P", 2022, "Y", "", "org_good_or_better", 40, "", "P 2022"),
    # 2023: B states only a rate; A's counts by org type
    ("B", 2023, "Y", "", "org_good_or_better_rate", 90, "", "B 2023"),
    ("A", 2023, "Y", "xa", "org_rated", 6, "", "A 2023 xã"),
    ("A", 2023, "Y", "xa", "org_good_or_better", 5, "", "A 2023 xã"),
    ("A", 2023, "Y", "phuong", "org_rated", 4, "", "A 2023 phường"),
    ("A", 2023, "Y", "phuong", "org_good_or_better", 3, "", "A 2023 phường"),
    ("B", 2023, "Y", "xa", "org_rated", 20, "", "B 2023 xã"),
    ("B", 2023, "Y", "xa", "org_good_or_better", 18, "", "B 2023 xã"),
    # a first half: 30 admitted of 1.000 members, shown against no target
    ("A", 2021, "H1", "", "admitted", 30, "", "A 6 tháng 2021"),
    ("A", 2021, "H1", "", "member_total", 1000, "", "A 6 tháng 2021"),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = _db(tmp_path_factory.mktemp("tree"), UNITS_TREE, TREE_FACTS)
    yield con
    con.close()


AGGREGATES = [
    # org_types, unit, year, basis, num, den, n_units — a sum of counts, never an average of rates
    (None, "P", 2021, "aggregated", 35, 40, 2),   # (8 + 27) / (10 + 30) = 87,5%, not (80 + 90) / 2
    (None, "C", 2021, "aggregated", 35, 40, 2),   # through P, which has nothing of its own
    (None, "K", 2021, "stated", math.nan, math.nan, 1),
    (None, "P", 2022, "counts", 40, 50, 1),
    (None, "C", 2022, "aggregated", 40, 50, 1),   # P's own counts, not P's + A's
    (None, "B", 2023, "stated", math.nan, math.nan, 1),
    (("xa", "phuong"), "A", 2023, "counts", 8, 10, 1),  # the chosen types summed
    (("xa",), "A", 2023, "counts", 5, 6, 1),
    (("xa", "phuong"), "P", 2023, "aggregated", 26, 30, 2),  # A's 8/10 + B's 18/20
    (("phuong",), "P", 2023, "aggregated", 3, 4, 1),
]


@pytest.mark.parametrize("org_types,unit,year,basis,num,den,n_units", AGGREGATES)
def test_aggregation(tree: duckdb.DuckDBPyConnection, cat: Catalog, org_types: tuple[str, ...] | None, unit: str,
                     year: int, basis: str, num: float, den: float, n_units: int) -> None:
    v = indicator_values(tree, cat, org_types=org_types)
    r = _row(v, unit_code=unit, indicator="org_good_or_better_rate", year=year, period="Y")
    assert (r["basis"], r["n_units"], r["org_type"]) == (basis, n_units, "+".join(sorted(org_types or [""])))
    if basis == "stated":
        assert math.isnan(r["num"]) and math.isnan(r["den"])
    else:
        assert (r["num"], r["den"], r["value"]) == (num, den, pytest.approx(100 * num / den))


def test_aggregate_equals_sum_of_units(tree: duckdb.DuckDBPyConnection, cat: Catalog) -> None:
    v = indicator_values(tree, cat)
    rated = v[(v["indicator"] == "org_rated_rate")]
    assert rated.empty  # no org_total anywhere: nothing to divide by
    gob = v[(v["indicator"] == "org_good_or_better_rate") & (v["year"] == 2021)]
    units = gob[gob["unit_code"].isin(["A", "B"])]
    p = _row(gob, unit_code="P")
    assert (p["num"], p["den"]) == (units["num"].sum(), units["den"].sum())


def test_units_filter_keeps_descendants_counts(tree: duckdb.DuckDBPyConnection, cat: Catalog) -> None:
    only_p = indicator_values(tree, cat, units=["P"])
    assert set(only_p["unit_code"]) == {"P"}
    full = indicator_values(tree, cat)
    cols = ["indicator", "year", "period", "value", "num", "den", "n_units"]
    expected = full[full["unit_code"] == "P"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(only_p[cols].reset_index(drop=True), expected)


def test_scorecard_for_an_aggregated_province(tree: duckdb.DuckDBPyConnection, cat: Catalog) -> None:
    # the province resolution sets no target on TCCSĐ ratings; districts' (by kind) do
    s = judged_values(tree, cat, unit="A", year=2021)
    r = _row(s, indicator="org_good_or_better_rate")
    assert (r["value"], r["target"], r["comparator"], r["met"], r["status"]) == (80.0, 80.0, ">", "no", "off_track")
    # H1 is shown, not judged against the yearly "> 4%" admissions target
    r = _row(s, indicator="admission_rate")
    assert (r["period"], r["value"], r["comparator"], r["met"], r["status"]) == ("H1", 3.0, "", "", "")
    assert math.isnan(r["target"])
    assert judged_values(tree, cat, unit="P").empty
