"""End to end (issue 18, part): a unit officer signs in, writes the committee's assessment of a target on
the Unit page in a real browser, sees it there and in the one-page summary, and downloads that summary
as one A4 landscape PDF page with one row per target; a viewer gets a sentence instead of the form."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from monitor import committee
from monitor.auth import format_user
from tests.served_app import require_chromium, sample_site

UNIVERSITY = "Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên"
CAUSES = "Nhiều cấp ủy viên mới được bầu, chưa qua đào tạo đại học."
REMEDIES = "Cử 12 đồng chí đi học đại học từ năm 2024."

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    users = (format_user("tayson", "Cán bộ Tây Sơn", "unit_officer", ["BD-TAYSON"], "mật-khẩu-ts", rounds=4)
             + format_user("xem", "Người xem", "viewer", [], "mật-khẩu-xem", rounds=4))
    with sample_site(tmp_path_factory.mktemp("e2e-committee"), users) as site:
        yield site


@pytest.fixture
def page(browser: object, served: tuple[str, Path]) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="vi-VN", accept_downloads=True)
    yield context.new_page()
    context.close()


def _sign_in(page: object, url: str, username: str, password: str) -> None:
    page.goto(url + "/don-vi?unit=BD&focus=BD-TAYSON&year=2023")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Đánh giá của Ban Thường vụ").wait_for(timeout=90_000)


def test_unit_officer_writes_and_prints(page: object, served: tuple[str, Path]) -> None:
    url, db = served
    _sign_in(page, url, "tayson", "mật-khẩu-ts")
    page.get_by_text("Ghi hoặc sửa đánh giá").click()
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
    chooser = page.get_by_label("Đánh giá cho")
    chooser.click()
    chooser.press_sequentially("đại học trở lên")  # typed, the list opens filtered whatever reran before
    page.get_by_role("option", name=UNIVERSITY).click()
    tag = "BD-TAYSON_ts-03-ctr-hu_gc-university"  # the form of the target chosen, once the page has rerun
    page.locator(f".st-key-causes_{tag} textarea").fill(CAUSES, timeout=60_000)
    page.locator(f".st-key-remedies_{tag} textarea").fill(REMEDIES)
    page.get_by_role("button", name="Lưu đánh giá").click()
    page.get_by_text("Đã lưu đánh giá (lần sửa thứ 1).").wait_for(timeout=60_000)
    main = page.locator("[data-testid='stMain']")
    assert f"Nguyên nhân: {CAUSES}" in main.inner_text()
    assert committee.current(db)[["target_id", "author", "causes"]].values.tolist() == [
        ["gc-university", "tayson", CAUSES]]
    page.get_by_text("Tóm tắt một trang").first.click()
    summary = page.locator("section.onepage")
    summary.wait_for(timeout=30_000)
    assert f"Nguyên nhân: {CAUSES} Giải pháp: {REMEDIES}" in summary.inner_text()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Tải tóm tắt một trang (PDF)").click()
    assert download.value.suggested_filename == "BD-TAYSON_tom-tat_2023.pdf"
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    assert len(re.findall(r"\d+,\d+% \(20\d\d\)", text)) == 8  # one result per target, 8 targets
    assert f"Nguyên nhân: {CAUSES}" in text


def test_a_viewer_gets_a_sentence_not_the_form(page: object, served: tuple[str, Path]) -> None:
    url, _ = served
    _sign_in(page, url, "xem", "mật-khẩu-xem")
    page.get_by_text("Tài khoản người xem không được ghi đánh giá.").wait_for(timeout=30_000)
    assert page.get_by_text("Ghi hoặc sửa đánh giá").count() == 0
    assert page.get_by_role("button", name="Lưu đánh giá").count() == 0
