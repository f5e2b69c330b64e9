"""The data-entry template: written from the catalogue, filled by hand, read back into the long form."""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from core.catalog import default_catalog
from etl.model import MEASURE_COLUMNS, ORIGIN_COLUMNS
from etl.template import (
    INSTRUCTIONS_SHEET,
    MARKER_SHEET,
    is_template,
    measure_group,
    read_template,
    template_sections,
    write_template,
)

UNITS = [("BD-TAYSON", "Đảng bộ huyện Tây Sơn"),
         ("TH-KHOI", "Đảng bộ Khối Cơ quan và Doanh nghiệp tỉnh Thanh Hóa")]
YEARS = [2020, 2021, 2022, 2023, 2024, 2025]
# Layout for YEARS with the 2020–2025 term: C..H the years, I the 2023 first half, J the source.
COL = {"2020": "C", "2021": "D", "2022": "E", "2023": "F", "2024": "G", "2025": "H", "H1": "I", "src": "J"}


@pytest.fixture(scope="module")
def cat():
    return default_catalog()


def _row_of(ws, measure: str) -> int:
    rows = [c.row for c in ws["B"] if c.value == measure]
    assert len(rows) == 1, f"{measure} on {len(rows)} rows"
    return rows[0]


def _sheet(wb, code: str):
    """A unit's sheet, by the code in its B1 (the sheets are named by the units' Vietnamese names)."""
    [ws] = [ws for ws in wb.worksheets if ws["B1"].value == code]
    return ws


TITLES = {"BD-TAYSON": "Huyện Tây Sơn", "TH-KHOI": "Khối Cơ quan và Doanh nghiệp…"}


def _fill(path: Path, cells: dict[str, dict[tuple[str, str], object]]) -> dict[tuple[str, str], int]:
    """Fill {unit code: {(measure, column key): value}}; return the row each (code, measure) is on."""
    wb = openpyxl.load_workbook(path)
    where = {}
    for sheet, values in cells.items():
        ws = _sheet(wb, sheet)
        for (measure, key), value in values.items():
            r = _row_of(ws, measure)
            where[(sheet, measure)] = r
            ws[f"{COL[key]}{r}"] = value
    wb.save(path)
    return where


def test_filled_template_reads_back_as_exact_long_form(tmp_path, cat):
    path = tmp_path / "mau.xlsx"
    write_template(path, cat, UNITS, YEARS)
    at = _fill(path, {
        "BD-TAYSON": {("org_total", "2021"): 58, ("member_rated", "2021"): "4.116",
                      ("member_good_or_better_rate", "2022"): "99,74%", ("admitted", "H1"): 68,
                      ("admitted", "src"): "BC 6 tháng 2023 của Huyện ủy"},
        "TH-KHOI": {("collective_rated", "2022"): "3.577", ("org_good_or_better_rate", "2022"): "trên 90",
                    ("units_total", "2023"): 121.0},
    })
    staged = read_template(path, cat)

    assert staged.problems == []
    assert staged.kind == "measures" and staged.file == str(path)
    assert staged.column_names == {"measure": "B", "unit_code": "B1", "source": "J"}
    assert list(staged.frame.columns) == [*ORIGIN_COLUMNS, *MEASURE_COLUMNS]
    got = staged.frame.drop(columns="file").to_dict("records")

    def row(sheet, measure, key, year, period, value, qualifier="", source=""):
        return {"sheet": TITLES[sheet], "row": at[(sheet, measure)], "value_col": COL[key], "unit_code": sheet,
                "year": year, "period": period, "org_type": "", "measure": measure, "value": value,
                "qualifier": qualifier, "source": source}

    expected = [
        row("BD-TAYSON", "org_total", "2021", "2021", "Y", "58"),
        row("BD-TAYSON", "member_rated", "2021", "2021", "Y", "4116"),
        row("BD-TAYSON", "member_good_or_better_rate", "2022", "2022", "Y", "99.74"),
        row("BD-TAYSON", "admitted", "H1", "2023", "H1", "68", source="BC 6 tháng 2023 của Huyện ủy"),
        row("TH-KHOI", "org_good_or_better_rate", "2022", "2022", "Y", "90", qualifier=">"),
        row("TH-KHOI", "collective_rated", "2022", "2022", "Y", "3577"),
        row("TH-KHOI", "units_total", "2023", "2023", "Y", "121"),
    ]
    def order(d):
        return d["unit_code"], d["row"], d["value_col"]

    assert sorted(got, key=order) == sorted(expected, key=order)
    assert set(staged.frame["file"]) == {str(path)}


