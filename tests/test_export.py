"""The meeting pack (monitor.export): every file opened with its own library and its content checked,
on the real sample (data/sample) and on the demo province (`etl demo`).

Charts need the system Chromium: outside CI a missing browser skips those tests, under CI=true it
fails them (a pack without charts must not pass unseen).
"""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from pptx import Presentation

from core.catalog import default_catalog
from etl.demo import write_demo
from etl.load import load
from monitor.export import FORMATS
from monitor.export.charts import find_chromium, png_text
from monitor.export.docx import annex_rows, build_annex, build_draft
from monitor.export.draft import DraftingError, draft_text, load_drafting
from monitor.export.model import from_frames, load_pack_data
from monitor.export.pack import export_pack, pack_bytes
from monitor.export.selection import draft_of, pack_formats, pack_zip, part_name, selection_data, zip_name
from monitor.export.xlsx import build_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"

# Seed 003 II.1.1.1, computed from the counts (56/58 = 96,55%; 13 of the 56 = 23,21%).
TAY_SON_2021_ORG = ("+ Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 96,55%), "
                    "trong đó có 13 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 23,21%); vượt chỉ tiêu đề ra.")


# -- databases and packs ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cat():
    return default_catalog()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("export-sample") / "sample.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv"], db)
    return db


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export-demo")
    write_demo(root / "demo", scale="province", seed=2025)
    db = root / "demo.duckdb"
    load([root / "demo" / "units.csv", root / "demo" / "measures.csv"], db)
    return db


def _connect(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)


