"""The dashboard keeps serving while loads replace its database: the real server, system Chromium.

A database is built from data/sample and the fixtures' small province; the server starts on it
(`streamlit run app.py`, like tests/test_e2e.py). A background thread then loads two small data sets
in turn with replace=True, so the file is really swapped again and again, while the browser walks
every page several times through the sidebar and by address. Zero errors are allowed: no exception
element, no 'Traceback', no page error in the browser, no error sentence of the app's own (a failed
read shows one instead of a traceback), every page shows its title, and every load succeeds. Without
Chromium or Playwright the test is skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from core.i18n import t
from etl.load import load
from tests.served_app import ARGS, CHROMIUM, require_chromium, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
FIXTURES = ROOT / "tests" / "fixtures"
CI = os.environ.get("CI", "").lower() == "true"

require_chromium()
try:
    from playwright import sync_api
except ImportError:
    if CI:
        pytest.fail("CI=true but playwright is not installed", pytrace=False)
    pytest.skip("playwright is not installed", allow_module_level=True)

# (address, sidebar link, title) of every page; the titles come from the strings file
PAGES = [("/", "page_overview", "overview_title"), ("/chi-tieu", "page_indicator", "indicator_title"),
         ("/don-vi", "page_unit", "unit_title"), ("/so-sanh", "page_compare", "compare_title"),
         ("/du-lieu", "page_data", "data_title"), ("/doc-bao-cao", "page_extract", "extract_title")]
ROUNDS = 3
# the app's own sentences for a read that failed: they replace a traceback, so they count as errors
APP_ERRORS = [t(k, "vi").split("{")[0].strip() for k in ("page_error", "db_error", "no_db")]
HEADER = "unit_code,year,period,org_type,measure,value,qualifier,source\n"


def _data_sets(folder: Path) -> list[Path]:
    """Two small, valid measure files that differ, so each load really changes the database."""
    out = []
    for n, (total, rated) in enumerate(((58, 56), (60, 57))):
        path = folder / f"set{n}.csv"
        path.write_text(HEADER + f"H1,2022,Y,,org_total,{total},,BC {n}\nH1,2022,Y,,org_rated,{rated},,BC {n}\n"
                        f"H1,2023,Y,,org_total,{total + 1},,BC {n}\n", encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    root = tmp_path_factory.mktemp("e2e_concurrency")
    db = root / "monitor.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv", FIXTURES / "units.csv"], db)
    with streamlit_server(db, root / "server.log") as url:
        yield url, db, root


def _settled(page: object, title: str) -> None:
    """The page shows its title and its script has finished running."""
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=60_000)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)


def _faults(page: object, where: str) -> list[str]:
    out = []
    if page.locator('[data-testid="stException"]').count():
        out.append(f"{where}: an exception element")
    body = page.locator("body").inner_text()
    if "Traceback" in body:
        out.append(f"{where}: 'Traceback' on the page")
    out += [f"{where}: {m!r}" for m in APP_ERRORS if m in body]
    return out


def _ours(message: object, url: str) -> bool:
    """A console error of the app's. Not one: a resource the sandbox cannot reach (the Material icons
    Streamlit fetches from fonts.gstatic.com), and Streamlit's search for its base path, which asks
    /<page>/_stcore/health first when a page is opened by its address and gets a 404."""
    source = (message.location or {}).get("url", "")
    if not message.text.startswith("Failed to load resource") or not source:
        return True
    base_probe = re.fullmatch(re.escape(url) + r"/[\w-]+/_stcore/(health|host-config)", source)
    return source.startswith(url) and not base_probe


def test_pages_keep_serving_while_loads_replace_the_database(served: tuple[str, Path, Path]) -> None:
    url, db, root = served
    sets = _data_sets(root)
    stop = threading.Event()
    loads: list[int] = []
    load_errors: list[BaseException] = []

    def loader() -> None:
        n = 0
        while not stop.is_set():
            try:
                report = load([FIXTURES / "units.csv", sets[n % 2]], db, replace=True)
                loads.append(report.inserted)
            except BaseException as exc:
                load_errors.append(exc)
                return
            n += 1
            time.sleep(0.05)

    faults: list[str] = []
    browser_errors: list[str] = []
    visits = 0
    started = time.monotonic()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        page = context.new_page()
        page.on("pageerror", lambda exc: browser_errors.append(f"page error: {exc}"))
        page.on("console", lambda m: browser_errors.append(f"console {m.type}: {m.text} {m.location}")
                if m.type == "error" and _ours(m, url) else None)
        thread = threading.Thread(target=loader, daemon=True)
        thread.start()
        try:
            page.goto(url + "/")
            _settled(page, t("overview_title", "vi"))
            for r in range(ROUNDS):
                for path, link, title in PAGES:
                    if r % 2 == 0:  # through the sidebar: one session, its store swapped under it
                        page.locator('[data-testid="stSidebarNav"]').get_by_role(
                            "link", name=re.compile(rf"^{re.escape(t(link, 'vi'))}$")).click()
                    else:  # by address: a new session on whichever file is there now
                        page.goto(url + path)
                    _settled(page, t(title, "vi"))
                    faults += _faults(page, f"round {r + 1} {path}")
                    visits += 1
        finally:
            stop.set()
            thread.join(30)
            browser.close()
    assert not thread.is_alive()  # the last load ended before the database is read below
    elapsed = time.monotonic() - started
    print(f"\n{visits} page visits and {len(loads)} loads in {elapsed:.1f} s")

    assert load_errors == []
    assert len(loads) >= 3  # the file really was replaced while the pages were read
    assert loads.count(0) == 0  # every load changed the facts (the two sets differ)
    server_log = (root / "server.log").read_text()
    assert faults == [], server_log[-4000:]  # the page's sentence is short: the log has the traceback
    assert browser_errors == []
    assert visits == ROUNDS * len(PAGES)
    with duckdb.connect(str(db), read_only=True) as con:  # the database at the end is whole and readable
        figures = dict(con.execute("SELECT year, value FROM facts WHERE unit_code = 'H1' "
                                   "AND measure = 'org_total'").fetchall())
        assert figures in ({2022: 58.0, 2023: 59.0}, {2022: 60.0, 2023: 61.0})
        assert con.execute("SELECT count(DISTINCT load_id) FROM load_log").fetchone()[0] == len(loads) + 1
    assert "Traceback" not in server_log, server_log
