"""Reading figures out of reports (etl/extract.py): quality on the seeds, each sentence form, formats.

The seeds' expected files (tests/fixtures/extract/*_expected.csv) are the figures a person would take
from each report, written by hand. Recall = share of them found (same measure, year, period, value
and qualifier); precision = share of proposed rows that are among them.
"""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

import pytest

from core.catalog import default_catalog
from etl.extract import ExtractResult, Origin, extract, extract_main, reason_text, unplaced_path
from etl.model import MEASURE_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
FIXTURES = ROOT / "tests" / "fixtures" / "extract"

Row = tuple[str, str, str, str, str]  # measure, year, period, value, qualifier


def _key(r: dict[str, str]) -> Row:
    return (r["measure"], str(r["year"]), r["period"], r["value"], r["qualifier"])


def rows_of(text: str, year: int = 2022, unit: str = "HD") -> set[Row]:
    return {_key(r) for r in extract(text, unit, year, default_catalog()).rows}


# -- quality on the seeds -----------------------------------------------------------------------

SEED_RUNS = [
    ("000", "000_788a735ad9aef9c3.txt", "HD", 2022),
    ("001", "001_0365d448c436c760.txt", "HD", 2021),
    ("003", "003_ea20b4b07a755bad.txt", "BD-TAYSON", 2023),
]


@pytest.mark.parametrize(("seed", "name", "unit", "year"), SEED_RUNS)
def test_seed_recall_and_precision(seed: str, name: str, unit: str, year: int) -> None:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"{path} is not here (shared/ sits beside the checkout)")
    with (FIXTURES / f"{seed}_expected.csv").open(encoding="utf-8", newline="") as f:
        expected = {_key(r) for r in csv.DictReader(f)}
    result = extract(path, unit, year, default_catalog())
    proposed = [_key(r) for r in result.rows]
    found = expected & set(proposed)
    recall = len(found) / len(expected) if expected else 1.0
    precision = sum(p in expected for p in proposed) / len(proposed) if proposed else 1.0
    print(f"\nseed {seed}: {len(proposed)} proposed, {len(expected)} expected, "
          f"recall {recall:.3f}, precision {precision:.3f}, {len(result.unplaced)} unplaced")
    for missing in sorted(expected - set(proposed)):
        print("  missed:", missing)
    for extra in sorted(set(proposed) - expected):
        print("  not expected:", extra)
    assert all(r["unit_code"] == unit for r in result.rows)
    assert precision == 1.0  # the seeds stay exact (issue 17)
    assert recall == 1.0


def test_seed_001_targets_are_listed_not_proposed() -> None:
    path = SEEDS / "001_0365d448c436c760.txt"
    if not path.exists():
        pytest.skip("seeds not here")
    result = extract(path, "HD", 2021, default_catalog())
    assert result.rows == []
    reasons = {u["reason"] for u in result.unplaced if u["value"].endswith("%")}
    assert reasons == {"target"}
    assert {"95%", "35%", "5%", "20%", "80%"} <= {u["value"] for u in result.unplaced}


# -- sentence forms, one table row each ---------------------------------------------------------

