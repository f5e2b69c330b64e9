"""serve.py: the dashboard's connections without Nagle's algorithm (each kept-alive response would
otherwise wait for the browser's delayed ACK)."""

from __future__ import annotations

import asyncio
import socket

import serve


def _bind_like_streamlit(address: str, port: int, backlog: int) -> socket.socket:
    sock = socket.socket(family=socket.AF_INET)  # as Streamlit 1.67 binds it: protocol 0
    sock.bind((address, port))
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


async def _nodelay_of_accepted(listening: socket.socket) -> int:
    """TCP_NODELAY on the server's side of a connection asyncio accepted on `listening`."""
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(handle, sock=listening)
    _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
    try:
        return await asyncio.wait_for(seen, 10)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


def test_streamlit_s_socket_leaves_nagle_on_and_the_wrapped_one_turns_it_off() -> None:
    plain = _bind_like_streamlit("127.0.0.1", 0, 8)
    assert plain.proto == 0
    assert asyncio.run(_nodelay_of_accepted(plain)) == 0  # the bug: each response after the first waits

    wrapped = serve.as_tcp(_bind_like_streamlit)("127.0.0.1", 0, 8)
    assert wrapped.proto == socket.IPPROTO_TCP
    assert not wrapped.getblocking()
    assert asyncio.run(_nodelay_of_accepted(wrapped)) == 1


def test_streamlit_is_patched_where_it_binds() -> None:
    from streamlit.web.server.starlette import starlette_server

    original = starlette_server._bind_socket
    try:
        assert serve.patch_streamlit()
        sock = starlette_server._bind_socket("127.0.0.1", 0, 8)
        assert sock.proto == socket.IPPROTO_TCP
        sock.close()
    finally:
        starlette_server._bind_socket = original


def test_warm_imports_what_the_first_page_imports() -> None:
    """Everything app.py and the overview import from the project is loaded before the first visit."""
    import ast
    import json
    import subprocess
    import sys

    root = serve.APP.parent
    wanted: set[str] = set()
    for script in (serve.APP, root / "screens" / "overview.py"):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            ours = node.module.split(".")[0] in ("core", "monitor", "screens") if isinstance(node, ast.ImportFrom) \
                and node.module else False
            if ours:
                package = root / node.module.replace(".", "/")
                wanted |= {node.module} | {f"{node.module}.{a.name}" for a in node.names
                                           if (package / f"{a.name}.py").exists()}
    assert {"monitor.store", "screens._sidebar", "screens._scorecard_table", "screens._export",
            "monitor.charts"} <= wanted
    code = ("import sys, json, serve; serve.warm(); "
            "from core.catalog import default_catalog; "
            "print(json.dumps([sorted(sys.modules), default_catalog.cache_info().currsize]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=serve.APP.parent, capture_output=True, text=True, check=True)
    modules, cached = json.loads(out.stdout.splitlines()[-1])
    assert sorted(wanted - set(modules)) == []
    assert cached == 1  # the catalogue read


# -- no Streamlit menu for the committee (stop 16) ----------------------------------------------------------

STREAMLIT_MENU_WORDS = ("Print", "Record screen", "Made with Streamlit", "Rerun", "Settings", "Deploy", "Clear cache")


def test_the_config_beside_app_py_hides_streamlit_s_menu() -> None:
    import tomllib

    config = tomllib.loads((serve.APP.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"


def test_a_served_page_has_no_streamlit_menu_whatever_folder_the_server_starts_in(tmp_path) -> None:
    """`make run` starts serve.py in the checkout; started from another folder it reads the same settings
    (Streamlit 1.67 reads .streamlit/config.toml beside the script). Before, the page's ⋮ menu offered
    'Print', 'Record screen' and 'Made with Streamlit' in English on the Vietnamese page."""
    from etl.load import load
    from tests.served_app import ROOT, chromium, require_chromium, streamlit_server

    require_chromium()
    db = tmp_path / "monitor.duckdb"
    load([ROOT / "data" / "sample" / "units.csv", ROOT / "data" / "sample" / "measures.csv"], db)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with streamlit_server(db, tmp_path / "server.log", cwd=elsewhere) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.get_by_role("heading", name="Tổng quan thực hiện chỉ tiêu", level=1).wait_for(timeout=60_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
        assert page.locator('[data-testid="stMainMenu"]').count() == 0
        header = page.locator('[data-testid="stHeader"]').inner_text()
        shown = page.locator("body").inner_text()
        assert [w for w in STREAMLIT_MENU_WORDS if w in header or w in shown] == []
        page.close()
