"""Every export of the demo province's pack, in Vietnamese and in English, read back whole: no name cut
short ("hoàn thành tố…": an ellipsis right after a letter), no generator word (etl, seed, demo, kaleido),
no doubled word ("mô phỏng (mô phỏng)"), and every chart file named by an ASCII slug of a Vietnamese name,
never by an English id (issue 18). Sits beside test_vietnamese_walk.py, which walks for programmer words."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from core.catalog import default_catalog
from etl.demo import write_demo
from etl.load import load
from monitor.export.charts import find_chromium
from monitor.export.pack import export_pack
from tests.dashboard_data import SAMPLE
from tests.test_vietnamese_walk import _file_text

CUT = re.compile(r"[^\W\d_]…")  # a letter, then an ellipsis: a name cut short
GENERATOR = re.compile(r"\b(etl|seed|demo|kaleido|plotly|chromium)\b")  # lower case: unit codes are DEMO-…
DOUBLED = re.compile(r"\b(\w+(?: \w+)?) \(\1\)")
CHART_FILE = re.compile(r"[A-Z0-9-]+_[a-z0-9-]+_\d{4}\.(png|svg|pdf)")


def _found(pattern: re.Pattern, text: str) -> list[str]:
    return sorted({text[max(m.start() - 50, 0):m.end() + 20].replace("\n", " ") for m in pattern.finditer(text)})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names-walk")
    write_demo(root / "demo", scale="province", seed=2025)
    db = root / "demo.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv", root / "demo" / "units.csv", root / "demo" / "measures.csv"],
         db)
    return db


def _pack(db: Path, out: Path, lang: str, formats: tuple[str, ...]) -> list[Path]:
    if find_chromium() is None:
        pytest.fail("no system chromium (apt-get install chromium): the pack's charts cannot be drawn")
    with duckdb.connect(str(db), read_only=True) as con:
        result = export_pack(con, default_catalog(), out, unit="DEMO-P01", lang=lang, formats=formats)
    return [f for f in result.files if f.is_file()]


@pytest.mark.parametrize(("lang", "formats"), [("vi", ("pptx", "docx", "xlsx", "png", "svg", "pdf")),
                                               ("en", ("pptx", "docx", "xlsx", "svg"))])
def test_every_export_wraps_names_and_says_no_generator_word(demo: Path, tmp_path: Path, lang: str,
                                                             formats: tuple[str, ...]) -> None:
    files = _pack(demo, tmp_path / lang, lang, formats)
    kinds = {p.suffix.lower().lstrip(".") for p in files}
    assert set(formats) <= kinds
    read = 0
    for path in files:
        text = _file_text(path)
        read += bool(text.strip())
        assert _found(CUT, text) == [], path.name
        assert _found(GENERATOR, text) == [], path.name
        assert _found(DOUBLED, text) == [], path.name
    assert read == len([p for p in files if p.suffix != ".png"])
    # the chart files: ASCII slugs of Vietnamese names, none an indicator's or a group's id
    catalog = default_catalog()
    ids = {i.replace("_", "-") for i in catalog.indicators}  # English ids (the groups' are Vietnamese already)
    charts = [p.name for p in files if p.parent.name == "charts"]
    assert len(charts) >= 20
    for name in charts:
        assert CHART_FILE.fullmatch(name), name
        subject = name.split("_")[1].removeprefix("bang-")
        assert subject not in ids, name
    assert f"DEMO-P01_bang-to-chuc-dang_2025.{formats[-1]}" in charts
    assert f"DEMO-P01_dang-vien-hoan-thanh-tot-nhiem-vu-tro-len_2025.{formats[-1]}" in charts


def test_the_walk_finds_what_it_looks_for() -> None:
    # the checks themselves: a cut name, a generator word, a doubled word, an English id as a file name
    assert _found(CUT, "Tỷ lệ tổ chức hoàn thành tố… 2025")
    assert not _found(CUT, "Thiếu số liệu: … (chưa đủ)")
    assert _found(GENERATOR, "Dữ liệu mô phỏng (etl demo, seed 2025)")
    assert not _found(GENERATOR, "DEMO-P01-H01 Đảng bộ huyện Đông Lâm")
    assert _found(DOUBLED, "Có số liệu mô phỏng (mô phỏng), không phải số liệu thật.")
    assert not _found(DOUBLED, "Tỉnh Ngọc Sơn (mô phỏng)")
    assert not CHART_FILE.fullmatch("DEMO-P01_admission_rate_2025.png")