FORMS: list[tuple[str, str, int, set[Row]]] = [
    ("a/b= c%",
     "Năm 2022, toàn tỉnh có 3.577/3.586= 99,74% tập thể lãnh đạo, quản lý kiểm điểm tự phê bình và phê bình.",
     2022, {("collective_rated", "2022", "Y", "3577", ""), ("collective_total", "2022", "Y", "3586", ""),
            ("collective_rated_rate", "2022", "Y", "99.74", "")}),
    ("a/b = c% after a label",
     "Số tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ: 137/671 = 20,4%",
     2022, {("org_excellent", "2022", "Y", "137", ""), ("org_rated", "2022", "Y", "671", ""),
            ("org_excellent_rate", "2022", "Y", "20.4", "")}),
    ("tiers, one per clause",
     "Tập thể lãnh đạo, quản lý đã tiến hành kiểm điểm cấp tỉnh là 80/80= 100%; cấp huyện 946/953= 99,26%.",
     2022, {("collective_province_rated", "2022", "Y", "80", ""),
            ("collective_province_total", "2022", "Y", "80", ""),
            ("collective_province_rated_rate", "2022", "Y", "100", ""),
            ("collective_district_rated", "2022", "Y", "946", ""),
            ("collective_district_total", "2022", "Y", "953", ""),
            ("collective_district_rated_rate", "2022", "Y", "99.26", "")}),
    ("so với … tốt, xuất sắc = excellent share",
     "Số đảng viên hoàn thành xuất sắc nhiệm vụ 14.087/91.788= 15,35% (so với đảng viên hoàn thành tốt "
     "nhiệm vụ, hoàn thành xuất sắc nhiệm vụ chiếm 16,67%)",
     2022, {("member_excellent", "2022", "Y", "14087", ""), ("member_rated", "2022", "Y", "91788", ""),
            ("member_excellent_rate", "2022", "Y", "15.35", ""),
            ("member_excellent_share", "2022", "Y", "16.67", "")}),
    ("count, then chiếm c%",
     "Cấp tỉnh: hoàn thành nhiệm vụ 5/80 tập thể, chiếm 6,25%.",
     2022, {("collective_province_completed", "2022", "Y", "5", ""),
            ("collective_province_rated", "2022", "Y", "80", ""),
            ("collective_province_completed_rate", "2022", "Y", "6.25", "")}),
    ("Tây Sơn: có a/b … hoàn thành tốt (tỷ lệ); trong đó n xuất sắc → good or better",
     "Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 96,5%); trong đó, "
     "có 13 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 23,2%); hoàn thành nhiệm vụ 02 tổ chức cơ sở đảng "
     "(không có tổ chức cơ sở đảng xếp loại không hoàn thành nhiệm vụ).",
     2023, {("org_good_or_better", "2021", "Y", "56", ""), ("org_rated", "2021", "Y", "58", ""),
            ("org_good_or_better_rate", "2021", "Y", "96.5", ""), ("org_excellent", "2021", "Y", "13", ""),
            ("org_excellent_share", "2021", "Y", "23.2", ""), ("org_completed", "2021", "Y", "2", ""),
            ("org_failed", "2021", "Y", "0", "")}),
    ("the report's arithmetic picks the denominator (31% = 18/58, not 18/55)",
     "Năm 2022 có 55/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 94,8%); trong đó, "
     "có 18 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 31%).",
     2023, {("org_good_or_better", "2022", "Y", "55", ""), ("org_rated", "2022", "Y", "58", ""),
            ("org_good_or_better_rate", "2022", "Y", "94.8", ""), ("org_excellent", "2022", "Y", "18", ""),
            ("org_excellent_rate", "2022", "Y", "31", "")}),
    ("counts followed by their percentage",
     "Năm 2021 có 3.889/4.116 đảng viên được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 94,5%), trong đó, có "
     "519 đảng viên hoàn thành xuất sắc nhiệm vụ (tỷ lệ 12,6%); 16 đảng viên không hoàn thành nhiệm vụ "
     "(tỷ lệ 0,38%); vượt chỉ tiêu đề ra.",
     2023, {("member_good_or_better", "2021", "Y", "3889", ""), ("member_rated", "2021", "Y", "4116", ""),
            ("member_good_or_better_rate", "2021", "Y", "94.5", ""),
            ("member_excellent", "2021", "Y", "519", ""), ("member_excellent_rate", "2021", "Y", "12.6", ""),
            ("member_failed", "2021", "Y", "16", ""), ("member_failed_rate", "2021", "Y", "0.38", "")}),
    ("admissions: admitted/plan, % of plan, % of all members",
     "Năm 2021 đã kết nạp 192/187 quần chúng vào Đảng, đạt tỷ lệ 102,67% so với kế hoạch năm và đạt tỷ lệ "
     "4,14% so với tổng số đảng viên trong toàn Đảng bộ huyện vượt chỉ tiêu đề ra.",
     2023, {("admitted", "2021", "Y", "192", ""), ("admission_plan", "2021", "Y", "187", ""),
            ("admission_plan_rate", "2021", "Y", "102.67", ""), ("admission_rate", "2021", "Y", "4.14", "")}),
    ("6 tháng đầu năm → H1",
     "+ 6 tháng đầu năm 2023 đã kết nạp 68/203 quần chúng ưu tú vào Đảng, đạt tỷ lệ 33,5% so với kế hoạch năm.",
     2023, {("admitted", "2023", "H1", "68", ""), ("admission_plan", "2023", "H1", "203", ""),
            ("admission_plan_rate", "2023", "H1", "33.5", "")}),
    ("từ năm … đến nay → term to date",
     "Từ năm 2021 đến nay, toàn huyện kết nạp 444 đảng viên mới.",
     2023, {("admitted", "2023", "TD", "444", "")}),
    ("trong đó có n … (tỷ lệ c%), professional and theory levels",
     "Tổng số cấp ủy viên cơ sở hiện có 323 đồng chí; trong đó, về trình độ chuyên môn: Đại học và trên đại "
     "học 315 đồng chí (tỷ lệ 97,5%), trung cấp 06 đồng chí (tỷ lệ 1,89%); về trình độ lý luận chính trị: "
     "Cao cấp 59 đồng chí (tỷ lệ 17,71%), trung cấp 266 đồng chí (tỷ lệ 79,8%).",
     2023, {("grassroots_committee_members", "2023", "Y", "323", ""),
            ("grassroots_committee_university", "2023", "Y", "315", ""),
            ("grassroots_committee_university_rate", "2023", "Y", "97.5", ""),
            ("grassroots_committee_vocational", "2023", "Y", "6", ""),
            ("grassroots_committee_vocational_rate", "2023", "Y", "1.89", ""),
            ("grassroots_committee_theory_senior", "2023", "Y", "59", ""),
            ("grassroots_committee_theory_senior_rate", "2023", "Y", "17.71", ""),
            ("grassroots_committee_theory_middle", "2023", "Y", "266", ""),
            ("grassroots_committee_theory_middle_rate", "2023", "Y", "79.8", "")}),
    ("commune cadres",
     "Tổng số cán bộ, công chức cấp xã hiện có 295 đồng chí; trong đó, trình độ chuyên môn: Đại học và trên "
     "đại học 265 đồng chí (tỷ lệ 89,83%), sơ cấp 02 đồng chí (tỷ lệ 0,69%).",
     2023, {("commune_cadres", "2023", "Y", "295", ""), ("commune_cadres_university", "2023", "Y", "265", ""),
            ("commune_cadres_university_rate", "2023", "Y", "89.83", ""),
            ("commune_cadres_elementary", "2023", "Y", "2", ""),
            ("commune_cadres_elementary_rate", "2023", "Y", "0.69", "")}),
    ("bound: trên → >",
     "Năm 2022 có trên 90% tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên.",
     2022, {("org_good_or_better_rate", "2022", "Y", "90", ">")}),
    ("bound: dưới → <",
     "Năm 2022, dưới 1% đảng viên không hoàn thành nhiệm vụ.",
     2022, {("member_failed_rate", "2022", "Y", "1", "<")}),
    ("bound: khoảng / gần → ~",
     "Năm 2022, khoảng 15,5% đảng viên hoàn thành xuất sắc nhiệm vụ; gần 80% đảng viên hoàn thành tốt nhiệm vụ.",
     2022, {("member_excellent_rate", "2022", "Y", "15.5", "~"), ("member_good_rate", "2022", "Y", "80", "~")}),
    ("a stated zero",
     "Không hoàn thành nhiệm vụ: không có tập thể lãnh đạo, quản lý cấp huyện nào được đánh giá không hoàn "
     "thành nhiệm vụ.",
     2022, {("collective_district_failed", "2022", "Y", "0", "")}),
    ("word order: level, count, then its share",
     "Đảng viên hoàn thành xuất sắc nhiệm vụ: 1.234 đồng chí, chiếm 12,5%.",
     2022, {("member_excellent", "2022", "Y", "1234", ""), ("member_excellent_rate", "2022", "Y", "12.5", "")}),
    ("word order: count (percent) then its words",
     "Năm 2022 có 1.234 đảng viên (12,5%) hoàn thành xuất sắc nhiệm vụ.",
     2022, {("member_excellent", "2022", "Y", "1234", ""), ("member_excellent_rate", "2022", "Y", "12.5", "")}),
    ("a lone rate",
     "Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên năm 2022 đạt 92,3%.",
     2022, {("member_good_or_better_rate", "2022", "Y", "92.3", "")}),
    ("markdown: bold, italics and a footnote mark",
     "**Năm 2021** có **56/58** tổ chức cơ sở đảng được xếp loại *hoàn thành tốt nhiệm vụ* (tỷ lệ "
     "__96,5%__)<sup>3</sup>.",
     2023, {("org_good", "2021", "Y", "56", ""), ("org_rated", "2021", "Y", "58", ""),
            ("org_good_rate", "2021", "Y", "96.5", "")}),
    ("LaTeX a/b = c%",
     r"Số tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ: $137/671 = 20{,}4\%$",
     2022, {("org_excellent", "2022", "Y", "137", ""), ("org_rated", "2022", "Y", "671", ""),
            ("org_excellent_rate", "2022", "Y", "20.4", "")}),
    ("LaTeX fraction",
     r"Số tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ: $\frac{137}{671} = 20,4\%$",
     2022, {("org_excellent", "2022", "Y", "137", ""), ("org_rated", "2022", "Y", "671", ""),
            ("org_excellent_rate", "2022", "Y", "20.4", "")}),
    ("a sentence hard-wrapped over lines, with blank lines between",
     "Năm 2022, toàn tỉnh có 3.577/3.586= 99,74% tập thể lãnh \n\nđạo, quản lý kiểm điểm tự phê \n\nbình.",
     2022, {("collective_rated", "2022", "Y", "3577", ""), ("collective_total", "2022", "Y", "3586", ""),
            ("collective_rated_rate", "2022", "Y", "99.74", "")}),
    ("a heading and a lead-in give the subject and tier",
     "### Kết quả xếp loại tập thể lãnh đạo, quản lý\n\n- Cấp huyện: kết quả như sau:\n"
     "+ Hoàn thành xuất sắc nhiệm vụ: 210/946= 22,19%\n+ Hoàn thành tốt nhiệm vụ: 713/946= 75,37%\n",
     2022, {("collective_district_excellent", "2022", "Y", "210", ""),
            ("collective_district_rated", "2022", "Y", "946", ""),
            ("collective_district_excellent_rate", "2022", "Y", "22.19", ""),
            ("collective_district_good", "2022", "Y", "713", ""),
            ("collective_district_good_rate", "2022", "Y", "75.37", "")}),
    ("a markdown table under a lead-in",
     "Kết quả xếp loại đảng viên năm 2022:\n\n| Mức xếp loại | Số lượng | Tỷ lệ (%) |\n|---|---|---|\n"
     "| Hoàn thành xuất sắc nhiệm vụ | 14.087 | 15,35 |\n| Hoàn thành tốt nhiệm vụ | 70.421 | 76,72 |\n",
     2022, {("member_excellent", "2022", "Y", "14087", ""), ("member_excellent_rate", "2022", "Y", "15.35", ""),
            ("member_good", "2022", "Y", "70421", ""), ("member_good_rate", "2022", "Y", "76.72", "")}),
    ("a markdown table with years as columns",
     "| TT | Nội dung | Năm 2021 | Năm 2022 |\n|---|---|---|---|\n| 1 | Số đảng viên mới được kết nạp | 192 | 199 |\n",
     2023, {("admitted", "2021", "Y", "192", ""), ("admitted", "2022", "Y", "199", "")}),
    ("a percent of plan without 'so với'",
     "Năm 2023 kết nạp được 712 đảng viên mới, đạt 118,67% kế hoạch.",
     2023, {("admitted", "2023", "Y", "712", ""), ("admission_plan_rate", "2023", "Y", "118.67", "")}),
    ("a breakdown in brackets does not change what follows",
     "Toàn Đảng bộ có 121 tổ chức cơ sở đảng (93 đảng bộ cơ sở, 28 chi bộ cơ sở); đã đánh giá, xếp loại 119 tổ chức.",
     2023, {("org_total", "2023", "Y", "121", ""), ("org_rated", "2023", "Y", "119", "")}),
    ("the start of the term",
     "Đầu nhiệm kỳ, toàn Đảng bộ có 177 tổ chức cơ sở đảng; hiện nay có 121 tổ chức cơ sở đảng.",
     2023, {("org_total", "2020", "Y", "177", ""), ("org_total", "2023", "Y", "121", "")}),
    ("a table of subjects by level, under a title with its year",
     "Bảng 1. Kết quả xếp loại năm 2021\n\n| Đối tượng | Tổng số | HTXSNV | HTTNV | KHTNV |\n|---|---|---|---|---|\n"
     "| Tổ chức cơ sở đảng | 58 | 13 | 43 | 0 |\n| Đảng viên | 4.116 | 519 | 3.370 | 16 |\n",
     2022, {("org_total", "2021", "Y", "58", ""), ("org_excellent", "2021", "Y", "13", ""),
            ("org_good", "2021", "Y", "43", ""), ("org_failed", "2021", "Y", "0", ""),
            ("member_total", "2021", "Y", "4116", ""), ("member_excellent", "2021", "Y", "519", ""),
            ("member_good", "2021", "Y", "3370", ""), ("member_failed", "2021", "Y", "16", "")}),
    ("targets are not results",
     "- Chỉ tiêu Chương trình hành động đề ra: Hằng năm, có trên 80% chi, đảng bộ cơ sở hoàn thành tốt nhiệm vụ.",
     2022, set()),
    ("awards are not ratings",
     "Tặng Bằng khen cho 33 tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ 5 năm liền.",
     2022, set()),
    ("a year after the report's is a forecast",
     "Dự kiến năm 2025 có 95% đảng viên hoàn thành tốt nhiệm vụ trở lên; năm 2026 đạt 96% đảng viên hoàn "
     "thành tốt nhiệm vụ trở lên.",
     2023, set()),
]


