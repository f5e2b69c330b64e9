"""End to end, the parts of the data officer's loop that test_e2e_data.py leaves out, on the real server (local
login by role, uploads on), as she works: the pre-filled template downloaded from the Data page and filled in
with openpyxl, uploaded through the browser's file chooser with a negative value and a sum slip → Vietnamese
messages naming sheet and row, nothing loaded (the database file byte for byte as it was); fixed, loaded → the
completeness grid and the load log change without a reload; a report's text pasted on «Đọc báo cáo», its
derived totals accepted, checked and loaded → the unit's good-or-better rate on the Unit page.
(test_e2e_data.py: conflicts replaced with a reason, the audit, the restore of a version by an administrator.)
Screenshots under /tmp/shots/. Without Chromium skipped, except under CI=true (a failure)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest

from monitor.auth import format_user
from tests.served_app import grid, grid_row, grid_rows, require_chromium, sample_site, screenshot, settled, sign_in

TITLE = "Dữ liệu: đầy đủ, sai lệch, nhật ký nạp"
SHEET = "Huyện Tây Sơn"
# written for this test (not a real report's sentence): the four ratings of 2023, no total, no rate
PASTED = ("Về đánh giá, xếp loại chất lượng năm 2023: có 12 tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ; "
          "28 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ; 5 tổ chức cơ sở đảng hoàn thành nhiệm vụ; "
          "không có tổ chức cơ sở đảng không hoàn thành nhiệm vụ.")

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    root = tmp_path_factory.mktemp("e2e_officer")
    users = format_user("canbo", "Cán bộ Tây Sơn", "unit_officer", ["BD-TAYSON"], "mat-khau-can-bo", 4)
    with sample_site(root, users, loaded_by="khoitao", MONITOR_UPLOADS="1") as (url, db):
        yield url, db, root


@pytest.fixture(scope="module")
def page(browser: object, served: tuple[str, Path, Path]) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="vi-VN", accept_downloads=True)
    pg = context.new_page()
    sign_in(pg, served[0], "/du-lieu?unit=BD-TAYSON", "canbo", "mat-khau-can-bo", TITLE)
    yield pg
    context.close()


def _header(grid: object) -> list[str]:
    return [h.strip() for h in grid.locator("table thead th").all_inner_texts()]


def _tay_son(page: object) -> list[str]:
    return grid_row(page, "2024", "Đảng bộ huyện Tây Sơn")


def _shot(page: object, name: str) -> None:
    screenshot(page, f"e2e_officer_{name}")


def _choose(page: object, path: Path, n: int = 0) -> None:
    """Upload as a person does: the uploader's button opens the browser's file chooser."""
    with page.expect_file_chooser() as chooser:
        page.locator('[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]').nth(n).click()
    chooser.value.set_files(str(path))


def _fill(path: Path, out: Path, figures: dict[str, str], year: str = "2024") -> dict[str, int]:
    """Write `figures` (measure id → text as she types it) into the year's column of the Tây Sơn sheet;
    returns the row of each measure."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = [str(c.value) for c in ws[3]]
    col = header.index(year) + 1
    rows = {}
    for r in range(4, ws.max_row + 1):
        measure = ws.cell(r, 2).value
        if measure in figures:
            ws.cell(r, col).value = figures[measure]
            rows[measure] = r
    wb.save(out)
    return rows


