"""End to end, the data officer's loop on the real server (local login by role, uploads on): a load shows in
the completeness grid and the log without a reload; a conflict, two of three figures replaced with a reason,
shown in the audit and on the Data page; an administrator restores the version before, and the old figures
are back. Screenshots under /tmp/shots/. Without Chromium skipped, except under CI=true (a failure)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from core import audit
from monitor.auth import format_user
from tests.served_app import grid, grid_row, grid_rows, require_chromium, sample_site, screenshot, settled, sign_in

HEADER = "unit_code,year,period,org_type,measure,value,qualifier,source\n"
NEW_YEAR = HEADER + "BD-TAYSON,2024,Y,,org_rated,58,,BC 2024\nBD-TAYSON,2024,Y,,org_good,45,,BC 2024\n"
CORRECTED = (HEADER + "BD-TAYSON,2022,Y,,org_excellent,19,,BC sửa 2022\nBD-TAYSON,2022,Y,,org_rated,57,,BC sửa 2022\n"
             "BD-TAYSON,2022,Y,,org_total,60,,BC sửa 2022\n")
TITLE = "Dữ liệu: đầy đủ, sai lệch, nhật ký nạp"

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    root = tmp_path_factory.mktemp("e2e_data")
    (root / "so-lieu-2024.csv").write_text(NEW_YEAR, encoding="utf-8")
    (root / "bao-cao-sua.csv").write_text(CORRECTED, encoding="utf-8")
    users = (format_user("canbo", "Cán bộ Tây Sơn", "unit_officer", ["BD-TAYSON"], "mat-khau-can-bo", 4)
             + format_user("quantri", "Quản trị viên", "admin", [], "mat-khau-quan-tri", 4))
    with sample_site(root, users, loaded_by="khoitao", MONITOR_UPLOADS="1") as (url, db):
        yield url, db, root


def _sign_in(browser: object, url: str, username: str, password: str) -> object:
    page = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="vi-VN").new_page()
    sign_in(page, url, "/du-lieu?unit=BD", username, password, TITLE)
    return page


def _tay_son(page: object) -> list[str]:
    return grid_row(page, "2024", "Đảng bộ huyện Tây Sơn")


def _shot(page: object, name: str) -> None:
    screenshot(page, f"e2e_data_{name}")


def _figures(db: Path) -> dict[str, float]:
    con = duckdb.connect()
    con.execute("ATTACH $p AS d (READ_ONLY)", {"p": str(db)})
    rows = con.execute("SELECT measure, value FROM d.facts WHERE unit_code = 'BD-TAYSON' AND year = 2022 "
                       "AND measure IN ('org_excellent', 'org_rated', 'org_total')").fetchall()
    con.close()
    return dict(rows)


def test_load_correct_and_restore(browser: object, served: tuple[str, Path, Path]) -> None:
    url, db, root = served
    page = _sign_in(browser, url, "canbo", "mat-khau-can-bo")
    assert _tay_son(page)[5] == "✖ chưa nộp"  # 2024: nothing yet

    # A new year's figures: checked, loaded; the grid and the log change in the same page, no reload.
    page.locator('input[type="file"]').first.set_input_files(str(root / "so-lieu-2024.csv"))
    page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").click()
    page.get_by_text("Đã nạp 1 tệp: 2 số liệu mới").first.wait_for(timeout=60_000)
    settled(page)
    assert _tay_son(page)[5] == "✔ 2"
    log = grid_rows(grid(page, "Người nạp"))
    assert log[0][1:2] == ["so-lieu-2024.csv"] and log[0][-1] == "canbo"  # the name she chose, not a /tmp path
    assert page.get_by_text("/tmp/").count() == 0
    _shot(page, "loaded")

    # Three figures differ from the database: each shown with both values and sources; two replaced.
    before = _figures(db)
    page.locator('input[type="file"]').first.set_input_files(str(root / "bao-cao-sua.csv"))
    page.get_by_text("Tệp có 3 số liệu khác với số đã nạp trước đây").wait_for(timeout=60_000)
    settled(page)
    editor = grid(page, "Thay")
    rows = grid_rows(editor)
    assert [r[1:6] for r in rows] == [
        ["Đảng bộ huyện Tây Sơn", "2022", "Số tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ", "18", "19"],
        ["Đảng bộ huyện Tây Sơn", "2022", "Số tổ chức cơ sở đảng được xếp loại", "58", "57"],
        ["Đảng bộ huyện Tây Sơn", "2022", "Tổng số tổ chức cơ sở đảng", "58", "60"]]
    assert all(r[6].startswith("003 Tây Sơn 03-CTr/HU") for r in rows)  # the database's source
    editor.scroll_into_view_if_needed()
    box = editor.bounding_box()
    for row in (0, 2):  # the checkbox column (65 px), first and third figure; rows 80 px high (text wraps)
        page.mouse.click(box["x"] + 32, box["y"] + 35 + 40 + 80 * row)
        page.wait_for_timeout(700)
        settled(page)
    deadline = time.monotonic() + 20
    while [r[0] for r in grid_rows(grid(page, "Thay"))] != ["true", "false", "true"] and time.monotonic() < deadline:
        page.wait_for_timeout(300)
    assert [r[0] for r in grid_rows(grid(page, "Thay"))] == ["true", "false", "true"]
    load_button = page.get_by_role("button", name="Nạp và thay 2 số liệu đã chọn")
    assert load_button.is_disabled()  # no reason yet
    page.get_by_label("Lý do thay (bắt buộc)", exact=True).fill("Báo cáo chính thức 05-BC/HU đính chính")
    page.get_by_label("Lý do thay (bắt buộc)", exact=True).press("Enter")
    settled(page)
    page.get_by_role("button", name="Nạp và thay 2 số liệu đã chọn").click()
    page.get_by_text("Đã thay 2 số liệu; 1 số liệu khác giữ như trong cơ sở dữ liệu.").first.wait_for(timeout=60_000)
    settled(page)
    assert _figures(db) == {"org_excellent": 19.0, "org_rated": 58.0, "org_total": 60.0}
    [line], _ = audit.read_audit(db, limit=1)
    assert (line["user"], line["reason"]) == ("canbo", "Báo cáo chính thức 05-BC/HU đính chính")
    replaced = line["replacements"]
    assert [(r["measure"], r["old_value"], r["new_value"], r["new_source"], r["file"]) for r in replaced] == [
        ("org_excellent", 18.0, 19.0, "BC sửa 2022", "bao-cao-sua.csv"),
        ("org_total", 58.0, 60.0, "BC sửa 2022", "bao-cao-sua.csv")]
    corrections = grid_rows(grid(page, "Người thay"))
    reason = "Báo cáo chính thức 05-BC/HU đính chính"
    assert [r[1:6] for r in corrections] == [
        ["canbo", "Số tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ — Đảng bộ huyện Tây Sơn, 2022", "18", "19",
         reason],
        ["canbo", "Tổng số tổ chức cơ sở đảng — Đảng bộ huyện Tây Sơn, 2022", "58", "60", reason]]
    assert page.get_by_text("Chỉ quản trị viên được khôi phục phiên bản.").count() == 1  # an officer cannot
    _shot(page, "corrected")
    page.context.close()

    # The administrator restores the version kept before the correction: the old figures are back.
    page = _sign_in(browser, url, "quantri", "mat-khau-quan-tri")
    versions = grid_rows(grid(page, "Lần nạp cuối của phiên bản"))
    assert [r[0] for r in versions] == ["2", "1"]
    assert re.search(r"#2 \(.*canbo\): so-lieu-2024\.csv", versions[0][6])
    page.get_by_text("Tôi hiểu: toàn bộ số liệu hiện tại").click()
    settled(page)
    page.get_by_role("button", name="Khôi phục phiên bản").click()  # the newest, 2, is chosen first
    page.get_by_text("Đã khôi phục phiên bản 2; cơ sở dữ liệu trước đó được giữ thành phiên bản 3.").wait_for(
        timeout=60_000)
    settled(page)
    assert _figures(db) == before
    assert _tay_son(page)[5] == "✔ 2"  # the version restored had the 2024 figures
    assert [r[0] for r in grid_rows(grid(page, "Lần nạp cuối của phiên bản"))] == ["3", "2", "1"]
    [line], _ = audit.read_audit(db, limit=1)
    assert (line["event"], line["user"], line["to"], line["saved_as"]) == ("rollback", "quantri", 2, 3)
    entries, _ = audit.read_audit(db)
    assert [e["result"] for e in entries if e.get("event") == "upload"] == ["conflicts", "checked"]
    dashboard = [e for e in entries if e.get("user") in ("canbo", "quantri")]  # not the fixture's own load
    assert len(dashboard) >= 4 and not [e for e in dashboard if "/tmp/" in json.dumps(e, ensure_ascii=False)]
    _shot(page, "restored")
    page.context.close()