@pytest.mark.parametrize(("form", "text", "year", "expected"), FORMS, ids=[f[0] for f in FORMS])
def test_sentence_forms(form: str, text: str, year: int, expected: set[Row]) -> None:
    assert rows_of(text, year) == expected


def test_rows_carry_unit_sentence_and_place() -> None:
    text = "Báo cáo\n\nSố tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ: 478/671 = 71,3%\n"
    result = extract(text, "HD", 2022, default_catalog())
    assert [r["measure"] for r in result.rows] == ["org_good", "org_rated", "org_good_rate"]
    row = result.rows[0]
    assert list(row) == list(MEASURE_COLUMNS)
    assert row["unit_code"] == "HD" and row["year"] == "2022" and row["org_type"] == ""
    assert row["source"] == "line 3: Số tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ: 478/671 = 71,3%"
    # 478/671 is 71,24%: the slip is reported, the stated value kept
    assert [(s.place, s.measure, s.stated, s.computed, s.year) for s in result.slips] == [
        ("line 3", "org_good_rate", "71,3%", 71.24, 2022)]
    assert result.origins[0] == Origin("line 3", "Số tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ: 478/671 = 71,3%")
    assert result.source(0, "vi") == "dòng 3: Số tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ: 478/671 = 71,3%"


def test_footnote_marks_are_not_numbers() -> None:
    text = "Có 02 tổ chức đảng<sup>4</sup> được kiểm tra[^5]; huyện¹ có 76/76 trưởng thôn là đảng viên."
    result = extract(text, "HD", 2022, default_catalog())
    seen = [u["value"] for u in result.unplaced] + [r["value"] for r in result.rows]
    assert "4" not in seen and "5" not in seen and "1" not in seen
    assert sorted(u["value"] for u in result.unplaced) == ["02", "76/76"]


