"""Data page (AppTest) and monitor.uploads: completeness, findings, load log, the template download,
uploads checked row by row, loaded only when the dashboard was started with uploads on."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from core.catalog import default_catalog
from monitor.auth import format_user
from monitor.store import Store
from monitor.uploads import check_uploads, load_checked, template_bytes, upload_findings
from screens._escape import esc
from tests.dashboard_data import SAMPLE, empty_db, frames, run_app, sample_db, texts

GOOD = ("unit_code,year,period,org_type,measure,value,qualifier,source\n"
        "BD-TAYSON,2024,Y,,org_rated,58,,thử\nBD-TAYSON,2024,Y,,org_good,45,,thử\n").encode()
BAD = ("unit_code,year,period,org_type,measure,value,qualifier,source\n"
       "BD-TAYSON,2024,Y,,org_rated,58,,thử\nNO-SUCH,2024,Y,,org_good,abc,,thử\n").encode()


def _frame(at: object, column: str) -> pd.DataFrame:
    """The one table on the page with this column."""
    [frame] = [f for f in frames(at) if column in f.columns]
    return frame


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_db(tmp_path_factory)


def test_completeness_findings_and_log(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "data", unit="BD", year="2022")
    assert not at.exception
    completeness, findings, log, missing, audit = frames(at)
    assert list(missing.columns) == ["Đơn vị", "Chỉ tiêu", "Cần số liệu"]  # what the units still owe for 2022
    tay_son = completeness[completeness["Đơn vị"] == "Đảng bộ huyện Tây Sơn"].iloc[0]
    assert [tay_son[str(y)] for y in range(2020, 2026)] == [
        "✖ chưa nộp", "✔ 21", "✔ 21", "✔ 22", "✖ chưa nộp", "✖ chưa nộp"]
    store = Store(sample)
    assert len(findings) == len(store.findings(["BD", "BD-TAYSON"], 2020, 2025)) == 7
    slip = findings[findings["Số liệu"].str.startswith("Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất sắc so")].iloc[0]
    assert (slip["Giá trị"], slip["Đối chiếu với"], slip["Kỳ"]) == (
        "Báo cáo ghi: 31%", "Tính từ số lượng: 32,73%", "Cả năm")  # 18/55
    # each figure said for what it is: a total against its parts, a part against its total
    total = findings[findings["Số liệu"] == "Tổng số cấp ủy viên cơ sở"].iloc[0]
    assert (total["Giá trị"], total["Đối chiếu với"]) == ("Tổng số ghi: 323", "Cộng các thành phần: 333")
    part = findings[findings["Quy tắc"] == "Phần lớn hơn tổng"].iloc[0]
    assert (part["Giá trị"], part["Đối chiếu với"]) == ("Thành phần ghi: 325", "Tổng số ghi: 323")
    assert sorted(set(findings["Quy tắc"])) == ["Các thành phần không cộng đủ tổng số", "Phần lớn hơn tổng",
                                                "Tỷ lệ nêu khác tỷ lệ tính từ số lượng"]
    assert list(log["Kết quả"]) == ["đã nạp", "đã nạp"]
    link = at.get("page_link")[0].proto
    assert (link.page, link.label) == ("doc-bao-cao", "Chỉ có báo cáo văn bản (.docx, .pdf…)? Đọc số liệu từ báo cáo, "
                                       "rà soát rồi nạp")
    # No login configured: the audit log is shown (the demo has no users to keep it from).
    assert "Nhật ký kiểm toán" in [s.value for s in at.subheader]
    # its help says who sees it truly: everyone, since nobody signs in (it said "only administrators")
    [help_text] = [c.value for c in at.caption if c.value.startswith("Mọi lần nạp")]
    assert help_text == ("Mọi lần nạp (lệnh hoặc bảng điều khiển) và mọi lần tải tệp lên để kiểm tra, mới nhất "
                         "trước. Bảng điều khiển này không yêu cầu đăng nhập, nên ai mở cũng thấy mục này.")
    assert "quản trị viên" not in help_text
    assert list(audit["Việc"]) == ["nạp"] and list(audit["Kết quả"]) == ["đã nạp"]
    assert audit["Tệp"].iloc[0] == "units.csv, measures.csv"  # names alone, never a directory of the server
    # without sign-in no file fingerprint (stop 16: 12 hex digits under "SHA-256 (đầu)" for anyone)
    assert list(audit.columns) == ["Thời điểm (UTC)", "Người dùng", "Việc", "Tệp", "Kết quả", "Số lỗi", "Lỗi đầu tiên"]
    assert not audit.map(lambda v: bool(re.fullmatch(r"[0-9a-f]{12}(, [0-9a-f]{12})*", str(v)))).any().any()
    assert "7 sai lệch" in texts(at)
    assert [b.proto.label for b in at.get("download_button")] == ["Tải danh sách còn thiếu (Excel)",
                                                                  "Tải mẫu nhập liệu Excel"]


def test_template_has_a_sheet_for_each_unit_in_view(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "data", unit="BD", year="2022")
    button = at.get("download_button")[-1]
    assert button.proto.label == "Tải mẫu nhập liệu Excel"
    assert "Một trang tính cho mỗi đơn vị trực thuộc Tỉnh Bình Định" in texts(at)
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(default_catalog(),
                                                            [("BD-TAYSON", "Đảng bộ huyện Tây Sơn")])))
    assert [ws["B1"].value for ws in book.worksheets if ws["B1"].value == "BD-TAYSON"] == ["BD-TAYSON"]


def test_upload_is_checked_row_by_row_and_not_loaded(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "data", unit="BD", year="2022")
    before = sample.read_bytes()
    at.file_uploader[0].upload("so-lieu.csv", BAD, "text/csv").run()
    assert not at.exception
    assert any(e.value.startswith("2 lỗi") or "lỗi: nếu nạp" in e.value for e in at.error)
    rows = _frame(at, "Tình trạng")
    assert list(rows["Dòng"]) == [2, 3]
    assert rows["Tình trạng"].iloc[0] == "✔ hợp lệ"
    assert rows["Tình trạng"].iloc[1].startswith("✖ ")
    assert "Bảng điều khiển chỉ đọc" in texts(at)
    assert not at.button  # no load button: the dashboard was not started with uploads on
    assert sample.read_bytes() == before


def test_load_only_with_uploads_on(monkeypatch: pytest.MonkeyPatch, sample: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(sample, db)
    at = run_app(monkeypatch, db, "data", unit="BD", year="2022")
    monkeypatch.setenv("MONITOR_UPLOADS", "1")
    at.run()
    at.file_uploader[0].upload("so-lieu.csv", GOOD, "text/csv").run()
    assert not at.exception
    assert any(s.value.startswith("Đạt mọi quy tắc: 2 dòng trong 1 tệp.") for s in at.success)
    assert Store(db).fact_count() == 177  # checking wrote nothing
    at.button(key="data_load").click().run()
    assert not at.exception
    assert any(s.value.startswith("Đã nạp 1 tệp: 2 số liệu mới") for s in at.success)
    assert Store(db).fact_count() == 179
    at.run()  # the next run opens the replaced file: Tây Sơn now has 2024 figures
    completeness = frames(at)[0]
    audit = _frame(at, "Việc")
    assert list(audit["Việc"]) == ["nạp", "tải lên"]  # newest first: the load, then the upload checked (once)
    assert list(audit["Kết quả"]) == ["đã nạp", "đã kiểm tra"]
    assert list(audit["Tệp"]) == ["so-lieu.csv", "so-lieu.csv"]  # the load shows the name uploaded
    assert list(audit["Người dùng"]) == ["dashboard", "dashboard"]
    tay_son = completeness[completeness["Đơn vị"] == "Đảng bộ huyện Tây Sơn"].iloc[0]
    assert tay_son["2024"] == "✔ 2"


def test_check_uploads_screens_by_content(sample: Path) -> None:
    files = [("x.csv", b"PK\x03\x04not really a zip"), ("units.csv", (SAMPLE / "units.csv").read_bytes())]
    checked = check_uploads(files, sample)
    assert checked.refused == ["Tệp bị từ chối: x.csv: tệp ZIP/Office bị hỏng: hãy mở bằng Excel (Word) và lưu lại"]
    english = check_uploads(files, sample, "en")
    assert english.refused == [
        "File refused: x.csv: a damaged ZIP/Office file: open it in Excel (Word) and save it again"]
    assert [p.name for p in checked.paths] == ["01_units.csv"]
    assert checked.report is not None and checked.report.ok
    assert list(checked.rows["unit_code"]) == ["HD", "BD", "BD-TAYSON", "TH", "TH-KHOI"]
    assert not checked.ok  # one file was refused: nothing of the batch may be loaded


def test_uploaded_rows_are_shown_as_the_check_read_them(sample: Path) -> None:
    """Padded cells trimmed, rows numbered as in the file, each with its problems: the check's own staging."""
    csv = (b"unit_code,year,period,org_type,measure,value,qualifier,source\n"
           b" BD-TAYSON ,2024, Y,,org_total, 60 ,, BC 2 \n"
           b"BD-TAYSON,2024,Y,,org_rated,x,,BC 2\n")
    checked = check_uploads([("so-lieu.csv", csv)], sample)
    rows = checked.rows[["file", "row", "unit_code", "period", "value", "source", "problems"]]
    assert rows.to_dict("records") == [
        {"file": "so-lieu.csv", "row": 2, "unit_code": "BD-TAYSON", "period": "Y", "value": "60", "source": "BC 2",
         "problems": ""},
        {"file": "so-lieu.csv", "row": 3, "unit_code": "BD-TAYSON", "period": "Y", "value": "x", "source": "BC 2",
         "problems": "value: «x» (Số tổ chức cơ sở đảng được xếp loại, năm 2024) không phải là một số. Trong tệp "
                     "CSV, hãy ghi số không có dấu phân cách hàng nghìn, dùng dấu chấm thập phân: 3577 hoặc 99.74."}]


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, empty_db(tmp_path_factory), "data")
    assert not at.exception
    assert "Cơ sở dữ liệu chưa có đơn vị nào." in [i.value for i in at.info]
    assert at.get("download_button")  # the template can be had before any data exists


