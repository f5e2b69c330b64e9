"""The real dashboard server for the browser tests, started as `make run` does (serve.py: `streamlit run
app.py` with Nagle's algorithm off) on a free localhost port."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's, never a downloaded one
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    """At a browser test module's top: skip it where there is no system Chromium; under CI that is a failure,
    since a skipped end-to-end test would hide what it checks."""
    import pytest

    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no system chromium: the end-to-end tests must run in CI", pytrace=False)
        pytest.skip("no system chromium (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db: Path, log_path: Path, cwd: Path = ROOT, **env: str) -> Iterator[str]:
    """Serve app.py over `db` until the block ends, started in `cwd`; yields the base URL once the server is
    healthy.

    Access and uploads start from off whatever the calling shell has; `env` sets what a test needs.
    The server's output goes to `log_path` (unbuffered, so a traceback is there at once)."""
    full = dict(os.environ, MONITOR_DB=str(db), PYTHONUNBUFFERED="1")
    full.pop("MONITOR_UPLOADS", None)
    full.pop("MONITOR_AUTH", None)
    full.update(env)
    port = free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "serve.py"), "--server.port",
                                 str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                                cwd=cwd, env=full, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def serving(db: Path, root: Path, **env: str) -> Iterator[str]:
    """streamlit_server with its log in `root`, and no traceback in that log when the block ends."""
    log_path = root / "server.log"
    with streamlit_server(db, log_path, **env) as url:
        yield url
    assert "Traceback" not in log_path.read_text(), log_path.read_text()



@contextlib.contextmanager
def sample_site(root: Path, users: str, *, loaded_by: str = "", **env: str) -> Iterator[tuple[str, Path]]:
    """The real sample in `root`/monitor.duckdb, served with local sign-in for the accounts `users` (the
    text of a users.toml), and no traceback in the server's log when the block ends: (url, db)."""
    from etl.load import load

    db = root / "monitor.duckdb"
    load([ROOT / "data" / "sample" / "units.csv", ROOT / "data" / "sample" / "measures.csv"], db,
         **({"user": loaded_by} if loaded_by else {}))
    (root / "users.toml").write_text(users, encoding="utf-8")
    with serving(db, root, MONITOR_AUTH="local", MONITOR_USERS=str(root / "users.toml"), **env) as url:
        yield url, db


def sign_in(page: object, url: str, path: str, username: str, password: str, heading: str) -> None:
    """Open `path` on the served app, sign in on its form, and wait for the page's `heading` (level 1)."""
    page.goto(url + path)
    page.locator('input[autocomplete="username"]').fill(username)
    page.locator('input[type="password"]').fill(password)
    page.locator('input[type="password"]').press("Enter")
    page.get_by_role("heading", name=heading, level=1).wait_for(timeout=60_000)
    settled(page)

@contextlib.contextmanager
def demo_site(root: Path) -> Iterator[str]:
    """The database `make run` serves (demo_database), served from `root`: its url."""
    with serving(demo_database(root), root) as url:
        yield url


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, for one module's browser tests."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def demo_database(root: Path) -> Path:
    """The database `make run` serves, built under `root`: the real sample and the demo province."""
    from etl.demo import write_demo
    from etl.load import load

    write_demo(root / "demo", scale="province", seed=2025)
    db = root / "monitor.duckdb"
    load([ROOT / "data" / "sample" / "units.csv", ROOT / "data" / "sample" / "measures.csv",
          root / "demo" / "units.csv", root / "demo" / "measures.csv"], db)
    return db


def settled(page: object) -> None:
    """The page's script has finished its run."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)


def grid(page: object, header: str) -> object:
    """The table (st.dataframe / st.data_editor) with a column named exactly `header` ("Thay" is not "Thay bởi");
    its accessible table holds the cells, drawn only once the grid has been on screen."""
    import re

    grids = page.locator('[data-testid="stDataFrame"]')
    for i in range(grids.count()):
        grids.nth(i).scroll_into_view_if_needed()
    found = grids.filter(has=page.locator("th", has_text=re.compile(rf"^\s*{re.escape(header)}\s*$"))).first
    found.wait_for(timeout=60_000)
    return found


def grid_rows(table: object) -> list[list[str]]:
    """A grid's cells, row by row, as the page shows them."""
    return [[c.strip() for c in row.locator("td").all_inner_texts()]
            for row in table.locator("table").locator("tbody tr").all()]


def grid_row(page: object, header: str, first: str) -> list[str]:
    """The one row of the grid with a column `header` whose first cell is `first`."""
    [row] = [r for r in grid_rows(grid(page, header)) if r and r[0] == first]
    return row


SHOTS = Path("/tmp/shots")  # what the browser tests saw, to look at after a run


def screenshot(page: object, name: str) -> None:
    """The whole page as /tmp/shots/`name`.png, once what moves has stopped."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(0.5)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