def test_dates_years_and_references_are_not_figures() -> None:
    text = ("Theo Hướng dẫn số 21- HD/BTCTW, ngày 18/10/2019 và Kết luận số 01-KL/TW ngày 18 tháng 5 năm 2021, "
            "nhiệm kỳ 2020 - 2025, Chương trình hành động số 03 của Huyện ủy.")
    result = extract(text, "HD", 2022, default_catalog())
    assert result.rows == [] and result.unplaced == []


# -- unplaced numbers are reported, never dropped -----------------------------------------------

UNPLACEABLE = ("Còn 15 chi bộ trực thuộc đảng ủy chưa đánh giá, xếp loại chất lượng do mới sáp nhập.\n"
               "Tổng số đảng bộ bộ phận có 14 đảng bộ.\n"
               "Tổng sản phẩm trên địa bàn tỉnh ước tăng 9,0%.\n")


def test_unplaced_numbers_are_listed_with_a_reason() -> None:
    result = extract(UNPLACEABLE, "HD", 2022, default_catalog())
    assert result.rows == []
    got = [(u["value"], u["place"]) for u in result.unplaced]
    assert got == [("15", "line 1"), ("14", "line 2"), ("9,0%", "line 3")]
    assert all(u["sentence"] for u in result.unplaced)
    # reasons are codes, rendered in the reader's language at the edge
    assert [u["reason"] for u in result.unplaced] == ["no_measure", "no_group", "change"]
    assert reason_text("no_group", "vi") == "không rõ nhóm"
    assert reason_text("change", "en") == "a change from another year"