def test_text_that_is_not_a_number_is_a_problem_not_a_silent_drop(tmp_path, cat):
    path = tmp_path / "mau.xlsx"
    write_template(path, cat, UNITS, YEARS)
    at = _fill(path, {"TH-KHOI": {("org_total", "2022"): "abc", ("org_rated", "2022"): "120"}})
    staged = read_template(path, cat)

    assert len(staged.problems) == 1
    p = staged.problems[0]
    assert (p.rule, p.sheet, p.row, p.column, p.severity) == (
        "not_numeric", TITLES["TH-KHOI"], at[("TH-KHOI", "org_total")], "E", "error")
    assert p.text("vi") == ("«abc» (Tổng số tổ chức cơ sở đảng, năm 2022) không phải là một số. Hãy ghi số như trong "
                            "báo cáo, ví dụ 3.577 hoặc 99,74%; ngưỡng ghi «trên 90»; để trống nếu không có số liệu.")
    assert staged.frame[["measure", "value"]].values.tolist() == [["org_rated", "120"]]


def test_blank_template_takes_the_unit_code_from_b1_not_the_sheet_title(tmp_path, cat):
    path = tmp_path / "trong.xlsx"
    write_template(path, cat, None, YEARS)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, "DONVI", MARKER_SHEET]
    ws = wb["DONVI"]
    assert "B1" in ws["A1"].value and ws["B1"].value is None
    ws["B1"] = "BD-TAYSON"
    ws.title = "Tây Sơn"
    r = _row_of(ws, "member_total")
    ws[f"D{r}"] = "4.390"
    ws[f"J{r}"] = "03-BC/HU"
    copy = wb.copy_worksheet(ws)  # a second unit filled on a copy of the sheet
    copy["B1"] = "BD-ANNHON"
    copy[f"D{r}"] = "khoảng 5.000"
    wb.save(path)

    frame = read_template(path, cat).frame
    cols = ["sheet", "unit_code", "year", "measure", "value", "qualifier", "source"]
    assert frame[cols].values.tolist() == [
        ["Tây Sơn", "BD-TAYSON", "2021", "member_total", "4390", "", "03-BC/HU"],
        [copy.title, "BD-ANNHON", "2021", "member_total", "5000", "~", "03-BC/HU"],
    ]


def test_percent_formatted_number_cell_is_read_as_percent(tmp_path, cat):
    path = tmp_path / "mau.xlsx"
    write_template(path, cat, UNITS[:1], YEARS)
    wb = openpyxl.load_workbook(path)
    ws = _sheet(wb, "BD-TAYSON")
    r = _row_of(ws, "org_good_or_better_rate")
    ws[f"D{r}"] = 0.9655
    ws[f"D{r}"].number_format = "0.00%"
    ws[f"E{r}"] = 96.55
    ws[f"E{r}"].number_format = "General"
    wb.save(path)
    assert read_template(path, cat).frame["value"].tolist() == ["96.55", "96.55"]


def test_instruction_sheet_is_first_and_in_vietnamese_with_english(tmp_path, cat):
    path = tmp_path / "mau.xlsx"
    write_template(path, cat, UNITS, YEARS)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Hướng dẫn"
    text = "\n".join(str(c.value) for c in wb["Hướng dẫn"]["A"] if c.value)
    for phrase in ("Để trống ô khi báo cáo không có số liệu", "3.577", "99,74%", "\"trên 90\"", "\">90\"",
                   "dưới", "khoảng", "Nguồn / Source", "6 tháng đầu năm", "Leave a cell empty"):
        assert phrase in text, phrase
    assert wb[MARKER_SHEET].sheet_state == "veryHidden"
    assert wb.sheetnames[1:3] == [TITLES[code] for code, _ in UNITS]  # named by the unit, not its code
    assert [_sheet(wb, code)["A1"].value for code, _ in UNITS] == [name for _, name in UNITS]
    for banned in ("python -m", "--", ".yaml", "units.csv", "DONVI"):  # no command, flag or config file
        assert banned not in text, banned


def test_unit_sheet_layout(tmp_path, cat):
    path = tmp_path / "mau.xlsx"
    write_template(path, cat, UNITS[:1], YEARS)
    ws = _sheet(openpyxl.load_workbook(path), "BD-TAYSON")
    assert [c.value for c in ws[3]] == ["Chỉ tiêu / Measure", "Mã / ID", "2020", "2021", "2022", "2023",
                                        "2024", "2025", "6 tháng đầu năm 2023", "Nguồn / Source"]
    assert ws.freeze_panes == "C4"
    ids = [c.value for c in ws["B"][3:] if c.value]
    # every measure once, then the headline rates; nothing else
    rates = [i.id for i in cat.headline_indicators() if i.is_rate]
    assert sorted(ids) == sorted([*cat.measures, *rates])
    # a group header is bold with no id; the rows under it belong to its group
    titles = [s.title for s in template_sections(cat)]
    headers = [c.row for c in ws["A"][3:] if c.value in titles]
    assert len(headers) == len(titles) and all(ws.cell(r, 1).font.b and ws.cell(r, 2).value is None
                                               for r in headers)
    r = _row_of(ws, "member_total")
    header_above = max(h for h in headers if h < r)
    assert ws.cell(header_above, 1).value == cat.groups["dang_vien"].name_vi


