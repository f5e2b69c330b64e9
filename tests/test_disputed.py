"""Disputed figures (issue 16) on the seed figures: which values a report's own slips touch, the status
of a figure its readings disagree on, and how the draft, the annex and the charts say so."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from docx import Document

from core.catalog import default_catalog
from etl.load import load
from monitor import by_indicator, comparison, disputes
from monitor import charts as dash
from monitor.attainment import VALUE_COLUMNS, assess, indicator_values, units_frame
from monitor.export.docx import annex_bytes, footnotes_text
from monitor.export.draft import draft_text
from monitor.export.figures import bars_chart, trend_chart
from monitor.export.model import load_pack_data
from monitor.export.pptx import write_deck
from monitor.export.xlsx import workbook_bytes
from tests.dashboard_data import TOTALS_FACTS, TOTALS_UNITS
from tests.inputs import write_inputs

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("db") / "sample.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv"], path)
    c = duckdb.connect(str(path), read_only=True)
    yield c
    c.close()


# unit, indicator, year: disputed, the findings' rules, the other readings the source allows
CASES = [
    # 59 + 266 = 325 of 323 members; the three ranks add up to 333
    ("BD-TAYSON", "grassroots_committee_theory_rate", 2023, True, {"balance", "part_exceeds_whole"},
     [100 * 325 / 333, 100.0]),
    # "31%" excellent, but 18/55 = 32,7%
    ("BD-TAYSON", "org_excellent_share", 2022, True, {"stated_rate"}, [31.0]),
    # the bloc's "24,6%" model units are 30/121 = 24,8%
    ("TH-KHOI", "units_model_rate", 2023, True, {"stated_rate"}, [24.6]),
    # 56/58 good or better: nothing contradicts it
    ("BD-TAYSON", "org_good_or_better_rate", 2021, False, set(), []),
]


@pytest.mark.parametrize("unit,indicator,year,disputed,rules,readings", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}"
                                                                                  for c in CASES])
def test_disputed_values(con: duckdb.DuckDBPyConnection, unit: str, indicator: str, year: int, disputed: bool,
                         rules: set[str], readings: list[float]) -> None:
    v = indicator_values(con, default_catalog(), units=[unit])
    [row] = v[(v["indicator"] == indicator) & (v["year"] == year) & (v["period"] == "Y")].itertuples(index=False)
    assert row.disputed is disputed
    assert {f["rule"] for f in row.findings} == rules
    assert all(f["unit_code"] == unit and f["year"] == year for f in row.findings)
    assert [r[0] for r in row.readings] == pytest.approx(readings)


def test_statuses_of_disputed_targets(con: duckdb.DuckDBPyConnection) -> None:
    cat = default_catalog()
    v = indicator_values(con, cat, units=["BD-TAYSON", "TH-KHOI"])
    units = units_frame(con)
    a = assess(v, cat, units[units["unit_code"].isin(["BD-TAYSON", "TH-KHOI"])]).set_index(["unit_code", "indicator"])
    # over 100%: a figure to verify, whatever else
    theory = a.loc[("BD-TAYSON", "grassroots_committee_theory_rate")]
    assert (theory["status"], theory["disputed"], theory["met"]) == ("to_verify", True, "undecided")
    # 32,7% and 31% both meet "≥ 20%": the verdict stands, marked
    share = a.loc[("BD-TAYSON", "org_excellent_share")]
    assert (share["status"], share["disputed"]) == ("achieved", True)
    model = a.loc[("TH-KHOI", "units_model_rate")]
    assert (model["status"], model["disputed"]) == ("achieved", True)
    good = a.loc[("BD-TAYSON", "org_good_or_better_rate")]
    assert (good["status"], good["disputed"], good["n_disputed"]) == ("achieved", False, 0)


def test_aggregate_counts_disputed_inputs(con: duckdb.DuckDBPyConnection) -> None:
    v = indicator_values(con, default_catalog(), units=["BD"])
    [row] = v[(v["unit_code"] == "BD") & (v["indicator"] == "org_excellent_share")
              & (v["year"] == 2022)].itertuples(index=False)
    assert (row.basis, row.n_disputed, row.disputed) == ("aggregated", 1, False)


def test_draft_asks_for_verification(con: duckdb.DuckDBPyConnection) -> None:
    cat = default_catalog()
    d = load_pack_data(con, cat, "BD-TAYSON", as_of=2023)
    text = draft_text("BD-TAYSON", d.assessed, d.values, cat, "vi", unit_name="Tây Sơn", as_of=2023)
    assert "100,62%" not in text and "100,6%" not in text
    # a contradicted figure whose verdict stands is stated, and the contradiction follows it
    lines = text.splitlines()
    stated = lines.index("+ Năm 2022 có 55/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 94,83%), "
                         "trong đó có 18 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 32,73%); vượt chỉ tiêu đề ra.")
    assert stated < lines.index("+ Năm 2022, về tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt "
                                 "trở lên: báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp; "
                                 "đề nghị đơn vị xác minh lại số liệu trước khi đánh giá.")
    assert ("+ Năm 2023, về tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên: 325 cấp ủy viên cơ "
            "sở có lý luận chính trị từ trung cấp trở lên / 323 tổng số cấp ủy viên cơ sở; tổng số cấp ủy viên cơ sở "
            "ghi 323, các thành phần cộng lại 333: số liệu báo cáo không khớp; tỷ lệ tính ra vượt 100%; đề nghị đơn "
            "vị xác minh lại số liệu trước khi đánh giá.") in text
    assert ("Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên: số liệu năm 2023 trong báo cáo "
            "không khớp với nhau, chưa thể đánh giá khả năng đạt chỉ tiêu đến năm 2025 (100%); đề nghị xác minh "
            "lại số liệu.") in text


def test_annex_footnote(con: duckdb.DuckDBPyConnection) -> None:
    d = load_pack_data(con, default_catalog(), "BD-TAYSON", as_of=2023)
    doc = Document(io.BytesIO(annex_bytes(d)))
    rows = {r.cells[1].text: r for r in doc.tables[0].rows[1:]}
    theory = rows["Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên"].cells[-2]
    assert theory.text == "⁉ Cần xác minh số liệu"
    # Word's own footnote: a superscript reference in the status cell, the text at the foot of the page
    refs = theory._tc.xpath(".//w:footnoteReference/@w:id")
    assert refs == ["3"]
    good = rows["Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên"].cells[-2]
    assert good._tc.xpath(".//w:footnoteReference") == []
    notes = footnotes_text(doc)
    assert len(notes) == 3  # the excellent share 2022, the university rate and the theory rate 2023
    assert notes[0].startswith("Báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%")
    assert notes[2] == ("325 cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên / 323 tổng số cấp ủy viên "
                        "cơ sở; tổng số cấp ủy viên cơ sở ghi 323, các thành phần cộng lại 333: số liệu báo cáo "
                        "không khớp; tỷ lệ tính ra vượt 100%")


def test_chart_marker_and_note(con: duckdb.DuckDBPyConnection) -> None:
    cat = default_catalog()
    d = load_pack_data(con, cat, "BD-TAYSON", as_of=2023)
    chart = trend_chart(d.assessed, d.values, cat, d.units, "BD-TAYSON", "grassroots_committee_theory_rate",
                        d.term, 2023)
    [marker] = [tr for tr in chart.fig.data if tr.name == "⚑ Số liệu báo cáo tự mâu thuẫn"]
    assert marker.marker.symbol == "hexagram" and list(marker.x) == [2023]
    note = chart.fig.layout.xaxis.title.text.replace("<br>", " ")
    assert note.startswith("⚑ Đảng bộ huyện Tây Sơn (2023): 325 cấp ủy viên cơ sở có lý luận chính trị từ trung "
                           "cấp trở lên / 323 tổng số cấp ủy viên cơ sở;")
    d = load_pack_data(con, cat, "TH", as_of=2023)
    bars = bars_chart(d.assessed, d.values, cat, d.units, ["TH-KHOI"], "units_model_rate", 2023, "TH")
    assert any(tr.name == "⚑ Số liệu báo cáo tự mâu thuẫn" for tr in bars.fig.data)
    assert "báo cáo ghi tỷ lệ 24,6%, nhưng 30/121 = 24,8%" in bars.fig.layout.xaxis.title.text.replace("<br>", " ")


def test_compare_scatter_and_ranking_mark_a_disputed_figure(con: duckdb.DuckDBPyConnection) -> None:
    cat = default_catalog()
    d = load_pack_data(con, cat, "BD", as_of=2022)
    x, y = "org_excellent_share", "org_good_or_better_rate"
    frame = comparison.scatter_frame(d.values, x, y, ["BD-TAYSON", "BD"], 2022, d.units, "vi", cat)
    # Tây Sơn's own "31%"; the province's sum of it, marked as a total that includes it (its report says nothing)
    assert frame[["disputed", "summed", "note"]].values.tolist() == [
        [True, False, "báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp"],
        [True, True, "gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn"]]
    fig = dash.scatter(frame, x_name="x", y_name="y", x_unit="percent", y_unit="percent")
    assert [(tr.name, list(tr.x), list(tr.hovertext)) for tr in fig.data if "⚑" in tr.name] == [
        ("⚑ Số liệu báo cáo tự mâu thuẫn", [pytest.approx(100 * 18 / 55)], ["<b>Đảng bộ huyện Tây Sơn</b>"]),
        ("⚑ Tổng gồm số liệu cấp dưới cần xác minh", [pytest.approx(100 * 18 / 55)], ["<b>Tỉnh Bình Định</b>"])]
    assert fig.layout.meta["note"][1:] == [
        "⚑ Đảng bộ huyện Tây Sơn: báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp",
        "⚑ Tỉnh Bình Định: gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn"]
    ranked = comparison.ranking(d.assessed, d.values, x, ["BD-TAYSON"], 2022, d.units, cat, "vi")
    assert ranked["Tình trạng"].iloc[0] == "✔ Đạt ⚑"
    assert ranked["Số liệu cần xác minh"].iloc[0].startswith("Báo cáo ghi tỷ lệ 31%")
    plain = comparison.ranking(d.assessed, d.values, y, ["BD-TAYSON"], 2022, d.units, cat, "vi")
    assert "Số liệu cần xác minh" not in plain.columns


def _sheet_rows(ws) -> tuple[list[str], list[dict[str, object]]]:
    """A sheet's header and its rows as {header: cell}."""
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2)]


