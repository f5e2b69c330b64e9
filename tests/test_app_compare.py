"""Compare page (AppTest): ranking, unit-kind filter, the two-indicator scatter, empty states."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation

from tests.dashboard_data import demo_db, empty_db, frames, plotly_array, run_app, sample_db, totals_db
from tests.download_spy import require_chromium, spy_downloads, zip_members


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_db(tmp_path_factory)


def _numbers(column) -> list[float]:
    return [float(v.rstrip("%").replace(".", "").replace(",", ".")) for v in column if v != "—"]


def test_ranking_and_scatter(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    at = run_app(monkeypatch, demo, "compare", unit="DEMO-P01", rank="member_good_or_better_rate")
    assert not at.exception
    # ranked within one kind and one target: the districts' "từ 80%" apart from the blocs' "từ 90%"
    districts, blocs, points = frames(at)
    assert [m.value for m in at.markdown if m.value.startswith("**")] == [
        "**Huyện · Mức chỉ tiêu từ 80% trở lên (12 đơn vị)**",
        "**Đảng bộ khối · Mức chỉ tiêu từ 90% trở lên (3 đơn vị)**",
        "**Các điểm trên biểu đồ**"]
    assert len(districts) == 12 and len(blocs) == 3
    for table in (districts, blocs):
        values = _numbers(table["Giá trị"])
        assert values == sorted(values, reverse=True)  # best first
        assert list(table["Hạng"]) == [str(i) for i in range(1, len(table) + 1)]
    assert set(districts["Loại"]) == {"Huyện"} and set(blocs["Loại"]) == {"Đảng bộ khối"}
    assert set(districts["Mức chỉ tiêu"]) == {"từ 80% trở lên"} and set(blocs["Mức chỉ tiêu"]) == {"từ 90% trở lên"}
    assert blocs["Đơn vị"].iloc[0] == "Đảng bộ Khối Doanh nghiệp tỉnh Ngọc Sơn (mô phỏng)"
    # the scatter: x is the first target whose values differ between the units (every unit completed
    # 100% of "hoàn thành nhiệm vụ trở lên" in 2025: a column of points), y the next of another group
    assert at.query_params["x"] == "org_good_or_better_rate"
    assert at.query_params["y"] == "member_good_or_better_rate"
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    fig = figs[-1]
    assert {tr["name"] for tr in fig["data"]} == {"Huyện", "Đảng bộ khối"}
    xs = [x for tr in fig["data"] for x in plotly_array(tr["x"])]
    assert len(xs) == 15 and len(set(xs)) > 1
    assert fig["layout"]["separators"] == ",."
    # 15 points: each labelled by its number, and the numbers listed with the units and both values
    labels = sorted(int(n) for tr in fig["data"] for n in tr["text"])
    assert labels == list(range(1, 16))
    assert list(points["Số trên biểu đồ"]) == [str(i) for i in range(1, 16)]
    first = points.iloc[0]
    assert (first["Đơn vị"], first.iloc[2], first.iloc[3]) == ("Đảng bộ huyện Đông Lâm (mô phỏng)", "100,0%", "92,5%")


def test_three_chosen_units_side_by_side(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    at = run_app(monkeypatch, demo, "compare", unit="DEMO-P01", rank="member_good_or_better_rate",
                 units="DEMO-P01-H02,DEMO-P01-H05,DEMO-P01-K1")
    assert not at.exception
    [chosen] = [json.loads(el.proto.spec) for el in at.get("plotly_chart")
                if "giá trị từng năm so với chỉ tiêu" in json.dumps(json.loads(el.proto.spec), ensure_ascii=False)]
    lines = [tr for tr in chosen["data"] if tr.get("mode") == "lines+markers+text"]
    # one panel per chosen unit, in the order chosen, every point labelled with its value
    assert [(tr["name"], tr["xaxis"]) for tr in lines] == [
        ("Đảng bộ huyện Tây Hòa (mô phỏng)", "x"), ("Đảng bộ huyện Thượng Lạc (mô phỏng)", "x2"),
        ("Đảng bộ Khối Cơ quan tỉnh Ngọc Sơn (mô phỏng)", "x3")]
    assert lines[0]["text"] == ["91,3%", "91,5%", "91,9%", "91,9%", "92,6%", "93,1%"]
    assert all(tr["hoverinfo"] == "skip" for tr in lines)  # nothing to hover for
    assert all(len(tr["text"]) == len(plotly_array(tr["y"])) for tr in lines)
    # each against its own target: the districts' 80%, the bloc's 90%
    notes = [a["text"] for a in chosen["layout"]["annotations"]]
    assert notes[3:] == ["Mức chỉ tiêu 80,0%", "Mức chỉ tiêu 80,0%", "Mức chỉ tiêu 90,0%"]
    # a sixth unit is not taken: at most five side by side
    at = run_app(monkeypatch, demo, "compare", unit="DEMO-P01",
                 units="DEMO-P01-H01,DEMO-P01-H02,DEMO-P01-H03,DEMO-P01-H04,DEMO-P01-H05,DEMO-P01-H06")
    assert not at.exception
    assert at.query_params["units"] == "DEMO-P01-H01,DEMO-P01-H02,DEMO-P01-H03,DEMO-P01-H04,DEMO-P01-H05"
    # one unit alone is not a comparison
    at = run_app(monkeypatch, demo, "compare", unit="DEMO-P01", units="DEMO-P01-H01")
    assert "Hãy chọn ít nhất hai đơn vị để đặt cạnh nhau." in [i.value for i in at.info]


def test_kind_filter(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    at = run_app(monkeypatch, demo, "compare", unit="DEMO-P01", kind="bloc")
    assert not at.exception
    [table] = frames(at)
    assert len(table) == 3
    assert set(table["Loại"]) == {"Đảng bộ khối"}


def test_organisation_type_filter_changes_the_figures(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    all_types = frames(run_app(monkeypatch, demo, "compare", unit="DEMO-P01", rank="org_good_or_better_rate"))[0]
    communes = frames(run_app(monkeypatch, demo, "compare", unit="DEMO-P01", rank="org_good_or_better_rate",
                              org="xa"))[0]
    assert len(communes) == len(all_types)
    assert list(communes["Giá trị"]) != list(all_types["Giá trị"])


def test_one_unit_is_no_scatter(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, sample_db(tmp_path_factory), "compare", unit="BD", year="2022")
    assert not at.exception
    [fig] = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert fig["layout"]["annotations"][0]["text"] == (
        "Cần ít nhất hai đơn vị có đủ cả hai số liệu để vẽ biểu đồ tương quan.")


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, empty_db(tmp_path_factory), "compare")
    assert not at.exception
    assert [i.value for i in at.info] == ["Cơ sở dữ liệu chưa có đơn vị nào."]


# the blocs' pack: a heat-map per indicator group with a target (file named "bang-" and the group's
# Vietnamese name) and the sorted bars of each targeted indicator (named by the indicator's Vietnamese name)
BLOC_CHARTS = [
    "bang-co-quan-doanh-nghiep", "bang-dang-vien", "bang-ket-nap-dang-vien", "bang-to-chuc-dang",
    "can-bo-dang-vien-thuc-hien-cam-ket-tu-duong", "chi-bo-sinh-hoat-dinh-ky-dung-quy-dinh",
    "co-quan-doanh-nghiep-dat-chuan-van-hoa", "co-quan-doanh-nghiep-dat-danh-hieu-van-hoa-tieu-bieu",
    "co-quan-doanh-nghiep-dat-tieu-chuan-moi-truong-an-toan-lao-dong",
    "co-quan-doanh-nghiep-hoan-thanh-nhiem-vu-tro-len", "co-quan-doanh-nghiep-hoan-thanh-tot-nhiem-vu-tro-len",
    "co-quan-doanh-nghiep-hoan-thanh-xuat-sac-nhiem-vu", "dang-vien-duoc-ket-nap",
    "dang-vien-hoan-thanh-tot-nhiem-vu-tro-len", "dang-vien-hoan-thanh-xuat-sac-nhiem-vu",
    "doan-the-cua-khoi-xep-loai-vung-manh", "doanh-nghiep-thuc-hien-du-nghia-vu-ngan-sach",
    "quan-chung-uu-tu-duoc-boi-duong", "to-chuc-co-so-dang-hoan-thanh-tot-nhiem-vu-tro-len",
    "to-chuc-co-so-dang-hoan-thanh-xuat-sac-so-voi-hoan-thanh-tot-tro-len",
    "to-chuc-co-so-dang-hoc-tap-nghi-quyet-xay-dung-chuong-trinh-hanh-dong",
    "to-chuc-dang-cap-tren-co-so-hoan-thanh-tot-nhiem-vu-tro-len"]


def test_download_of_the_blocs_with_charts(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    require_chromium()
    at = run_app(monkeypatch, demo)
    seen = spy_downloads(monkeypatch)
    at.query_params.update(unit="DEMO-P01", kind="bloc")
    at.switch_page("screens/compare.py").run()
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")] == [
        "Tải gói tài liệu (ZIP)", "Bảng Excel", "Phụ lục Word"]
    assert sorted(seen) == ["DEMO-P01_bloc_2025.zip", "DEMO-P01_bloc_phu-luc_2025.docx",
                            "DEMO-P01_bloc_so-lieu_2025.xlsx"]
    pack = seen["DEMO-P01_bloc_2025.zip"]()
    assert zip_members(pack) == sorted([
        *[f"DEMO-P01/DEMO-P01_{part}" for part in ("bao-cao_2025.pptx", "du-thao_2025.docx", "phu-luc_2025.docx",
                                                   "so-lieu_2025.xlsx", "tom-tat_2025.pdf")],
        *[f"DEMO-P01/charts/DEMO-P01_{c}_2025.{f}" for c in BLOC_CHARTS for f in ("png", "svg", "pdf")]])
    with zipfile.ZipFile(io.BytesIO(pack)) as z:
        deck = Presentation(io.BytesIO(z.read("DEMO-P01/DEMO-P01_bao-cao_2025.pptx")))
    summary = next(s for s in deck.slides if s.shapes.title.text == "Tổng hợp kết quả thực hiện các chỉ tiêu")
    table = next(sh.table for sh in summary.shapes if sh.has_table)
    assert [r.cells[0].text for r in list(table.rows)[1:]] == [
        "Đảng bộ Khối Cơ quan tỉnh Ngọc Sơn (mô phỏng)", "Đảng bộ Khối Doanh nghiệp tỉnh Ngọc Sơn (mô phỏng)",
        "Đảng bộ Khối Sự nghiệp tỉnh Ngọc Sơn (mô phỏng)"]


def test_a_total_that_includes_a_contradicted_figure_below(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tỉnh Thử's 90,0% in 2022 is its district's 54/60, whose report writes 91%: its panel marks that point ⚑
    as a contradicted figure's, the ranking marks its status and says whose figure it includes; Tỉnh Đối Chứng's
    figures are not marked."""
    at = run_app(monkeypatch, totals_db(tmp_path_factory), "compare", unit="VN", year="2022",
                 rank="dept_leaders_good_or_better_rate", units="P,Q")
    assert not at.exception
    chosen = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                  if "Tỉnh Đối Chứng" in json.dumps(json.loads(el.proto.spec)["layout"].get("annotations", []),
                                                    ensure_ascii=False))
    marks = [(tr.get("xaxis", "x"), plotly_array(tr["x"]), plotly_array(tr["y"])) for tr in chosen["data"]
             if tr.get("text") == ["⚑"]]
    assert marks == [("x", [2022], [pytest.approx(90.0)])]  # the first panel, Tỉnh Thử's
    ranking = frames(at)[0]
    assert ranking[["Đơn vị", "Giá trị", "Tình trạng", "Số liệu cần xác minh"]].values.tolist() == [
        ["Tỉnh Đối Chứng", "95,0%", "✔ Đạt", ""],
        ["Tỉnh Thử", "90,0%", "✖ Nguy cơ không đạt ⚑", "Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử"]]


