"""The 2025–2030 term on the reorganised demo (etl demo --reorg, issue 19): every page renders on both
terms, the sidebar shows each term's own units, the new units' earlier years are marked as their
predecessors', the 2020–2025 term's final review has no projection left, and the pack is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from docx import Document
from pptx import Presentation

from core.catalog import default_catalog
from etl.demo import write_demo
from etl.load import load
from monitor.export.pack import export_pack
from tests.dashboard_data import SAMPLE, frames, run_app, texts

PAGES = ("overview", "indicator", "unit", "compare", "data", "extract")


@pytest.fixture(scope="module")
def reorg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reorg")
    write_demo(root / "demo", scale="province", seed=2025, reorg=True)
    db = root / "reorg.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv", root / "demo" / "units.csv",
          root / "demo" / "unit_changes.csv", root / "demo" / "measures.csv"], db)
    return db


@pytest.mark.parametrize("page", PAGES)
def test_every_page_of_the_new_term(monkeypatch: pytest.MonkeyPatch, reorg: Path, page: str) -> None:
    at = run_app(monkeypatch, reorg, page)
    assert not at.exception, [e.value for e in at.exception]
    # the latest figures are 2026's: the new term, on its own units
    assert at.query_params["term"] == "2025-2030"
    assert at.query_params["year"] == "2026"
    assert not [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_of_the_final_review(monkeypatch: pytest.MonkeyPatch, reorg: Path, page: str) -> None:
    at = run_app(monkeypatch, reorg, page, term="2020-2025", year="2025", unit="DEMO-P01")
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error]


def test_each_term_shows_its_own_units(monkeypatch: pytest.MonkeyPatch, reorg: Path) -> None:
    new = run_app(monkeypatch, reorg)
    options = set(new.selectbox(key="f_unit").options)
    assert "Tỉnh Ngọc Sơn (sau sắp xếp) (mô phỏng)" in options
    # the demo's districts were dissolved in 2025 (the real sample's units have no years: always shown)
    assert not any("Đảng bộ huyện" in o and "mô phỏng" in o for o in options)
    assert any("Đảng bộ huyện Tây Sơn" in o for o in options)
    old = run_app(monkeypatch, reorg, term="2020-2025", year="2025")
    options = set(old.selectbox(key="f_unit").options)
    assert {"Tỉnh Ngọc Sơn (mô phỏng)", "Tỉnh Ngọc Giang (mô phỏng)"} <= options  # the two that merged
    assert not any("sau sắp xếp" in o or "Đảng bộ xã" in o for o in options)


def test_a_new_commune_says_where_its_earlier_years_come_from(monkeypatch: pytest.MonkeyPatch, reorg: Path) -> None:
    at = run_app(monkeypatch, reorg, "unit", unit="DEMO-M01", focus="DEMO-M01-X001", year="2026")
    assert not at.exception
    page = texts(at).replace("\\:", ":")  # the caption escapes Markdown
    assert (":material/merge_type: Số liệu năm 2025 của đơn vị này tính từ các đơn vị trước sắp xếp (Đảng bộ huyện "
            "Đông Lâm (mô phỏng)): cộng số lượng của các đơn vị đó, không lấy bình quân tỷ lệ; phần chia tách không "
            "ghi tỷ lệ được để trống.") in page
    targets = frames(at)[0]
    # the 2025 baseline from the district, 2026 its own: two points, so a trend for the deadline targets
    assert set(targets["latest"].str.extract(r"\((\d{4})\)")[0].dropna()) == {"2026"}


def test_the_final_review_has_no_projection_left(monkeypatch: pytest.MonkeyPatch, reorg: Path) -> None:
    at = run_app(monkeypatch, reorg, "unit", term="2020-2025", year="2025", unit="DEMO-P01", focus="DEMO-P01-H01")
    assert not at.exception
    targets = frames(at)[0]
    assert len(targets) == 8
    assert set(targets["projected"]) <= {"", "—"}
    # every deadline target judged met or not: no projection word at the term's end
    deadline = targets[targets["target"].str.contains("đến năm 2025")]
    assert len(deadline) == 3
    assert set(deadline["status"].str.rstrip(" ⚑")) <= {"✔ Đạt", "✘ Không đạt"}, list(deadline["status"])


@pytest.fixture(scope="module")
def packs(reorg: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        pytest.fail("no chromium: the pack's charts need it", pytrace=False)
    out = {}
    with duckdb.connect(str(reorg), read_only=True) as con:
        for unit, year in (("DEMO-M01", 2026), ("DEMO-P01", 2025)):
            folder = tmp_path_factory.mktemp(f"pack-{unit}")
            export_pack(con, default_catalog(), folder, unit=unit, formats="pptx,docx,xlsx,png", as_of=year)
            out[unit] = folder
    return out


def _one(folder: Path, suffix: str) -> Path:
    [path] = [p for p in folder.rglob(f"*{suffix}")]
    return path


def test_pack_of_the_new_term(packs: dict[str, Path]) -> None:
    folder = packs["DEMO-M01"]
    deck = Presentation(str(_one(folder, ".pptx")))
    assert deck.slides[0].shapes.title.text == "Sơ kết giữa nhiệm kỳ 2025–2030"
    book = openpyxl.load_workbook(_one(folder, ".xlsx"))
    values = book.worksheets[1]
    header = [c.value for c in values[1]]
    notes = {(r[-1].value, header[c.column - 1]): c.comment.text for r in values.iter_rows(min_row=2)
             for c in r if c.comment is not None}
    assert header[5:] == ["2025", "2026", "Mã đơn vị (trong tệp nhập số liệu)"]
    assert notes[("DEMO-M01", "2025")] == ("Tính từ số liệu của các đơn vị trước sắp xếp: Tỉnh Ngọc Sơn (mô phỏng); "
                                           "Tỉnh Ngọc Giang (mô phỏng) (cộng số lượng)")
    assert not any(year == "2026" for (_, year) in notes)  # the new units' own figures


def test_pack_of_the_final_review(packs: dict[str, Path]) -> None:
    folder = packs["DEMO-P01"]
    deck = Presentation(str(_one(folder, ".pptx")))
    assert deck.slides[0].shapes.title.text == "Tổng kết nhiệm kỳ 2020–2025"
    titles = [p.text for p in Document(str(_draft(folder))).paragraphs if p.style.name == "Title"]
    assert titles == ["Dự thảo: Tổng kết nhiệm kỳ 2020–2025 – kết quả thực hiện các chỉ tiêu chủ yếu"]


def _draft(folder: Path) -> Path:
    for path in folder.rglob("*.docx"):
        if any(p.style.name == "Title" and p.text.startswith("Dự thảo") for p in Document(str(path)).paragraphs):
            return path
    raise AssertionError("no draft in the pack")


def test_scorecard_marks_the_borrowed_years(reorg: Path) -> None:
    from monitor.attainment import indicator_values, judged_values

    cat = default_catalog()
    with duckdb.connect(str(reorg), read_only=True) as con:
        card = judged_values(con, cat, unit="DEMO-M01-X001")
        district = indicator_values(con, cat, units=["DEMO-P01-H01"], indicators=["org_good_or_better_rate"])
    rows = card[card["indicator"] == "org_good_or_better_rate"]
    assert list(zip(rows["year"], rows["basis"], rows["from_units"], strict=True)) == [
        (2025, "predecessors", "DEMO-P01-H01"), (2026, "counts", "")]
    # a split with shares scales numerator and denominator alike: the commune's 2025 rate is its district's
    want = district[(district["year"] == 2025) & (district["period"] == "Y")]["value"].item()
    assert rows["value"].iloc[0] == pytest.approx(want)
    assert set(card.loc[card["year"] == 2025, "basis"]) == {"predecessors"}


def test_assessment_and_heatmap_say_when_the_latest_figure_is_borrowed(reorg: Path) -> None:
    from monitor import overview
    from monitor.attainment import assess, indicator_values, units_frame

    cat = default_catalog()
    with duckdb.connect(str(reorg), read_only=True) as con:
        values = indicator_values(con, cat, units=["DEMO-M01-X001"], term_id="2025-2030")
        units = units_frame(con)
    mine = units[units["unit_code"] == "DEMO-M01-X001"]
    at_2025 = assess(values, cat, mine, as_of=2025, term_id="2025-2030")
    at_2026 = assess(values, cat, mine, as_of=2026, term_id="2025-2030")
    assert len(at_2025) == 8 and set(at_2025["latest_basis"]) == {"predecessors"}
    assert set(at_2026["latest_basis"]) == {"counts"}
    grid = overview.status_grid(at_2025, cat, units, ["DEMO-M01-X001"], "vi")
    assert all(h.endswith("<br>Tính từ đơn vị trước sắp xếp") for h in grid["hover"])
    grid = overview.status_grid(at_2026, cat, units, ["DEMO-M01-X001"], "vi")
    assert not any("trước sắp xếp" in h for h in grid["hover"])


@pytest.mark.parametrize("page", ["unit", "indicator"])
def test_english_pages_say_the_borrowed_years_source_in_english(monkeypatch: pytest.MonkeyPatch, reorg: Path,
                                                                page: str) -> None:
    """A year before the unit existed keeps no sentence in its source: basis and from_units are data, said in
    the reader's language (core.i18n.source_text)."""
    at = run_app(monkeypatch, reorg, page, lang="en", term="2025-2030", year="2025", unit="DEMO-M01-X001",
                 indicator="org_good_or_better_rate")
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at) + "\n".join(f.to_string() for f in frames(at))
    assert "Tính từ số liệu" not in shown
    assert "Computed from the figures of the units before the reorganisation: DEMO-P01-H01" in shown


