"""The sign-in form in a real browser (issue 21): no "Page not found" under it on /tong-quan, and wrong
passwords held back with a sentence saying how long to wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.audit import read_audit
from etl.load import load
from monitor.auth import format_user
from tests.served_app import ARGS, CHROMIUM, require_chromium, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path("/tmp/shots")

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("e2e-access")
    db = tmp / "m.duckdb"
    load([ROOT / "data" / "sample" / "units.csv", ROOT / "data" / "sample" / "measures.csv"], db)
    users = tmp / "users.toml"
    users.write_text(format_user("admin", "Quản trị viên", "admin", [], "mật-khẩu-admin", rounds=4), encoding="utf-8")
    with streamlit_server(db, tmp / "server.log", MONITOR_AUTH="local", MONITOR_USERS=str(users)) as url:
        yield url, db


def test_the_sign_in_form_on_a_page_link(served: tuple[str, Path]) -> None:
    url, db = served
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page.goto(url + "/tong-quan", timeout=60_000)
        page.get_by_label("Tên đăng nhập").wait_for(timeout=60_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
        time.sleep(1.0)
        assert page.get_by_text("Page not found").count() == 0  # was there, under the form
        for _ in range(6):
            page.get_by_label("Tên đăng nhập").fill("admin")
            page.get_by_label("Mật khẩu").fill("sai-mật-khẩu")
            page.get_by_role("button", name="Đăng nhập").click()
            page.locator('[data-testid="stAlert"]').first.wait_for(timeout=60_000)
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
        held = "Đã nhập sai mật khẩu nhiều lần cho tài khoản này. Hãy chờ "
        # the sixth try's sentence replaces the fifth's: wait for it rather than read the alert in between
        page.locator('[data-testid="stAlert"]').filter(has_text=held).first.wait_for(timeout=60_000)
        alert = page.locator('[data-testid="stAlert"]').first.inner_text()
        assert alert.startswith(held)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "e2e_sign_in_held_back.png"))
        browser.close()
    entries, _ = read_audit(db)
    assert [e["result"] for e in reversed(entries) if e.get("event") == "login"] == ["failed"] * 5 + ["locked"]
