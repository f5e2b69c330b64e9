"""Unit page (AppTest): every target with progress, trend, status, needed vs achieved, sources; the
indicators without a target; the breakdown by organisation type; empty states."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document
from pypdf import PdfReader

from tests.dashboard_data import demo_db, empty_db, frames, run_app, sample_db, texts, totals_db
from tests.download_spy import require_chromium, spy_downloads, without_chromium, zip_members
from tests.inputs import write_inputs


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_db(tmp_path_factory)


def test_tay_son_2022(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "unit", unit="BD", focus="BD-TAYSON", year="2022")
    assert not at.exception
    page = texts(at)
    assert "Đảng bộ huyện Tây Sơn" in page
    assert "**Nghị quyết:** 03-CTr/HU" in page
    targets, details, others = frames(at)  # the compact table, every column on demand, the other values
    assert list(details.columns) == ["full_name", "status", "dispute", "target", "latest", "trend", "progress",
                                     "needed", "achieved", "projected", "source"]
    # at 1280 px the essentials: name, status, target, latest value, trend, needed against achieved a year
    assert list(at.dataframe[0].proto.column_order) == ["full_name", "status", "target", "latest", "trend", "pace"]
    assert targets["pace"].iloc[1] == "— / -1,7 điểm %/năm"
    assert list(targets["target"]) == ["100%", "trên 80%", "từ 20% trở lên", "từ 80% trở lên", "trên 4%",
                                       "100% (đến năm 2025)", "100% (đến năm 2025)", "100% (đến năm 2025)"]
    assert list(targets["latest"][:5]) == ["100,0% (2022)", "94,8% (2022)", "32,7% (2022)", "94,8% (2022)",
                                           "4,16% (2022)"]
    # 2022's excellent share: 18/55 = 32,7% where the report writes 31%: met on both readings, marked
    assert list(targets["status"]) == ["✔ Đạt"] * 2 + ["✔ Đạt ⚑"] + ["✔ Đạt"] * 2 + ["— Chưa có số liệu"] * 3
    assert targets["dispute"].iloc[2] == (
        "Báo cáo ghi tỷ lệ 31%, nhưng 18/55 = 32,7%: số liệu báo cáo không khớp; mọi cách đọc (32,7%; 31,0%) đều "
        "cho cùng kết luận")
    assert set(targets["dispute"].drop(index=2)) == {""}
    assert list(targets["progress"][:5]) == [100.0] * 5
    assert targets["trend"].iloc[1] == pytest.approx([56 / 58 * 100, 55 / 58 * 100])
    assert targets["achieved"].iloc[1] == "-1,7 điểm %/năm"  # 96,55% → 94,83%
    assert targets["source"].iloc[4].startswith("003 Tây Sơn 03-CTr/HU II.1.2")
    # an indicator with figures but no target: its value and "no target"
    row = others[others["Chỉ tiêu"] == "Tỷ lệ kết nạp đảng viên so với kế hoạch"].iloc[0]
    assert row["Giá trị"] == "102,1%"
    assert row["Tình trạng"] == "· Không có chỉ tiêu"
    assert "Đơn vị này không có số liệu tách theo loại hình tổ chức cơ sở đảng." in page


def test_tay_son_2023_figures_to_verify(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "unit", unit="BD", focus="BD-TAYSON", year="2023")
    assert not at.exception
    targets = frames(at)[0].set_index("full_name")
    theory = targets.loc["Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên"]
    assert theory["status"] == "⁉ Cần xác minh số liệu"
    assert theory["latest"] == "100,6% (2023)"  # the figure stays visible beside its status
    assert pd.isna(theory["progress"])  # but no progress bar drawn full from it
    assert theory["dispute"] == (
        "325 cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên / 323 tổng số cấp ủy viên cơ sở; "
        "tổng số cấp ủy viên cơ sở ghi 323, các thành phần cộng lại 333: số liệu báo cáo không khớp; "
        "tỷ lệ tính ra vượt 100%")
    university = targets.loc["Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên"]
    assert university["status"] == "… Chưa đủ dữ liệu ⚑"
    assert university["dispute"].endswith("mọi cách đọc (97,5%; 94,6%; 96,9%) đều cho cùng kết luận")
    good = targets.loc["Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên"]
    assert (good["status"], good["dispute"]) == ("✔ Đạt", "")


def test_bloc_with_bounds_and_a_deadline_target(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "unit", unit="TH", focus="TH-KHOI", year="2023")
    assert not at.exception
    targets = frames(at)[0]
    by_name = dict(zip(targets["full_name"], targets["latest"], strict=True))  # names whole, wrapped in the grid
    assert by_name["Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên"] == "trên 90% (2023)"  # a bound
    cultural = targets[targets["full_name"] == "Tỷ lệ cơ quan, doanh nghiệp đạt chuẩn văn hóa"].iloc[0]
    assert cultural["target"] == "từ 70% trở lên (đến năm 2025)"
    assert cultural["latest"] == "51,2% (2023)"  # 62/121
    assert cultural["status"] == "… Chưa đủ dữ liệu"


def test_organisation_type_breakdown(monkeypatch: pytest.MonkeyPatch,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, demo_db(tmp_path_factory), "unit", unit="DEMO-P01", focus="DEMO-P01-H01")
    assert not at.exception
    breakdown = frames(at)[-1]
    assert list(breakdown["Loại hình tổ chức cơ sở đảng"]) == [
        "Xã", "Thị trấn", "Cơ quan hành chính", "Đơn vị sự nghiệp", "Doanh nghiệp nhà nước",
        "Doanh nghiệp ngoài nhà nước", "Lực lượng vũ trang"]
    assert all(v.endswith("%") or v == "—" for v in breakdown.iloc[:, 1])


def test_english(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "unit", unit="BD", focus="BD-TAYSON", year="2022", lang="en")
    assert not at.exception
    targets = frames(at)[0]
    assert list(targets["target"][:2]) == ["100%", "over 80%"]
    assert targets["target"].iloc[5] == "100% (by 2025)"
    assert targets["status"].iloc[0] == "✔ Achieved"


def test_an_aggregate_source_in_the_pages_language(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    """Bình Định's figures are Tây Sơn's summed: the source says so in the page's language (issue 20)."""
    at = run_app(monkeypatch, sample, "unit", unit="BD", focus="BD", year="2022", lang="en")
    assert not at.exception
    others = frames(at)[-1]
    assert list(others["Source"][:3]) == ["Sum of the units below (1)"] * 2 + [
        "Sum of the units below (1); includes 1 figure(s) of units below to verify: Tây Sơn District Party Committee"]
    assert "Tổng hợp từ" not in " ".join(str(x) for f in frames(at) for x in f.to_numpy().ravel())
    at = run_app(monkeypatch, sample, "unit", unit="BD", focus="BD", year="2022")
    assert list(frames(at)[-1]["Nguồn"][:2]) == ["Tổng hợp từ 1 đơn vị cấp dưới"] * 2


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, empty_db(tmp_path_factory), "unit")
    assert not at.exception
    assert [i.value for i in at.info] == ["Cơ sở dữ liệu chưa có đơn vị nào."]


