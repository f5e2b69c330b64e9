"""'Đọc báo cáo' page: a report uploaded, its figures proposed for review, the report's slips and
unplaced numbers shown, the accepted rows checked by the load's own rules, and loaded only when the
dashboard allows it; empty, refused and figure-less states are sentences (AppTest). End to end in
system Chromium: a row unticked in the grid stays out of the database (skipped without Chromium)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core.audit import read_audit
from core.catalog import default_catalog
from core.i18n import t
from etl.extract import extract
from etl.load import load
from monitor.auth import format_user
from tests.dashboard_data import SAMPLE, empty_db, run_app, sample_db, texts
from tests.served_app import streamlit_server

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "003_ea20b4b07a755bad.txt"
SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_db(tmp_path_factory)


@pytest.fixture
def seed_bytes() -> bytes:
    if not SEED.exists():
        pytest.skip(f"{SEED} is not here (shared/ sits beside the checkout)")
    return SEED.read_bytes()


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="extract_upload").upload(name, data, "text/plain").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _seen(markdown: str) -> str:
    """What the reader sees of a Markdown text whose upload-given parts were backslash-escaped."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _review(at: AppTest):  # the data editor: the only table with an «accept» column
    [table] = [d.value for d in at.dataframe if "accept" in d.value.columns]
    return table


def test_missing_and_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, tmp_path / "none.duckdb", "extract")
    assert not at.exception
    assert [t.value for t in at.title] == ["Đọc số liệu từ báo cáo"]
    assert any(i.value.startswith("Chưa có cơ sở dữ liệu") for i in at.info)
    assert not at.file_uploader
    at = run_app(monkeypatch, empty_db(tmp_path_factory), "extract")
    assert not at.exception
    assert "Cơ sở dữ liệu chưa có đơn vị nào." in [i.value for i in at.info]


def test_seed_is_proposed_for_review_and_checked(monkeypatch: pytest.MonkeyPatch, sample: Path,
                                                 seed_bytes: bytes) -> None:
    at = run_app(monkeypatch, sample, "extract", unit="BD-TAYSON", year="2023")
    assert at.selectbox(key="extract_unit").value == "BD-TAYSON"  # the sidebar's unit and year
    assert at.number_input(key="extract_year").value == 2023
    before = sample.read_bytes()
    _upload(at, "003.txt", seed_bytes)
    expected = extract(SEED, "BD-TAYSON", 2023, default_catalog())
    table = _review(at)
    # the 66 figures read, then the 4 totals they imply (derived), all ticked
    assert len(table) == len(expected.rows) + 4 == 70 and table["accept"].all()
    assert list(table["derived"].astype(bool)) == [False] * 66 + [True] * 4
    assert table["value"].iloc[0] == "56" and "4.116" in set(table["value"])  # the Vietnamese way
    assert list(table["measure"][:3]) == ["org_good_or_better", "org_rated", "org_good_or_better_rate"]
    assert "66 số liệu đề xuất từ «003.txt»" in _seen(texts(at))
    assert "Đã nhận 70 trong 70 số liệu." in [c.value for c in at.caption]
    [slips] = [w.value for w in at.warning if not w.value.startswith("44 số liệu ghi năm khác")]
    assert ("44 số liệu ghi năm khác năm đã chọn (2023): năm 2021, 2022, theo câu văn trong báo cáo. Hãy kiểm tra "
            "cột «Năm» của các dòng có ghi chú.") in [w.value for w in at.warning]
    assert slips.startswith("Báo cáo tự lệch ở 4 chỗ")
    [unplaced] = [e for e in at.expander if e.label.startswith("Các con số chưa xếp được")]
    assert unplaced.label == f"Các con số chưa xếp được ({len(expected.unplaced)})"
    assert len(unplaced.dataframe[0].value) == len(expected.unplaced)

    at.button(key="extract_check").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Đạt mọi quy tắc: 70 dòng trong 1 tệp."]
    # the check runs the cross-checks: the report's own slips come back as findings of this unit only
    [findings] = [d.value for d in at.dataframe if "Quy tắc" in d.value.columns]
    assert set(findings["Đơn vị"]) == {"Đảng bộ huyện Tây Sơn"}
    slip = findings[findings["Số liệu"] == "Tỷ lệ cấp ủy viên cơ sở có trình độ trung cấp"].iloc[0]
    assert (slip["Năm"], slip["Giá trị"], slip["Đối chiếu với"], slip["Chi tiết"], slip["Quy tắc"]) == (
        "2023", "Báo cáo ghi: 1,89%", "Tính từ số lượng: 1,86%", "6 / 323", "Tỷ lệ nêu khác tỷ lệ tính từ số lượng")
    assert slip["Nguồn"].startswith("003.txt, dòng 109: Tổng số cấp ủy viên cơ sở hiện có 323 đồng chí")
    assert "Bảng điều khiển chỉ đọc" in texts(at)
    assert not [b for b in at.button if b.key == "extract_load"]  # loading is off
    assert sample.read_bytes() == before


