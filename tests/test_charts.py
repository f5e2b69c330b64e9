"""Figure builders: pure functions of DataFrames; Vietnamese number format, symbols beside colours,
target line or band, dashed projection, PNG file names, empty states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.i18n import STATUS_STYLE
from monitor.charts import (
    bars,
    download_name,
    empty_figure,
    heatmap,
    plotly_config,
    scatter,
    slug,
    small_multiples,
    sparkline,
    trend,
)


def _bar_frame(**over: object) -> pd.DataFrame:
    frame = pd.DataFrame({
        "unit_code": ["A", "B", "C"], "unit_name": ["Đảng bộ huyện Tây Sơn", "Huyện B", "Huyện C"],
        "value": [96.55, 78.0, np.nan], "qualifier": ["", ">", ""], "status": ["achieved", "off_track", "no_data"],
        "target": [80.0, 80.0, 80.0], "target_high": [np.nan] * 3, "comparator": [">"] * 3, "source": ["s", "", ""]})
    return frame.assign(**over)


def test_bars_sorted_labelled_and_with_a_target_line() -> None:
    fig = bars(_bar_frame(), unit="percent", lang="vi", title="Tỷ lệ, năm 2022")
    assert fig.layout.separators == ",."
    by_name = {tr.name: tr for tr in fig.data}
    assert list(by_name["✔ Đạt"].text) == ["96,6% ✔"]
    assert list(by_name["✖ Nguy cơ không đạt"].text) == ["trên 78% ✖"]  # a bound stays a bound
    assert list(by_name["✖ Nguy cơ không đạt"].marker.pattern.shape) == ["/"]  # and is hatched
    assert by_name["✔ Đạt"].marker.color == STATUS_STYLE["achieved"]["color"]
    assert list(fig.layout.yaxis.categoryarray) == ["C", "B", "A"]  # best on top, missing last
    assert [s.x0 for s in fig.layout.shapes] == [80.0]
    # the target is named in the legend (dashed, as drawn), not over the plot where the legend sits
    assert not fig.layout.annotations
    [named] = [tr for tr in fig.data if tr.name == "Mức chỉ tiêu: trên 80%"]
    assert named.line.dash == "dash" and list(named.x) == [None]
    assert fig.layout.xaxis.range[1] == 100 * 1.18  # rates from half way up keep the 0–100% scale
    [missing] = [tr for tr in fig.data if tr.type == "scatter" and tr.mode == "text"]
    assert list(missing.y) == ["C"] and missing.text[0].strip() == "— Chưa có số liệu"  # said, not a 0 bar


def test_bars_range_band_and_per_unit_targets() -> None:
    band = bars(_bar_frame(target=[15.0] * 3, target_high=[20.0] * 3, comparator=["range"] * 3), unit="percent")
    assert [(s.type, s.x0, s.x1) for s in band.layout.shapes if s.type == "rect"] == [("rect", 15.0, 20.0)]
    mixed = bars(_bar_frame(target=[80.0, 90.0, np.nan]), unit="percent")
    ticks = [tr for tr in mixed.data if tr.name == "Mức chỉ tiêu"]
    assert list(ticks[0].x) == [80.0, 90.0]  # a tick on each bar when the units' targets differ


def test_a_marked_bar_s_value_beside_its_star_not_under_it() -> None:
    """The star sits on the bar's end, where the bar's own label started: it hid the first figure of the value.
    The value is written beside it instead, at the star's point, set off past the star's outline."""
    fig = bars(_bar_frame(disputed=[False, True, False], summed=[False, True, False],
                          note=["", "gồm 1 số liệu đơn vị cấp dưới cần xác minh: Huyện D", ""]), unit="percent")
    [star] = [tr for tr in fig.data if tr.name == "⚑ Tổng gồm số liệu cấp dưới cần xác minh"]
    by_name = {tr.name: tr for tr in fig.data}
    assert list(by_name["✖ Nguy cơ không đạt"].text) == [""]  # nothing written under the star
    assert list(by_name["✔ Đạt"].text) == ["96,6% ✔"]  # an unmarked bar keeps its own label
    [label] = [tr for tr in fig.data if tr.type == "scatter" and tr.text is not None and "trên 78% ✖" in tr.text]
    assert (list(label.x), list(label.y)) == (list(star.x), list(star.y)) == ([78.0], ["B"])
    assert label.mode == "markers+text" and label.textposition == "middle right" and label.showlegend is False
    assert label.marker.opacity == 0  # unseen: it only sets the text off
    # Plotly sets a point's text off by its marker's radius / 0.8 + 1 px; the star reaches its radius and half
    # its outline: at least 2 px between them
    offset = label.marker.size / 2 / 0.8 + 1
    assert offset - (star.marker.size / 2 + star.marker.line.width / 2) >= 2


def test_small_multiples_say_once_under_the_panels_what_the_mark_means() -> None:
    series = pd.DataFrame({"unit_code": ["A", "A", "B", "B"], "year": [2021, 2022, 2021, 2022],
                           "value": [95.0, 90.0, 97.5, 95.0], "qualifier": [""] * 4,
                           "disputed": [False, True, False, False], "summed": [False] * 4})
    note = "Huyện A (2022): báo cáo ghi tỷ lệ 91%, nhưng 54/60 = 90,0%"
    fig = small_multiples(series, unit="percent", years=[2021, 2022], names={"A": "Huyện A", "B": "Huyện B"},
                          notes=[note])
    [flag] = [tr for tr in fig.data if tr.text == ("⚑",)]
    assert (list(flag.x), list(flag.y), flag.xaxis) == ([2022], [90.0], "x")
    [said] = [a for a in fig.layout.annotations if "⚑" in a.text]  # one note for both panels
    assert said.text == f"⚑ {note}" and (said.xref, said.yref, said.yanchor) == ("paper", "paper", "top")
    assert fig.layout.meta["note"] == [note]
    plain = small_multiples(series.assign(disputed=False), unit="percent", years=[2021, 2022],
                            names={"A": "Huyện A", "B": "Huyện B"})
    assert not [a for a in plain.layout.annotations if "⚑" in a.text] and fig.layout.height > plain.layout.height


def test_english_separators_and_counts() -> None:
    fig = bars(_bar_frame(value=[1234.0, 600.0, np.nan], target=[600.0] * 3), unit="count", lang="en")
    assert fig.layout.separators == ".,"
    assert list(next(tr for tr in fig.data if tr.name == "✔ Achieved").text) == ["1,234 ✔"]


def test_trend_with_revised_target_and_dashed_projection() -> None:
    series = pd.DataFrame({"unit_code": ["K"] * 3, "unit_name": ["Khối"] * 3, "year": [2021, 2022, 2023],
                           "value": [500.0, 650.0, 700.0], "qualifier": ["", "", ""]})
    targets = pd.DataFrame({"unit_code": ["K"] * 5, "year": [2021, 2022, 2023, 2024, 2025],
                            "target": [300.0, 300.0, 600.0, 600.0, 600.0], "target_high": [np.nan] * 5})
    proj = pd.DataFrame({"unit_code": ["K"], "from_year": [2023], "from_value": [700.0], "to_year": [2025],
                         "to_value": [820.0]})
    fig = trend(series, unit="count", years=range(2020, 2026), lang="vi", targets=targets, projections=proj)
    line, projection, legend, target = fig.data
    assert legend.name == "Dự báo" and legend.line.dash == "dash"
    assert list(line.y) == [500.0, 650.0, 700.0]
    assert projection.line.dash == "dash" and list(projection.x) == [2023, 2025]
    assert "Dự báo 2025: 820" in projection.hovertext[1]
    assert target.line.shape == "hv" and list(target.y) == [300.0, 300.0, 600.0, 600.0, 600.0]  # revised in 2023
    assert target.line.dash is None  # solid: only projections are dashed


def test_heatmap_cells_and_click_layer() -> None:
    grid = pd.DataFrame({
        "unit_code": ["A", "A", "B"], "indicator": ["i1", "i2", "i1"], "column": ["Một", "Hai", "Một"],
        "column_full": ["Một", "Hai", "Một"], "status": ["achieved", "accelerate", "no_data"],
        "cell": ["96,6 ✔", "40,0 ⚠", "—"], "hover": ["a", "b", "c"], "order": [0, 1, 0]})
    fig = heatmap(grid, rows=["A", "B"], row_names={"A": "Huyện A", "B": "Huyện B"})
    heat, click = fig.data[0], fig.data[1]
    assert [list(r) for r in heat.text] == [["96,6 ✔", "40,0 ⚠"], ["—", ""]]
    assert list(heat.y) == ["A", "B"] and list(fig.layout.yaxis.ticktext) == ["Huyện A", "Huyện B"]
    assert [list(c) for c in click.customdata] == [["A", "i1"], ["A", "i2"], ["B", "i1"]]
    assert click.hoverinfo == "text"  # a skipped trace would swallow the clicks
    legend = [tr.name for tr in fig.data[2:]]
    assert legend == ["✔ Đạt", "⚠ Cần đẩy nhanh", "— Chưa có số liệu"]


def test_scatter_and_empty_states() -> None:
    frame = pd.DataFrame({"unit_code": ["A", "B"], "unit_name": ["A", "B"], "kind": ["district", "bloc"],
                          "x": [90.0, 95.5], "y": [4.1, 3.2], "x_qualifier": ["", ""], "y_qualifier": ["", ""]})
    fig = scatter(frame, x_name="X", y_name="Y", x_unit="percent", y_unit="percent",
                  kind_names={"district": "Huyện", "bloc": "Đảng bộ khối"})
    assert sorted(tr.name for tr in fig.data) == ["Huyện", "Đảng bộ khối"]
    assert "Y: 3,20%" in fig.data[0].hovertext[0]
    one = scatter(frame.head(1), x_name="X", y_name="Y", x_unit="percent", y_unit="percent")
    assert one.layout.annotations[0].text.startswith("Cần ít nhất hai đơn vị")
    assert not bars(_bar_frame().head(0), unit="percent").data
    assert empty_figure("Không có").layout.annotations[0].text == "Không có"
    assert list(sparkline([1.0, None, 3.0], [2021, 2022, 2023]).data[0].y) == [1.0, None, 3.0]


def test_png_file_names() -> None:
    assert slug("Đảng bộ huyện Tây Sơn") == "Dang-bo-huyen-Tay-Son"
    assert download_name("BD-TAYSON", "admission_rate", 2022) == "BD-TAYSON_admission_rate_2022"
    config = plotly_config("BD-TAYSON_admission_rate_2022")
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "BD-TAYSON_admission_rate_2022",
                                              "scale": 2}


def test_small_rates_get_an_axis_of_their_size() -> None:
    # admissions, 3–5% against "trên 4%": on a 0–100% axis the bars were slivers
    small = _bar_frame(value=[5.47, 3.04, np.nan], qualifier=["", "", ""], target=[4.0] * 3)
    fig = bars(small, unit="percent")
    assert fig.layout.xaxis.range[0] == 0  # bars still start at 0
    assert fig.layout.xaxis.range[1] == pytest.approx(5.47 * 1.1 * 1.18)
    wide = bars(_bar_frame(value=[30.0, 12.0, np.nan], target=[45.0] * 3), unit="percent")
    assert wide.layout.xaxis.range[1] == pytest.approx(45.0 * 1.1 * 1.18)  # the target is on the axis
    series = pd.DataFrame({"unit_code": ["K"] * 3, "unit_name": ["Khối"] * 3, "year": [2021, 2022, 2023],
                           "value": [4.1, 4.6, 5.2], "qualifier": ["", "", ""]})
    targets = pd.DataFrame({"unit_code": ["K"] * 5, "year": list(range(2021, 2026)), "target": [4.0] * 5,
                            "target_high": [np.nan] * 5})
    proj = pd.DataFrame({"unit_code": ["K"], "from_year": [2023], "from_value": [5.2], "to_year": [2025],
                         "to_value": [6.0]})
    line = trend(series, unit="percent", years=range(2020, 2026), targets=targets, projections=proj)
    assert list(line.layout.yaxis.range) == [0.0, pytest.approx(6.0 * 1.25)]  # the projection is in view
    high = trend(series.assign(value=[96.0, 97.5, 98.0]), unit="percent", years=range(2020, 2026))
    assert list(high.layout.yaxis.range) == [91.0, 100.5]


def test_heatmap_column_labels_are_narrower_than_a_column() -> None:
    names = ["Tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên", "Tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ",
             "Kết nạp đảng viên so với tổng số đảng viên", "Cấp ủy viên cơ sở có trình độ đại học trở lên",
             "Đảng viên hoàn thành tốt nhiệm vụ trở lên", "Cán bộ, công chức cấp xã có trình độ đại học",
             "Cấp ủy viên cơ sở có lý luận chính trị từ trung cấp", "Tổ chức cơ sở đảng hoàn thành xuất sắc"]
    grid = pd.DataFrame({"unit_code": ["A"] * 8, "indicator": [f"i{k}" for k in range(8)], "column": names,
                         "column_full": names, "status": ["achieved"] * 8, "cell": ["1 ✔"] * 8,
                         "hover": ["h"] * 8, "order": list(range(8))})
    fig = heatmap(grid, rows=["A"], row_names={"A": "Huyện A"})
    lines = [line for label in fig.layout.xaxis.ticktext for line in label.split("<br>")]
    # 8 columns: 11 characters of 10 px type (about 75 px a column at 1280 px), at most 5 lines
    assert max(len(line) for line in lines) == 11
    assert max(label.count("<br>") for label in fig.layout.xaxis.ticktext) == 4
    assert fig.layout.xaxis.tickfont.size == 10
    assert fig.data[0].text[0][0] == "1 ✔"  # 8 columns: value and symbol on one line


def test_heatmap_with_many_columns_puts_the_symbol_under_the_value() -> None:
    n = 18
    grid = pd.DataFrame({"unit_code": ["A"] * n, "indicator": [f"i{k}" for k in range(n)], "column": ["c"] * n,
                         "column_full": ["c"] * n, "status": ["achieved"] * n, "cell": ["94,9 ✔"] * (n - 1) + ["—"],
                         "hover": ["h"] * n, "order": list(range(n))})
    fig = heatmap(grid, rows=["A"], row_names={"A": "Đảng bộ Khối Doanh nghiệp tỉnh Ngọc Sơn (mô phỏng)"})
    assert list(fig.data[0].text[0][:2]) == ["94,9<br>✔", "94,9<br>✔"]
    assert fig.data[0].text[0][-1] == "—"
    assert fig.layout.yaxis.ticktext == ("Đảng bộ Khối Doanh nghiệp tỉnh<br>Ngọc Sơn (mô phỏng)",)


def test_an_exported_heat_map_puts_its_title_above_the_column_labels() -> None:
    """In a file the title has a band of its own; on a heat-map the labels on top keep their room under it
    (the band used to replace that room, and the title sat on the labels)."""
    from monitor.export.charts import for_export

    names = ["Tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên"] * 8
    grid = pd.DataFrame({"unit_code": ["A"] * 8, "indicator": [f"i{k}" for k in range(8)], "column": names,
                         "column_full": names, "status": ["achieved"] * 8, "cell": ["1 ✔"] * 8,
                         "hover": ["h"] * 8, "order": list(range(8))})
    fig = heatmap(grid, rows=["A"], row_names={"A": "Huyện A"}, title="Tổ chức đảng: kết quả năm 2025")
    labels = fig.layout.margin.t
    assert labels == 17 * 5 + 30 - 25  # five lines of labels
    spec = for_export(fig)
    assert spec["layout"]["margin"]["t"] == labels + 56
    assert spec["layout"]["title"]["yref"] == "container"
    bars = for_export(go.Figure(go.Bar(x=[1], y=[1]), layout={"title": {"text": "T"}, "margin": {"t": 70}}))
    assert bars["layout"]["margin"]["t"] == 76  # elsewhere the band replaces the page's title room


def test_trend_rings_the_years_from_the_units_before_a_reorganisation() -> None:
    series = pd.DataFrame({"unit_code": ["C", "C"], "unit_name": ["Tỉnh C", "Tỉnh C"], "year": [2023, 2026],
                           "value": [125 / 150 * 100, 87.5], "qualifier": ["", ""],
                           "basis": ["predecessors", "counts"]})
    fig = trend(series, unit="percent", years=range(2020, 2031), lang="vi")
    [ring] = [tr for tr in fig.data if tr.name == "Tính từ đơn vị trước sắp xếp"]
    assert (list(ring.x), list(ring.y)) == ([2023], [125 / 150 * 100])
    assert ring.marker.symbol == "circle-open"
    plain = trend(series.drop(columns="basis"), unit="percent", years=range(2020, 2031), lang="vi")
    assert not [tr for tr in plain.data if tr.name == "Tính từ đơn vị trước sắp xếp"]