def test_extract_main_writes_rows_and_unplaced_side_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "bc.md"
    report.write_text("Số đảng viên hoàn thành tốt nhiệm vụ: 70.421/91.788= 76,72%\n" + UNPLACEABLE,
                      encoding="utf-8")
    out = tmp_path / "out" / "measures.csv"
    assert extract_main(report, "HD", 2022, out) == 0
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["measure"], r["value"]) for r in rows] == [
        ("member_good", "70421"), ("member_rated", "91788"), ("member_good_rate", "76.72")]
    assert rows[0]["source"].startswith("bc.md, line 1: ")
    side = unplaced_path(out)
    assert side == tmp_path / "out" / "measures.unplaced.csv"
    with side.open(encoding="utf-8") as f:
        lost = list(csv.DictReader(f))
    assert [(u["value"], u["reason"], u["reason_code"]) for u in lost] == [
        ("15", "danh mục không có chỉ số này", "no_measure"), ("14", "không rõ nhóm", "no_group"),
        ("9,0%", "mức tăng, giảm so với năm khác", "change")]
    assert capsys.readouterr().out == (
        f"bc.md: 3 dòng của 3 chỉ tiêu → {out}; 3 số chưa xếp được vào chỉ tiêu nào → {side} — "
        f"bc.md: 3 row(s) of 3 measure(s) → {out}; 3 number(s) not placed → {side}\n")