def test_load_with_uploads_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed_bytes: bytes) -> None:
    db = tmp_path / "units-only.duckdb"
    load([SAMPLE / "units.csv"], db)  # the units, no figures: every row of the report is new
    at = run_app(monkeypatch, db, "extract", unit="BD-TAYSON", year="2023")
    monkeypatch.setenv("MONITOR_UPLOADS", "1")
    at.run()
    _upload(at, "Báo cáo 003.md", seed_bytes)
    at.button(key="extract_check").click().run()
    assert [s.value for s in at.success] == ["Đạt mọi quy tắc: 70 dòng trong 1 tệp."]
    at.button(key="extract_load").click().run()
    assert not at.exception
    assert any(s.value.startswith("Đã nạp 1 tệp: 70 số liệu mới, 0 số liệu đã có") for s in at.success)
    with duckdb.connect(str(db), read_only=True) as con:
        value, source = con.execute("""SELECT value, source FROM facts WHERE unit_code = 'BD-TAYSON' AND year = 2021
                                       AND period = 'Y' AND measure = 'admission_plan_rate'""").fetchone()
        last = con.execute("SELECT file, user_name FROM load_log ORDER BY load_id DESC LIMIT 1").fetchone()
    assert value == pytest.approx(102.67)
    assert source.startswith("Báo cáo 003.md, dòng 95: ")
    assert last == ("Báo cáo 003.trich-xuat.csv", "dashboard")  # the log names the file as uploaded
    entries, bad = read_audit(db)
    upload = next(e for e in entries if e.get("event") == "upload")
    assert (bad, upload["user"], upload["result"]) == (0, "dashboard", "checked")
    assert [f["file"] for f in upload["files"]] == ["Báo cáo 003.md", "Báo cáo 003.trich-xuat.csv"]