def _outliving_province(tmp_path: Path) -> Path:
    """A province in both terms: its district until 2025, its commune from 2025."""
    (tmp_path / "units.csv").write_text(
        "unit_code,name_vi,name_en,parent_code,kind,valid_from,valid_to\n"
        "P,Tỉnh Thử,Test Province,,province,,\n"
        "D,Đảng bộ huyện Thử,Test District,P,district,,2025\n"
        "C,Đảng bộ xã Thử,Test Commune,P,commune,2025,\n", encoding="utf-8")
    (tmp_path / "measures.csv").write_text(
        "unit_code,year,measure,value,source\n"
        "D,2022,org_rated,50,BC\nD,2022,org_excellent,10,BC\n"
        "C,2026,org_rated,40,BC\nC,2026,org_excellent,8,BC\n", encoding="utf-8")
    db = tmp_path / "both.duckdb"
    load([tmp_path / "units.csv", tmp_path / "measures.csv"], db)
    return db


def test_a_unit_in_both_terms_shows_each_terms_units_below(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A province that outlives the reorganisation: its districts under the old term, its communes under the new,
    in one session (the units below it are kept per term, not once for every term)."""
    at = run_app(monkeypatch, _outliving_province(tmp_path), term="2020-2025", year="2024", unit="P")
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="f_kind").options == ["Tất cả", "Huyện"]
    at.selectbox(key="f_term").set_value("2025-2030").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["term"] == "2025-2030" and at.query_params["unit"] == "P"
    assert at.selectbox(key="f_kind").options == ["Tất cả", "Đảng bộ xã, phường"]


def test_the_report_page_lists_each_terms_units(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = run_app(monkeypatch, _outliving_province(tmp_path), "extract", term="2020-2025", year="2024", unit="P")
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="extract_unit").options == ["Tỉnh Thử (P)", "Đảng bộ huyện Thử (D)"]
    at.selectbox(key="f_term").set_value("2025-2030").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="extract_unit").options == ["Tỉnh Thử (P)", "Đảng bộ xã Thử (C)"]