def test_extract_main_says_a_slip_from_its_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "bc.txt"
    report.write_text("Số tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ: 478/671 = 71,3%\n", encoding="utf-8")
    assert extract_main(report, "HD", 2022, tmp_path / "o.csv") == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "  Cần kiểm tra: dòng 1: tỷ lệ 71,3% (Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ) không khớp với chính "
        "các số lượng trong câu, tính lại được 71,24% («Số tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ: 478/671 = "
        "71,3%») — check: line 1: stated 71,3% (grassroots party organisations: good, % of rated), but the "
        "sentence's own counts give 71.24%"]


def test_extract_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "a.txt"
    good.write_text("Tổng số đảng viên: 1.234.\n", encoding="utf-8")
    assert extract_main(good, "HD", 2022, tmp_path / "o.csv") == 0
    capsys.readouterr()
    missing = tmp_path / "missing.txt"
    assert extract_main(missing, "HD", 2022, tmp_path / "o.csv") == 1
    assert capsys.readouterr().err == f"{missing}: không có tệp này. — {missing}: no such file\n"
    assert extract_main(tmp_path / "a.xls", "HD", 2022, tmp_path / "o.csv") == 2
    assert extract_main(good, "bad code", 2022, tmp_path / "o.csv") == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        "--unit «bad code»: mã đơn vị chỉ gồm chữ, chữ số, «-» và «_». — "
        "--unit 'bad code': a unit code is letters, digits, '-' and '_'")
    broken = tmp_path / "b.docx"
    broken.write_bytes(b"not a zip")
    assert extract_main(broken, "HD", 2022, tmp_path / "o.csv") == 1


