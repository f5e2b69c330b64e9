"""Indicator page (AppTest): bars with the target, trend with projection, figures with sources."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest

from tests.dashboard_data import demo_db, empty_db, frames, run_app, sample_db, texts, totals_db
from tests.download_spy import spy_downloads, without_chromium, zip_members


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_db(tmp_path_factory)


def _figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_tay_son_organisations_good_or_better(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "indicator", unit="BD", year="2022", ind="org_good_or_better_rate")
    assert not at.exception
    assert at.title[0].value == "Một chỉ tiêu qua các đơn vị"
    bars, trend = _figures(at)
    [bar] = [tr for tr in bars["data"] if tr["type"] == "bar"]
    assert bar["name"] == "✔ Đạt"
    assert bar["text"] == ["94,8% ✔"]  # 55/58, Vietnamese decimal comma, symbol beside the colour
    assert bars["layout"]["title"]["text"] == "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, năm 2022"
    assert bars["layout"]["separators"] == ",."
    assert any(s.get("x0") == 80 for s in bars["layout"]["shapes"])  # the target line at 80%
    names = [tr["name"] for tr in trend["data"]]
    assert names[:4] == ["Đảng bộ huyện Tây Sơn", "Dự báo: Đảng bộ huyện Tây Sơn", "Dự báo", "Mức chỉ tiêu"]
    projection = trend["data"][1]
    assert projection["line"]["dash"] == "dash"
    assert projection["x"] == [2022, 2023]  # a yearly target: the trend's value next year
    [table] = frames(at)
    assert list(table["Giá trị"]) == ["96,6%", "94,8%"]
    assert list(table["Tử số"]) == ["56", "55"]
    assert table["Nguồn"].iloc[0].startswith("003 Tây Sơn 03-CTr/HU II.1.1.1")


def test_a_bound_stays_a_bound(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    # The bloc's report says only "over 90% of TCCSĐ good or better" (a yearly average to 2023).
    at = run_app(monkeypatch, sample, "indicator", unit="TH", year="2023", ind="org_good_or_better_rate")
    assert not at.exception
    [table] = frames(at)
    assert "trên 90%" in list(table["Giá trị"])


def test_invalid_indicator_in_the_url(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "indicator", unit="BD", year="2022", ind="drop_table")
    assert not at.exception
    assert "Bỏ qua giá trị không hợp lệ trong địa chỉ: ind = «drop_table»." in [w.value for w in at.warning]
    assert at.query_params["ind"] == "org_completed_or_better_rate"  # the first target of the programme


def test_range_target_is_a_band(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, demo_db(tmp_path_factory), "indicator", unit="DEMO-P01", kind="bloc",
                 ind="member_excellent_rate")
    assert not at.exception
    bars = _figures(at)[0]
    rects = [s for s in bars["layout"]["shapes"] if s["type"] == "rect"]
    assert [(r["x0"], r["x1"]) for r in rects] == [(15, 20)]  # "15–20% excellent"


def test_english(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "indicator", unit="BD", year="2022", lang="en", ind="admission_rate")
    assert not at.exception
    [table] = frames(at)
    assert list(table["Value"]) == ["4.14%", "4.16%"]
    assert "Figures and their sources" in texts(at)


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, empty_db(tmp_path_factory), "indicator")
    assert not at.exception
    assert [i.value for i in at.info] == ["Cơ sở dữ liệu chưa có đơn vị nào."]
    assert not at.get("plotly_chart")


def test_no_figures_for_the_selection(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    # Hải Dương has no units below it and its province resolution's targets have no 2020 figures
    at = run_app(monkeypatch, sample, "indicator", unit="HD", year="2020")
    assert not at.exception
    assert not at.get("plotly_chart") or all("Chưa có số liệu" in json.dumps(f, ensure_ascii=False)
                                              for f in _figures(at))
    assert "Chưa có số liệu" in texts(at)


def test_download_of_the_selection(monkeypatch: pytest.MonkeyPatch, sample: Path, tmp_path: Path) -> None:
    without_chromium(monkeypatch, tmp_path)
    at = run_app(monkeypatch, sample)
    seen = spy_downloads(monkeypatch)
    at.query_params.update(unit="TH", year="2023", group="khoi")
    at.switch_page("screens/indicator.py").run()
    assert not at.exception
    assert sorted(seen) == ["TH_khoi_2023.zip", "TH_khoi_phu-luc_2023.docx", "TH_khoi_so-lieu_2023.xlsx"]
    assert zip_members(seen["TH_khoi_2023.zip"]()) == [
        "TH/TH_du-thao_2023.docx", "TH/TH_phu-luc_2023.docx", "TH/TH_so-lieu_2023.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(seen["TH_khoi_so-lieu_2023.xlsx"]()), read_only=True)
    rows = list(book["Đánh giá chỉ tiêu"].iter_rows(min_row=2, values_only=True))
    assert {r[-1] for r in rows} == {"TH-KHOI"} and {r[3] for r in rows} == {"Cơ quan, doanh nghiệp"}


def _marks(fig: dict) -> list[tuple]:
    return [(tr["name"], tr.get("x"), tr.get("y"), tr.get("hovertext")) for tr in fig["data"]
            if "⚑" in tr.get("name", "")]


@pytest.mark.parametrize("lang,marker,chip,note", [
    ("vi", "⚑ Tổng gồm số liệu cấp dưới cần xác minh", "⚑ tổng gồm số liệu đơn vị cấp dưới cần xác minh",
     "Tỉnh Thử (2022): gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử"),
    ("en", "⚑ A total including figures to verify", "⚑ a total including figures of units below to verify",
     "Test Province (2022): includes 1 figure(s) of units below to verify: Test District"),
])
def test_a_total_that_includes_a_contradicted_figure_below(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path_factory: pytest.TempPathFactory, lang: str,
                                                           marker: str, chip: str, note: str) -> None:
    """Tỉnh Thử's 90,0% is its district's 54/60, whose report writes 91%: the trend marks the total's point as
    the exported trend does, and the bars' legend, hover and chips call it a total that includes a figure to
    verify, never a report that contradicts itself (the province's own report says nothing)."""
    at = run_app(monkeypatch, totals_db(tmp_path_factory), "indicator", unit="VN", year="2022",
                 ind="dept_leaders_good_or_better_rate", lang=lang)
    assert not at.exception
    bars, trend = _figures(at)
    name, district = ("Tỉnh Thử", "Đảng bộ huyện Thử") if lang == "vi" else ("Test Province", "Test District")
    whose = note.split(": ", 1)[1]
    assert _marks(bars) == [(marker, [pytest.approx(90.0)], ["P"], [f"<b>{name}</b><br>{whose}"])]
    # its value beside the star, not under it: the bar writes nothing at its end, a label set off past the star does
    value = "90,0% ✖" if lang == "vi" else "90.0% ✖"
    assert [tr["text"] for tr in bars["data"] if tr["type"] == "bar"] == [["95,0% ✔" if lang == "vi" else "95.0% ✔"],
                                                                          [""]]
    [beside] = [tr for tr in bars["data"] if tr.get("text") == [value]]
    assert (beside["mode"], beside["textposition"], beside["y"]) == ("markers+text", "middle right", ["P"])
    assert bars["layout"]["meta"]["note"] == [f"⚑ {name}: {whose}"]
    assert _marks(trend) == [(marker, [2022], [pytest.approx(90.0)], [f"<b>{name}</b> 2022"])]
    assert trend["layout"]["meta"]["note"] == [f"⚑ {note}"]
    assert whose.endswith(district)
    [chips] = [m.value for m in at.markdown if "chip mark" in m.value]
    assert f">{chip}</span>" in chips
    # one mark in the legend: the chip of a figure whose own report contradicts itself is not there
    assert chips.count('class="chip mark"') == 1
    assert "mọi cách đọc" not in chips and "every reading" not in chips