YELLOW = "00F0E442"


def test_workbook_column_and_fill(con: duckdb.DuckDBPyConnection) -> None:
    d = load_pack_data(con, default_catalog(), "BD-TAYSON", as_of=2023)
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(d)))
    card, values = wb.worksheets[0], wb.worksheets[1]
    header, rows = _sheet_rows(card)
    assert header[19] == "Số liệu cần xác minh"
    rows = {r["Chỉ số"].value: r for r in rows}
    theory = rows["Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên"]
    assert theory["Đánh giá"].value == "Cần xác minh số liệu" and theory["Đánh giá"].fill.fgColor.rgb == YELLOW
    assert theory["Số liệu cần xác minh"].value.startswith(
        "325 cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên / 323")
    assert theory["Giá trị"].fill.fgColor.rgb == YELLOW  # the value itself
    good = rows["Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên"]
    assert good["Số liệu cần xác minh"].value is None and good["Giá trị"].fill.fill_type is None
    vheader, vrows = _sheet_rows(values)
    filled = {(r["Chỉ số"].value, h): r[h].comment.text for r in vrows for h in vheader[5:8]
              if r[h].fill.fill_type == "solid"}
    share = "Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt trở lên"
    theory_name = "Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên"
    # a yellow cell says, in its note, what its report contradicts
    assert filled[(share, "2022")] == "Báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp"
    assert (share, "2021") not in filled
    assert filled[(theory_name, "2023")].endswith("số liệu báo cáo không khớp; tỷ lệ tính ra vượt 100%")