def test_a_unit_without_targets_shows_its_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from etl.load import load

    db = tmp_path / "vn.duckdb"
    load(write_inputs(tmp_path, [("VN", "Toàn quốc (thử)", "Country (test)", "", "country")],
                      [("VN", 2022, "Y", "", measure, value, "", "thử") for measure, value in
                       [("org_rated", 200), ("org_excellent", 40), ("org_good", 150), ("org_completed", 10),
                        ("org_failed", 0)]]), db)
    at = run_app(monkeypatch, db, "unit", unit="VN", focus="VN", year="2022")
    assert not at.exception
    assert "Đơn vị được chọn không có chỉ tiêu nghị quyết nào trong nhiệm kỳ này." in [i.value for i in at.info]
    [others] = frames(at)
    row = others[others["Chỉ tiêu"] == "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên"].iloc[0]
    assert row["Giá trị"] == "95,0%"  # 190/200
    assert row["Tình trạng"] == "· Không có chỉ tiêu"


# -- downloads and the draft -----------------------------------------------------------------------

TAY_SON_2021_ORG = ("+ Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 96,55%), "
                    "trong đó có 13 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 23,21%); vượt chỉ tiêu đề ra.")
# named by the indicators' Vietnamese names, ASCII-safe
TAY_SON_2022_CHARTS = ["ket-nap-dang-vien-so-voi-tong-so-dang-vien", "dang-vien-hoan-thanh-tot-nhiem-vu-tro-len",
                       "to-chuc-co-so-dang-hoan-thanh-nhiem-vu-tro-len",
                       "to-chuc-co-so-dang-hoan-thanh-xuat-sac-so-voi-hoan-thanh-tot-tro-len",
                       "to-chuc-co-so-dang-hoan-thanh-tot-nhiem-vu-tro-len"]


