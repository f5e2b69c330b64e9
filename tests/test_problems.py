"""A problem said in the reader's words (core.problems): from the rule's facts, in Vietnamese or English,
units and files by the names the officer knows, values as she wrote them, headers in her language."""

from __future__ import annotations

from pathlib import Path

from core.audit import read_audit
from core.problems import describe, number, place, problems_frame
from etl.model import Problem
from monitor.auth import LoadGate
from monitor.uploads import check_uploads, record_check

SERVER = "/tmp/monitor-upload-x1/00_bao_cao.xlsx"  # where the server saved the upload
CONFLICT = Problem(SERVER, 7, "D", "conflict_with_database", sheet="Huyện Tây Sơn", args={
    "unit": "BD-TAYSON", "year": 2022, "period": "Y", "org_type": "xa", "measure": "org_total", "value": 3577.0,
    "qualifier": "", "db_value": 90.0, "db_qualifier": ">", "db_source": "BC 278", "db_load": 2})


def test_a_conflict_in_both_languages() -> None:
    names, files = {"BD-TAYSON": "Đảng bộ huyện Tây Sơn"}, {SERVER: "Báo cáo 2022.xlsx"}
    assert describe(CONFLICT, "vi", names, files) == (
        "Đảng bộ huyện Tây Sơn (BD-TAYSON), năm 2022: «Tổng số tổ chức cơ sở đảng» (loại hình Xã) ghi 3.577, nhưng "
        "cơ sở dữ liệu đang có trên 90 (nguồn: BC 278). Nếu số mới đúng, hãy chọn thay thế số cũ khi nạp và ghi lý "
        "do; nếu không, sửa ô này cho khớp số đã có.")
    assert describe(CONFLICT, "en", names, files) == (
        "Đảng bộ huyện Tây Sơn (BD-TAYSON), 2022: «grassroots party organisations: total» (Commune) is 3,577, but "
        "the database holds over 90 (source: BC 278). If the new figure is right, choose to replace the old one "
        "when loading and give a reason; if not, correct this cell to match.")
    assert place(CONFLICT, "vi", files) == "tệp «Báo cáo 2022.xlsx», trang tính «Huyện Tây Sơn», dòng 7, cột D"
    assert place(CONFLICT, "en") == "file «00_bao_cao.xlsx», sheet «Huyện Tây Sơn», row 7, column D"  # no directory
    assert str(CONFLICT).startswith("tệp «00_bao_cao.xlsx», trang tính «Huyện Tây Sơn», dòng 7, cột D: ")


def test_values_as_written_and_details_kept() -> None:
    assert [number(v, "vi") for v in ("3577", "99.74", "0.50", "-4116", 1234.5, "1e5", "năm mươi")] == [
        "3.577", "99,74", "0,50", "-4.116", "1.234,5", "1e5", "năm mươi"]
    finding = Problem("", None, None, "balance", "A 2022 Y org_rated: stated 45, computed 44", severity="warning")
    assert describe(finding, "vi") == "A 2022 Y org_rated: stated 45, computed 44"  # a finding's own words
    unknown = Problem("x.csv", 2, "value", "no_such_rule", args={"value": "1"})
    assert describe(unknown, "vi") == "Dòng này có lỗi chưa được mô tả. Hãy kiểm tra lại dòng này theo báo cáo gốc."


def test_the_problems_table_has_the_readers_headers() -> None:
    frame = problems_frame([CONFLICT], "vi", files={SERVER: "Báo cáo 2022.xlsx"})
    assert list(frame.columns) == ["Tệp", "Trang tính", "Dòng", "Cột", "Nội dung"]
    assert frame.iloc[0][["Tệp", "Trang tính", "Dòng", "Cột"]].tolist() == ["Báo cáo 2022.xlsx", "Huyện Tây Sơn", 7,
                                                                         "D"]
    assert list(problems_frame([CONFLICT], "en").columns) == ["File", "Sheet", "Row", "Column", "Message"]


def test_the_audit_names_the_upload_as_uploaded(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    files = [("Số liệu Tây Sơn.csv", b"unit_code,year,measure,value\nBD-TAYSON,2022,org_total,-5\n")]
    checked = check_uploads(files, None, "en")
    assert [m[:40] for m in checked.problems["message"]] == ["BD-TAYSON, 2022: «grassroots party organ",
                                                             "The unit code «BD-TAYSON» is not in the "]
    record_check(db, "canbo", files, checked, LoadGate(True, ""))
    [entry], _ = read_audit(db)
    assert entry["result"] == "invalid"
    assert entry["first_problem"].startswith("tệp «Số liệu Tây Sơn.csv», dòng 2, cột value: BD-TAYSON, năm 2022: "
                                             "«Tổng số tổ chức cơ sở đảng» ghi -5, là số âm")


def test_a_refused_upload_in_the_readers_words() -> None:
    """etl.safety says each refusal in both languages; the officer reads it in hers, with what to do."""
    import zipfile
    from io import BytesIO

    import pytest

    from core.problems import refusal
    from etl.safety import UnsafeUpload, screen

    def refused(name: str, data: bytes, lang: str = "vi", **kw: object) -> str:
        with pytest.raises(UnsafeUpload) as err:
            screen(name, data, **kw)
        return refusal(err.value, name, lang)

    macro = BytesIO()
    with zipfile.ZipFile(macro, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/vbaProject.bin", b"\0")
    assert refused("Số liệu 2024.xlsm", macro.getvalue()) == (
        "Tệp bị từ chối: Số liệu 2024.xlsm: bảng tính (tài liệu) có macro bị từ chối: hãy lưu lại thành .xlsx (.docx) "
        "thường")
    assert refused("bao-cao.csv", "Tây Sơn".encode("cp1258")) == (
        "Tệp bị từ chối: bao-cao.csv: không phải văn bản UTF-8 (byte 1): hãy lưu thành CSV UTF-8")
    assert refused("bao-cao.pdf", b"%PDF-1.4\n") == (  # a report given to the Data page
        "Tệp bị từ chối: bao-cao.pdf: nội dung tệp là pdf, ở đây chỉ nhận: csv, xlsx, parquet")
    assert refused("x.csv", b"", "en") == "File refused: x.csv: the file is empty: choose the data file"


def test_a_figure_is_named_with_its_org_type_and_period_by_name() -> None:
    """The conflicts table named them by code: 'Tổng số tổ chức cơ sở đảng (xa) [H1]'."""
    from core.catalog import default_catalog
    from monitor.uploads import figure_name

    cat = default_catalog()
    assert figure_name(cat, "org_total", "xa", "H1", "vi") == "Tổng số tổ chức cơ sở đảng (Xã) [6 tháng đầu năm]"
    assert figure_name(cat, "org_total", "", "TD", "en") == "grassroots party organisations: total [Term to date]"
    assert figure_name(cat, "org_total", "", "Y", "vi") == "Tổng số tổ chức cơ sở đảng"