def test_roles_decide_who_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed_bytes: bytes) -> None:
    db = tmp_path / "units-only.duckdb"
    load([SAMPLE / "units.csv"], db)
    users = tmp_path / "users.toml"
    users.write_text(format_user("tayson", "Cán bộ Tây Sơn", "unit_officer", ["BD-TAYSON"], "mk-ts", rounds=4)
                     + format_user("xem", "Người xem", "viewer", [], "mk-xem", rounds=4), encoding="utf-8")

    def signed_in(username: str, password: str, upload: bool = True) -> AppTest:
        monkeypatch.setenv("MONITOR_DB", str(db))
        monkeypatch.setenv("MONITOR_AUTH", "local")
        monkeypatch.setenv("MONITOR_USERS", str(users))
        monkeypatch.delenv("MONITOR_UPLOADS", raising=False)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params.update(unit="BD-TAYSON", year="2023")
        at.run()
        at.text_input(key="auth_username").input(username)
        at.text_input(key="auth_password").input(password)
        at.button[0].click().run()
        at.switch_page("screens/extract.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return _upload(at, "003.txt", seed_bytes) if upload else at

    # a viewer may look, not make the server read a file (issue 21): no uploader, one sentence why
    at = signed_in("xem", "mk-xem", upload=False)
    assert not at.get("file_uploader")
    assert [i.value for i in at.info] == [t("upload_viewer")]

    at = signed_in("tayson", "mk-ts")
    at.selectbox(key="extract_unit").set_value("HD").run()  # not their unit: checked, not loaded
    at.button(key="extract_check").click().run()
    assert not [b for b in at.button if b.key == "extract_load"]
    assert any(e.value.startswith("Không được nạp") and "HD" in e.value for e in at.error)
    at.selectbox(key="extract_unit").set_value("BD-TAYSON").run()
    at.button(key="extract_check").click().run()
    at.button(key="extract_load").click().run()
    assert any(s.value.startswith("Đã nạp 1 tệp: 70 số liệu mới") for s in at.success)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT user_name FROM load_log ORDER BY load_id DESC LIMIT 1").fetchone() == ("tayson",)
        assert con.execute("SELECT count(*) FROM facts WHERE unit_code = 'HD'").fetchone() == (0,)


def test_refused_file_and_report_without_figures(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "extract", unit="BD-TAYSON", year="2023")
    _upload(at, "bao-cao.txt", b"abc\x00def")
    assert [_seen(e.value) for e in at.error] == [
        "Tệp bị từ chối: bao-cao.txt: nội dung nhị phân, không phải tệp văn bản: hãy lưu thành văn bản UTF-8 (.txt), "
        "Word (.docx) hoặc PDF"]
    assert not [d for d in at.dataframe if "accept" in d.value.columns]
    _upload(at, "tuyen-truyen.txt", "Năm 2023, Huyện ủy tổ chức 12 hội nghị quán triệt nghị quyết.".encode())
    assert not at.error
    assert any(_seen(i.value).startswith("Không tìm thấy số liệu nào để đề xuất trong «tuyen-truyen.txt»")
               for i in at.info)
    [unplaced] = [e for e in at.expander if e.label.startswith("Các con số chưa xếp được")]
    assert list(unplaced.dataframe[0].value["Giá trị"]) == ["12"]
    assert not [b for b in at.button if b.key == "extract_check"]


def test_english(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "extract", lang="en")
    assert not at.exception
    assert [t.value for t in at.title] == ["Read the figures from a report"]
    assert at.file_uploader(key="extract_upload").label == "Report"


# -- end to end: the real server, headless system Chromium ------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`streamlit run app.py` with loading on, over a database that has the units and no figures."""
    db = tmp_path / "monitor.duckdb"
    load([SAMPLE / "units.csv"], db)
    log_path = tmp_path / "server.log"
    with streamlit_server(db, log_path, MONITOR_UPLOADS="1") as url:
        yield url, db
    assert "Traceback" not in log_path.read_text(), log_path.read_text()


@pytest.mark.skipif(CHROMIUM is None, reason="no system chromium (apt-get install chromium)")
def test_e2e_upload_reject_a_row_check_and_load(server: tuple[str, Path]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not SEED.exists():
        pytest.skip("seeds not here")
    url, db = server
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1500, "height": 2600}, locale="vi-VN")
        page.goto(url)  # the app first: a page URL before any session has navigated is not known yet
        page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
        page.goto(f"{url}/doc-bao-cao?unit=BD-TAYSON&year=2023")
        page.get_by_role("heading", name="Đọc số liệu từ báo cáo", level=1).wait_for(timeout=60_000)
        page.locator("input[type=file]").set_input_files(str(SEED))
        page.get_by_text("66 số liệu đề xuất từ").wait_for(timeout=60_000)
        page.get_by_text("Đã nhận 70 trong 70 số liệu.").wait_for(timeout=60_000)
        # untick the second row (org_rated 58 of 2021) on its checkbox: the grid is a canvas, rows 35 px high
        grid = page.locator("[class*='st-key-extract_rows_'] [data-testid=stDataFrame]").bounding_box()  # by its key
        assert grid is not None
        page.mouse.click(grid["x"] + 35, grid["y"] + 35 + 35 + 17)  # the middle of the 70 px «accept» cell
        page.get_by_text("Đã nhận 69 trong 70 số liệu.").wait_for(timeout=60_000)  # the untick's rerun is drawn…
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)  # …and done
        page.get_by_role("button", name="Kiểm tra").click()
        page.get_by_text("Đạt mọi quy tắc: 69 dòng trong 1 tệp.").wait_for(timeout=60_000)
        page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").click()
        page.get_by_text("Đã nạp 1 tệp: 69 số liệu mới").wait_for(timeout=60_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "e2e_extract_loaded.png"), full_page=True)
        browser.close()
    with duckdb.connect(str(db), read_only=True) as con:
        got = dict(con.execute("""SELECT measure, value FROM facts WHERE unit_code = 'BD-TAYSON' AND year = 2021
                                  AND period = 'Y' AND measure IN ('org_good_or_better', 'org_rated')""").fetchall())
    assert got == {"org_good_or_better": 56.0}  # the rejected row stayed out


