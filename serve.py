"""Start the dashboard as `make run` does: `streamlit run app.py`, with Nagle's algorithm off.

    python serve.py [SCRIPT.py] [streamlit run options, e.g. --server.port 8501]

SCRIPT.py defaults to app.py (the benchmark serves a one-chart app the same way, for its floor).

Streamlit 1.67 binds its listening socket itself, as `socket.socket(family)`: protocol 0, not TCP. asyncio
turns Nagle's algorithm off (TCP_NODELAY) only on connections whose socket says TCP, so every response
after the first on a kept-alive connection (headers, then body) waits for the browser's delayed ACK:
40 ms on Linux, up to 200 ms on Windows, for each of the hundred files a first visit fetches over six
connections. The same socket, re-read from its descriptor, says TCP. `streamlit run app.py` still works,
only slower to open.
"""

from __future__ import annotations

import importlib
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
log = logging.getLogger("monitor.serve")


def as_tcp(bind: Callable[[str, int, int], socket.socket]) -> Callable[[str, int, int], socket.socket]:
    """`bind`, whose socket comes back re-read from its descriptor, so that its protocol reads TCP."""

    def bind_tcp(address: str, port: int, backlog: int) -> socket.socket:
        sock = bind(address, port, backlog)
        if sock.proto:
            return sock
        tcp = socket.socket(fileno=sock.detach())  # family, type and protocol from the descriptor
        tcp.setblocking(False)
        tcp.set_inheritable(True)
        return tcp

    return bind_tcp


def patch_streamlit() -> bool:
    """True when Streamlit's socket binding was wrapped (a Streamlit without it is left as it is)."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        return False
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None:
        log.warning("streamlit has no _bind_socket: connections keep Nagle's algorithm")
        return False
    starlette_server._bind_socket = as_tcp(bind)
    return True


# What app.py and the overview import (monitor.charts and the export modules with them)
WARM_MODULES = ("monitor.auth", "monitor.store", "monitor.overview", "monitor.status_html", "screens._sidebar",
                "screens._guard", "screens._figures", "screens._scorecard_table", "screens._export")


def warm() -> None:
    """Import what the overview needs and read the catalogue before serving, so that the first visit after
    a start waits for neither (on the national demo 1.4 s and 0.3 s of its 2.5 s first run)."""
    for name in WARM_MODULES:
        importlib.import_module(name)
    from core.catalog import default_catalog

    default_catalog()


def main(argv: list[str]) -> None:
    from streamlit.web.cli import main as streamlit

    script = argv.pop(0) if argv and argv[0].endswith(".py") else str(APP)
    if Path(script).resolve() == APP:
        warm()
    patch_streamlit()
    sys.argv = ["streamlit", "run", script, *argv]
    streamlit()


if __name__ == "__main__":
    main(sys.argv[1:])