def test_workbook_marks_a_sum_of_a_contradicted_figure(con: duckdb.DuckDBPyConnection) -> None:
    """Bình Định's 2022 excellent share is Tây Sơn's contradicted 18/55: the province's cell is yellow too,
    and its note says whose figure it sums; a sum of figures nobody contradicts stays plain."""
    d = load_pack_data(con, default_catalog(), "BD", as_of=2023)
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(d)))
    _, rows = _sheet_rows(wb.worksheets[1])
    by = {(r["Đơn vị"].value, r["Chỉ số"].value, r["Kỳ"].value): r for r in rows}
    share = by[("Tỉnh Bình Định", "Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt trở lên",
                "Cả năm")]
    assert share["2022"].value == pytest.approx(100 * 18 / 55)
    assert share["2022"].fill.fgColor.rgb == YELLOW
    assert share["2022"].comment.text == "Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn"
    assert share["2021"].fill.fill_type is None and share["2021"].comment is None
    good = by[("Tỉnh Bình Định", "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", "Cả năm")]
    assert good["2022"].fill.fill_type is None and good["2022"].comment is None
    # the sum over 100% is contradicted itself and sums Tây Sơn's: its note says both
    theory = by[("Tỉnh Bình Định", "Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên", "Cả năm")]
    assert theory["2023"].fill.fgColor.rgb == YELLOW
    assert theory["2023"].comment.text == ("Tỷ lệ tính ra vượt 100%\n"
                                           "Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn")
    marked = sorted(r["Chỉ số"].value for r in rows if r["Đơn vị"].value == "Tỉnh Bình Định"
                    and any(r[y].fill.fill_type == "solid" for y in ("2021", "2022", "2023")))
    tay_son = sorted(r["Chỉ số"].value for r in rows if r["Đơn vị"].value == "Đảng bộ huyện Tây Sơn"
                     and any(r[y].fill.fill_type == "solid" for y in ("2021", "2022", "2023")))
    assert marked == tay_son and len(marked) == 9  # every sum of one of Tây Sơn's nine contradicted figures


def test_assessment_row_of_a_sum_is_marked(con: duckdb.DuckDBPyConnection) -> None:
    """An assessed sum whose latest figure includes a contradicted figure of a unit below (Bình Định's 2022
    excellent share, were the province bound by Tây Sơn's target): its value and note in yellow, the note
    naming the unit; the verdict's own colour stays."""
    d = load_pack_data(con, default_catalog(), "BD", as_of=2023)
    tay_son = d.assessed[(d.assessed["unit_code"] == "BD-TAYSON") & (d.assessed["indicator"] == "org_excellent_share")]
    d.assessed = tay_son.assign(unit_code="BD", disputed=False, n_disputed=1, latest_basis="aggregated",
                                findings=[()], readings=[()])
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(d)))
    _, [row] = _sheet_rows(wb.worksheets[0])
    assert (row["Đơn vị"].value, row["Chỉ tiêu đề ra"].value, row["So sánh"].value) == (
        "Tỉnh Bình Định", "từ 20% trở lên", "≥")
    assert row["Giá trị"].fill.fgColor.rgb == YELLOW and row["Số liệu cần xác minh"].fill.fgColor.rgb == YELLOW
    assert row["Số liệu cần xác minh"].value == "Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn"
    assert row["Đánh giá"].value == "Đạt" and row["Đánh giá"].fill.fgColor.rgb == "00009E73"