@pytest.fixture(scope="module")
def tay_son(sample_db: Path, cat):
    with _connect(sample_db) as con:
        return load_pack_data(con, cat, "BD-TAYSON")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no system chromium: the chart exports must be tested in CI", pytrace=False)
        pytest.skip("no system chromium (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def sample_pack(sample_db: Path, cat, chromium: str, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("sample-pack")
    with _connect(sample_db) as con:
        return out, export_pack(con, cat, out)


@pytest.fixture(scope="module")
def demo_pack(demo_db: Path, cat, chromium: str, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo-pack")
    with _connect(demo_db) as con:
        return out, export_pack(con, cat, out, unit="DEMO-P01", formats="pptx,docx,xlsx,png")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# -- the draft -------------------------------------------------------------------------------------

def test_draft_tay_son_in_the_genre_of_the_report(tay_son, cat):
    lines = draft_text("BD-TAYSON", tay_son.assessed, tay_son.values, cat, unit_name="Tây Sơn",
                       as_of=tay_son.as_of).splitlines()
    assert TAY_SON_2021_ORG in lines
    assert lines[:3] == [
        "1. Đối với tổ chức cơ sở đảng",
        "- Chỉ tiêu đề ra: Hằng năm, có 100% chi, đảng bộ cơ sở hoàn thành nhiệm vụ; trong đó có trên 80% chi, "
        "đảng bộ cơ sở hoàn thành tốt nhiệm vụ; 20% chi, đảng bộ cơ sở hoàn thành xuất sắc nhiệm vụ so với tổng "
        "số hoàn thành tốt nhiệm vụ.",
        "- Kết quả:",
    ]
    # 2022: 18 excellent of 55 good or better is 32,73% (the report wrote 31%, of all 58)
    assert ("+ Năm 2022 có 55/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 94,83%), trong đó "
            "có 18 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 32,73%); vượt chỉ tiêu đề ra.") in lines
    # 100% against "100%" is met, not exceeded
    assert "+ Năm 2021 có 58/58 tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên (tỷ lệ 100%); đạt chỉ tiêu đề ra." \
        in lines
    assert ("+ Năm 2021 đã kết nạp 192 quần chúng vào Đảng, đạt tỷ lệ 102,67% so với kế hoạch năm và đạt tỷ lệ "
            "4,14% so với tổng số đảng viên; vượt chỉ tiêu đề ra.") in lines
    # the first half of 2023: no verdict on a part of a year
    assert "+ 6 tháng đầu năm 2023 đã kết nạp 68/203 quần chúng vào Đảng, đạt tỷ lệ 33,5% so với kế hoạch năm." \
        in lines
    # deadline targets with one year of figures: the forecast says so, naming each target
    assert ("Tỷ lệ cán bộ, công chức cấp xã có trình độ đại học trở lên: mới có số liệu năm 2023 (89,83%), "
            "chưa đủ để dự báo khả năng đạt chỉ tiêu đến năm 2025 (100%).") in lines
    assert [line for line in lines if line[:2].isdigit() or line[:1].isdigit()] == [
        "1. Đối với tổ chức cơ sở đảng", "2. Đối với đảng viên", "3. Về phát triển đảng viên mới",
        "4. Về trình độ chuyên môn, lý luận chính trị của cấp ủy viên cơ sở và cán bộ, công chức cấp xã"]


def test_draft_takes_a_years_figures_in_the_catalogues_period_order(tay_son, cat):
    """A year with no whole-year figure: the term to date (it stands in for the year, docs/method.md §4)
    before the first half, in the order of indicators.yaml's periods, as the Word annex takes them."""
    assert tuple(cat.periods) == ("Y", "TD", "H1")
    v = tay_son.values
    h1 = v[(v["unit_code"] == "BD-TAYSON") & (v["period"] == "H1") & (v["indicator"] == "admissions")]
    assert len(h1) == 1 and int(h1["year"].iloc[0]) == 2023
    values = pd.concat([v, h1.assign(period="TD", value=620.0, num=620.0)], ignore_index=True)
    lines = draft_text("BD-TAYSON", tay_son.assessed, values, cat, as_of=2023).splitlines()
    assert [line for line in lines if "2023" in line and "kết nạp" in line] == [
        "+ Từ đầu nhiệm kỳ đến năm 2023 đã kết nạp 620 đảng viên mới."]


def _with_value(values: pd.DataFrame, unit: str, indicator: str, year: int, value: float,
                qualifier: str = "") -> pd.DataFrame:
    v = values.copy()
    hit = (v["unit_code"] == unit) & (v["indicator"] == indicator) & (v["year"] == year) & (v["period"] == "Y")
    assert hit.sum() == 1
    v.loc[hit, ["value", "qualifier", "num", "den"]] = [value, qualifier, float("nan"), float("nan")]
    return v


@pytest.mark.parametrize(("value", "qualifier", "line"), [
    (75.0, "", "+ Năm 2021, tỷ lệ tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ trở lên đạt 75%; "
               "chưa đạt chỉ tiêu đề ra (trên 80%)."),
    (80.0, "", "+ Năm 2021, tỷ lệ tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ trở lên đạt 80%; "
               "chưa đạt chỉ tiêu đề ra (trên 80%)."),
    (90.0, ">", "+ Năm 2021, tỷ lệ tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ trở lên đạt trên 90%; "
                "vượt chỉ tiêu đề ra."),
    (70.0, ">", "+ Năm 2021, tỷ lệ tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ trở lên đạt trên 70%; "
                "chưa đủ căn cứ để đánh giá so với chỉ tiêu (trên 80%)."),
])
def test_draft_verdict_against_the_target_of_that_year(tay_son, cat, value, qualifier, line):
    values = _with_value(tay_son.values, "BD-TAYSON", "org_good_or_better_rate", 2021, value, qualifier)
    lines = draft_text("BD-TAYSON", tay_son.assessed, values, cat, as_of=2023).splitlines()
    assert line in lines


def test_draft_forecasts_by_status(tay_son, cat):
    a = tay_son.assessed.copy()
    deadline = (a["unit_code"] == "BD-TAYSON") & (a["frequency"] == "deadline")
    a.loc[deadline, "status"] = "on_track"
    lines = draft_text("BD-TAYSON", a, tay_son.values, cat, as_of=2023).splitlines()
    assert lines[-1] == "Dự báo đến năm 2025, đạt chỉ tiêu đề ra."  # one sentence for all three, as the report
    gc = deadline & (a["target_id"] == "gc-university")
    a.loc[gc, ["status", "projected"]] = ["accelerate", 98.5]
    lines = draft_text("BD-TAYSON", a, tay_son.values, cat, as_of=2023).splitlines()
    assert ("Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên: dự báo đến năm 2025 đạt khoảng 98,5%, chưa đạt "
            "chỉ tiêu (100%); cần đẩy nhanh tiến độ thực hiện.") in lines
    assert ("Tỷ lệ cán bộ, công chức cấp xã có trình độ đại học trở lên: dự báo đến năm 2025, đạt chỉ tiêu đề ra."
            in lines)
    # the deadline's own figure is in: no forecast left, the target was missed
    a.loc[gc, ["status", "latest_year"]] = ["off_track", 2025]
    lines = draft_text("BD-TAYSON", a, tay_son.values, cat, as_of=2023).splitlines()
    assert ("Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên: đến năm 2025 đạt 97,52%, không đạt chỉ tiêu đề ra "
            "(100%).") in lines


def test_the_sample_is_no_demo(tay_son):
    assert not tay_son.synthetic and tay_son.term_years == "2020–2025"


def test_draft_of_a_unit_without_targets_is_empty(tay_son, cat):
    assert draft_text("NO-SUCH-UNIT", tay_son.assessed, tay_son.values, cat) == ""


def test_draft_english(tay_son, cat):
    lines = draft_text("BD-TAYSON", tay_son.assessed, tay_son.values, cat, lang="en", as_of=2023).splitlines()
    assert "+ In 2021, grassroots party organisations: good or better, % of rated: 96.55% (56/58); above the target." \
        in lines


def test_drafting_file_naming_an_unknown_indicator_is_refused(cat, tmp_path: Path):
    good = (ROOT / "drafting.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "drafting.yaml"
    bad.write_text(good.replace("{org_excellent_share.num}", "{org_excelent_share.num}", 1), encoding="utf-8")
    with pytest.raises(DraftingError, match=re.escape("unknown field '{org_excelent_share.num}'")):
        load_drafting(cat, bad)
    bad.write_text(good.replace("[admission_rate, admissions,", "[admission_ratio, admissions,", 1), encoding="utf-8")
    with pytest.raises(DraftingError, match="unknown indicator 'admission_ratio'"):
        load_drafting(cat, bad)


# -- Word ------------------------------------------------------------------------------------------

def test_annex_table_tay_son(tay_son, tmp_path: Path):
    path = tmp_path / "annex.docx"
    build_annex(tay_son).save(path)
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["Phụ lục: Kết quả thực hiện các chỉ tiêu", "Đảng bộ huyện Tây Sơn"]
    assert len(doc.tables) == 1
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[0] == ["TT", "Chỉ tiêu", "Chỉ tiêu đề ra", "2021", "2022", "2023", "Đánh giá", "Nguồn"]
    by_name = {r[1]: r for r in rows[1:]}
    gob = by_name["Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên"]
    assert gob[2:7] == ["trên 80% (hằng năm)", "96,55%\n(56 / 58)", "94,83%\n(55 / 58)", "—", "✔ Đạt"]
    adm = by_name["Tỷ lệ kết nạp đảng viên so với tổng số đảng viên"]
    assert adm[3:6] == ["4,14%", "4,16%", "—"]  # stated rates, no counts behind them
    members = by_name["Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên"][3]
    assert members == "94,48%\n(3.889 / 4.116)"  # thousands with a dot
    gc = by_name["Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên"]
    assert gc[2] == "100% (Đến năm 2025)"
    # its 323 members are disputed (the ranks add up to 333): the figure is marked ⚑, the status carries a
    # footnote (tests/test_disputed.py)
    assert gc[5:7] == ["97,52% ⚑\n(315 / 323)", "… Chưa đủ dữ liệu"]
    assert gob[7].startswith("003 Tây Sơn 03-CTr/HU II.1.1.1")
    assert len(rows) == 1 + 8
    assert rows[1:] == [r for r in annex_rows(tay_son, "BD-TAYSON")[1]]


def test_word_files_are_set_in_a_font_with_vietnamese_letters(tay_son, tmp_path: Path):
    for build in (build_annex, build_draft):
        path = tmp_path / f"{build.__name__}.docx"
        build(tay_son).save(path)
        doc = Document(str(path))
        for style in ("Normal", "Title", "Heading 1", "Heading 2"):
            fonts = doc.styles[style].element.rPr.rFonts
            assert {fonts.get(f"{{{fonts.nsmap['w']}}}{slot}") for slot in ("ascii", "hAnsi", "eastAsia", "cs")} \
                == {"Times New Roman"}


def test_draft_docx_holds_the_draft(tay_son, tmp_path: Path):
    path = tmp_path / "draft.docx"
    build_draft(tay_son).save(path)
    doc = Document(str(path))
    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    assert paras[0] == ("Title", "Dự thảo: Kết quả thực hiện các chỉ tiêu chủ yếu")
    assert ("Heading 1", "Đảng bộ huyện Tây Sơn") in paras
    assert ("Heading 2", "1. Đối với tổ chức cơ sở đảng") in paras
    assert ("Normal", TAY_SON_2021_ORG) in paras


# -- Excel -----------------------------------------------------------------------------------------

def test_workbook_sample(sample_db: Path, cat, tmp_path: Path):
    with _connect(sample_db) as con:
        data = load_pack_data(con, cat, "BD")
        n_findings = con.execute("SELECT count(*) FROM findings WHERE unit_code IN ('BD', 'BD-TAYSON')").fetchone()[0]
    path = tmp_path / "book.xlsx"
    build_workbook(data).save(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Đánh giá chỉ tiêu", "Số liệu theo năm", "Kiểm tra chéo"]
    score, values, checks = (wb[n] for n in wb.sheetnames)
    for ws in (score, values, checks):
        assert ws.freeze_panes is not None
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    header = [c.value for c in score[1]]
    # names and words, never ids: the indicator by its name, the comparison as a reader writes it, a bound
    # as the report writes it; the unit's code last, for the officer's data-entry files
    assert header == ["Đơn vị", "Nghị quyết", "Chỉ số", "Nhóm", "Thời hạn", "Chỉ tiêu đề ra", "So sánh", "Chỉ tiêu",
                      "Chỉ tiêu (cận trên)", "Năm số liệu", "Giá trị", "Giá trị như báo cáo ghi", "Đạt", "Đánh giá",
                      "Dự báo", "Tỷ lệ tiến độ (từ 1 trở lên: kịp chỉ tiêu)", "Cần tăng mỗi năm", "Đã tăng mỗi năm",
                      "Nguồn", "Số liệu cần xác minh", "Mã đơn vị (trong tệp nhập số liệu)"]
    col = {name: i for i, name in enumerate(header)}
    rows = {(r[0].value, r[col["Chỉ số"]].value): r for r in score.iter_rows(min_row=2)}
    assert len(rows) == 12 + 8  # BD binds 12 targets of the provincial resolution, Tây Sơn 8
    gob = rows[("Đảng bộ huyện Tây Sơn", "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên")]
    assert gob[col["Chỉ tiêu đề ra"]].value == "trên 80%"
    assert gob[col["So sánh"]].value == ">"
    assert gob[col["Giá trị"]].value == pytest.approx(55 / 58 * 100)
    assert gob[col["Giá trị"]].number_format == "0.00"
    assert gob[col["Đánh giá"]].value == "Đạt"
    assert gob[col["Năm số liệu"]].value == 2022
    assert gob[col["Mã đơn vị (trong tệp nhập số liệu)"]].value == "BD-TAYSON"
    compared = {r[col["So sánh"]].value for r in score.iter_rows(min_row=2)}
    assert compared == {"≥", ">", "="}  # the sample's targets: from …, over …, 100%
    vheader = [c.value for c in values[1]]
    assert vheader == ["Đơn vị", "Chỉ số", "Đơn vị tính", "Kỳ", "Loại hình", "2021", "2022", "2023",
                       "Mã đơn vị (trong tệp nhập số liệu)"]
    vrows = {(r[0].value, r[1].value, r[3].value): r for r in values.iter_rows(min_row=2)}
    members = vrows[("Đảng bộ huyện Tây Sơn", "Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên", "Cả năm")]
    assert [members[5].value, members[6].value, members[7].value] == [
        pytest.approx(3889 / 4116 * 100), pytest.approx(4022 / 4241 * 100), None]
    admitted = vrows[("Đảng bộ huyện Tây Sơn", "Số đảng viên được kết nạp", "6 tháng đầu năm")]
    assert admitted[7].value == 68 and admitted[7].number_format == "#,##0"
    assert checks.max_row - 1 == n_findings == 7
    assert [c.value for c in checks[1]] == ["Kiểm tra", "Mức", "Đơn vị", "Năm", "Kỳ", "Loại hình", "Số liệu",
                                            "Giá trị", "Đối chiếu với", "Chi tiết", "Nguồn",
                                            "Mã đơn vị (trong tệp nhập số liệu)"]
    # words, not ids: the check, its weight, the period and the measure by their names
    first = [c.value for c in checks[2]]
    assert first[:2] == ["Tỷ lệ nêu khác tỷ lệ tính từ số lượng", "Sai lệch"]
    assert first[4] == "Cả năm"
    assert first[6] == "Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt trở lên"
    assert {r[1].value for r in checks.iter_rows(min_row=2)} <= {"Sai lệch", "Cảnh báo"}
    # each detail said from the finding's fields: the parts by name, counts the Vietnamese way
    by_measure = {r[6].value: r for r in checks.iter_rows(min_row=2)}
    assert by_measure["Tổng số cấp ủy viên cơ sở"][9].value == "cao cấp 59 + trung cấp 266 + sơ cấp 8 = 333"
    share = by_measure["Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt trở lên"]
    assert share[9].value == "18 / 55"
    # each figure says what it is, and stays a number: the rate stated against its counts, the total against
    # its parts, the part against its total (no "stated"/"computed" over figures that are neither)
    assert [(c.value, c.number_format) for c in share[7:9]] == [
        (31, '"Báo cáo ghi: "0.00"%"'), (pytest.approx(100 * 18 / 55), '"Tính từ số lượng: "0.00"%"')]
    assert [(c.value, c.number_format) for c in by_measure["Tổng số cấp ủy viên cơ sở"][7:9]] == [
        (323, '"Tổng số ghi: "#,##0'), (333, '"Cộng các thành phần: "#,##0')]
    part = by_measure["Cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên"]
    assert [(c.value, c.number_format) for c in part[7:10]] == [
        (325, '"Thành phần ghi: "#,##0'), (323, '"Tổng số ghi: "#,##0'), ("325 > 323", "General")]


def test_workbook_jump_figures_are_two_years(demo_db: Path, cat):
    """A year-on-year warning holds this year's figure against last year's: the cells say which year each is."""
    with _connect(demo_db) as con:
        data = load_pack_data(con, cat, "DEMO-P01", as_of=2025)
    checks = build_workbook(data)["Kiểm tra chéo"]
    rows = {(r[2].value, r[3].value, r[5].value, r[6].value): r for r in checks.iter_rows(min_row=2)}
    jump = rows[("Đảng bộ huyện Thượng Lạc (mô phỏng)", 2021, "Doanh nghiệp nhà nước",
                 "Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ")]
    assert jump[0].value == "Tỷ lệ đổi hơn 25 điểm so với năm trước" and jump[1].value == "Cảnh báo"
    assert [(c.value, c.number_format) for c in jump[7:10]] == [
        (pytest.approx(96.7741935483871), '"Năm 2021: "0.00"%"'),
        (pytest.approx(70.96774193548387), '"Năm 2020: "0.00"%"'),
        ("2020: 70,97% → 2021: 96,77% (+25,81 điểm %)", "General")]
    formats = {c.number_format for r in checks.iter_rows(min_row=2) for c in r[7:9]}
    assert not any("Báo cáo ghi" in f or "Tính" in f for f in formats)  # every finding of the demo is a jump


# -- charts, slides, the pack ----------------------------------------------------------------------

def test_sample_pack_files_and_zip(sample_pack):
    out, result = sample_pack
    names = {p.relative_to(out).as_posix() for p in result.files}
    for scope, year in (("BD", 2023), ("HD", 2022), ("TH", 2023)):
        for kind, ext in (("bao-cao", "pptx"), ("phu-luc", "docx"), ("du-thao", "docx"), ("so-lieu", "xlsx")):
            assert f"{scope}/{scope}_{kind}_{year}.{ext}" in names
    tay_son_charts = sorted(n for n in names if n.startswith("BD/charts/"))
    # named by the indicators' Vietnamese names, ASCII-safe (not by their English ids)
    indicators = ["ket-nap-dang-vien-so-voi-tong-so-dang-vien", "can-bo-cong-chuc-cap-xa-co-trinh-do-dai-hoc-tro-len",
                  "cap-uy-vien-co-so-co-ly-luan-chinh-tri-tu-trung-cap-tro-len",
                  "cap-uy-vien-co-so-co-trinh-do-dai-hoc-tro-len", "dang-vien-hoan-thanh-tot-nhiem-vu-tro-len",
                  "to-chuc-co-so-dang-hoan-thanh-nhiem-vu-tro-len",
                  "to-chuc-co-so-dang-hoan-thanh-xuat-sac-so-voi-hoan-thanh-tot-tro-len",
                  "to-chuc-co-so-dang-hoan-thanh-tot-nhiem-vu-tro-len"]
    assert tay_son_charts == sorted(f"BD/charts/BD-TAYSON_{i}_2023.{f}" for i in indicators
                                    for f in ("png", "svg", "pdf"))
    assert result.zip_path == out / "tat-ca_2023.zip"
    with zipfile.ZipFile(result.zip_path) as z:
        assert set(z.namelist()) == names
        assert z.read("BD/BD_so-lieu_2023.xlsx") == (out / "BD/BD_so-lieu_2023.xlsx").read_bytes()


def test_chart_files_carry_the_vietnamese_title(sample_pack):
    out, _ = sample_pack
    stem = out / "BD" / "charts" / "BD-TAYSON_to-chuc-co-so-dang-hoan-thanh-tot-nhiem-vu-tro-len_2023"
    title = "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, 2020–2023"
    png = stem.with_suffix(".png").read_bytes()
    assert _png_size(png) == (1400, 1088)  # 700 × (480 + title and legend bands) at scale 2
    assert png_text(png) == {"Title": title}
    svg = stem.with_suffix(".svg").read_text(encoding="utf-8")
    assert f"<title>{title}</title>" in svg
    assert "DejaVu Sans" in svg and "Đảng bộ huyện Tây Sơn" in svg and "Mức chỉ tiêu" in svg
    pdf = stem.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"DejaVuSans" in pdf  # the font with Vietnamese letters is embedded


def test_sample_deck_tay_son(sample_pack):
    out, _ = sample_pack
    prs = Presentation(str(out / "BD" / "BD_bao-cao_2023.pptx"))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles == ["Sơ kết giữa nhiệm kỳ 2020–2025", "Tổ chức đảng", "Tổ chức đảng (tiếp)", "Đảng viên",
                      "Kết nạp đảng viên", "Trình độ cán bộ", "Trình độ cán bộ (tiếp)",
                      "Tổng hợp kết quả thực hiện các chỉ tiêu"]
    first = prs.slides[0].placeholders[1].text_frame.text.splitlines()
    assert first[:2] == ["Đảng bộ huyện Tây Sơn", "Kết quả thực hiện các chỉ tiêu nghị quyết"]
    assert first[2].startswith("Số liệu đến năm 2023 · Lập ngày ")
    texts = {i: [sh.text_frame.text for sh in s.shapes if sh.has_text_frame and sh != s.shapes.title]
             for i, s in enumerate(prs.slides)}
    assert texts[1] == ["3/3 chỉ tiêu đạt; ⚑ 1 số liệu báo cáo tự mâu thuẫn"]  # "31%" excellent is 18/55
    # 325 of 323 members: named as figures to verify, its 100,6% not given as a result
    assert texts[5] == ["0/3 chỉ tiêu đạt; 1 cần xác minh số liệu; 2 chưa đủ dữ liệu; ⚑ 2 số liệu báo cáo tự mâu "
                        "thuẫn\n• Cần xác minh số liệu: Cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên: "
                        "100,6%, tính từ số liệu không khớp nhau (chỉ tiêu đề ra 100%)"]
    pictures = {i: [sh for sh in s.shapes if sh.shape_type == 13] for i, s in enumerate(prs.slides)}
    assert [len(pictures[i]) for i in range(len(titles))] == [0, 2, 1, 1, 1, 2, 1, 0]
    alt = pictures[1][1]._element.nvPicPr.cNvPr.get("descr")
    assert alt == "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, 2020–2023"
    assert _png_size(pictures[1][1].image.blob) == (1400, 1088)
    table = next(sh.table for sh in prs.slides[7].shapes if sh.has_table)
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["Chỉ tiêu", "Chỉ tiêu đề ra", "Kết quả", "Đánh giá"]
    assert rows[2] == ["Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", "trên 80%", "94,8% (2022)",
                       "✔ Đạt"]
    assert len(rows) == 1 + 8
    theory = next(r for r in rows if r[0] == "Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên")
    assert theory[3] == "⁉ Cần xác minh số liệu"
    share = next(r for r in rows if r[0].startswith("Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc"))
    assert share[2:] == ["32,7% (2022) ⚑", "✔ Đạt ⚑"]
    fonts = {r.font.name for s in prs.slides for sh in s.shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs for r in p.runs}
    assert fonts == {"Arial"}


# a group's heat-map is named "bang-" and the group's Vietnamese name, ASCII-safe
HEATMAP_FILES = {"to_chuc": "to-chuc-dang", "dang_vien": "dang-vien", "lanh_dao": "tap-the-ca-nhan-lanh-dao",
                 "ket_nap": "ket-nap-dang-vien", "can_bo": "trinh-do-can-bo", "khoi": "co-quan-doanh-nghiep"}


def test_demo_province_pack(demo_pack, demo_db: Path, cat):
    out, result = demo_pack
    with _connect(demo_db) as con:
        data = load_pack_data(con, cat, "DEMO-P01")
    # the province (its own targets) first, then its 12 districts and 3 blocs
    assert data.as_of == 2025
    assert data.rows == ["DEMO-P01", *[f"DEMO-P01-H{d:02d}" for d in range(1, 13)], "DEMO-P01-K1", "DEMO-P01-K2",
                         "DEMO-P01-K3"]
    groups = [g for g in cat.groups if (data.shown["group"] == g).any()]
    folder = out / "DEMO-P01"
    prs = Presentation(str(folder / "DEMO-P01_bao-cao_2025.pptx"))
    titles = [s.shapes.title.text for s in prs.slides]
    # the demo's latest figures are 2025's, the term's last year: the term's own review (issue 19)
    assert titles == ["Tổng kết nhiệm kỳ 2020–2025", *[cat.groups[g].name_vi for g in groups],
                      "Tổng hợp kết quả thực hiện các chỉ tiêu", "Tổng hợp kết quả thực hiện các chỉ tiêu (tiếp)"]
    subtitle = prs.slides[0].placeholders[1].text_frame.text
    assert "Tỉnh Ngọc Sơn (mô phỏng)" in subtitle and "Có số liệu mô phỏng" in subtitle
    # the demo is known by its facts' source, not by its names; the sample is not a demo
    assert data.synthetic and data.term_years == "2020–2025"
    renamed = data.units.assign(name_vi=data.units["name_vi"].str.replace(" (mô phỏng)", "", regex=False))
    assert from_frames(cat, "DEMO-P01", data.rows, renamed, data.values, data.assessed, data.term, 2025).synthetic
    # a slide's list names a district or a bloc without 'Đảng bộ', as before (issue 20: no slicing in pptx)
    first = prs.slides[1].shapes
    listed = next(sh.text_frame.text for sh in first if sh.has_text_frame and sh != first.title)
    assert "huyện Tây Hòa (mô phỏng) – " in listed and "Đảng bộ huyện" not in listed
    for k, g in enumerate(groups, start=1):
        chart = folder / "charts" / f"DEMO-P01_bang-{HEATMAP_FILES[g]}_2025.png"
        pics = [sh for sh in prs.slides[k].shapes if sh.shape_type == 13]
        assert len(pics) == 1 and pics[0].image.blob == chart.read_bytes()
        assert _png_size(chart.read_bytes())[0] == 1880
        summary = next(sh.text_frame.text for sh in prs.slides[k].shapes if sh.has_text_frame
                       and sh != prs.slides[k].shapes.title).splitlines()[0]
        mine = data.shown[data.shown["group"] == g]
        assert summary.startswith(f"{(mine['status'] == 'achieved').sum()}/{len(mine)} lượt chỉ tiêu đạt "
                                  f"({mine['unit_code'].nunique()} đơn vị)")
    tables = [next(sh.table for sh in s.shapes if sh.has_table) for s in list(prs.slides)[-2:]]
    units = [r.cells[0].text for t in tables for r in list(t.rows)[1:]]
    assert units == [data.name(c) for c in data.rows]
    # one chart per group (heat-map) and per targeted indicator with figures (bars), PNG only as asked
    charts = sorted(p.name for p in (folder / "charts").iterdir())
    assert all(n.endswith(".png") for n in charts) and len(charts) == result.charts
    assert {f"DEMO-P01_bang-{HEATMAP_FILES[g]}_2025.png" for g in groups} <= set(charts)  # Vietnamese names, ASCII
    assert "DEMO-P01_ket-nap-dang-vien-so-voi-tong-so-dang-vien_2025.png" in charts
    wb = load_workbook(folder / "DEMO-P01_so-lieu_2025.xlsx", read_only=True)
    assert wb.sheetnames == ["Đánh giá chỉ tiêu", "Số liệu theo năm", "Kiểm tra chéo"]
    annex = Document(str(folder / "DEMO-P01_phu-luc_2025.docx"))
    assert len(annex.tables) == 16
    assert [c.text for c in annex.tables[0].rows[0].cells][3:9] == ["2020", "2021", "2022", "2023", "2024", "2025"]
    draft = Document(str(folder / "DEMO-P01_du-thao_2025.docx"))
    assert draft.paragraphs[0].text == "Dự thảo: Tổng kết nhiệm kỳ 2020–2025 – kết quả thực hiện các chỉ tiêu chủ yếu"
    headings = [p.text for p in draft.paragraphs if p.style.name == "Heading 1"]
    assert headings == [data.name(c) for c in data.rows]
    with zipfile.ZipFile(result.zip_path) as z:
        assert len(z.namelist()) == len(result.files) == len(charts) + 4


def test_a_page_selection_as_one_zip(tay_son, cat):
    # what a page holds (its frames) → the pack's Word and Excel files in one ZIP, no database, no browser
    data = from_frames(cat, "BD-TAYSON", ["BD-TAYSON"], tay_son.units, tay_son.values, tay_son.assessed,
                       tay_son.term, 2023)
    with zipfile.ZipFile(io.BytesIO(pack_bytes(data, "docx,xlsx"))) as z:
        assert sorted(z.namelist()) == ["BD-TAYSON/BD-TAYSON_du-thao_2023.docx",
                                        "BD-TAYSON/BD-TAYSON_phu-luc_2023.docx",
                                        "BD-TAYSON/BD-TAYSON_so-lieu_2023.xlsx"]
        draft = Document(io.BytesIO(z.read("BD-TAYSON/BD-TAYSON_du-thao_2023.docx")))
    assert TAY_SON_2021_ORG in [p.text for p in draft.paragraphs]


# -- the command -----------------------------------------------------------------------------------

def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", "export", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=600)


def test_cli_writes_the_office_files_without_a_browser(sample_db: Path, tmp_path: Path):
    run = _cli("--db", str(sample_db), "--out", str(tmp_path), "--unit", "BD-TAYSON", "--format", "docx,xlsx",
               env={"MONITOR_CHROMIUM": str(tmp_path / "no-browser")})
    assert run.returncode == 0, run.stderr
    zip_path = re.escape(str(tmp_path / "BD-TAYSON_2023.zip"))  # the seconds vary: one decimal, each language's way
    assert re.fullmatch(rf"Đã ghi 3 tệp và {zip_path} \(0 biểu đồ, \d+,\d giây\) — "
                        rf"Wrote 3 file\(s\) and {zip_path} \(0 chart\(s\), \d+\.\d s\)\n", run.stdout), run.stdout
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "BD-TAYSON/BD-TAYSON_du-thao_2023.docx", "BD-TAYSON/BD-TAYSON_phu-luc_2023.docx",
        "BD-TAYSON/BD-TAYSON_so-lieu_2023.xlsx", "BD-TAYSON_2023.zip"]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--unit", "NOPE"], 1,
     "Bị từ chối: không có đơn vị NOPE trong {db}. — Rejected: --unit NOPE: no such unit in {db}\n"),
    (["--format", "pptx,bmp"], 2, "choose from pptx,docx,xlsx,png,svg,pdf"),
    (["--format", "png"], 1, "No Chromium found to render charts"),
])
def test_cli_refusals(sample_db: Path, tmp_path: Path, args, code, message):
    run = _cli("--db", str(sample_db), "--out", str(tmp_path / "out"), *args,
               env={"MONITOR_CHROMIUM": str(tmp_path / "no-browser")})
    assert run.returncode == code
    assert message.format(db=sample_db) == run.stderr if message.endswith("\n") else message in run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.zip"))


