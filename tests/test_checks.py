"""Year-over-year warnings (core.checks): jumps that look like typing slips, stored by every load
and printed by `python -m etl check`. Each names unit, year, measure, both numbers and the sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from core.i18n import t
from etl.load import load
from tests.inputs import write_inputs

ROOT = Path(__file__).resolve().parent.parent

UNITS = [("T", "Tỉnh Thử", "Test Province", "", "province"),
         ("A", "Huyện A", "District A", "T", "district"),   # rates
         ("B", "Huyện B", "District B", "T", "district")]   # counts, apart so that no rate is made of them


def _f(unit: str, year: int, measure: str, value: float, *, org: str = "", period: str = "Y",
       qual: str = "") -> tuple:
    return (unit, year, period, org, measure, value, qual, f"BC {year}")


FACTS = [
    # a rate from counts, 90% → 50%: −40 points
    _f("A", 2021, "org_rated", 40), _f("A", 2021, "org_good_or_better", 36),
    _f("A", 2022, "org_rated", 40), _f("A", 2022, "org_good_or_better", 20),
    # the same by org type: 90% → 40% for communes
    _f("A", 2021, "org_rated", 30, org="xa"), _f("A", 2021, "org_good_or_better", 27, org="xa"),
    _f("A", 2022, "org_rated", 30, org="xa"), _f("A", 2022, "org_good_or_better", 12, org="xa"),
    # exactly 25 points (90% → 65%): no warning
    _f("A", 2021, "member_rated", 100), _f("A", 2021, "member_good_or_better", 90),
    _f("A", 2022, "member_rated", 100), _f("A", 2022, "member_good_or_better", 65),
    # then a bound ("over 95%"): says too little to compare
    _f("A", 2023, "member_good_or_better_rate", 95, qual=">"),
    # 100% → 25% of 4 cells: one cell moves a rate 25 points on so small a base; no warning
    _f("A", 2021, "cell_rated", 4), _f("A", 2021, "cell_good_or_better", 4),
    _f("A", 2022, "cell_rated", 4), _f("A", 2022, "cell_good_or_better", 1),
    # a stated rate with no counts: 4,2% → 40,5% (a digit too many)
    _f("A", 2021, "admission_rate", 4.2), _f("A", 2022, "admission_rate", 40.5),
    # years that do not follow each other: no warning
    _f("A", 2020, "commune_cadres_university_rate", 50), _f("A", 2022, "commune_cadres_university_rate", 90),
    # counts: ×10,25 (warning), ÷10 exactly (warning), ×9,9 (none), from 0 (none), small (none)
    _f("B", 2021, "member_total", 4000), _f("B", 2022, "member_total", 41000),
    _f("B", 2021, "admitted", 150), _f("B", 2022, "admitted", 15),
    _f("B", 2021, "org_total", 50), _f("B", 2022, "org_total", 495),
    _f("B", 2021, "member_failed", 0), _f("B", 2022, "member_failed", 12),
    _f("B", 2021, "upper_org_excellent", 1), _f("B", 2022, "upper_org_excellent", 14),
    # first halves are not compared
    _f("B", 2021, "admission_candidates_trained", 10, period="H1"),
    _f("B", 2022, "admission_candidates_trained", 500, period="H1"),
]

EXPECTED = [
    # rule, unit, year, org_type, measure, stated (this year), computed (last year), detail, source
    ("yoy_rate_jump", "A", 2022, "", "admission_rate", 40.5, 4.2, "2021: 4.2 → 2022: 40.5 (+36.3 điểm)",
     "BC 2021 | BC 2022"),
    ("yoy_rate_jump", "A", 2022, "", "org_good_or_better_rate", 50.0, 90.0, "2021: 90 → 2022: 50 (−40 điểm)",
     "BC 2021 | BC 2022"),
    ("yoy_rate_jump", "A", 2022, "xa", "org_good_or_better_rate", 40.0, 90.0, "2021: 90 → 2022: 40 (−50 điểm)",
     "BC 2021 | BC 2022"),
    ("yoy_count_jump", "B", 2022, "", "admitted", 15.0, 150.0, "2021: 150 → 2022: 15 (÷10)", "BC 2021 | BC 2022"),
    ("yoy_count_jump", "B", 2022, "", "member_total", 41000.0, 4000.0, "2021: 4000 → 2022: 41000 (×10.3)",
     "BC 2021 | BC 2022"),
]


def test_load_stores_the_warnings(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    report = load(write_inputs(tmp_path, UNITS, FACTS), db)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT rule, unit_code, year, org_type, measure, stated, computed, detail, source "
                           "FROM findings WHERE severity = 'warning' ORDER BY unit_code, year, org_type, measure"
                           ).fetchall()
        assert con.execute("SELECT count(*) FROM findings WHERE severity <> 'warning'").fetchall() == [(0,)]
    assert rows == EXPECTED
    assert sorted(f.rule for f in report.findings) == sorted(e[0] for e in EXPECTED)
    assert {f.severity for f in report.findings} == {"warning"}


def test_check_prints_them(tmp_path: Path) -> None:
    units, measures = write_inputs(tmp_path, UNITS, FACTS)
    run = subprocess.run([sys.executable, "-m", "etl", "check", str(units), str(measures)], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0
    out = run.stdout
    count, rate = (t(f"finding_{r}", "vi") for r in ("yoy_count_jump", "yoy_rate_jump"))  # by name, not id
    # a jump's two figures by their years: neither is "stated" nor "computed"
    assert (f"{count}: B, năm 2022: «Tổng số đảng viên» năm 2022: 41.000, năm 2021: 4.000 "
            "(2021: 4.000 → 2022: 41.000 (×10,3)); nguồn: BC 2021 | BC 2022") in out  # said from its fields
    assert (f"{rate}: A, năm 2022: «Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên» (loại hình Xã) "
            "năm 2022: 40%, năm 2021: 90% (2021: 90% → 2022: 40% (−50 điểm %)); nguồn: BC 2021 | BC 2022") in out
    assert "báo cáo nêu" not in out and "tính lại" not in out
    assert out.count(count) + out.count(rate) == len(EXPECTED) and "yoy_" not in out
    assert not [w for w in ("member_total", "org_good_or_better_rate", " Y ", "stated", "computed") if w in out]


def test_the_sample_has_no_jumps(tmp_path: Path) -> None:
    root = ROOT / "data" / "sample"
    report = load([root / "units.csv", root / "measures.csv"], tmp_path / "s.duckdb")
    assert [f for f in report.findings if f.severity == "warning"] == []


def test_a_jumps_detail_in_the_readers_language() -> None:
    """The stored detail stays as it was (the findings' hash); pages and files say it from the fields."""
    from core.i18n import finding_detail

    stored = next(e for e in EXPECTED if e[0] == "yoy_count_jump" and e[4] == "member_total")
    rule, _, year, _, _, stated, computed, detail, _ = stored
    assert detail == "2021: 4000 → 2022: 41000 (×10.3)"
    f = {"rule": rule, "year": year, "stated": stated, "computed": computed, "detail": detail}
    assert finding_detail(f, "vi") == "2021: 4.000 → 2022: 41.000 (×10,3)"
    assert finding_detail(f, "en") == "2021: 4,000 → 2022: 41,000 (×10.3)"
    jump = {"rule": "yoy_rate_jump", "year": 2022, "detail": ""}
    assert finding_detail({**jump, "stated": 40.5, "computed": 4.2}, "en") == "2021: 4.2% → 2022: 40.5% (+36.3 points)"
    assert finding_detail({**jump, "stated": 50.0, "computed": 90.0}, "vi") == "2021: 90% → 2022: 50% (−40 điểm %)"
    part = {"rule": "part_exceeds_whole", "year": 2022, "stated": 3230.0, "computed": 3250.0, "detail": "3250 > 3230"}
    assert finding_detail(part, "vi") == "3.250 > 3.230"
    assert finding_detail(part, "en") == "3,250 > 3,230"
    # a finding of a database loaded before findings had fields: its stored detail
    assert finding_detail({"rule": "stated_rate", "year": 2022, "stated": 31.0, "computed": 32.7,
                           "detail": "18 / 55"}, "en") == "18 / 55"
