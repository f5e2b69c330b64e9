"""End to end: the real server on a free localhost port, headless system Chromium, what a person sees.

Builds a database from data/sample and the synthetic province, starts `streamlit run app.py`, then
changes a filter, navigates, opens links with query parameters, switches language, clicks a heat-map
cell, and saves a screenshot of every page under /tmp/shots/. Without Chromium the tests are skipped,
except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.load import load
from monitor.export.charts import png_text
from tests.served_app import demo_site, require_chromium, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SHOTS = Path("/tmp/shots")
TAY_SON_2021_ORG = ("+ Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt nhiệm vụ (tỷ lệ 96,55%), "
                    "trong đó có 13 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 23,21%); vượt chỉ tiêu đề ra.")

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_site(tmp_path_factory.mktemp("e2e")) as url:
        yield url


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1500, "height": 1400}, locale="vi-VN")
    pg = context.new_page()
    yield pg
    context.close()


def _open(page: object, url: str, heading: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading, level=1).wait_for(timeout=60_000)


def _chart_texts(page: object) -> list[str]:
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    return page.locator(".js-plotly-plot text").evaluate_all("els => els.map(e => e.textContent || '')")


def _scorecard(page: object) -> object:
    """The overview's scorecard tables (an HTML table in the page; Playwright's CSS reaches into its shadow root)."""
    cells = page.locator(".scorecard td[data-unit]")
    cells.first.wait_for(timeout=60_000)
    return page.locator(".scorecard")


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(1.0)  # let the charts finish their transitions
    page.screenshot(path=str(SHOTS / f"e2e_{name}.png"), full_page=True)


def _param(page: object, key: str) -> str | None:
    match = re.search(rf"[?&]{key}=([^&]*)", page.url)
    return match.group(1) if match else None


def test_a_link_to_a_sub_page_as_the_first_visit(browser: object, tmp_path: Path) -> None:
    # A server of its own that has served nobody yet: the dialog came only on the first visit (streamlit#8860).
    db = tmp_path / "m.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv"], db)
    with streamlit_server(db, tmp_path / "server.log") as url:
        context = browser.new_context(viewport={"width": 1500, "height": 1400}, locale="vi-VN")
        page = context.new_page()
        _open(page, url + "/don-vi?unit=BD&focus=BD-TAYSON", "Chỉ tiêu của đơn vị")
        page.get_by_text("Tây Sơn").first.wait_for(timeout=60_000)
        # the dialog, when it came, came with the run of the page: wait for that run to end
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
        assert page.get_by_text("Page not found").count() == 0
        assert "/don-vi" in page.url
        context.close()


def test_overview_change_filter_and_navigate(page: object, server: str) -> None:
    _open(page, server + "/", "Tổng quan thực hiện chỉ tiêu")
    card = _scorecard(page)
    # diacritics intact; the districts' and the blocs' sections; "98,1 ✔": decimal comma and a symbol
    # the province's own targets first, as its own row; then its districts' and its blocs' sections
    assert card.first.get_by_role("button", name="Tỉnh Ngọc Sơn (mô phỏng)").is_visible()
    assert card.nth(1).get_by_role("button", name="Đảng bộ huyện Đông Lâm (mô phỏng)").is_visible()
    assert card.count() == 3
    cells = card.locator("td[data-unit]").all_inner_texts()
    assert len(cells) == 12 + 12 * 8 + 3 * 18
    assert any(re.fullmatch(r"\d{1,3},\d ✔", t) for t in cells), cells
    assert page.get_by_text("Nguy cơ không đạt").first.is_visible()
    assert _param(page, "unit") == "DEMO-P01"
    _shot(page, "overview")
    # a section as the PNG the slides show, drawn on the click
    with page.expect_download(timeout=120_000) as got:
        page.get_by_role("button", name="Tải ảnh PNG").nth(1).click()
    download = got.value
    assert re.fullmatch(r"DEMO-P01_[A-Za-z0-9_-]+_2025\.png", download.suggested_filename), download.suggested_filename
    png = Path(download.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_text(png)["Title"].startswith("CTr-HU (mô phỏng)")

    # change a filter: the as-of year
    page.get_by_label("Số liệu đến năm").click()
    page.get_by_role("option", name="2023", exact=True).click()
    page.wait_for_function("() => window.location.search.includes('year=2023')", timeout=30_000)
    page.get_by_text("ô ghi giá trị năm 2023").wait_for(timeout=30_000)

    # navigate: the filters travel with the reader
    page.get_by_role("link", name="Chỉ tiêu").first.click()
    page.get_by_role("heading", name="Một chỉ tiêu qua các đơn vị", level=1).wait_for(timeout=60_000)
    page.wait_for_function("() => window.location.pathname.endsWith('/chi-tieu')", timeout=30_000)
    assert _param(page, "year") == "2023"
    texts = _chart_texts(page)
    assert any(re.fullmatch(r"\d{1,3},\d%? ?[✔↗⚠✖]", t.strip()) or re.fullmatch(r"\d{1,3},\d% [✔↗⚠✖]", t)
               for t in texts), texts
    assert "Tỷ lệ tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên, năm 2023" in texts
    _shot(page, "indicator")


def test_link_with_query_parameters(page: object, server: str) -> None:
    _open(page, server + "/don-vi?unit=BD&focus=BD-TAYSON&year=2022", "Chỉ tiêu của đơn vị")
    page.get_by_role("heading", name="Đảng bộ huyện Tây Sơn").wait_for(timeout=30_000)
    assert page.get_by_text("03-CTr/HU — Chương trình hành động số 03-CTr/HU").is_visible()
    page.locator("[data-testid='stMetricValue']").nth(3).wait_for(timeout=30_000)  # all four drawn
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics == ["5", "0", "0", "0"]  # Tây Sơn met its five yearly targets in 2021 and 2022
    # the draft of the results section, as text to copy
    page.locator("[data-testid='stExpander'] summary", has_text="Dự thảo phần kết quả").click()
    draft = page.locator("textarea").first
    draft.wait_for(timeout=30_000)
    assert TAY_SON_2021_ORG in draft.input_value().splitlines()
    _shot(page, "unit")
    # the pack of this selection, built on the click and saved by the browser
    with page.expect_download(timeout=120_000) as got:
        page.get_by_role("button", name="Tải gói tài liệu (ZIP)").click()
    download = got.value
    assert download.suggested_filename == "BD-TAYSON_2022.zip"
    with zipfile.ZipFile(download.path()) as z:
        names = set(z.namelist())
    assert {"BD-TAYSON/BD-TAYSON_bao-cao_2022.pptx", "BD-TAYSON/BD-TAYSON_du-thao_2022.docx",
            "BD-TAYSON/charts/BD-TAYSON_ket-nap-dang-vien-so-voi-tong-so-dang-vien_2022.png"} <= names


def test_invalid_parameter_notice_and_english(page: object, server: str) -> None:
    _open(page, server + "/?unit=BD&year=1999", "Tổng quan thực hiện chỉ tiêu")
    assert page.get_by_text("Bỏ qua giá trị không hợp lệ trong địa chỉ: year = «1999».").is_visible()
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Targets at a glance", level=1).wait_for(timeout=30_000)
    page.wait_for_function("() => window.location.search.includes('lang=en')", timeout=30_000)
    page.locator(".scorecard[lang='en']").first.wait_for(timeout=30_000)
    cells = _scorecard(page).nth(1).locator("td[data-unit]").all_inner_texts()  # Tây Sơn, under its province
    assert cells[:5] == ["100.0 ✔", "94.8 ✔", "32.7 ✔ ⚑", "94.8 ✔", "4.16 ✔"], cells  # "94.8 ✔" in English


def test_heatmap_click_opens_the_unit(page: object, server: str) -> None:
    _open(page, server + "/?unit=BD&year=2022", "Tổng quan thực hiện chỉ tiêu")
    cell = _scorecard(page).nth(1).locator("td[data-unit]").nth(1)  # Tây Sơn's, under its province's row
    assert cell.inner_text() == "94,8 ✔"
    assert "Mức chỉ tiêu: " in cell.get_attribute("title")  # the details a hover shows
    cell.click()
    page.get_by_role("heading", name="Chỉ tiêu của đơn vị", level=1).wait_for(timeout=30_000)
    assert _param(page, "focus") == "BD-TAYSON"
    assert _param(page, "year") == "2022"  # the filters travel with the click
    page.get_by_role("heading", name="Đảng bộ huyện Tây Sơn").wait_for(timeout=30_000)


def test_scorecard_unit_name_opens_the_unit_by_keyboard(page: object, server: str) -> None:
    _open(page, server + "/?unit=DEMO-P01", "Tổng quan thực hiện chỉ tiêu")
    name = _scorecard(page).get_by_role("button", name="Đảng bộ huyện Tây Hòa (mô phỏng)")
    name.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Chỉ tiêu của đơn vị", level=1).wait_for(timeout=30_000)
    assert _param(page, "focus") == "DEMO-P01-H02"


def test_compare_and_data_pages(page: object, server: str) -> None:
    _open(page, server + "/so-sanh?unit=DEMO-P01", "So sánh các đơn vị")
    texts = _chart_texts(page)
    assert "Huyện" in texts and "Đảng bộ khối" in texts
    for label in ("Tải gói tài liệu (ZIP)", "Bảng Excel", "Phụ lục Word"):  # every analysis page offers them
        assert page.get_by_role("button", name=label).is_visible()
    _shot(page, "compare")
    _open(page, server + "/du-lieu?unit=BD", "Dữ liệu: đầy đủ, sai lệch, nhật ký nạp")
    page.get_by_text("7 sai lệch").wait_for(timeout=30_000)
    assert page.get_by_text("Bảng điều khiển chỉ đọc").count() == 0  # nothing uploaded yet
    page.get_by_role("button", name="Tải mẫu nhập liệu Excel").wait_for(timeout=30_000)
    _shot(page, "data")