def test_default_years_are_a_catalogue_term_with_its_midterm_half(tmp_path, cat):
    path = tmp_path / "mau.xlsx"
    write_template(path, cat, UNITS[:1])
    header = [c.value for c in _sheet(openpyxl.load_workbook(path), "BD-TAYSON")[3]][2:-1]
    terms = {(*(str(y) for y in t.years), f"6 tháng đầu năm {t.midterm}") for t in cat.terms.values()}
    assert tuple(header) in terms


def test_measure_group_uses_the_rated_entity_then_the_first_formula(cat):
    assert measure_group(cat, "member_total") == "dang_vien"  # admission_rate divides by it too
    assert measure_group(cat, "collective_province_excellent") == "lanh_dao"
    assert measure_group(cat, "upper_org_good") == "to_chuc"
    assert measure_group(cat, "admitted") == "ket_nap"
    assert measure_group(cat, "units_model_rate") == "khoi"
    assert measure_group(cat, "no_such_measure") is None


def test_is_template_only_for_the_template(tmp_path, cat):
    long_form = tmp_path / "long.xlsx"
    frame = pd.DataFrame({"unit_code": ["BD-TAYSON"], "year": [2021], "measure": ["org_total"],
                          "value": [58]})
    frame.to_excel(long_form, index=False)
    csv = tmp_path / "m.csv"
    csv.write_text("unit_code,year,measure,value\nBD-TAYSON,2021,org_total,58\n", encoding="utf-8")
    tpl = tmp_path / "mau.xlsx"
    write_template(tpl, cat, UNITS, YEARS)
    assert (is_template(long_form), is_template(csv), is_template(tmp_path / "missing.xlsx")) == (False,) * 3
    assert is_template(tpl) is True


def test_refuses_a_workbook_without_the_marker_or_with_an_unknown_version(tmp_path, cat):
    long_form = tmp_path / "long.xlsx"
    pd.DataFrame({"unit_code": ["BD-TAYSON"], "value": [58]}).to_excel(long_form, index=False)
    tpl = tmp_path / "mau.xlsx"
    write_template(tpl, cat, UNITS, YEARS)
    wb = openpyxl.load_workbook(tpl)
    wb[MARKER_SHEET]["B1"] = 99
    wb.save(tpl)
    for path, words in [(long_form, "marker"), (tpl, "version 99")]:
        staged = read_template(path, cat)
        assert [(p.rule, p.row, p.column) for p in staged.problems] == [("unreadable_file", None, None)]
        assert words in staged.problems[0].message
        assert staged.frame.empty and list(staged.frame.columns) == [*ORIGIN_COLUMNS, *MEASURE_COLUMNS]


# -- the template as a form to correct: written from the database ------------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture
def sample_db(tmp_path) -> Path:
    from etl.load import load

    db = tmp_path / "m.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv"], db)
    return db