def test_formats_constant_matches_the_contract():
    assert FORMATS == ("pptx", "docx", "xlsx", "png", "svg", "pdf")


# -- a page's selection (monitor.export.selection) -------------------------------------------------

def test_selection_cut_to_the_focused_unit_and_a_group(sample_db: Path, cat):
    with _connect(sample_db) as con:
        bd = load_pack_data(con, cat, "BD")
    data = selection_data(cat, bd.units, bd.values, bd.assessed, scope="BD-TAYSON", rows=["BD-TAYSON"],
                          term=bd.term, as_of=2022, group="ket_nap", findings=bd.findings)
    assert set(data.values["unit_code"]) == set(data.assessed["unit_code"]) == {"BD-TAYSON"}
    assert set(data.assessed["indicator"]) == {"admission_rate"}
    assert set(data.values["indicator"]) <= {i for i, ind in cat.indicators.items() if ind.group == "ket_nap"}
    assert set(data.findings["unit_code"]) == {"BD-TAYSON"} and data.findings["year"].max() == 2022
    assert draft_of(data, "BD-TAYSON").splitlines()[0] == "1. Về phát triển đảng viên mới"
    assert zip_name("BD-TAYSON", 2022, group="ket_nap") == "BD-TAYSON_ket-nap_2022.zip"
    assert part_name("so-lieu", "DEMO-P01", 2025, kind="bloc", org_types=["xa", "thi_tran"]) == \
        "DEMO-P01_bloc_xa-thi-tran_so-lieu_2025.xlsx"


