"""Overview page (AppTest): headline counts, the scorecard heat-map, the as-of year, empty states."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from tests.dashboard_data import demo_db, empty_db, run_app, sample_db, texts
from tests.download_spy import spy_downloads, without_chromium, zip_members


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_db(tmp_path_factory)


class _Table(HTMLParser):
    """A scorecard table as the page sends it: column headers, and per row the unit and its cells."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.lang, self.label, self.columns, self.rows, self.legend, self.legend_help = "", "", [], [], [], []
        self._in: str | None = None
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "div" and a.get("class") == "scorecard":
            self.lang = a["lang"]
        elif tag == "table":
            self.label = a["aria-label"]
        elif tag == "th" and a.get("scope") == "col" and a.get("class") != "corner":
            self.columns.append(a["title"])
        elif tag == "button":
            self.rows.append({"unit": a["data-unit"], "cells": [], "titles": []})
        elif tag == "td":
            self.rows[-1]["cells"].append("")
            self.rows[-1]["titles"].append(a.get("title", ""))
            assert a.get("data-unit", self.rows[-1]["unit"]) == self.rows[-1]["unit"]
            self._in = "td"
        elif tag == "span" and a.get("class") in ("chip", "chip mark"):
            self.legend.append("")
            self.legend_help.append(a.get("title", ""))
            self._in = "chip"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "span"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "td":
            self.rows[-1]["cells"][-1] += data
        elif self._in == "chip":
            self.legend[-1] += data


def _scorecards(at) -> list[_Table]:
    return [_Table(json.loads(el.proto.json)) for el in at.get("bidi_component")
            if el.proto.component_name == "monitor.scorecard"]


def test_tay_son_2022_headline_and_heatmap(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="BD", year="2022")
    assert not at.exception
    assert at.title[0].value == "Tổng quan thực hiện chỉ tiêu"
    # Tây Sơn 2021 and 2022 met all five yearly targets (56/58, 13/56, 3.889/4.116, 4,14% …);
    # its three deadline targets (2025) have no figures yet.
    # "met in the latest year" and "figures to verify" only when some target has them
    assert [(m.label, m.value) for m in at.metric] == [
        ("✔ Đạt", "5"), ("↗ Đúng tiến độ", "0"), ("⚠ Cần đẩy nhanh", "0"), ("✖ Nguy cơ không đạt", "0")]
    page = texts(at)
    assert "Số liệu đến năm: **2022**" in page
    # Bình Định's own 12 targets (the provincial resolution binds the province) and Tây Sơn's 8
    assert "trên 20 chỉ tiêu · — Chưa có số liệu: 15" in page
    assert "03-CTr/HU — Chương trình hành động số 03-CTr/HU" in page
    province, table = _scorecards(at)
    assert [r["unit"] for r in province.rows] == ["BD"]  # the province's own row, above its district
    assert len(province.columns) == 12
    assert table.lang == "vi"
    assert table.label == "Bảng nhiệt: đơn vị theo hàng, chỉ tiêu theo cột, màu và ký hiệu theo tình trạng"
    [row] = table.rows
    assert row["unit"] == "BD-TAYSON"  # a click on its name or a cell opens this unit
    cells = row["cells"]
    # decimal comma, symbol beside colour; 32,7 is 18/55 where the report writes 31%: met either way, marked
    assert cells[:5] == ["100,0 ✔", "94,8 ✔", "32,7 ✔ ⚑", "94,8 ✔", "4,16 ✔"]
    assert cells[5:] == ["—", "—", "—"]
    assert table.columns[0] == "Tỷ lệ tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên"
    assert row["titles"][1].splitlines() == [
        "Đảng bộ huyện Tây Sơn", "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên",
        "Mức chỉ tiêu: trên 80%", "Giá trị (2022): 94,8%", "Tình trạng: ✔ Đạt"]
    assert table.legend == ["✔ Đạt", "— Chưa có số liệu",
                            "⚑ số liệu báo cáo tự mâu thuẫn, mọi cách đọc cho cùng kết luận"]
    assert table.legend_help[0] == "Số liệu năm gần nhất đạt chỉ tiêu (chỉ tiêu hằng năm: đạt mọi năm đã đánh giá)."
    assert at.query_params["unit"] == "BD"
    assert at.query_params["year"] == "2022"


def test_disputed_cells_and_legend_2023(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    """Tây Sơn 2023: 59 + 266 = 325 of 323 committee members (100,62%) is a figure to verify, not
    "insufficient data"; the university rate shares the disputed 323 but misses 100% on every reading."""
    at = run_app(monkeypatch, sample, unit="BD", year="2023")
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric][-1] == ("⁉ Cần xác minh số liệu", "1")
    _, table = _scorecards(at)
    cells = dict(zip(table.columns, table.rows[0]["cells"], strict=True))
    titles = dict(zip(table.columns, table.rows[0]["titles"], strict=True))
    theory = "Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên"
    assert cells[theory] == "100,6 ⁉"
    assert cells["Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên"] == "97,5 … ⚑"
    assert titles[theory].splitlines()[-2:] == [
        "Tình trạng: ⁉ Cần xác minh số liệu",
        "⁉ 325 cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên / 323 tổng số cấp ủy viên cơ sở; "
        "tổng số cấp ủy viên cơ sở ghi 323, các thành phần cộng lại 333: số liệu báo cáo không khớp; "
        "tỷ lệ tính ra vượt 100%"]
    assert "⁉ Cần xác minh số liệu" in table.legend
    assert table.legend_help[table.legend.index("⁉ Cần xác minh số liệu")].startswith("Báo cáo tự mâu thuẫn")
    # the caption says which cells show an older year than the one selected
    assert "Ô ghi năm khác 2023 khi đơn vị chưa có số liệu năm 2023: Đảng bộ huyện Tây Sơn: 2022." in texts(at)


