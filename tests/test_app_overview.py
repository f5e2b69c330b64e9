"""Overview page (AppTest): headline counts, the scorecard heat-map, the as-of year, empty states."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from tests.dashboard_data import demo_db, empty_db, run_app, sample_db, texts
from tests.download_spy import spy_downloads, without_chromium, zip_members


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_db(tmp_path_factory)


def _figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


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
    [fig] = _figures(at)
    heat = fig["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["y"] == ["BD-TAYSON"]
    cells = heat["text"][0]
    assert cells[:5] == ["100,0 ✔", "94,8 ✔", "32,7 ✔", "94,8 ✔", "4,16 ✔"]  # decimal comma, symbol beside colour
    assert cells[5:] == ["—", "—", "—"]
    assert fig["layout"]["separators"] == ",."
    # the clickable layer carries (unit, indicator) for the detail page
    assert fig["data"][1]["customdata"][0] == ["BD-TAYSON", "org_completed_or_better_rate"]
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
    [fig] = _figures(at)
    assert fig["layout"]["separators"] == ".,"
    assert fig["data"][0]["text"][0][1] == "94.8 ✔"


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
    figs = _figures(at)
    assert len(figs) == 2  # the districts' programme and the blocs' resolution, each its own heat-map
    assert len(figs[0]["data"][0]["y"]) == 12
    assert len(figs[0]["data"][0]["x"]) == 8
    assert len(figs[1]["data"][0]["x"]) == 18
    total = sum(int(m.value) for m in at.metric)
    assert 0 < total <= 12 * 8 + 3 * 18


def test_group_filter_narrows_the_columns(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, unit="BD", year="2022", group="dang_vien")
    assert not at.exception
    [fig] = _figures(at)
    assert fig["data"][0]["x"] == ["member_good_or_better_rate"]
    assert [m.value for m in at.metric] == ["1", "0", "0", "0"]


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, empty_db(tmp_path_factory))
    assert not at.exception
    assert [i.value for i in at.info] == ["Cơ sở dữ liệu chưa có đơn vị nào."]
    assert not at.get("plotly_chart")


def test_no_database_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = run_app(monkeypatch, tmp_path / "absent.duckdb")
    assert not at.exception
    assert at.info[0].value.startswith("Chưa có cơ sở dữ liệu (")


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