PASTED = ("Kết quả đánh giá, xếp loại chất lượng tổ chức cơ sở đảng năm 2023: có 12 tổ chức cơ sở đảng hoàn thành "
          "xuất sắc nhiệm vụ, 28 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ, 5 tổ chức cơ sở đảng hoàn thành nhiệm "
          "vụ, không có tổ chức cơ sở đảng không hoàn thành nhiệm vụ.\n")


def test_pasted_text_accepted_and_loaded_gives_the_units_good_or_better_rate(monkeypatch: pytest.MonkeyPatch,
                                                                              tmp_path: Path) -> None:
    """12 + 28 + 5 + 0 organisations rated, no total stated: the totals are proposed as derived rows, so
    once loaded the unit's good-or-better rate (40 of 45) comes out on its page."""
    db = tmp_path / "units-only.duckdb"
    load([SAMPLE / "units.csv"], db)
    monkeypatch.setenv("MONITOR_UPLOADS", "1")
    at = run_app(monkeypatch, db, "extract", unit="BD-TAYSON", year="2023")
    monkeypatch.setenv("MONITOR_UPLOADS", "1")
    at.run()
    at.text_area(key="extract_paste").input(PASTED).run()
    assert not at.exception, [e.value for e in at.exception]
    table = _review(at)
    derived = table[table["derived"] != ""]
    assert list(zip(derived["measure"], derived["value"], derived["note"], strict=True)) == [
        ("org_good_or_better", "40", "tính từ các số trên"), ("org_completed_or_better", "45", "tính từ các số trên"),
        ("org_rated", "45", "tính từ các số trên")]
    assert "4 số liệu đề xuất từ «Văn bản dán.txt»" in _seen(texts(at))
    at.button(key="extract_check").click().run()
    assert [s.value for s in at.success] == ["Đạt mọi quy tắc: 7 dòng trong 1 tệp."]
    at.button(key="extract_load").click().run()
    assert not at.exception
    assert any(s.value.startswith("Đã nạp 1 tệp: 7 số liệu mới, 0 số liệu đã có") for s in at.success)
    with duckdb.connect(str(db), read_only=True) as con:
        source = con.execute("SELECT source FROM facts WHERE measure = 'org_rated'").fetchone()[0]
    assert source == ("Văn bản dán.txt, tính từ các số liệu trên: Số tổ chức cơ sở đảng được xếp loại = HTXSNV + "
                      "HTTNV + HTNV + KHTNV = 12 + 28 + 5 + 0 = 45")

    unit = run_app(monkeypatch, db, "unit", unit="BD-TAYSON", year="2023")
    assert not unit.exception
    shown = "\n".join(d.to_string() for d in (f.value for f in unit.dataframe)) + texts(unit)
    assert "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên" in shown
    assert "88,9%" in shown  # 40 / 45