def _unit_page(monkeypatch: pytest.MonkeyPatch, db: Path, **params: str) -> tuple[object, dict]:
    at = run_app(monkeypatch, db)
    seen = spy_downloads(monkeypatch)  # the unit page's buttons only, not the first page's
    at.query_params.update(params)
    at.switch_page("screens/unit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, seen


def test_the_draft_of_the_results_section_as_text_and_word(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at, seen = _unit_page(monkeypatch, sample, unit="BD", focus="BD-TAYSON", year="2022")
    [area] = at.text_area
    lines = area.value.splitlines()
    assert lines[0] == "1. Đối với tổ chức cơ sở đảng"
    assert TAY_SON_2021_ORG in lines  # seed 003 II.1.1.1, from the counts
    assert not any(line.startswith("+ Năm 2023") for line in lines)  # as of 2022: nothing later
    draft = Document(io.BytesIO(seen["BD-TAYSON_du-thao_2022.docx"]()))
    assert TAY_SON_2021_ORG in [p.text for p in draft.paragraphs]
    assert "Tải dự thảo (Word)" in [b.proto.label for b in at.get("download_button")]


def test_downloads_of_the_focused_unit(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    require_chromium()
    at, seen = _unit_page(monkeypatch, sample, unit="BD", focus="BD-TAYSON", year="2022")
    assert [b.proto.label for b in at.get("download_button")] == [
        "Tải gói tài liệu (ZIP)", "Bảng Excel", "Phụ lục Word", "Tải dự thảo (Word)", "Tải tóm tắt một trang (PDF)"]
    assert sorted(seen) == ["BD-TAYSON_2022.zip", "BD-TAYSON_du-thao_2022.docx", "BD-TAYSON_phu-luc_2022.docx",
                            "BD-TAYSON_so-lieu_2022.xlsx", "BD-TAYSON_tom-tat_2022.pdf"]
    assert len(PdfReader(io.BytesIO(seen["BD-TAYSON_tom-tat_2022.pdf"]())).pages) == 1
    pack = seen["BD-TAYSON_2022.zip"]()
    assert zip_members(pack) == sorted([
        "BD-TAYSON/BD-TAYSON_bao-cao_2022.pptx", "BD-TAYSON/BD-TAYSON_du-thao_2022.docx",
        "BD-TAYSON/BD-TAYSON_phu-luc_2022.docx", "BD-TAYSON/BD-TAYSON_so-lieu_2022.xlsx",
        "BD-TAYSON/BD-TAYSON_tom-tat_2022.pdf",
        *[f"BD-TAYSON/charts/BD-TAYSON_{i}_2022.{f}" for i in TAY_SON_2022_CHARTS for f in ("png", "svg", "pdf")]])
    assert seen["BD-TAYSON_2022.zip"]() is pack  # built once, kept for the next click
    book = openpyxl.load_workbook(io.BytesIO(seen["BD-TAYSON_so-lieu_2022.xlsx"]()))
    scores = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[-1]) for r in scores} == {("Đảng bộ huyện Tây Sơn", "BD-TAYSON")} and len(scores) == 8
    annex = Document(io.BytesIO(seen["BD-TAYSON_phu-luc_2022.docx"]()))
    assert [c.text for c in annex.tables[0].rows[0].cells][3:5] == ["2021", "2022"]


def test_a_group_cuts_the_files_and_names_them(monkeypatch: pytest.MonkeyPatch, sample: Path,
                                               tmp_path: Path) -> None:
    without_chromium(monkeypatch, tmp_path)
    at, seen = _unit_page(monkeypatch, sample, unit="BD", focus="BD-TAYSON", year="2023", group="ket_nap")
    assert sorted(seen) == ["BD-TAYSON_ket-nap_2023.zip", "BD-TAYSON_ket-nap_du-thao_2023.docx",
                            "BD-TAYSON_ket-nap_phu-luc_2023.docx", "BD-TAYSON_ket-nap_so-lieu_2023.xlsx"]
    # no browser on this server: a sentence says what the pack lacks, and it holds the Office files
    assert ("Máy chủ chưa cài Chromium nên gói tải về chỉ có tệp Word và Excel, chưa có biểu đồ và bản trình "
            "chiếu (quản trị viên: apt-get install chromium).") in [c.value for c in at.caption]
    assert zip_members(seen["BD-TAYSON_ket-nap_2023.zip"]()) == [
        "BD-TAYSON/BD-TAYSON_du-thao_2023.docx", "BD-TAYSON/BD-TAYSON_phu-luc_2023.docx",
        "BD-TAYSON/BD-TAYSON_so-lieu_2023.xlsx"]
    lines = at.text_area[0].value.splitlines()
    assert lines[0] == "1. Về phát triển đảng viên mới"
    assert not any("tổ chức cơ sở đảng được xếp loại" in line for line in lines)


def test_unit_names_are_shown_as_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from etl.load import load
    from screens._escape import esc

    name = "**Huyện** <b>Mẫu</b> :red[đỏ] [x](http://a.vn)"
    units = tmp_path / "units.csv"
    units.write_text("unit_code,name_vi,name_en,parent_code,kind\n"
                     f"P,Tỉnh mẫu,Sample province,,province\nH,\"{name}\",District,P,district\n", encoding="utf-8")
    db = tmp_path / "m.duckdb"
    load([units], db)
    at = run_app(monkeypatch, db, "unit", unit="P", focus="H")
    assert not at.exception
    assert at.subheader[0].value == esc(name)  # Markdown source escaped: shown literally
    assert esc(name) != name
    at = run_app(monkeypatch, db, "overview", unit="H")
    assert not at.exception
    assert any(esc(name) in c.value for c in at.caption)


@pytest.mark.parametrize("lang,whose,chip", [
    ("vi", "Gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Thử",
     "⚑ tổng gồm số liệu đơn vị cấp dưới cần xác minh"),
    ("en", "Includes 1 figure(s) of units below to verify: Test District",
     "⚑ a total including figures of units below to verify"),
])
def test_a_total_that_includes_a_contradicted_figure_below(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path_factory: pytest.TempPathFactory, lang: str,
                                                           whose: str, chip: str) -> None:
    """Tỉnh Thử's 90,0% is its district's 54/60, whose report writes 91%: its target's row is marked and says
    whose figure it includes, and the legend calls the mark what it is (not a report contradicting itself)."""
    at = run_app(monkeypatch, totals_db(tmp_path_factory), "unit", unit="VN", focus="P", year="2022", lang=lang)
    assert not at.exception
    details = frames(at)[1]
    [row] = details[details.iloc[:, 1].str.endswith("⚑")].itertuples(index=False)  # the one target marked
    assert row[0] == ("Tỷ lệ lãnh đạo cấp phòng hoàn thành tốt nhiệm vụ trở lên" if lang == "vi"
                      else "Department-level leaders good or better, %")
    assert (row[1], row[2]) == (("✖ Nguy cơ không đạt ⚑" if lang == "vi" else "✖ Off track ⚑"), whose)
    [chips] = [m.value for m in at.markdown if "chip mark" in m.value]
    assert chips.count('class="chip mark"') == 1 and f">{chip}</span>" in chips


def test_another_indicators_total_that_includes_a_contradicted_figure(monkeypatch: pytest.MonkeyPatch,
                                                                      sample: Path) -> None:
    """Bình Định's excellent share has no target: its 32,7% is Tây Sơn's 18/55, whose report writes 31%. The table
    of other indicators marks it and its source says whose figure it includes."""
    at = run_app(monkeypatch, sample, "unit", unit="BD", focus="BD", year="2022")
    others = frames(at)[-1]
    row = others[others["Chỉ tiêu"] == "Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so với hoàn thành tốt trở lên"]
    assert row[["Giá trị", "Nguồn"]].values.tolist() == [
        ["32,7% ⚑", "Tổng hợp từ 1 đơn vị cấp dưới; gồm 1 số liệu đơn vị cấp dưới cần xác minh: Đảng bộ huyện Tây Sơn"]]
    assert (others["Giá trị"].str.endswith("⚑")).sum() == 1
