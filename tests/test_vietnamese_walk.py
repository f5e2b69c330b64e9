"""Nothing only a programmer understands: every page of the demo (AppTest) and every export of its
meeting pack, in Vietnamese, are searched for a rule id, a command-line flag, `python -m`, a config file
(.yaml), a server path (/tmp/) and a traceback. And an officer's upload with a negative value and a sum
slip is answered in Vietnamese naming sheet and row, with nothing loaded."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from core.catalog import default_catalog
from core.checks import CHECKS
from etl import rules
from etl.demo import write_demo
from etl.load import load
from etl.template import write_template
from monitor.export.charts import find_chromium
from monitor.export.pack import export_pack
from tests.dashboard_data import SAMPLE, run_app, sample_db

# every problem a load can name: the rules' ids, the readers' and the checks' (findings)
RULE_IDS = sorted({*rules.UNIT_RULES, *rules.ROW_RULES, *rules.SET_RULES, *rules.PART_RULES, *CHECKS,
                   "unreadable_file", "empty_file", "refused_file", "missing_column", "duplicate_column",
                   "qualifier_conflict", "unreadable_database"})
BANNED = re.compile("|".join([
    r"\b(" + "|".join(map(re.escape, RULE_IDS)) + r")\b",
    r"(?<![\w-])--[a-z]",  # a flag (an en dash or "—" is no flag)
    r"python -m", r"\.yaml\b", r"/tmp/", r"Traceback", r"\bError:",
]))
PAGES = ("overview", "indicator", "unit", "compare", "data", "extract")


def _offences(text: str) -> list[str]:
    return sorted({text[max(m.start() - 40, 0):m.end() + 40].replace("\n", " ") for m in BANNED.finditer(text)})


def _page_text(at: AppTest) -> str:
    """Every word on the page: the elements' own text (labels, help, captions, options, messages), and
    the tables' cells; charts' data and tables' bytes are data, not words."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        kind = type(proto).__name__ if proto is not None else ""
        if proto is not None and kind not in ("ArrowProto", "PlotlyChart", "Arrow", "ImageList", "Html"):
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)  # AppTest offers no other walk of every element
    parts += [d.value.to_string() for d in at.dataframe]
    parts += [str(e.value) for e in at.exception]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample and the demo province loaded as `make data` loads them: by the names of the files as given
    (relative), which the load log and the audit then show."""
    root = tmp_path_factory.mktemp("walk")
    shutil.copytree(SAMPLE, root / "sample")
    write_demo(root / "demo", scale="province", seed=2025)
    with contextlib.chdir(root):
        load(["sample/units.csv", "sample/measures.csv", "demo/units.csv", "demo/measures.csv"], "demo.duckdb")
    return root / "demo.duckdb"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("unit", ["DEMO-P01", "BD-TAYSON"])
def test_every_page_speaks_the_readers_language(monkeypatch: pytest.MonkeyPatch, demo: Path, page: str,
                                                unit: str) -> None:
    at = run_app(monkeypatch, demo, page, unit=unit)
    assert not at.exception, [e.value for e in at.exception]
    text = _page_text(at)
    assert len(text) > 500
    assert _offences(text) == []


def test_the_read_only_data_page_names_no_command(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    """Loading switched off: the page says so in words, not with the command to use instead."""
    at = run_app(monkeypatch, demo, "data", unit="DEMO-P01")
    at.file_uploader(key="data_upload_0").upload("so-lieu.csv", b"unit_code,year,measure,value\n"
                                               b"DEMO-P01-H01,2023,org_total,-5\n", "text/csv").run()
    assert not at.exception
    text = _page_text(at)
    assert "là số âm" in text and _offences(text) == []


@pytest.fixture(scope="module")
def pack(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if find_chromium() is None:
        pytest.fail("no system chromium (apt-get install chromium): the pack's charts cannot be drawn")
    out = tmp_path_factory.mktemp("walk-pack")
    with duckdb.connect(str(demo), read_only=True) as con:
        result = export_pack(con, default_catalog(), out, unit="DEMO-P01", lang="vi")
    return [f for f in result.files if f.is_file()]


def _file_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join([ws.title for ws in wb.worksheets] + [
            f"{c.value} {c.comment.text if c.comment else ''}" for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.value is not None or c.comment])
    if suffix in (".docx", ".pptx"):  # every XML part's text, headers, notes and charts included
        with zipfile.ZipFile(path) as z:
            return "\n".join(re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8", "replace"))
                             for n in z.namelist() if n.endswith(".xml"))
    if suffix == ".svg":
        return re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    return ""


def test_every_export_of_the_demo_speaks_the_readers_language(pack: list[Path]) -> None:
    kinds = {p.suffix.lower() for p in pack}
    assert {".pptx", ".docx", ".xlsx", ".png", ".svg", ".pdf"} <= kinds
    read = 0
    for path in pack:
        text = _file_text(path)
        read += bool(text)
        assert _offences(text) == [], path.name
    assert read >= len([p for p in pack if p.suffix.lower() != ".png"])


def test_the_prefilled_template_speaks_the_readers_language(tmp_path: Path, demo: Path) -> None:
    from etl.template import from_database

    units, facts = from_database(demo)
    path = tmp_path / "mau.xlsx"
    write_template(path, default_catalog(), units, facts=facts)
    text = _file_text(path)
    assert "Hướng dẫn" in text and _offences(text) == []


# -- an upload with a negative value and a sum slip ------------------------------------------------------

def test_a_negative_value_and_a_sum_slip_are_named_by_sheet_and_row_and_nothing_is_loaded(
        monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    shutil.copyfile(sample_db(tmp_path_factory), db)
    path = tmp_path / "mau.xlsx"
    write_template(path, default_catalog(), [("BD-TAYSON", "Đảng bộ huyện Tây Sơn", "district")], [2024])
    wb = openpyxl.load_workbook(path)
    ws = next(w for w in wb.worksheets if w["B1"].value == "BD-TAYSON")
    row = {c.value: c.row for c in ws["B"] if c.value}
    ws[f"C{row['org_total']}"] = "58"
    ws[f"C{row['org_rated']}"] = "60"  # more rated than there are: the slip
    ws[f"C{row['member_total']}"] = "-4.116"  # a minus typed by mistake
    wb.save(path)
    before = db.read_bytes()

    monkeypatch.setenv("MONITOR_UPLOADS", "1")
    at = run_app(monkeypatch, db, "data", unit="BD", year="2024")
    monkeypatch.setenv("MONITOR_UPLOADS", "1")
    at.run()
    at.file_uploader(key="data_upload_0").upload("Tây Sơn 2024.xlsx", path.read_bytes(),
                                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                               ).run()
    assert not at.exception
    assert "2 lỗi: nếu nạp, toàn bộ sẽ bị từ chối và cơ sở dữ liệu giữ nguyên." in [e.value for e in at.error]
    [problems] = [d.value for d in at.dataframe if "Nội dung" in d.value.columns]
    assert list(problems.columns) == ["Tệp", "Trang tính", "Dòng", "Cột", "Nội dung"]
    got = problems.to_dict("records")
    assert got == [
        {"Tệp": "Tây Sơn 2024.xlsx", "Trang tính": "Huyện Tây Sơn", "Dòng": row["org_rated"], "Cột": "C",
         "Nội dung": "Đảng bộ huyện Tây Sơn (BD-TAYSON), năm 2024: «Số tổ chức cơ sở đảng được xếp loại» = 60 lớn "
                     "hơn tổng số của nó «Tổng số tổ chức cơ sở đảng» = 58 (tệp «Tây Sơn 2024.xlsx», trang tính "
                     f"«Huyện Tây Sơn», dòng {row['org_total']}). Hãy đối chiếu lại hai số này với báo cáo."},
        {"Tệp": "Tây Sơn 2024.xlsx", "Trang tính": "Huyện Tây Sơn", "Dòng": row["member_total"], "Cột": "C",
         "Nội dung": "Đảng bộ huyện Tây Sơn (BD-TAYSON), năm 2024: «Tổng số đảng viên» ghi -4.116, là số âm; số "
                     "lượng và tỷ lệ không thể âm. Hãy ghi lại đúng số trong báo cáo (bỏ dấu trừ nếu gõ nhầm)."},
    ]
    assert _offences(_page_text(at)) == []
    assert "data_load" not in [b.key for b in at.button]  # nothing to load while a problem is left
    assert db.read_bytes() == before