def _frame(points: list[tuple]) -> pd.DataFrame:
    """Tây Sơn's excellent share (yearly target ≥ 20%): (year, value, readings)."""
    return pd.DataFrame([{
        "unit_code": "BD-TAYSON", "indicator": "org_excellent_share", "year": year, "period": "Y", "org_type": "",
        "value": value, "qualifier": "", "basis": "counts", "num": float("nan"), "den": float("nan"),
        "stated": float("nan"), "n_units": 1, "source": "", "disputed": bool(readings),
        "n_disputed": int(bool(readings)), "findings": (), "readings": tuple((r, "") for r in readings),
    } for year, value, readings in points], columns=VALUE_COLUMNS)


UNIT = pd.DataFrame([("BD-TAYSON", "Tây Sơn", "", "BD", "district")],
                    columns=["unit_code", "name_vi", "name_en", "parent_code", "kind"])

READING_CASES = [
    # id, points (year, value, other readings), verdict, status
    ("readings agree", [(2021, 23.2, ()), (2022, 32.7, (31.0,))], "met_every_year", "achieved"),
    ("readings disagree", [(2021, 23.2, ()), (2022, 21.0, (19.5,))], "to_verify", "to_verify"),
    ("both miss", [(2021, 23.2, ()), (2022, 18.0, (19.5,))], "not_met_latest", "off_track"),
    # an earlier year to verify: the latest is met, that year is not known to be
    ("earlier to verify", [(2021, 21.0, (19.0,)), (2022, 25.0, ())], "met_latest_only", "met_latest"),
    ("over 100% alone", [(2022, 100.5, ())], "to_verify", "to_verify"),
]


@pytest.mark.parametrize("case,points,verdict,status", READING_CASES, ids=[c[0] for c in READING_CASES])
def test_every_reading_judged(case: str, points: list[tuple], verdict: str, status: str) -> None:
    frame = _frame(points)
    if case == "over 100% alone":
        frame["disputed"] = True  # indicator_values marks a rate over 100% disputed without a finding
    a = assess(frame, default_catalog(), UNIT, as_of=2022)
    r = a[a["target_id"] == "org-excellent-share"].iloc[0]
    assert (r["verdict"], r["status"]) == (verdict, status)


def test_a_part_over_a_shared_whole_is_said_as_such_for_the_other_rates(con: duckdb.DuckDBPyConnection) -> None:
    """The university rate shares its whole (323 members) with the theory rate whose part (325) exceeds it:
    its note says the part is larger than the whole, not '325 … / 323' as if that were its own fraction,
    and lists only the readings the source gives."""
    catalog = default_catalog()
    units = units_frame(con)
    a = assess(indicator_values(con, catalog, units=["BD-TAYSON"]), catalog,
               units[units["unit_code"] == "BD-TAYSON"], as_of=2023)
    [row] = a[a["indicator"] == "grassroots_committee_university_rate"].to_dict("records")
    assert disputes.dispute_note(row, catalog, "vi") == (
        "Cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên ghi 325, nhiều hơn tổng số cấp ủy viên cơ sở "
        "(323); tổng số cấp ủy viên cơ sở ghi 323, các thành phần cộng lại 333: số liệu báo cáo không khớp; "
        "mọi cách đọc (97,5%; 94,6%; 96,9%) đều cho cùng kết luận")
    [theory] = a[a["indicator"] == "grassroots_committee_theory_rate"].to_dict("records")
    assert disputes.dispute_note(theory, catalog, "vi").startswith(
        "325 cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên / 323 tổng số cấp ủy viên cơ sở;")


