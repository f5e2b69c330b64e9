"""Accessibility (issue 18, as Open SDG holds itself to): every page of the dashboard, in Vietnamese and
in English, passes axe-core with no serious or critical violation, and its actions are reached by the
keyboard. The real server on a free port, Debian's Chromium (never a downloaded browser), axe-core as
axe-playwright-python ships it. Without Chromium the tests are skipped, except under CI=true."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.served_app import demo_site, require_chromium

# every page, opened as a reader would: on the demo province, and on a district for the Unit page
PAGES = [("tong-quan", "unit=DEMO-P01"), ("chi-tieu", "unit=DEMO-P01"), ("don-vi", "unit=BD&focus=BD-TAYSON"),
         ("so-sanh", "unit=DEMO-P01"), ("du-lieu", "unit=DEMO-P01"), ("doc-bao-cao", "unit=DEMO-P01")]

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_site(tmp_path_factory.mktemp("axe")) as url:
        yield url


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def _settled(page: object) -> None:
    page.locator("h1").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # charts and tables draw after the run


def _serious(page: object) -> list[str]:
    results = axe_module.Axe().run(page)
    return sorted(f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
                  for v in results.response["violations"] if v["impact"] in ("serious", "critical"))


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(("path", "query"), PAGES)
def test_every_page_passes_axe(page: object, server: str, path: str, query: str, lang: str) -> None:
    page.goto(f"{server}/{path}?{query}&lang={lang}")
    _settled(page)
    assert page.get_by_text("Page not found").count() == 0
    assert _serious(page) == []


def test_the_root_opens_the_overview_at_its_own_address(page: object, server: str) -> None:
    page.goto(f"{server}/?unit=BD&year=2022")
    page.wait_for_function("() => window.location.pathname.endsWith('/tong-quan')", timeout=60_000)
    _settled(page)
    assert "unit=BD" in page.url and "year=2022" in page.url  # the link's filters kept
    assert page.get_by_role("heading", name="Tổng quan thực hiện chỉ tiêu", level=1).is_visible()
    assert page.get_by_text("Page not found").count() == 0


def test_actions_are_reached_by_the_keyboard(page: object, server: str) -> None:
    """Tab alone reaches the Compare page's download buttons and its choice of units, and Enter on a
    navigation link opens another page."""
    page.goto(f"{server}/so-sanh?unit=DEMO-P01")
    _settled(page)
    # the pack, the workbook and the annex; the choice of units and the axes (icons' names come first)
    actions = {"folder_zip Tải gói tài liệu (ZIP)", "table_view Bảng Excel", "description Phụ lục Word",
               "Chọn từ 2 đến 5 đơn vị", "Xếp hạng theo", "Trục ngang", "Trục dọc"}
    reached: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "() => { const e = document.activeElement; return (e.getAttribute('aria-label') || e.innerText || "
            "e.getAttribute('placeholder') || e.tagName || '').trim().replace(/\\s+/g, ' '); }"))
        if actions <= set(reached):
            break
    assert actions - set(reached) == set(), reached
    link = page.get_by_role("link", name="Chỉ tiêu").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.pathname.endsWith('/chi-tieu')", timeout=30_000)
    page.get_by_role("heading", name="Một chỉ tiêu qua các đơn vị", level=1).wait_for(timeout=60_000)


def test_a_unit_of_the_overview_opens_by_the_keyboard(page: object, server: str) -> None:
    """The scorecard's cells are for the mouse; each row's unit name is a button a keyboard reaches."""
    page.goto(f"{server}/tong-quan?unit=BD&year=2022")
    _settled(page)
    button = page.locator(".scorecard th[scope='row'] button", has_text="Đảng bộ huyện Tây Sơn").first
    button.wait_for(timeout=60_000)
    for _ in range(200):
        page.keyboard.press("Tab")
        # the scorecard sits in a shadow root: the focus is on its host, the button inside
        if page.evaluate("() => { let e = document.activeElement; while (e && e.shadowRoot && "
                         "e.shadowRoot.activeElement) e = e.shadowRoot.activeElement; "
                         "return e && e.tagName === 'BUTTON' && "
                         "(e.innerText || '').includes('Đảng bộ huyện Tây Sơn'); }"):
            break
    else:
        pytest.fail("Tab never reached Tây Sơn's button in the scorecard")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Chỉ tiêu của đơn vị", level=1).wait_for(timeout=60_000)
    page.wait_for_function("() => window.location.search.includes('focus=BD-TAYSON')", timeout=30_000)
