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