def test_a_stated_bound_disputed_by_its_counts_keeps_its_qualifier(tmp_path: Path) -> None:
    """"trên 90%" where the counts give 80%: the finding carries the fact's qualifier as data (issue 20: not
    read back from the detail's text), the other reading is the bound, and the sentence says it as one."""
    db = tmp_path / "x.duckdb"
    load(write_inputs(tmp_path, [("X", "Đảng bộ huyện X", "X District", "", "district")],
                      [("X", 2022, "Y", "", measure, value, qualifier, "BC") for measure, value, qualifier in
                       [("org_rated", 50, ""), ("org_excellent", 10, ""), ("org_good", 30, ""),
                        ("org_good_or_better_rate", 90, ">")]]), db)
    cat = default_catalog()
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT rule, detail FROM findings").fetchall() == [("stated_bound", ">90 vs 40 / 50")]
        v = indicator_values(c, cat, units=["X"])
    [row] = v[(v["indicator"] == "org_good_or_better_rate") & (v["year"] == 2022)].itertuples(index=False)
    assert row.value == pytest.approx(80.0) and row.disputed
    assert [(f["rule"], f["qualifier"]) for f in row.findings] == [("stated_bound", ">")]
    assert row.readings == ((90.0, ">"),)
    said = disputes.dispute_sentences(row.findings, cat, "vi", value=row.value, unit="percent",
                                      indicator="org_good_or_better_rate")
    assert said == ["báo cáo ghi trên 90%, nhưng tính từ số lượng được 80,0%: số liệu báo cáo không khớp"]


def test_the_indicator_pages_table_marks_the_contradicted_figure(con: duckdb.DuckDBPyConnection) -> None:
    cat = default_catalog()
    values = indicator_values(con, cat, units=["BD-TAYSON"])
    table = by_indicator.values_table(values, "org_excellent_share", ["BD-TAYSON"], units_frame(con), cat, "vi",
                                      [2021, 2022])
    assert table[["Năm", "Giá trị"]].values.tolist() == [["2021", "23,2%"], ["2022", "32,7% ⚑"]]


def test_pages_mark_a_sum_of_a_contradicted_figure(con: duckdb.DuckDBPyConnection) -> None:
    """The pages mark the province's sum of Tây Sơn's contradicted 18/55 as the workbook does: the Indicator
    page's table of figures and bars (⚑, and whose figure it is), the overview's cell and the Unit page's
    status (⚑) with its note; the legend names the mark."""
    from monitor import by_indicator, by_unit, overview
    from monitor.status_html import marked

    cat = default_catalog()
    d = load_pack_data(con, cat, "BD", as_of=2023)
    share = "org_excellent_share"
    table = by_indicator.values_table(d.values, share, ["BD", "BD-TAYSON"], d.units, cat, "vi", [2021, 2022])
    assert table[["Đơn vị", "Năm", "Giá trị", "Cách tính"]].values.tolist() == [
        ["Tỉnh Bình Định", "2021", "23,2%", "cộng từ 1 đơn vị trực thuộc"],
        ["Tỉnh Bình Định", "2022", "32,7% ⚑",
         "cộng từ 1 đơn vị trực thuộc; gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn"],
        ["Đảng bộ huyện Tây Sơn", "2021", "23,2%", "tính từ số lượng"],
        ["Đảng bộ huyện Tây Sơn", "2022", "32,7% ⚑", "tính từ số lượng"]]
    bars = by_indicator.indicator_rows(d.assessed, d.values, share, ["BD"], 2022, d.units, "vi", cat)
    assert bars[["disputed", "note"]].values.tolist() == [
        [True, "gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn"]]
    # Bình Định's own row, were it bound by Tây Sơn's target: the sum is marked where the page shows it
    tay_son = d.assessed[(d.assessed["unit_code"] == "BD-TAYSON") & (d.assessed["indicator"] == share)]
    summed = tay_son.assign(unit_code="BD", disputed=False, n_disputed=1, latest_basis="aggregated",
                            findings=[()], readings=[()])
    grid = overview.status_grid(summed, cat, d.units, ["BD"], "vi")
    assert grid["cell"].tolist() == ["32,7 ✔ ⚑"] and marked(grid)
    assert grid["hover"].iloc[0].endswith("⚑ Gồm 1 số liệu đơn vị cấp dưới cần xác minh")
    row = by_unit.unit_targets(summed, d.values, cat, "BD", "vi", [2021, 2022]).iloc[0]
    assert (row["status"], row["dispute"]) == ("✔ Đạt ⚑", "Gồm 1 số liệu đơn vị cấp dưới cần xác minh")
    # the legend calls the total's mark what it is, on the overview and in the exported heat-map alike
    from monitor.status_html import heatmap_html

    html = heatmap_html(grid, rows=["BD"], row_names={"BD": "Tỉnh Bình Định"}, lang="vi")
    assert ">⚑ tổng gồm số liệu đơn vị cấp dưới cần xác minh</span>" in html and "mọi cách đọc" not in html
    heat = dash.heatmap(grid, rows=["BD"], row_names={"BD": "Tỉnh Bình Định"}, lang="vi")
    assert [tr.name for tr in heat.data if tr.name and "⚑" in tr.name] == [
        "⚑ tổng gồm số liệu đơn vị cấp dưới cần xác minh"]
    plain = tay_son.assign(unit_code="BD", disputed=False, n_disputed=0, findings=[()], readings=[()])
    assert overview.status_grid(plain, cat, d.units, ["BD"], "vi")["cell"].tolist() == ["32,7 ✔"]