def test_template_with_mistakes_then_fixed(page: object, served: tuple[str, Path, Path]) -> None:
    _, db, root = served
    assert _tay_son(page)[5] == "✖ chưa nộp"  # 2024: nothing yet

    # The template, downloaded as she does, is the unit's: its sheet named, the figures loaded filled in.
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải mẫu nhập liệu Excel").click()
    template = root / "mau.xlsx"
    download.value.save_as(template)
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames[:2] == ["Hướng dẫn", SHEET]
    ws = wb[SHEET]
    assert (ws["A1"].value, ws["B1"].value) == ("Đảng bộ huyện Tây Sơn", "BD-TAYSON")
    filled = {ws.cell(r, 2).value: ws.cell(r, 5).value for r in range(4, ws.max_row + 1)}  # 2022's column
    assert (filled["org_total"], filled["org_excellent"], filled["member_rated"]) == ("58", "18", "4.241")

    # 2024 filled in with a minus sign typed by mistake and ratings that do not add up to the total rated.
    wrong = {"org_total": "60", "org_rated": "58", "org_excellent": "20", "org_good": "30", "org_completed": "5",
             "org_failed": "1", "org_good_or_better": "-50"}
    rows = _fill(template, root / "tay-son-2024.xlsx", wrong)
    before = db.read_bytes()
    _choose(page, root / "tay-son-2024.xlsx")
    page.get_by_text("1 lỗi: nếu nạp, toàn bộ sẽ bị từ chối").wait_for(timeout=60_000)
    settled(page)
    problems = grid(page, "Nội dung")
    assert _header(problems) == ["Tệp", "Trang tính", "Dòng", "Cột", "Nội dung"]
    [[file, sheet, row, column, message]] = grid_rows(problems)
    assert (file, sheet, row, column) == ("tay-son-2024.xlsx", SHEET, str(rows["org_good_or_better"]), "G")
    assert message == ("Đảng bộ huyện Tây Sơn (BD-TAYSON), năm 2024: «Số tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ "
                       "trở lên» ghi -50, là số âm; số lượng và tỷ lệ không thể âm. Hãy ghi lại đúng số trong báo "
                       "cáo (bỏ dấu trừ nếu gõ nhầm).")
    _shot(page, "refused")
    # the sum slip: 20 + 30 + 5 + 1 = 56 rated, the sheet says 58; found in her file, named by sheet and row
    # the template holds the years already loaded, with the slips the database knew: hers comes first
    page.get_by_text("8 sai lệch liên quan đến tệp: 1 mới từ tệp này, 7 đã có từ trước.").wait_for(timeout=10_000)
    findings = grid(page, "Vị trí trong tệp")
    assert _header(findings) == ["Mới", "Năm", "Số liệu", "Giá trị", "Đối chiếu với", "Vị trí trong tệp", "Quy tắc",
                                 "Chi tiết"]  # one unit: named above; every column within the page's width
    slips = grid_rows(findings)
    assert slips[0][:7] == ["✔", "2024", "Số tổ chức cơ sở đảng được xếp loại", "Tổng số ghi: 58",
                            "Cộng các thành phần: 56",
                            f"trang tính «{SHEET}», dòng {rows['org_rated']}", "Các thành phần không cộng đủ tổng số"]
    assert slips[1:] and all(r[0] == "" for r in slips[1:])  # the others were there before
    assert page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").count() == 0  # no load offered
    assert db.read_bytes() == before  # nothing loaded
    assert page.get_by_text("Traceback").count() == 0

    # Fixed in the same file (the minus sign, and the total rated), chosen again, loaded: the grid and the log
    # change in the same page.
    _fill(template, root / "tay-son-2024-sua.xlsx", {**wrong, "org_good_or_better": "50", "org_rated": "56"})
    page.locator('[data-testid="stFileChipDeleteBtn"]').first.click()
    settled(page)
    _choose(page, root / "tay-son-2024-sua.xlsx")
    page.get_by_text("Đạt mọi quy tắc").first.wait_for(timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").click()
    page.get_by_text("Đã nạp 1 tệp: 7 số liệu mới").first.wait_for(timeout=60_000)
    settled(page)
    assert _tay_son(page)[5] == "✔ 7"
    log = grid_rows(grid(page, "Người nạp"))
    assert log[0][1:2] == ["tay-son-2024-sua.xlsx"] and log[0][-1] == "canbo"
    assert db.read_bytes() != before
    _shot(page, "loaded")


def test_pasted_report_to_unit_page(page: object, served: tuple[str, Path, Path]) -> None:
    _, db, _ = served
    # within her signed-in session: the page's link in the sidebar, the unit and year of the filters kept
    page.get_by_role("link", name="Đọc báo cáo").first.click()
    page.get_by_role("heading", name="Đọc số liệu từ báo cáo", level=1).wait_for(timeout=60_000)
    settled(page)
    box = page.get_by_label("Hoặc dán nội dung báo cáo vào đây")
    box.fill(PASTED)
    box.press("Control+Enter")
    page.get_by_text("4 số liệu đề xuất từ «Văn bản dán.txt»; 0 con số chưa xếp được vào số liệu nào. "
                     "Thêm 3 tổng số suy ra từ các số đó").wait_for(timeout=60_000)
    settled(page)
    review = grid(page, "Nhận")
    proposed = {r[1]: r for r in grid_rows(review)}  # the accessible table holds the measures' ids
    # the four stated, and the totals they imply, derived with their arithmetic, all accepted by default
    assert {m: (r[0], r[2], r[6]) for m, r in proposed.items()} == {
        "org_excellent": ("true", "12", ""), "org_good": ("true", "28", ""), "org_completed": ("true", "5", ""),
        "org_failed": ("true", "0", ""), "org_good_or_better": ("true", "40", "tính từ các số trên"),
        "org_completed_or_better": ("true", "45", "tính từ các số trên"),
        "org_rated": ("true", "45", "tính từ các số trên")}
    _shot(page, "pasted")
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    page.get_by_text("Đạt mọi quy tắc").first.wait_for(timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").click()
    page.get_by_text("Đã nạp 1 tệp: 7 số liệu mới").first.wait_for(timeout=60_000)
    settled(page)
    con = duckdb.connect()
    con.execute("ATTACH $p AS d (READ_ONLY)", {"p": str(db)})
    [(value, source)] = con.execute("SELECT value, source FROM d.facts WHERE unit_code = 'BD-TAYSON' AND year = 2023 "
                                    "AND measure = 'org_good_or_better'").fetchall()
    con.close()
    assert value == 40 and "12 + 28 = 40" in source  # derived, its arithmetic as its source

    # The Unit page, 2023: the good-or-better rate of its organisations, 40 / 45 = 88,9%.
    page.get_by_role("link", name="Đơn vị").first.click()
    page.get_by_role("heading", name="Chỉ tiêu của đơn vị", level=1).wait_for(timeout=60_000)
    settled(page)
    grid(page, "Tình trạng")
    grids = page.locator('[data-testid="stDataFrame"]')  # held by place: scrolled, its first column is not drawn
    scorecard = grids.nth(next(i for i in range(grids.count()) if grids.nth(i).locator("th", has_text="Tình trạng")
                               .count()))
    names = [r[0] for r in grid_rows(scorecard)]
    at = names.index("Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên")
    scorecard.hover()
    page.mouse.wheel(800, 0)  # the latest value is to the right of the status and the target
    page.wait_for_timeout(700)
    _shot(page, "unit")
    assert "88,9% (2023)" in grid_rows(scorecard)[at]
