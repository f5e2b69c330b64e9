"""Uploads are judged by content: what each kind of file is taken for, and what is refused."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.safety import MAX_UPLOAD_BYTES, UnsafeUpload, screen


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["unit_code", "year", "measure", "value"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_member(data: bytes, name: str, content: bytes = b"x") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(name, content)
    return buf.getvalue()


def _parquet() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"unit_code": ["A"], "value": [1.0]}), buf)
    return buf.getvalue()


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", b"\0" * (50 * 1024 * 1024))
    return buf.getvalue()


ACCEPTED = [
    ("units.csv", "unit_code,name_vi,kind\nA,Tỉnh A,province\n".encode(), "csv", ".csv"),
    ("so-lieu.xlsx", _xlsx(), "xlsx", ".xlsx"),
    ("renamed.csv", _xlsx(), "xlsx", ".xlsx"),  # content decides, not the name
    ("m.parquet", _parquet(), "parquet", ".parquet"),
    ("bom.csv", "\ufeffunit_code,year\n".encode(), "csv", ".csv"),
]


@pytest.mark.parametrize(("name", "data", "kind", "suffix"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_by_content(name: str, data: bytes, kind: str, suffix: str) -> None:
    screened = screen(name, data)
    assert (screened.kind, screened.suffix) == (kind, suffix)


REFUSED = [
    ("macro.xlsm", _with_member(_xlsx(), "xl/vbaProject.bin"), "macro-enabled"),
    ("linked.xlsx", _with_member(_xlsx(), "xl/externalLinks/externalLink1.xml"), "links to other files"),
    ("bomb.xlsx", _bomb(), "ZIP bomb"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old binary Office file"),
    ("junk.csv", b"\x00\x01\x02binary", "binary content"),
    ("latin1.csv", "unit_code,name_vi\nA,Tỉnh\n".encode("cp1258", "replace") + b"\xe0\xe1", "not UTF-8"),
    ("empty.csv", b"", "empty"),
    ("broken.xlsx", b"PK\x03\x04garbage", "damaged"),
    ("huge.csv", b"a" * (MAX_UPLOAD_BYTES + 1), "over the limit"),
]


@pytest.mark.parametrize(("name", "data", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_a_reason_naming_the_file(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(UnsafeUpload) as err:
        screen(name, data)
    assert str(err.value).startswith(f"{name}: ")
    assert reason in str(err.value)


def test_plain_zip_is_neither_workbook_nor_document() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.csv", "a,b\n")
    with pytest.raises(UnsafeUpload, match="neither a workbook nor a Word document"):
        screen("data.zip", buf.getvalue())


def test_a_kind_not_allowed_here_is_refused() -> None:
    with pytest.raises(UnsafeUpload, match="expected one of: docx"):
        screen("units.csv", b"unit_code\nA\n", allow=("docx",))


# -- issue 21: the work an upload may cause, gauged before any parser runs ---------------------------

from etl.safety import UPLOAD, screen_batch  # noqa: E402
from tests.test_bad_corpus import _bomb as _workbook_bomb  # noqa: E402
from tests.test_bad_corpus import _many_rows_parquet  # noqa: E402


def _csv_rows(n: int, columns: int = 8) -> bytes:
    header = ",".join(["unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source",
                       *(f"x{i}" for i in range(columns - 8))])
    return (header + "\n" + ("H1,2022,Y,,org_rated,55,,BC" + "," * (columns - 8) + "\n") * n).encode()


def _xlsx_rows(n: int) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(["unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source"])
    for _ in range(n):
        ws.append(["H1", 2022, "Y", None, "org_rated", 55, None, "BC"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_wide(n: int, columns: int) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(["unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source",
               *(f"x{i}" for i in range(columns - 8))])
    for i in range(n):
        ws.append([i] * columns)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_two_million_rows_in_51_kb_of_parquet_are_refused_unread() -> None:
    # was: a viewer's 51 KB file took 30 s of server time and 1.7 GB
    data = _many_rows_parquet(2_000_000)
    assert len(data) < 200_000
    with pytest.raises(UnsafeUpload) as refused:
        screen("so-lieu.parquet", data)
    assert refused.value.text("vi") == ("so-lieu.parquet: có 2.000.000 dòng, vượt giới hạn 50.000 mỗi tệp: hãy tách "
                                        "thành các tệp nhỏ hơn (ví dụ mỗi tệp một đơn vị hoặc một năm)")
    assert refused.value.text("en") == ("so-lieu.parquet: 2,000,000 rows is over the limit of 50,000 a file: split it "
                                        "into smaller files (e.g. one per unit or year)")


@pytest.mark.parametrize(("name", "data", "what"), [
    ("rows.csv", _csv_rows(UPLOAD.rows + 1), "50,001 rows"),
    ("wide.csv", _csv_rows(10, columns=UPLOAD.columns + 1), "65 columns"),
    ("cells.csv", _csv_rows(UPLOAD.cells // 60 + 1, columns=60), "400,020 cells"),
    ("cells.xlsx", _xlsx_wide(5_000, 40), "more than 200,000 cells"),  # counted in the sheet's XML
])
def test_tables_over_the_upload_limits_are_refused(name: str, data: bytes, what: str) -> None:
    with pytest.raises(UnsafeUpload) as refused:
        screen(name, data)
    assert refused.value.en.startswith(what if what.startswith("more") else f"{what} is over the limit of")


def test_tables_within_the_limits_pass_with_their_counts() -> None:
    assert screen("ok.csv", _csv_rows(UPLOAD.rows)).rows == UPLOAD.rows
    screened = screen("ok.xlsx", _xlsx_rows(100))
    assert (screened.kind, screened.rows, screened.cells) == ("xlsx", 100, 608)  # the header's cells count too


def test_a_batch_is_held_to_one_uploads_limits() -> None:
    half = _csv_rows(30_000)
    assert screen_batch([("a.csv", half)]) == []
    [refused] = screen_batch([("a.csv", half), ("b.csv", half)])
    assert refused.startswith("a.csv, b.csv: có 60.000 dòng, vượt giới hạn 50.000")
    [refused] = screen_batch([(f"{i}.csv", b"unit_code\nA\n") for i in range(21)])
    assert "more than 20 files at once" in refused


def test_junk_before_the_zip_hides_nothing() -> None:
    macro = _with_member(_xlsx(), "xl/vbaProject.bin")
    for data, reason in ((b"JUNK" + macro, "macro-enabled"), (b"\x00" * 4 + _workbook_bomb(), "ZIP bomb"),
                         (b"JUNK" + _xlsx(), None)):
        if reason is None:
            assert screen("x.csv", data).kind == "xlsx"  # a workbook, whatever its name and first bytes
            continue
        with pytest.raises(UnsafeUpload, match=reason):
            screen("x.xlsx", data)


def _docx_tables(n: int) -> bytes:
    import docx

    d = docx.Document()
    for _ in range(n):
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text, t.cell(0, 1).text = "a", "12"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_a_word_file_of_ten_thousand_small_tables_is_refused_unread() -> None:
    # was: 0.7 MB of .docx took 293 s; its body inflates 220 times, and a Word file has more parts than a report
    import dataclasses

    with pytest.raises(UnsafeUpload) as refused:
        screen("bc.docx", _docx_tables(10_000), allow=("docx",))
    assert refused.value.en == "part 'word/document.xml' inflates 220× (a ZIP bomb?): send the original file"
    small = _docx_tables(100)
    assert screen("bc.docx", small, allow=("docx",)).kind == "docx"
    with pytest.raises(UnsafeUpload) as refused:
        screen("bc.docx", small, allow=("docx",), limits=dataclasses.replace(UPLOAD, report_parts=300))
    assert refused.value.en == ("more than 300 paragraphs and table cells, too many for one report: send the part "
                                "with the figures")


def test_a_report_text_over_the_bound_is_refused() -> None:
    text = ("đảng viên " * (UPLOAD.report_chars // 10 + 1)).encode()
    with pytest.raises(UnsafeUpload, match="characters is over the limit of 200,000"):
        screen("bc.txt", text, allow=("text",))


def test_refused_char_and_neutral() -> None:
    from etl.safety import neutral, refused_char

    assert refused_char("ab\x07") == 2 and refused_char("Tây Sơn\n") == -1
    assert neutral("=HYPERLINK(1).txt") == "HYPERLINK(1).txt" and neutral("+-@\t=") == "_"
    assert neutral("Báo cáo.docx") == "Báo cáo.docx"


def test_at_most_two_parses_at_once() -> None:
    import contextlib

    from etl.safety import work_slot

    with contextlib.ExitStack() as held:
        held.enter_context(work_slot())
        held.enter_context(work_slot())
        with pytest.raises(UnsafeUpload, match="the server is busy"), work_slot("c.csv", wait=0.05):
            pass
    with work_slot():  # the slots are given back
        pass


def test_the_template_has_its_own_cell_limit(tmp_path) -> None:
    # openpyxl reads the data-entry template (etl.template) at ~12 µs a cell: 60 000 cells, 30 districts
    from core.catalog import default_catalog
    from etl.template import write_template

    for units, refused in ((30, False), (31, True)):
        path = tmp_path / f"mau-{units}.xlsx"
        write_template(path, default_catalog(), units=[(f"H{i:02d}", f"Huyện {i}") for i in range(units)])
        if refused:
            with pytest.raises(UnsafeUpload, match="more than 60,000 cells, the limit a file"):
                screen(path.name, path.read_bytes())
        else:
            assert screen(path.name, path.read_bytes()).cells == 59_006


def test_a_word_body_too_large_for_one_report_is_refused_unparsed() -> None:
    # 30 MB of text that hardly compresses: under the ZIP-bomb ratio, yet one lxml tree and one str of it
    import random

    import docx

    d = docx.Document()
    d.add_paragraph("".join(random.Random(21).choices("abcdefghijklmnopqrstuvwxyz0123456789 ", k=30_000_000)))
    buf = io.BytesIO()
    d.save(buf)
    with pytest.raises(UnsafeUpload, match="the document's body inflates to 30,00"):
        screen("bc.docx", buf.getvalue(), allow=("docx",))


def _dictionary_bomb(rows: int, store_schema: bool) -> bytes:
    """A few KB of Parquet whose source column is one 100 KB string, the dictionary of every row."""
    import numpy as np

    cells = {"unit_code": "H1", "year": "2022", "period": "Y", "org_type": "", "measure": "org_rated", "value": "55",
             "qualifier": "", "source": "BC " + "x" * 100_000}
    table = pa.table({c: pa.DictionaryArray.from_arrays(np.zeros(rows, np.int8), pa.array([v]))
                      for c, v in cells.items()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", store_schema=store_schema)
    return buf.getvalue()


@pytest.mark.parametrize("store_schema", [True, False], ids=["arrow dictionary", "plain string column"])
def test_a_parquet_dictionary_that_every_row_copies_is_refused(store_schema: bool) -> None:
    # found attacking issue 21's limits: 2.6 KB, 5 000 rows, each the same 100 KB string: the reader copied it
    # into every row (9.5 s, then out of memory past 2 GB)
    data = _dictionary_bomb(5_000, store_schema)
    assert len(data) < 5_000
    with pytest.raises(UnsafeUpload) as refused:
        screen("so-lieu.parquet", data)
    assert refused.value.en.startswith("unpacked, the file expands to 499,9")  # 5 000 × 100 KB, less the footer's
    assert screen("ok.parquet", _dictionary_bomb(100, store_schema)).rows == 100  # 10 MB of text is fine


def test_a_nested_parquet_column_is_refused() -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"unit_code": ["H1"], "value": [[1.0] * 10]}), buf)
    with pytest.raises(UnsafeUpload, match="column value is nested"):
        screen("so-lieu.parquet", buf.getvalue())