def test_user_text_is_shown_literally(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    """A file name with Markdown and HTML in it is escaped in sentences and plain in tables."""
    name = "**x**<script>.csv"
    at = run_app(monkeypatch, sample, "data", unit="BD", year="2022")
    at.file_uploader[0].upload(name, b"", "text/csv").run()
    assert not at.exception
    assert [e.value for e in at.error] == [r"Tệp bị từ chối: \*\*x\*\*\<script\>.csv\: tệp rỗng\: hãy chọn đúng tệp số "
                                           r"liệu"]
    at.file_uploader[0].upload(name, GOOD, "text/csv").run()
    assert not at.exception and not at.error
    assert set(_frame(at, "Tình trạng")["Tệp"]) == {name}


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("**x**<script>.csv", r"\*\*x\*\*\<script\>.csv"),
        ("[a](https://evil.example) ![i](x.png)", "\\[a\\](https\u2060\\://evil.example) !\\[i\\](x.png)"),
        (":red[đỏ] :material/home: $x$ `c` ~~s~~ a|b &amp;",
         r"\:red\[đỏ\] \:material/home\: \$x\$ \`c\` \~\~s\~\~ a\|b \&amp;"),
        ("# heading", r"\# heading"),
        ("- item", r"\- item"),
        ("12. item", r"12\. item"),
        ("line\nbreak", "line break"),
        ("see www.evil.example or a@b.vn", "see www\u2060\\.evil.example or a\\@\u2060b.vn"),
        ("drop_table _em_", r"drop_table \_em\_"),
        ("Đảng bộ huyện Tây Sơn (BD-TAYSON)", "Đảng bộ huyện Tây Sơn (BD-TAYSON)"),
    ],
)
def test_esc(text: str, escaped: str) -> None:
    assert esc(text) == escaped
    # CommonMark reads a backslash before ASCII punctuation as that character, and the word joiner
    # (which stops Streamlit linking an address) is invisible: the reader sees `text`.
    shown = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped).replace("\u2060", "")
    assert shown == " ".join(text.splitlines())