def test_a_year_chosen_on_the_form_is_the_default_and_another_in_the_text_is_pointed_out(
        monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    at = run_app(monkeypatch, sample, "extract", unit="BD-TAYSON", year="2023")
    at.text_area(key="extract_paste").input("Năm 2022, tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên đạt 96,5%.\n"
                                            "Toàn đảng bộ hiện có 4.116 đảng viên.\n").run()
    assert not at.exception
    table = _review(at)
    assert list(zip(table["measure"], table["year"], table["value"], table["note"], strict=True)) == [
        ("member_good_or_better_rate", 2022, "96,5", "năm khác năm 2023"), ("member_total", 2023, "4.116", "")]
    assert ("1 số liệu ghi năm khác năm đã chọn (2023): năm 2022, theo câu văn trong báo cáo. Hãy kiểm tra cột "
            "«Năm» của các dòng có ghi chú.") in [w.value for w in at.warning]


def test_english_page_shows_the_figures_the_english_way(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    """Stop 16: in English the figures to edit read 4,116 and 96.5 (they read 4.116 and 96,5); in
    Vietnamese they stay 4.116 and 96,5."""
    text = ("Năm 2022, tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên đạt 96,5%.\n"
            "Toàn đảng bộ hiện có 4.116 đảng viên.\n")
    shown = {}
    for lang in ("en", "vi"):
        at = run_app(monkeypatch, sample, "extract", unit="BD-TAYSON", year="2023", lang=lang)
        at.text_area(key="extract_paste").input(text).run()
        assert not at.exception, [e.value for e in at.exception]
        shown[lang] = list(zip(_review(at)["measure"], _review(at)["value"], strict=True))
    assert shown == {"en": [("member_good_or_better_rate", "96.5"), ("member_total", "4,116")],
                     "vi": [("member_good_or_better_rate", "96,5"), ("member_total", "4.116")]}


@pytest.mark.skipif(CHROMIUM is None, reason="no system chromium (apt-get install chromium)")
def test_e2e_a_figure_typed_the_english_way_on_the_english_page_is_loaded_as_typed(server: tuple[str, Path]) -> None:
    """Stop 16: on the English page the officer corrects 4,116 to 4,120 in the grid; 4120 is loaded (read the
    Vietnamese way, 4,120 was 4.12 or refused)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    url, db = server
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{url}?lang=en")
        page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
        page.goto(f"{url}/doc-bao-cao?unit=BD-TAYSON&lang=en")
        page.get_by_role("heading", name="Read the figures from a report", level=1).wait_for(timeout=60_000)
        area = page.get_by_label("Or paste the report's text here")
        area.fill("Toàn đảng bộ hiện có 4.116 đảng viên.\n")
        area.press("Control+Enter")
        page.get_by_text("1 of 1 figures accepted.").wait_for(timeout=60_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
        grid = page.locator("[class*='st-key-extract_rows_'] [data-testid=stDataFrame]").bounding_box()
        assert grid is not None
        # the «value» cell of the first row: after «accept» (70 px) and «measure» (265 px), 70 px wide
        cell = page.locator("[class*='st-key-extract_rows_'] [data-testid='glide-cell-2-0']")  # the grid's cell text
        sync_api.expect(cell).to_have_text("4,116")  # shown the English way
        editor = page.locator("textarea.gdg-input")  # the grid's cell editor, over the canvas
        for _ in range(3):  # a double click while the grid redraws is lost: clicked again until the editor opens
            page.mouse.dblclick(grid["x"] + 70 + 265 + 35, grid["y"] + 35 + 17)
            try:
                editor.wait_for(timeout=5_000)
                break
            except sync_api.TimeoutError:
                continue
        editor.fill("4,120")
        editor.press("Enter")  # written back: a rerun
        sync_api.expect(cell).to_have_text("4,120")
        page.wait_for_timeout(1000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
        page.get_by_role("button", name="Check").click()
        page.get_by_text("Every rule passes: 1 rows in 1 files.").wait_for(timeout=60_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "e2e_extract_english.png"), full_page=True)
        page.get_by_role("button", name="Load into the database").click()
        page.get_by_text("Loaded 1 file").wait_for(timeout=60_000)
        browser.close()
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT value FROM facts WHERE unit_code = 'BD-TAYSON' "
                          "AND measure = 'member_total'").fetchall()
    assert got == [(4120.0,)]
