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
        self.lang, self.label, self.columns, self.rows, self.legend = "", "", [], [], []
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
        elif tag == "span" and a.get("class") == "chip":
            self.legend.append("")
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
    assert [(m.label, m.value) for m in at.metric] == [
        ("✔ Đạt", "5"), ("↗ Đúng tiến độ", "0"), ("⚠ Cần đẩy nhanh", "0"), ("✖ Nguy cơ không đạt", "0")]
    page = texts(at)
    assert "Số liệu đến năm: **2022**" in page
    assert "trên 8 chỉ tiêu · — Chưa có số liệu: 3" in page
    assert "03-CTr/HU — Chương trình hành động số 03-CTr/HU" in page
    [table] = _scorecards(at)
    assert table.lang == "vi"
    assert table.label == "Bảng nhiệt: đơn vị theo hàng, chỉ tiêu theo cột, màu và ký hiệu theo tình trạng"
    [row] = table.rows
    assert row["unit"] == "BD-TAYSON"  # a click on its name or a cell opens this unit
    cells = row["cells"]
    assert cells[:5] == ["100,0 ✔", "94,8 ✔", "32,7 ✔", "94,8 ✔", "4,16 ✔"]  # decimal comma, symbol beside colour
    assert cells[5:] == ["—", "—", "—"]
    assert table.columns[0] == "Tỷ lệ tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên"
    assert row["titles"][1].splitlines() == [
        "Đảng bộ huyện Tây Sơn", "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên",
        "Mức chỉ tiêu: trên 80%", "Giá trị (2022): 94,8%", "Tình trạng: ✔ Đạt"]
    assert table.legend == ["✔ Đạt", "— Chưa có số liệu"]
    assert at.query_params["unit"] == "BD"
    assert at.query_params["year"] == "2022"


def test_table_drawn_when_opened(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="BD", year="2022")
    assert [e.label for e in at.expander] == ["Xem dạng bảng"]
    assert not at.dataframe  # closed: nothing for the browser to draw
    at.session_state["overview_table"] = True  # as a click on the box does
    at.run()
    assert not at.exception
    [table] = [d.value for d in at.dataframe]
    assert list(table["Đơn vị"]) == ["Đảng bộ huyện Tây Sơn"]
    assert list(table.iloc[0])[1:6] == ["100,0 ✔", "94,8 ✔", "32,7 ✔", "94,8 ✔", "4,16 ✔"]


def test_english_switch(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="BD", year="2022", lang="en")
    assert not at.exception
    assert at.title[0].value == "Targets at a glance"
    assert at.metric[0].label == "✔ Achieved"
    [table] = _scorecards(at)
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
    assert len(tables) == 2  # the districts' programme and the blocs' resolution, each its own heat-map
    assert len(tables[0].rows) == 12
    assert len(tables[0].columns) == 8
    assert len(tables[1].columns) == 18
    assert all(len(r["cells"]) == 18 for r in tables[1].rows)
    total = sum(int(m.value) for m in at.metric)
    assert 0 < total <= 12 * 8 + 3 * 18


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
    scored = {r[0] for r in book["Đánh giá chỉ tiêu"].iter_rows(min_row=2, values_only=True)}
    assert scored == {"DEMO-P01", *[f"DEMO-P01-H{d:02d}" for d in range(1, 13)], "DEMO-P01-K1", "DEMO-P01-K2",
                      "DEMO-P01-K3"}
    annex = Document(io.BytesIO(seen["DEMO-P01_xa_phu-luc_2025.docx"]()))
    assert len(annex.tables) == 15  # one per district and bloc the page compares
