"""Readers: numbers as the sources write them reach the facts table exactly, with their decimals."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.load import load
from etl.readers import create_staging, stage_file, writable_measures

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNITS = FIXTURES / "units.csv"
HEADER = ["unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source"]


def facts(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT measure, value, decimals, qualifier, \"row\" FROM facts ORDER BY \"row\"").fetchall()


@pytest.mark.parametrize(("cell", "value", "decimals", "qualifier"), [
    ("3.577", 3577.0, 0, ""),
    ("109.426", 109426.0, 0, ""),
    ("99,74", 99.74, 2, ""),
    ("99,74%", 99.74, 2, ""),
    ("96,50%", 96.5, 2, ""),  # the source wrote two decimals: a stated rate is checked to two
    ("1.234,5", 1234.5, 1, ""),
    ("trên 90", 90.0, 0, ">"),
    ("trên 90%", 90.0, 0, ">"),
    ("khoảng 693", 693.0, 0, "~"),
    ("dưới 5", 5.0, 0, "<"),
    ("96.5", 96.5, 1, ""),  # a machine number typed into a text cell
    (96.5, 96.5, 1, ""),  # numeric cells
    (31, 31.0, 0, ""),
    (31.0, 31.0, 0, ""),
    (0.04, 0.04, 2, ""),
])
def test_xlsx_long_form_reads_vietnamese_numbers(tmp_path, cell, value, decimals, qualifier):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["H1", 2022, "Y", None, "org_total", 58])
    ws.append([None] * 8)  # a blank row is skipped, and later rows keep their spreadsheet row number
    ws.append(["H1", 2022, "Y", None, "admission_plan_rate", cell])
    wb.save(tmp_path / "long.xlsx")

    load([UNITS, tmp_path / "long.xlsx"], tmp_path / "db.duckdb")

    assert facts(tmp_path / "db.duckdb") == [("org_total", 58.0, 0, "", 2),
                                             ("admission_plan_rate", value, decimals, qualifier, 4)]


def test_csv_keeps_stated_decimals_bom_and_crlf(tmp_path):
    text = "\ufeff" + ",".join(HEADER) + "\r\n" + "\r\n".join([
        "H1,2022,Y,,member_good_or_better_rate,96.50,,",
        "H1,2022,Y,,member_excellent_rate,31,,",
        'H1,2022,H1,,admitted,68,~,"BC 6 tháng, §2"',
    ]) + "\r\n"
    (tmp_path / "m.csv").write_text(text, encoding="utf-8")
    load([UNITS, tmp_path / "m.csv"], tmp_path / "db.duckdb")
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        got = con.execute("SELECT measure, period, value, decimals, qualifier, source, \"row\" FROM facts "
                          "ORDER BY \"row\"").fetchall()
    assert got == [("member_good_or_better_rate", "Y", 96.5, 2, "", "", 2),
                   ("member_excellent_rate", "Y", 31.0, 0, "", "", 3),
                   ("admitted", "H1", 68.0, 0, "~", "BC 6 tháng, §2", 4)]


def test_parquet_float_and_text_values(tmp_path):
    pq.write_table(pa.table({
        "unit_code": ["H1", "H1", "H1"], "year": [2022, 2022, 2023],
        "measure": ["member_excellent_rate", "org_total", "org_total"], "value": [96.5, 31.0, 40.0],
    }), tmp_path / "a.parquet")
    pq.write_table(pa.table({
        "unit_code": ["H1"], "year": ["2024"], "period": ["TD"], "measure": ["org_good_rate"], "value": ["71.30"],
    }), tmp_path / "b.parquet")
    load([UNITS, tmp_path / "a.parquet", tmp_path / "b.parquet"], tmp_path / "db.duckdb")
    assert facts(tmp_path / "db.duckdb") == [
        ("member_excellent_rate", 96.5, 1, "", 2), ("org_good_rate", 71.3, 2, "", 2),
        ("org_total", 31.0, 0, "", 3), ("org_total", 40.0, 0, "", 4)]


def test_csv_header_cells_left_empty_are_ignored(tmp_path):
    # a spreadsheet saved as CSV often ends every line with a comma
    (tmp_path / "m.csv").write_text("unit_code,year,measure,value,,\nH1,2022,org_total,58,,\n", encoding="utf-8")
    load([UNITS, tmp_path / "m.csv"], tmp_path / "db.duckdb")
    assert facts(tmp_path / "db.duckdb") == [("org_total", 58.0, 0, "", 2)]


# -- issue 21: reports read within bounds ------------------------------------------------------------

def _python_docx_lines(path):
    """The reading this replaced (python-docx's object model, ~3 ms a table cell), as the reference."""
    import re

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from etl.extract_text import _MARKER

    def text_of(par):
        t = "".join(f"<sup>{r.text}</sup>" if r.font.superscript and r.text else r.text for r in par.runs)
        style = (par.style.name if par.style is not None else "") or ""
        m = re.match(r"(?i)heading\s*(\d)", style)
        if m:
            return "#" * int(m.group(1)) + " " + t
        if style.lower() == "title":
            return "# " + t
        if style.lower().startswith("list") and t.strip() and not _MARKER.match(t.strip()):
            return "- " + t
        return t

    document = docx.Document(str(path))
    lines, n_par, n_table = [], 0, 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n_par += 1
            lines += [(text_of(Paragraph(child, document)), f"paragraph {n_par}"), ("", "")]
        elif tag == "tbl":
            n_table += 1
            for r, row in enumerate(Table(child, document).rows, start=1):
                cells = [" ".join(text_of(p) for p in c.paragraphs).replace("|", "/") for c in row.cells]
                lines.append(("| " + " | ".join(cells) + " |", f"table {n_table}, row {r}"))
                if r == 1:
                    lines.append(("|" + "---|" * len(cells), f"table {n_table}, row {r}"))
            lines.append(("", ""))
    return lines


def test_word_is_read_as_python_docx_reads_it(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK

    from etl.office import docx_lines

    d = docx.Document()
    d.add_heading("Báo cáo sơ kết", 0)
    d.add_heading("I. Kết quả", 1)
    d.add_heading("Chi tiết", 2)
    p = d.add_paragraph("Có 18 tổ chức")
    p.add_run("1").font.superscript = True
    p.add_run("\tđạt 31%")
    p.runs[0].add_break()
    p.add_run("dòng mới").add_break(WD_BREAK.PAGE)
    d.add_paragraph("một mục", style="List Bullet")
    d.add_paragraph("1. có số", style="List Number")
    t = d.add_table(rows=4, cols=4)
    for i in range(4):
        for j in range(4):
            t.cell(i, j).text = f"c{i}{j}|x"
    t.cell(0, 0).merge(t.cell(0, 1))  # across
    t.cell(1, 2).merge(t.cell(3, 2))  # down
    t.cell(2, 0).merge(t.cell(3, 1))  # both
    d.add_paragraph("Hết.")
    path = tmp_path / "bc.docx"
    d.save(path)
    got = docx_lines(path)
    assert got == _python_docx_lines(path)
    assert got[6] == ("Có 18 tổ chức\n<sup>1</sup>\tđạt 31%dòng mới", "paragraph 4")
    assert got[15] == ("| c20/x c21/x c30/x c31/x | c20/x c21/x c30/x c31/x | c12/x c22/x c32/x | c23/x |",
                       "table 1, row 3")


def test_a_scanned_pdf_says_it_has_no_text(tmp_path):
    from pypdf import PdfWriter

    from etl.extract import extract
    from etl.extract_text import DocumentError

    writer = PdfWriter()
    writer.add_blank_page(595, 842)  # a page that is only an image has no text layer either
    path = tmp_path / "scan.pdf"
    with path.open("wb") as f:
        writer.write(f)
    with pytest.raises(DocumentError) as refused:
        extract(path, "H1", 2023)
    assert str(refused.value) == (
        "scan.pdf: PDF không có lớp chữ (có lẽ là bản quét ảnh) nên không đọc được số liệu nào: hãy gửi bản Word "
        "(.docx) hoặc văn bản (.txt) — the PDF has no text layer (a scanned image?), so no figure can be read from "
        "it: send the Word (.docx) or text (.txt) version")


@pytest.mark.parametrize(("text", "reason"), [
    ("12 " * 5001, "5,001 numbers, over 5,000 for one report"),
    ("Đảng viên\n" * 5001, "5,001 lines (paragraphs), over 5,000 for one report"),
    ("đảng viên " * 20_001, "the text is longer than 200,000 characters"),
])
def test_a_report_beyond_one_reports_size_is_refused(tmp_path, text, reason):
    # was: a 20 MB text took 46 s; at the bounds a report is read in well under a second
    from etl.extract import extract
    from etl.extract_text import DocumentError

    path = tmp_path / "bc.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError) as refused:
        extract(path, "H1", 2023)
    assert reason in str(refused.value)


# -- issue 20: the door's look skipped for a file whose bytes prove it has nothing to find ---------------

@pytest.mark.parametrize(("name", "source_bytes", "stored"), [
    ("a line feed in a quoted cell", b'"Bao cao\nso 9"', "Bao cao so 9"),
    ("a line break in a quoted cell", b'"Bao cao\r\nso 9"', "Bao cao so 9"),
    ("a carriage return alone in a quoted cell", b'"Bao cao\rso 9"', "Bao cao so 9"),
    ("a line separator (U+2028)", "Báo cáo\u2028số 9".encode(), "Báo cáo số 9"),
    ("a next line (U+0085)", "Báo cáo\u0085số 9".encode(), "Báo cáo số 9"),
    ("a tab", b"Bao cao\tso 9", "Bao cao so 9"),
    ("nothing odd", "Báo cáo số 9".encode(), "Báo cáo số 9"),
])
@pytest.mark.parametrize("last_newline", [True, False])
@pytest.mark.parametrize("crlf", [False, True])
def test_the_door_sees_every_space_character_whatever_the_lines(tmp_path: Path, name: str, source_bytes: bytes,
                                                                 stored: str, last_newline: bool, crlf: bool) -> None:
    """A space-like character in a cell becomes a space, whether the file's bytes let the look be skipped
    or not: a cell's line break found by the lines outnumbering the rows, even in a last row without one."""
    end = b"\r\n" if crlf else b"\n"
    rows = [",".join(HEADER).encode(), b"H1,2022,Y,,org_rated,55,,BC 9", b"H1,2022,Y,,org_good,40,," + source_bytes]
    path = tmp_path / "m.csv"
    path.write_bytes(end.join(rows) + (end if last_newline else b""))
    con = duckdb.connect()
    create_staging(con)
    info = stage_file(con, path)
    assert info.problems == [] and info.rows == 2
    assert con.execute('SELECT source FROM stg_measures ORDER BY "row"').fetchall() == [("BC 9",), (stored,)]


def test_a_control_character_in_a_clean_looking_file_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(b"\n".join([",".join(HEADER).encode(), b"H1,2022,Y,,org_rated,55,,BC\x019", b""]))
    con = duckdb.connect()
    create_staging(con)
    assert [(p.rule, p.row, p.column) for p in stage_file(con, path).problems] == [("control_character", 2, "source")]


# -- issue 20: a measures CSV file staged as its cells only, its file and rows said by stg_measures -----------

def test_measures_files_keep_their_own_rows_before_and_after_a_cell_is_changed(tmp_path: Path) -> None:
    """Two CSV files and a workbook staged in one connection: each row keeps its file and its row number (the
    header is row 1) in stg_measures, before and after the rows move into one table to be changed, and a
    second staging on the same connection starts empty. A quote in a file's name stays text."""
    one, two = tmp_path / "a'one.csv", tmp_path / "two.csv"
    one.write_text(",".join(HEADER) + "\nH1,2022,Y,,org_rated,55,,BC 9\nH1,2022,Y,,org_good,40,,BC 9\n",
                   encoding="utf-8")
    two.write_text(",".join(HEADER) + "\nH1,2023,Y,,org_rated,56,,BC 10\n", encoding="utf-8")
    book = tmp_path / "three.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(["H1", 2024, "Y", "", "org_rated", 57, "", "BC 11"])
    wb.save(book)
    con = duckdb.connect()
    create_staging(con)
    assert [stage_file(con, p).rows for p in (one, book, two)] == [2, 1, 1]
    query = 'SELECT file, "row", year, value, source FROM stg_measures ORDER BY year, "row"'
    staged = [(str(one), 2, "2022", "55", "BC 9"), (str(one), 3, "2022", "40", "BC 9"),
              (str(two), 2, "2023", "56", "BC 10"), (str(book), 2, "2024", "57", "BC 11")]
    assert con.execute(query).fetchall() == staged
    assert writable_measures(con) == "stg_rows"
    assert con.execute("SELECT count(*) FROM stg_rows").fetchall() == [(4,)]
    assert con.execute(query).fetchall() == staged
    create_staging(con)
    assert con.execute("SELECT count(*) FROM stg_measures").fetchall() == [(0,)]
    assert stage_file(con, two).rows == 1
    assert con.execute(query).fetchall() == [(str(two), 2, "2023", "56", "BC 10")]