def test_an_upload_with_a_slip_shows_it_the_readers_way(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "data", unit="BD", year="2022")
    slip = ("unit_code,year,period,org_type,measure,value,qualifier,source\n"
            "BD-TAYSON,2024,Y,,org_rated,40,,báo cáo 2024\n"
            "BD-TAYSON,2024,Y,,org_good_or_better,30,,báo cáo 2024\n"
            "BD-TAYSON,2024,Y,,org_good_or_better_rate,80,,báo cáo 2024: tỷ lệ 80%\n").encode()
    at.file_uploader[0].upload("so-lieu-2024.csv", slip, "text/csv").run()
    assert not at.exception
    stored, found = [f for f in frames(at) if "Đối chiếu với" in f.columns]  # the database's, then the upload's
    assert len(stored) == 7
    assert found.to_dict("records") == [{  # one unit: named above the table; the stated figure's row in her file
        "Mới": "✔", "Năm": "2024", "Số liệu": "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên",
        "Giá trị": "Báo cáo ghi: 80%", "Đối chiếu với": "Tính từ số lượng: 75%", "Vị trí trong tệp": "dòng 4",
        "Quy tắc": "Tỷ lệ nêu khác tỷ lệ tính từ số lượng", "Chi tiết": "30 / 40"}]