def test_the_pages_draft_names_the_unit_below_as_the_word_draft_does(cat,
                                                                     tmp_path_factory: pytest.TempPathFactory):
    """Tỉnh Thử's 2022 total includes its district's contradicted figure: the Unit page's draft text names the
    district, word for word as its Word draft (it said only 'gồm 1 số liệu đơn vị cấp dưới cần xác minh')."""
    from tests.dashboard_data import totals_db

    with _connect(totals_db(tmp_path_factory)) as con:
        data = load_pack_data(con, cat, "P")
    line = ("+ Năm 2022, về tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên: gồm 1 số liệu đơn vị cấp "
            "dưới cần xác minh: Đảng bộ huyện Thử; đề nghị đơn vị xác minh lại số liệu trước khi đánh giá.")
    assert line in draft_of(data, "P").splitlines()
    assert line in [p.text for p in build_draft(data).paragraphs]


def test_a_pack_whose_charts_fail_holds_the_office_files_and_says_why(tay_son, cat, tmp_path: Path, monkeypatch):
    # the page offered charts, the browser is gone by the click: no exception, a note in the ZIP
    monkeypatch.setenv("MONITOR_CHROMIUM", str(tmp_path / "no-browser"))
    data = from_frames(cat, "BD-TAYSON", ["BD-TAYSON"], tay_son.units, tay_son.values, tay_son.assessed,
                       tay_son.term, 2023)
    with zipfile.ZipFile(io.BytesIO(pack_zip(data, FORMATS))) as z:
        assert sorted(z.namelist()) == ["BD-TAYSON/BD-TAYSON_du-thao_2023.docx",
                                        "BD-TAYSON/BD-TAYSON_phu-luc_2023.docx",
                                        "BD-TAYSON/BD-TAYSON_so-lieu_2023.xlsx", "GHI-CHU.txt"]
        note = z.read("GHI-CHU.txt").decode("utf-8")
    assert note.startswith("Gói này chỉ có các tệp Word và Excel: không vẽ được biểu đồ (No Chromium found")
    assert pack_formats() == ("docx", "xlsx")