def test_table_drawn_when_opened(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="BD", year="2022")
    assert [e.label for e in at.expander] == ["Xem dạng bảng"]
    assert not at.dataframe  # closed: nothing for the browser to draw
    at.session_state["overview_table"] = True  # as a click on the box does
    at.run()
    assert not at.exception
    [table] = [d.value for d in at.dataframe]
    assert list(table["Đơn vị"]) == ["Tỉnh Bình Định", "Đảng bộ huyện Tây Sơn"]
    tay_son = table.set_index("Đơn vị").loc["Đảng bộ huyện Tây Sơn"]
    assert [tay_son[c] for c in ("Tỷ lệ tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên",
                                 "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên")] == ["100,0 ✔", "94,8 ✔"]
    # a target that does not bind the unit is a blank cell, never "None"
    assert table.isna().sum().sum() == 0 and "" in set(tay_son)


def test_english_switch(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="BD", year="2022", lang="en")
    assert not at.exception
    assert at.title[0].value == "Targets at a glance"
    assert at.metric[0].label == "✔ Achieved"
    _, table = _scorecards(at)
    assert table.lang == "en"
    assert table.rows[0]["cells"][1] == "94.8 ✔"
    assert table.columns[0] == "Grassroots party organisations: completed or better, % of rated"


def test_invalid_url_values_are_ignored_with_a_notice(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="NO-SUCH-UNIT", year="1999", org="xa,bogus")
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert "Bỏ qua giá trị không hợp lệ trong địa chỉ: year = «1999»." in warnings
    assert "Bỏ qua giá trị không hợp lệ trong địa chỉ: unit = «NO-SUCH-UNIT»." in warnings
    assert "Bỏ qua giá trị không hợp lệ trong địa chỉ: org = «xa,bogus»." in warnings
    assert at.query_params["year"] == "2023"  # the latest year with figures
    assert at.query_params["unit"] == "BD"  # the unit whose units below report the most figures
    assert at.query_params["org"] == "xa"  # the valid part of the list is kept


def test_demo_province_sections(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, demo_db(tmp_path_factory))
    assert not at.exception
    assert at.query_params["unit"] == "DEMO-P01"
    tables = _scorecards(at)
    # the province's own resolution, the districts' programme and the blocs' resolution, each its own heat-map
    assert len(tables) == 3
    assert [r["unit"] for r in tables[0].rows] == ["DEMO-P01"]
    assert len(tables[1].rows) == 12
    assert len(tables[1].columns) == 8
    assert len(tables[2].columns) == 18
    assert all(len(r["cells"]) == 18 for r in tables[2].rows)
    total = sum(int(m.value) for m in at.metric)
    assert 0 < total <= 12 + 12 * 8 + 3 * 18  # the province's own 12 targets too


def test_group_filter_narrows_the_columns(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="BD", year="2022", group="dang_vien")
    assert not at.exception
    [table] = _scorecards(at)
    assert table.columns == ["Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên"]
    assert [m.value for m in at.metric] == ["1", "0", "0", "0"]


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, empty_db(tmp_path_factory))
    assert not at.exception
    assert [i.value for i in at.info] == ["Cơ sở dữ liệu chưa có đơn vị nào."]
    assert not _scorecards(at)


def test_no_database_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = run_app(monkeypatch, tmp_path / "absent.duckdb")
    assert not at.exception
    assert at.info[0].value.startswith("Chưa có cơ sở dữ liệu. ")


def test_a_damaged_file_is_a_sentence_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    at = run_app(monkeypatch, bad)
    assert not at.exception
    assert at.error[0].value.startswith(f"Không đọc được cơ sở dữ liệu {bad}:")


def test_download_of_the_selection_without_a_browser(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    # the province's districts and blocs, communes only (an organisation-type filter), no Chromium
    without_chromium(monkeypatch, tmp_path_factory.mktemp("no-browser"))
    seen = spy_downloads(monkeypatch)
    at = run_app(monkeypatch, demo_db(tmp_path_factory), unit="DEMO-P01", org="xa")
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")] == [
        "Tải gói tài liệu (ZIP)", "Bảng Excel", "Phụ lục Word"]
    assert sorted(seen) == ["DEMO-P01_xa_2025.zip", "DEMO-P01_xa_phu-luc_2025.docx",
                            "DEMO-P01_xa_so-lieu_2025.xlsx"]
    assert "Máy chủ chưa cài Chromium" in texts(at)  # a sentence, not a traceback on the click
    assert zip_members(seen["DEMO-P01_xa_2025.zip"]()) == [
        "DEMO-P01/DEMO-P01_du-thao_2025.docx", "DEMO-P01/DEMO-P01_phu-luc_2025.docx",
        "DEMO-P01/DEMO-P01_so-lieu_2025.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(seen["DEMO-P01_xa_so-lieu_2025.xlsx"]()), read_only=True)
    scored = {r[-1] for r in book["Đánh giá chỉ tiêu"].iter_rows(min_row=2, values_only=True)}  # the unit's code
    assert scored == {"DEMO-P01", *[f"DEMO-P01-H{d:02d}" for d in range(1, 13)], "DEMO-P01-K1", "DEMO-P01-K2",
                      "DEMO-P01-K3"}
    annex = Document(io.BytesIO(seen["DEMO-P01_xa_phu-luc_2025.docx"]()))
    assert len(annex.tables) == 15  # one per district and bloc the page compares