CONFLICTS = ("unit_code,year,period,org_type,measure,value,qualifier,source\n"
             "BD-TAYSON,2022,Y,,org_total,60,,BC sửa\nBD-TAYSON,2022,Y,,org_rated,60,,BC sửa\n"
             "BD-TAYSON,2022,Y,,org_excellent,19,,BC sửa\n").encode()


def test_no_upload_copy_is_left_behind(monkeypatch: pytest.MonkeyPatch, sample: Path, tmp_path: Path) -> None:
    """Issue 21: every rerun with a file in the uploader left a /tmp/monitor-upload-* copy behind."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(sample, db)
    for _ in range(3):
        checked = check_uploads([("so-lieu.csv", GOOD)], db)
    assert checked.ok and sorted(scratch.iterdir()) == []
    report = load_checked(checked, db, user="canbo")
    assert report.inserted == 2 and sorted(scratch.iterdir()) == []
    at = run_app(monkeypatch, db, "data", unit="BD", year="2022")  # the read-only demo, rerun with a file in
    at.file_uploader[0].upload("so-lieu.csv", BAD, "text/csv").run()
    at.run()
    assert not at.exception and sorted(scratch.iterdir()) == []


def test_conflicts_are_shown_one_by_one_and_the_database_can_keep_them(
        monkeypatch: pytest.MonkeyPatch, sample: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(sample, db)
    at = run_app(monkeypatch, db, "data", unit="BD", year="2022")
    monkeypatch.setenv("MONITOR_UPLOADS", "1")
    at.run()
    at.file_uploader[0].upload("bao-cao-sua.csv", CONFLICTS, "text/csv").run()
    assert not at.exception
    assert not at.error  # figures that differ are not an error to fix in the file: she chooses
    assert "Tệp có 3 số liệu khác với số đã nạp trước đây" in texts(at)
    table = _frame(at, "Số trong CSDL")
    assert table[["Đơn vị", "Năm", "Số liệu", "Số trong CSDL", "Số mới", "Nguồn mới"]].values.tolist() == [
        ["Đảng bộ huyện Tây Sơn", "2022", "Số tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ", "18", "19", "BC sửa"],
        ["Đảng bộ huyện Tây Sơn", "2022", "Số tổ chức cơ sở đảng được xếp loại", "58", "60", "BC sửa"],
        ["Đảng bộ huyện Tây Sơn", "2022", "Tổng số tổ chức cơ sở đảng", "58", "60", "BC sửa"]]
    assert table["Nguồn (CSDL)"].str.match(  # the source, then the load that brought it, by file name alone
        r"003 Tây Sơn 03-CTr/HU II\.1\.1\.1.* — lần 1 \(\d\d/\d\d/\d{4} \d\d:\d\d\): measures\.csv$").all()
    button = at.button(key="data_conflicts_load")
    assert button.proto.label == "Nạp, giữ mọi số liệu như trong CSDL"
    button.click().run()
    assert not at.exception
    assert "Đã thay 0 số liệu; 3 số liệu khác giữ như trong cơ sở dữ liệu." in [s.value for s in at.success]
    assert "Cơ sở dữ liệu trước lần nạp được giữ thành phiên bản 1 (có thể khôi phục)." in [s.value for s in at.success]
    assert Store(db).fact_count() == 177
    versions = _frame(at, "Phiên bản")
    assert list(versions["Phiên bản"]) == ["1"] and list(versions["Số liệu"]) == ["177"]
    assert not at.file_uploader[0].value  # a new, empty uploader after the load
    at.checkbox(key="data_version_confirm_1").check().run()
    at.button(key="data_version_restore").click().run()
    assert not at.exception
    assert "Đã khôi phục phiên bản 1; cơ sở dữ liệu trước đó được giữ thành phiên bản 2." in [
        s.value for s in at.success]
    assert list(_frame(at, "Phiên bản")["Phiên bản"]) == ["2", "1"]
    assert _frame(at, "Việc")["Việc"].iloc[0] == "khôi phục"


def test_findings_of_an_upload_new_or_already_there(sample: Path, tmp_path: Path) -> None:
    """The sample holds one slip for Tây Sơn 2022 (31% stated, 32,73% computed); the corrected counts change
    what it computes and bring two slips of their own."""
    checked = check_uploads([("bao-cao-sua.csv", CONFLICTS)], sample)
    about, new, old = upload_findings(checked)
    assert (len(about), new, old) == (3, 2, 1)
    assert sorted(about["measure"]) == ["org_excellent_share", "org_good_or_better_rate", "org_rated"]
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(sample, db)
    report = load_checked(checked, db, user="canbo", replace=True, reason="đính chính")
    assert (len(report.findings), report.new_findings) == (14, 2)  # 12 before; the changed slip keeps its key


def test_only_who_may_load_the_unit_may_replace_and_only_an_admin_restore(
        monkeypatch: pytest.MonkeyPatch, sample: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(format_user("haiduong", "Cán bộ Hải Dương", "unit_officer", ["HD"], "mk-hd", rounds=4)
                     + format_user("tayson", "Cán bộ Tây Sơn", "unit_officer", ["BD-TAYSON"], "mk-ts", rounds=4),
                     encoding="utf-8")
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(sample, db)
    load_checked(check_uploads([("so-lieu.csv", GOOD)], db), db, user="x")  # a version to list
    monkeypatch.setenv("MONITOR_USERS", str(users))
    for username, password, may in (("haiduong", "mk-hd", False), ("tayson", "mk-ts", True)):
        at = run_app(monkeypatch, db, "data", unit="BD", year="2022")
        monkeypatch.setenv("MONITOR_AUTH", "local")  # run_app starts without a login; now the form comes
        at.run()
        at.text_input(key="auth_username").input(username)
        at.text_input(key="auth_password").input(password)
        at.button[0].click().run()
        at.file_uploader[0].upload("bao-cao-sua.csv", CONFLICTS, "text/csv").run()
        assert not at.exception
        assert "Tệp có 3 số liệu khác với số đã nạp trước đây" in texts(at)
        keys = [b.key for b in at.button]
        assert ("data_conflicts_load" in keys) is may
        assert any(e.value.startswith("Không được nạp") for e in at.error) is not may
        assert list(_frame(at, "Phiên bản")["Phiên bản"]) == ["1"]
        assert "data_version_restore" not in keys  # an officer sees the versions, restores none
        assert "Chỉ quản trị viên được khôi phục phiên bản." in texts(at)
    assert Store(db).fact_count() == 179