# -- formats ------------------------------------------------------------------------------------

def test_docx_with_heading_bold_footnote_mark_and_table(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_heading("Kết quả xếp loại đảng viên năm 2022", level=2)
    par = doc.add_paragraph("Số đảng viên hoàn thành xuất sắc nhiệm vụ ")
    par.add_run("14.087/91.788").bold = True
    par.add_run("= 15,35%")
    mark = par.add_run("7")
    mark.font.superscript = True
    par.add_run(".")
    table = doc.add_table(rows=3, cols=3)
    for r, cells in enumerate([("Mức xếp loại", "Số lượng", "Tỷ lệ (%)"),
                               ("Hoàn thành tốt nhiệm vụ", "70.421", "76,72"),
                               ("Không hoàn thành nhiệm vụ", "459", "0,5")]):
        for c, value in enumerate(cells):
            table.cell(r, c).text = value
    path = tmp_path / "bao_cao.docx"
    doc.save(str(path))
    result = extract(path, "HD", 2023, default_catalog())
    got = {(_key(r), r["source"].split(":")[0]) for r in result.rows}
    assert got == {
        (("member_excellent", "2022", "Y", "14087", ""), "bao_cao.docx, paragraph 2"),
        (("member_rated", "2022", "Y", "91788", ""), "bao_cao.docx, paragraph 2"),
        (("member_excellent_rate", "2022", "Y", "15.35", ""), "bao_cao.docx, paragraph 2"),
        (("member_good", "2022", "Y", "70421", ""), "bao_cao.docx, table 1, row 2"),
        (("member_good_rate", "2022", "Y", "76.72", ""), "bao_cao.docx, table 1, row 2"),
        (("member_failed", "2022", "Y", "459", ""), "bao_cao.docx, table 1, row 3"),
        (("member_failed_rate", "2022", "Y", "0.5", ""), "bao_cao.docx, table 1, row 3"),
    }
    assert result.unplaced == []  # the superscript 7 is a footnote mark, not a figure


def _pdf_with_text(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds `lines` (a simple font with a ToUnicode map)."""
    chars = sorted({c for line in lines for c in line})
    assert len(chars) < 250
    code = {c: i + 1 for i, c in enumerate(chars)}
    stream = "BT /F1 11 Tf 40 800 Td 14 TL\n" + "".join(
        "<" + "".join(f"{code[c]:02X}" for c in line) + "> Tj T*\n" for line in lines) + "ET"
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            "1 begincodespacerange <01> <FF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n"
            + "".join(f"<{code[c]:02X}> <{ord(c):04X}>\n" for c in chars)
            + "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 1 /LastChar 255 "
        b"/Widths [" + b" 500" * 255 + b"] /ToUnicode 6 0 R >>",
    ]
    for data in (stream.encode("latin-1"), cmap.encode("latin-1")):
        packed = zlib.compress(data)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_layer(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    path = tmp_path / "bc.pdf"
    path.write_bytes(_pdf_with_text([
        "Năm 2022, số tổ chức cơ sở đảng hoàn thành xuất sắc",
        "nhiệm vụ: 137/671 = 20,4%.",
    ]))
    result = extract(path, "HD", 2022, default_catalog())
    assert {_key(r) for r in result.rows} == {("org_excellent", "2022", "Y", "137", ""),
                                               ("org_rated", "2022", "Y", "671", ""),
                                               ("org_excellent_rate", "2022", "Y", "20.4", "")}
    assert result.rows[0]["source"].startswith("bc.pdf, page 1, line 1: ")


def test_result_shape() -> None:
    result = extract("", "HD", 2022, default_catalog())
    assert isinstance(result, ExtractResult) and result.rows == [] and result.unplaced == []