def _facts(db: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (load_id) FROM facts ORDER BY ALL").fetchall()


def test_a_prefilled_template_read_back_unchanged_loads_nothing_and_conflicts_with_nothing(tmp_path, sample_db, cat):
    from etl.__main__ import main
    from etl.load import check, load

    path = tmp_path / "mau.xlsx"
    assert main(["template", "--out", str(path), "--db", str(sample_db), "--unit", "BD-TAYSON", "TH-KHOI"]) == 0
    staged = read_template(path, cat)
    assert staged.problems == []
    # every whole-year and midterm first-half total of the two units is filled in, as loaded
    import duckdb

    with duckdb.connect(str(sample_db), read_only=True) as con:
        loaded = con.execute("""SELECT count(*) FROM facts WHERE unit_code IN ('BD-TAYSON', 'TH-KHOI')
                                AND org_type = '' AND (period = 'Y' OR (period = 'H1' AND year = 2023))"""
                             ).fetchone()[0]
    assert len(staged.frame) == loaded > 20
    report = check([path], db=sample_db)
    assert report.problems == []
    before = _facts(sample_db)
    done = load([path], sample_db)
    assert (done.inserted, done.unchanged) == (0, loaded)
    assert _facts(sample_db) == before

    wb = openpyxl.load_workbook(path)
    ws = _sheet(wb, "BD-TAYSON")
    r = _row_of(ws, "org_total")
    col = next(c.column_letter for c in ws[r][2:] if c.value)  # a year Tây Sơn's org_total is loaded for
    old = ws[f"{col}{r}"].value
    assert ws[f"{col}{r}"].comment.text.startswith("Nguồn: ")  # the source of what is loaded
    ws[f"{col}{r}"] = str(int(old.replace(".", "")) + 1)
    wb.save(path)
    problems = check([path], db=sample_db).problems
    assert [(p.rule, p.sheet, p.row, p.column) for p in problems] == [
        ("conflict_with_database", "Huyện Tây Sơn", r, col)]
    said = problems[0].text("vi", {"BD-TAYSON": "Huyện Tây Sơn"})
    assert said.startswith("Huyện Tây Sơn (BD-TAYSON), năm ")
    new = int(old.replace(".", "")) + 1
    assert f"«Tổng số tổ chức cơ sở đảng» ghi {new}, nhưng cơ sở dữ liệu đang có {old}" in said


def test_the_catalogue_says_which_kinds_of_unit_get_a_sheet(sample_db, cat):
    from etl.template import from_database

    assert [k for k, kind in cat.unit_kinds.items() if kind.template_sheet] == ["district", "bloc"]
    units, _ = from_database(sample_db, catalog=cat)
    assert [(u.code, u.kind) for u in units] == [("BD-TAYSON", "district"), ("TH-KHOI", "bloc")]
    blocs_only = copy.copy(cat)  # a catalogue where only blocs report
    blocs_only.unit_kinds = {k: v.model_copy(update={"template_sheet": k == "bloc"}) for k, v in cat.unit_kinds.items()}
    units, _ = from_database(sample_db, catalog=blocs_only)
    assert [u.code for u in units] == ["TH-KHOI"]


def test_a_unit_sheet_asks_only_for_its_kinds_measures_and_marks_the_years_not_submitted(tmp_path, sample_db, cat):
    from etl.template import from_database, measures_for

    units, facts = from_database(sample_db, ["BD-TAYSON", "TH-KHOI"])
    assert [(u.code, u.kind) for u in units] == [("BD-TAYSON", "district"), ("TH-KHOI", "bloc")]
    path = tmp_path / "mau.xlsx"
    write_template(path, cat, units, YEARS, facts=facts)
    wb = openpyxl.load_workbook(path)
    district, bloc = _sheet(wb, "BD-TAYSON"), _sheet(wb, "TH-KHOI")
    ids = {c.value for c in district["B"][3:] if c.value}
    # the district's targets (03-CTr/HU) need its organisations' and members' ratings, admissions, cadres
    assert {"org_total", "org_rated", "org_excellent", "org_good", "org_good_or_better_rate", "member_rated",
            "admitted", "grassroots_committee_university"} <= ids
    assert not ids & {"units_total", "cadres_pm_total", "collective_province_total"}  # a bloc's, a province's
    assert ids == measures_for(cat, "BD-TAYSON", "district") | set(facts[facts.unit_code == "BD-TAYSON"]["measure"])
    assert len(ids) < len(cat.measures) / 2
    assert "units_total" in {c.value for c in bloc["B"][3:] if c.value}
    # a year with no whole-year figure of the unit is highlighted, header and cells
    have = {int(y) for u, y, p in zip(facts.unit_code, facts.year, facts.period, strict=True)
            if u == "BD-TAYSON" and p == "Y"}
    for col, year in zip("CDEFGH", YEARS, strict=True):
        header = district[f"{col}3"]
        assert (header.fill.fgColor.rgb == "00F4B084") == (year not in have), year
    assert have and set(YEARS) - have


def test_the_template_command_names_a_unit_it_does_not_know_and_writes_one_year(tmp_path, sample_db, cat, capsys):
    from etl.__main__ import main

    path = tmp_path / "mau.xlsx"
    assert main(["template", "--out", str(path), "--db", str(sample_db), "--unit", "BD-TAYSON", "XX"]) == 2
    assert capsys.readouterr().err.strip() == f"Không có đơn vị XX trong {sample_db}. — No unit XX in {sample_db}."
    assert not path.exists()
    assert main(["template", "--out", str(path), "--db", str(sample_db), "--unit", "TH-KHOI", "--year", "2024"]) == 0
    ws = _sheet(openpyxl.load_workbook(path), "TH-KHOI")
    assert [c.value for c in ws[3]] == ["Chỉ tiêu / Measure", "Mã / ID", "2024", "Nguồn / Source"]
    assert ws["C3"].fill.fgColor.rgb == "00F4B084"  # the bloc has not submitted 2024
    assert ws.title == "Khối Cơ quan và Doanh nghiệp…" and ws["A1"].value.startswith("Đảng bộ Khối Cơ quan")