def test_workbook_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    import openpyxl

    from monitor.export.xlsx import _sheet

    wb = openpyxl.Workbook()
    _sheet(wb.active, ["unit", "source"], [["X", "=HYPERLINK(\"http://a\")"], ["Y", "Báo cáo 03"]], {}, [10, 10])
    out = tmp_path / "f.xlsx"
    wb.save(out)
    ws = openpyxl.load_workbook(out).active
    assert [(c.value, c.data_type) for c in ws["B"]] == [
        ("source", "s"), ("=HYPERLINK(\"http://a\")", "s"), ("Báo cáo 03", "s")]


# -- a long title is wrapped, never cut (stop 16) ------------------------------------------------------

def _longest_titles(cat, lang: str) -> list[tuple[str, str]]:
    """(kind, title) of the longest trend and bars titles a pack of the catalogue can have in `lang`."""
    from monitor.export.text import tx

    name = max((i.name(lang) for i in cat.indicators.values()), key=len)
    return [("trend", tx("chart_trend", lang, indicator=name, start=2020, end=2025)),
            ("bars", tx("chart_bars", lang, indicator=name, year=2025))]


# a contradicted figure's note under a trend, as long as the demo's (it was cut at the right edge too)
NOTES = {"vi": "Đảng bộ huyện Tây Sơn (2022): báo cáo ghi 31%, nhưng tính từ số lượng được 32,7%: số liệu báo cáo "
               "không khớp với chính nó",
         "en": "Tây Sơn District Party Committee (2022): the report states 31%, but its own counts give 32.7%: the "
               "report contradicts itself"}