# A province bound by its own target (department-level leaders good or better, ≥ 95% yearly) with no figure of
# its own: its figure is the sum of its district's, whose 2022 report writes 91% for 54/60 (90,0%). The dashboard
# tests' Tỉnh Thử and its district, alone (no country above it).
SUMMED_UNITS = [(code, vi, en, "" if code == "P" else parent, kind)
                for code, vi, en, parent, kind in TOTALS_UNITS if code in ("P", "D")]
SUMMED_FACTS = [f for f in TOTALS_FACTS if f[0] == "D"]


@pytest.fixture(scope="module")
def summed(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    from tests.inputs import write_inputs

    folder = tmp_path_factory.mktemp("summed")
    load(write_inputs(folder, SUMMED_UNITS, SUMMED_FACTS), folder / "summed.duckdb")
    c = duckdb.connect(str(folder / "summed.duckdb"), read_only=True)
    yield c
    c.close()


def _slides(prs: object) -> dict[str, list[str]]:
    """Each slide's title → its other text: text boxes whole, a table as its rows' cells joined by ' | '."""
    out = {}
    for s in prs.slides:
        texts = [sh.text_frame.text for sh in s.shapes if sh.has_text_frame and sh != s.shapes.title]
        texts += [" | ".join(c.text for c in r.cells) for sh in s.shapes if sh.has_table for r in sh.table.rows]
        out[s.shapes.title.text] = texts
    return out


def test_slides_mark_a_total_that_includes_a_contradicted_figure(summed: duckdb.DuckDBPyConnection,
                                                                  tmp_path: Path) -> None:
    """The meeting deck of the province (python -m monitor export … --format pptx): its total is marked ⚑ in
    the summary table, said beside the group's chart and on the target's own slide with the district whose
    figure it includes, and its trend's point is marked with the same words under the chart."""
    from pptx import Presentation

    from monitor.export.figures import iter_pack_charts
    from monitor.export.pack import export_pack

    cat = default_catalog()
    export_pack(summed, cat, tmp_path, unit="P", formats="pptx")
    slides = _slides(Presentation(str(tmp_path / "P" / "P_bao-cao_2022.pptx")))
    assert slides["Tập thể, cá nhân lãnh đạo"] == [
        "0/4 chỉ tiêu đạt; 1 nguy cơ không đạt; 3 chưa có số liệu\n"
        "• Nguy cơ không đạt: Lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên: 90,0% (chỉ tiêu đề ra từ 95% trở "
        "lên)\n"
        "• ⚑ Lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên (90,0%) gồm 1 số liệu đơn vị cấp dưới cần xác minh: "
        "Đảng bộ huyện Thử"]
    assert slides["Tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên"][0].splitlines()[2] == (
        "⚑ Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử")
    assert ("Tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên | từ 95% trở lên | 90,0% (2022) ⚑ | "
            "✖ Nguy cơ không đạt ⚑") in slides["Tổng hợp kết quả thực hiện các chỉ tiêu"]
    d = load_pack_data(summed, cat, "P")
    [trend] = [c for c in iter_pack_charts(d.assessed, d.values, cat, d.units, d.scope, d.rows, d.as_of, d.term)
               if c.name == "Tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên"]
    assert trend.fig.layout.meta["note"] == [
        "⚑ Tỉnh Thử (2022): gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử"]
    # the marker of a figure to verify, named for what it is: the province's report contradicts nothing
    [marker] = [tr for tr in trend.fig.data if tr.name == "⚑ Tổng gồm số liệu cấp dưới cần xác minh"]
    assert (list(marker.x), list(marker.y)) == ([2022], [pytest.approx(90.0)])
    assert not [tr for tr in trend.fig.data if tr.name == "⚑ Số liệu báo cáo tự mâu thuẫn"]
    # a deck comparing units names the unit whose total it is
    from monitor.export.pptx import group_summary

    d.rows = ["P", "D"]
    assert group_summary(d, "lanh_dao")[-1] == (
        "⚑ Tỉnh Thử – Lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên (90,0%) gồm 1 số liệu đơn vị cấp dưới cần "
        "xác minh: Đảng bộ huyện Thử")
    # in English as well
    en = load_pack_data(summed, cat, "P", lang="en")
    buf = io.BytesIO()
    write_deck(en, [], buf)
    slides = _slides(Presentation(io.BytesIO(buf.getvalue())))
    assert slides["Leadership"][0].splitlines()[2] == (
        "• ⚑ Department-level leaders good or better (90.0%) includes 1 figure(s) of units below to verify: "
        "Test District")
    assert slides["Department-level leaders good or better, %"][0].splitlines()[2] == (
        "⚑ Includes 1 figure(s) of units below to verify: Test District")
    assert ("department-level leaders good or better, % | 95% or more | 90.0% (2022) ⚑ | ✖ Off track ⚑"
            in slides["Summary of the targets"])


def test_a_unit_with_no_total_below_keeps_its_slides(con: duckdb.DuckDBPyConnection) -> None:
    """Tây Sơn's own contradicted figures are counted as before; nothing is said of totals it has none of."""
    from monitor.export.pptx import group_summary

    d = load_pack_data(con, default_catalog(), "BD-TAYSON", as_of=2023)
    assert group_summary(d, "to_chuc") == ["3/3 chỉ tiêu đạt; ⚑ 1 số liệu báo cáo tự mâu thuẫn"]


def test_word_and_one_page_name_the_unit_below(summed: duckdb.DuckDBPyConnection) -> None:
    """The annex's footnote, the draft and the one-page summary say whose figure the total includes; the
    one-page summary no longer calls the total a figure its report contradicts."""
    from monitor.export.onepage import onepage_html

    d = load_pack_data(summed, default_catalog(), "P")
    assert footnotes_text(Document(io.BytesIO(annex_bytes(d)))) == [
        "Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử"]
    text = draft_text("P", d.assessed, d.values, d.catalog, unit_name="Tỉnh Thử", as_of=2022, units=d.units)
    assert ("+ Năm 2022, về tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên: gồm 1 số liệu đơn vị cấp "
            "dưới cần xác minh: Đảng bộ huyện Thử; đề nghị đơn vị xác minh lại số liệu trước khi đánh giá.") in text
    html = onepage_html(d)
    assert '<div class="note">⚑ Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử</div>' in html
    assert "tự mâu thuẫn" not in html
    assert "⚑ tổng gồm số liệu đơn vị cấp dưới cần xác minh</p>" in html


def test_the_organisation_type_table_marks_a_total_of_a_contradicted_figure(con: duckdb.DuckDBPyConnection) -> None:
    """The Unit page's table by organisation type: Bình Định's 32,7% (Tây Sơn's contradicted 18/55 summed) and
    Tây Sơn's own figure are marked ⚑; a figure nothing contradicts is not."""
    from monitor import by_unit

    cat = default_catalog()
    d = load_pack_data(con, cat, "BD", as_of=2022)
    inds = ["org_excellent_share", "org_good_or_better_rate"]
    for unit in ("BD", "BD-TAYSON"):
        # the unit's whole-unit figures stand in for one type's frame (the sample has no figures by type)
        table = by_unit.org_breakdown({"xa": d.values[d.values["unit_code"] == unit]}, cat, inds, 2022, "vi")
        assert table.values.tolist() == [["Xã", "32,7% ⚑", "94,8%"]]


# -- stop 16: the Word annex marks every year's contradicted figure, not only the latest's status --

EXCELLENT = "Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt trở lên"


def _fill() -> str:
    from core.i18n import status_style

    return status_style("to_verify")["color"].lstrip("#").upper()


def _row(path: Path, indicator: str) -> tuple[list[str], list[list[str]], list[bool], list[str]]:
    doc = Document(str(path))
    [row] = [r for r in doc.tables[0].rows[1:] if r.cells[1].text == indicator]
    refs = [c._tc.xpath(".//w:footnoteReference/@w:id") for c in row.cells]
    shaded = [[s.upper() for s in c._tc.xpath("./w:tcPr/w:shd/@w:fill")] == [_fill()] for c in row.cells]
    return [c.text for c in row.cells], refs, shaded, footnotes_text(doc)


def test_annex_marks_the_latest_years_contradicted_figure(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Tây Sơn's 2022 excellent share (the report writes 31% for 18/55 = 32,7%), its latest figure: ⚑ and
    yellow in its year's cell (unmarked before); the footnote beside its status says what is contradicted."""
    from monitor.export.pack import export_pack

    export_pack(con, default_catalog(), tmp_path, unit="BD-TAYSON", formats="docx", as_of=2023)
    [path] = (tmp_path / "BD-TAYSON").glob("*_phu-luc_*.docx")
    texts, refs, shaded, notes = _row(path, EXCELLENT)
    assert texts[3:7] == ["23,21%\n(13 / 56)", "32,73% ⚑\n(18 / 55)", "—", "✔ Đạt"]
    assert refs[3:7] == [[], [], [], ["1"]] and shaded[3:7] == [False, True, False, False]
    assert notes[0] == ("Báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp; mọi cách đọc "
                        "(32,7%; 31,0%) đều cho cùng kết luận")


def test_annex_marks_an_earlier_years_contradicted_figure(tmp_path: Path) -> None:
    """With a 2023 figure after it (14 of 56 excellent, nothing contradicts it), Tây Sơn's contradicted 2022
    figure is an earlier year's: marked ⚑ in its cell with a footnote of its own, in Vietnamese and English;
    the status of 2023 gets none (before: no mark and no footnote anywhere)."""
    from monitor.export.pack import export_pack

    extra = tmp_path / "extra.csv"
    extra.write_text("unit_code,year,period,org_type,measure,value,qualifier,source\n"
                     "BD-TAYSON,2023,Y,,org_good_or_better,56,,BC 2023\n"
                     "BD-TAYSON,2023,Y,,org_excellent,14,,BC 2023\n", encoding="utf-8")
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv", extra], tmp_path / "later.duckdb")
    c = duckdb.connect(str(tmp_path / "later.duckdb"), read_only=True)
    try:
        for lang in ("vi", "en"):
            export_pack(c, default_catalog(), tmp_path / lang, unit="BD-TAYSON", formats="docx", as_of=2023,
                        lang=lang)
    finally:
        c.close()
    [path] = (tmp_path / "vi" / "BD-TAYSON").glob("*_phu-luc_*.docx")
    texts, refs, shaded, notes = _row(path, EXCELLENT)
    assert texts[3:7] == ["23,21%\n(13 / 56)", "32,73% ⚑\n(18 / 55)", "25%\n(14 / 56)", "✔ Đạt"]
    assert refs[3:7] == [[], ["1"], [], []] and shaded[3:7] == [False, True, False, False]
    assert notes[0] == "Năm 2022: Báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp"
    # the draft already said it after the year's figure, whatever the year (no gap there)
    [path] = (tmp_path / "vi" / "BD-TAYSON").glob("*_du-thao_*.docx")
    assert ("+ Năm 2022, về tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt trở lên: báo cáo "
            "ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp; đề nghị đơn vị xác minh lại số liệu "
            "trước khi đánh giá.") in [p.text for p in Document(str(path)).paragraphs]
    [path] = (tmp_path / "en" / "BD-TAYSON").glob("*_phu-luc_*.docx")
    texts, refs, _, notes = _row(path, "grassroots party organisations: excellent, % of good or better")
    assert texts[4] == "32.73% ⚑\n(18 / 55)" and refs[4] == ["1"]
    assert notes[0] == "2022: The report gives 31%, but 18/55 = 32.7%: the report's figures do not agree"


# The district's 2021 report writes 91% for 54/60 (90,0%); its 2022 figure, 57/60, is contradicted by nothing.
EARLIER_FACTS = [
    ("D", 2021, "Y", "", "dept_leaders_rated", 60, "", "BC 2021"),
    ("D", 2021, "Y", "", "dept_leaders_good_or_better", 54, "", "BC 2021"),
    ("D", 2021, "Y", "", "dept_leaders_good_or_better_rate", 91, "", "BC 2021, tr. 2"),
    ("D", 2022, "Y", "", "dept_leaders_rated", 60, "", "BC 2022"),
    ("D", 2022, "Y", "", "dept_leaders_good_or_better", 57, "", "BC 2022"),
]


def test_annex_marks_an_earlier_total_that_includes_a_contradicted_figure(summed: duckdb.DuckDBPyConnection,
                                                                          tmp_path: Path) -> None:
    """The province's total of its district: its 2021 total (which includes the district's contradicted
    figure) marked ⚑ with a footnote naming the district, its 2022 total unmarked; and in the `summed`
    database, whose 2022 total is the latest, that year's cell marked, its footnote beside the status."""
    from monitor.export.pack import export_pack
    from tests.inputs import write_inputs

    load(write_inputs(tmp_path, SUMMED_UNITS, EARLIER_FACTS), tmp_path / "earlier.duckdb")
    c = duckdb.connect(str(tmp_path / "earlier.duckdb"), read_only=True)
    try:
        for lang in ("vi", "en"):
            export_pack(c, default_catalog(), tmp_path / lang, unit="P", formats="docx", lang=lang)
    finally:
        c.close()
    [path] = (tmp_path / "vi" / "P").glob("*_phu-luc_*.docx")
    texts, refs, shaded, notes = _row(path, "Tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên")
    assert texts[3:5] == ["90% ⚑\n(54 / 60)", "95%\n(57 / 60)"]
    assert refs[3:6] == [["1"], [], []] and shaded[3:6] == [True, False, False]
    assert notes == ["Năm 2021: Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử"]
    [path] = (tmp_path / "en" / "P").glob("*_phu-luc_*.docx")
    texts, refs, _, notes = _row(path, "department-level leaders good or better, %")
    assert (texts[3], refs[3]) == ("90% ⚑\n(54 / 60)", ["1"])
    assert notes == ["2021: Includes 1 figure(s) of units below to verify: Test District"]
    [path] = (tmp_path / "vi" / "P").glob("*_du-thao_*.docx")
    assert ("+ Năm 2021, về tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên: gồm 1 số liệu đơn vị cấp "
            "dưới cần xác minh: Đảng bộ huyện Thử; đề nghị đơn vị xác minh lại số liệu trước khi đánh giá.") in [
        p.text for p in Document(str(path)).paragraphs]
    export_pack(summed, default_catalog(), tmp_path / "latest", unit="P", formats="docx")
    [path] = (tmp_path / "latest" / "P").glob("*_phu-luc_*.docx")
    texts, refs, shaded, notes = _row(path, "Tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên")
    assert texts[3:5] == ["95%\n(57 / 60)", "90% ⚑\n(54 / 60)"]
    assert refs[3:6] == [[], [], ["1"]] and shaded[3:6] == [False, True, False]
    assert notes == ["Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử"]