@pytest.mark.parametrize("lang,names,note", [
    ("vi", ("Tỉnh Thử", "Tỉnh Đối Chứng"),
     "⚑ Tỉnh Thử (2022): gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử"),
    ("en", ("Test Province", "Control Province"),
     "⚑ Test Province (2022): includes 1 figure(s) of units below to verify: Test District"),
])
def test_the_small_multiples_say_what_their_mark_means(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path_factory: pytest.TempPathFactory, lang: str,
                                                       names: tuple[str, str], note: str) -> None:
    """Under the panels, once, which point ⚑ marks and why: Tỉnh Thử's 2022 total includes its district's
    contradicted figure, the district named (the panels printed ⚑ and said nothing of it)."""
    at = run_app(monkeypatch, totals_db(tmp_path_factory), "compare", unit="VN", year="2022",
                 rank="dept_leaders_good_or_better_rate", units="P,Q", lang=lang)
    assert not at.exception
    chosen = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                  if names[1] in json.dumps(json.loads(el.proto.spec)["layout"].get("annotations", []),
                                            ensure_ascii=False))
    said = [a["text"] for a in chosen["layout"]["annotations"] if "⚑" in a["text"]]
    assert said == [note]  # one note, not one per panel
    assert [a["text"] for a in chosen["layout"]["annotations"] if a["text"] in names] == list(names)