def _chart(kind: str, title: str, lang: str):
    from monitor import charts as dash
    from monitor.export.charts import Chart
    from monitor.export.figures import TREND_HEIGHT, TREND_WIDTH

    if kind == "trend":
        series = pd.DataFrame({"unit_code": ["A"] * 2, "unit_name": ["Huyện A"] * 2, "year": [2021, 2022],
                               "value": [96.5, 97.25], "qualifier": ["", ""]})
        fig = dash.trend(series, unit="percent", years=range(2020, 2026), lang=lang, title=title, notes=[NOTES[lang]])
        return Chart(fig, "A", "x", 2025, title, kind="trend", width=TREND_WIDTH, height=TREND_HEIGHT)
    frame = pd.DataFrame({"unit_code": ["A", "B"], "unit_name": ["Huyện A", "Huyện B"], "value": [96.5, 88.0],
                          "qualifier": ["", ""], "status": ["achieved", "at_risk"], "target": [95.0, 95.0],
                          "target_high": [float("nan")] * 2, "comparator": [">=", ">="]})
    fig = dash.bars(frame, unit="percent", lang=lang, title=title)
    return Chart(fig, "A", "x", 2025, title, kind="bars", height=int(fig.layout.height or 560))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_longest_chart_titles_are_wrapped_whole_inside_the_png(cat, chromium: str, lang: str) -> None:
    """Rendered by Kaleido at the pack's sizes: the whole title is in the chart, in lines, and the PNG's
    right-hand columns across the title's band are white (a cut title ran its letters into them)."""
    from PIL import Image

    from monitor.export.charts import SCALE, browser, for_export, render_chart

    with browser():
        for kind, title in _longest_titles(cat, lang):
            chart = render_chart(_chart(kind, title, lang), ["png"])
            spec = for_export(chart.fig, chart.width, chart.height)
            lines = spec["layout"]["title"]["text"].split("<br>")
            assert " ".join(lines) == title  # whole, broken between words
            assert len(lines) == {"trend": 2, "bars": 1}[kind]  # 700 px wide trends need two lines, 940 px bars one
            band = spec["layout"]["margin"]["t"] * SCALE
            image = Image.open(io.BytesIO(chart.images["png"])).convert("L")
            assert image.size[0] == chart.width * SCALE
            right = image.crop((image.size[0] - 12 * SCALE, 0, image.size[0], band))
            assert right.getextrema() == (255, 255), (kind, title)  # nothing but the white background
            if kind == "trend":  # the note under it whole too, in lines, and nothing at the right edge all down
                note = spec["layout"]["xaxis"]["title"]["text"].split("<br>")
                assert " ".join(note) == f"⚑ {NOTES[lang]}" and len(note) == 2
                edge = image.crop((image.size[0] - 12 * SCALE, 0, image.size[0], image.size[1]))
                assert edge.getextrema() == (255, 255), (kind, NOTES[lang])
            # and the title's own lines do reach into the band: a title not drawn would pass the above
            left = image.crop((0, 0, image.size[0] // 2, band))
            assert left.getextrema()[0] < 100, (kind, title)
