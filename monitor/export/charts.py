"""Plotly figures → PNG (for slides), SVG and PDF files, through one persistent Chromium.

Kaleido 1.x drives a real Chromium. Starting one costs seconds (measured in benchmarks/bench_export.py),
a render in a running one a fraction of a second, so a pack starts one browser, renders every chart
through it and stops it at the end (`browser()`): Kaleido's own sync server, run with tabs that are
not reloaded after each render (see _KeepTabs). The browser is the system's Chromium (Debian's
/usr/bin/chromium, or $MONITOR_CHROMIUM), never one downloaded by Kaleido.

Charts are drawn in DejaVu Sans, which carries every Vietnamese letter, so a render never falls back to
boxes. A file is named by unit, subject (indicator or group) and year in ASCII
(`BD-TAYSON_org_good_or_better_rate_2023.png`); the Vietnamese title is in the chart itself, in the
PNG's iTXt `Title` and in the SVG's <title>.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import functools
import math
import os
import queue
import re
import shutil
import struct
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import kaleido
import plotly.graph_objects as go

from core.i18n import short_name
from monitor.charts import NOTE_LINE, NOTE_SIZE, TITLE_SIZE, download_name, slug

FORMATS = ("png", "svg", "pdf")
EXPORT_FONT = "DejaVu Sans"
# A chart on a 16:9 slide: drawn at 940×560 CSS px (fonts stay legible at about 9.5 in wide) and
# rasterised at scale 2, so the PNG is 1880×1120 px, about 200 dpi on the slide.
WIDTH, HEIGHT, SCALE = 940, 560, 2
BROWSER_ENV = ("MONITOR_CHROMIUM", "BROWSER_PATH")  # BROWSER_PATH is choreographer's own variable
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class ChromiumMissing(RuntimeError):
    """No Chromium to render with; the message says how to point at one."""


def find_chromium() -> str | None:
    """The browser to render with: $MONITOR_CHROMIUM or $BROWSER_PATH, else chromium on the PATH."""
    for var in BROWSER_ENV:
        path = os.environ.get(var, "").strip()
        if path:
            return path if Path(path).is_file() else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _chromium() -> str:
    path = find_chromium()
    if path is None:
        raise ChromiumMissing(
            "No Chromium found to render charts. Install the system package (Debian: apt-get install "
            "chromium) or set MONITOR_CHROMIUM to the browser's path.")
    return path


# Kaleido reloads a tab's page after every render (0.2 s of a 0.3 s render here: it re-parses the
# 4 MB plotly.js). kaleido_scopes.js purges each plot itself, so the pack keeps its tabs and reloads
# one only every RELOAD_EVERY renders, which bounds whatever a page might accumulate.
RELOAD_EVERY = 200
# Tabs of the one Chromium: a pack renders on two at once (measured: benchmarks/bench_export.py)
TABS = 2


class _KeepTabs(kaleido.Kaleido):
    """Kaleido's browser, returning a tab to the queue without reloading its page each time."""

    _served = 0

    async def _return_kaleido_tab(self, tab: Any) -> None:  # overrides Kaleido's (pinned 1.5.0)
        self._served += 1
        if self._served % RELOAD_EVERY == 0:
            await tab.reload()
        await self.tabs_ready.put(tab)


class _Browser:
    """One Chromium in a thread of its own, fed renders through a queue (as kaleido.start_sync_server
    does, with `_KeepTabs` in place of Kaleido)."""

    def __init__(self, path: str) -> None:
        # Jobs reach the browser's event loop through call_soon_threadsafe (no executor thread, which
        # Python refuses at interpreter exit). Each job carries its own reply queue: the browser is shared
        # by every session of the dashboard, so two renders asked at once never take each other's images.
        self.loop: asyncio.AbstractEventLoop | None = None
        self.jobs: asyncio.Queue[tuple[dict, dict, queue.Queue] | None] | None = None
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        # starts in the background: the caller builds its figures meanwhile (Chromium takes seconds)
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(path),), daemon=True,
                                       name="monitor-export-chromium")
        self.thread.start()

    def _wait_ready(self) -> None:
        self.ready.wait()
        if self.failed is not None:
            raise self.failed

    async def _serve(self, path: str) -> None:
        self.loop, self.jobs = asyncio.get_running_loop(), asyncio.Queue()
        try:
            k = _KeepTabs(n=TABS, path=path, mathjax=False)
            await k.open()
        except BaseException as exc:  # handed to the caller's thread
            self.failed = exc
            self.ready.set()
            return
        self.ready.set()

        async def one(spec: dict, opts: dict, reply: queue.Queue) -> None:
            try:
                reply.put(await k.calc_fig(spec, opts=opts))
            except Exception as exc:  # handed to the caller's thread
                reply.put(exc)

        running: set[asyncio.Task] = set()
        try:
            # renders asked at once (two sessions, the pack's render threads) go to the free tabs together
            while (job := await self.jobs.get()) is not None:
                task = asyncio.create_task(one(*job))
                running.add(task)
                task.add_done_callback(running.discard)
            if running:
                await asyncio.gather(*running)
        finally:
            await k.close()

    def _put(self, job: tuple[dict, dict, queue.Queue] | None) -> None:
        assert self.loop is not None and self.jobs is not None
        self.loop.call_soon_threadsafe(self.jobs.put_nowait, job)

    def render(self, spec: dict, opts: dict) -> bytes:
        self._wait_ready()
        reply: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=1)
        self._put((spec, opts, reply))
        out = reply.get()
        if isinstance(out, BaseException):
            raise out
        return out

    def close(self) -> None:
        self.ready.wait()
        if self.failed is None and self.thread.is_alive():
            try:
                self._put(None)
            except RuntimeError:  # its loop already gone
                return
        self.thread.join(timeout=30)


_browser: _Browser | None = None
_browser_lock = threading.Lock()  # sessions of the dashboard may ask for it at the same moment


def start_browser() -> None:
    """Start the one Chromium every render goes through, if it is not running (or start it anew when
    the one started before failed or ended: the dashboard keeps it for every session)."""
    global _browser
    with _browser_lock:
        if _browser is not None and (_browser.failed is not None or not _browser.thread.is_alive()):
            _browser = None
        if _browser is None:
            _browser = _Browser(_chromium())
            atexit.register(stop_browser)


def stop_browser() -> None:
    global _browser
    if _browser is not None:
        _browser.close()
        _browser = None


@contextmanager
def browser() -> Iterator[None]:
    """Every render inside the block uses one Chromium; a browser already started is left running."""
    owner = _browser is None
    start_browser()
    try:
        yield
    finally:
        if owner:
            stop_browser()


# -- figures ready for a file ----------------------------------------------------------------------

# The title's band: 14 px above it, its first line (plotly's line height is 1.3 em), the rest below
TITLE_LINE = 1.3
TITLE_INSET = 0.01  # of the width, from the left edge
TITLE_SLACK = 24  # px kept free at the right edge: Chromium's letters may come out a little wider


@functools.lru_cache(maxsize=8)
def _font(size: int) -> Any:
    """DejaVu Sans at `size` px, as Chromium draws the export; None where Pillow cannot find it."""
    try:
        from PIL import ImageFont  # Streamlit's own dependency

        return ImageFont.truetype("DejaVuSans.ttf", size)
    except (ImportError, OSError):
        return None


def text_width(text: str, size: int) -> float:
    """How wide `text` is drawn in DejaVu Sans at `size` px (without the font: 0.65 em a letter, wider
    than DejaVu's widest lower-case average, so a title is wrapped early rather than cut)."""
    font = _font(size)
    plain = re.sub(r"<[^>]+>", "", text)
    return font.getlength(plain) if font is not None else 0.65 * size * len(plain)


def _greedy(words: list[str], width: float, size: int) -> list[str]:
    lines, line = [], ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line]


def wrap_to_width(text: str, width: float, size: int) -> list[str]:
    """`text` in lines no wider than `width` px, broken between words (its own <br> kept) into as few lines
    as fit, of even length (not a long line and a year alone under it); a word wider than the line stays
    whole on a line of its own."""
    lines: list[str] = []
    for part in re.split(r"<br\s*/?>", text):
        words = part.split()
        fit = _greedy(words, width, size)
        low, high = 0.0, float(width)  # the narrowest width giving as few lines
        while len(fit) > 1 and high - low > 2:
            mid = (low + high) / 2
            if len(_greedy(words, mid, size)) == len(fit):
                high = mid
            else:
                low = mid
        lines += _greedy(words, high, size) if len(fit) > 1 else fit
    return lines


def _fit_note(layout: dict, width: int) -> int:
    """Wrap the note under the chart (monitor.charts.add_note: the value axis's title, centred under the
    plot) to the room either side of the plot's centre; the height its lines add or take back."""
    meta, title = layout.get("meta"), (layout.get("xaxis") or {}).get("title")
    note = meta.get("note") if isinstance(meta, dict) else None
    if not note or not isinstance(title, dict) or not title.get("text"):
        return 0
    margin = layout.get("margin") or {}
    ticks = (layout.get("yaxis") or {}).get("ticktext") or ["100,0%"]
    tick_size = int((layout.get("font") or {}).get("size") or 13)
    labels = max(text_width(part, tick_size) for tick in ticks for part in re.split(r"<br\s*/?>", str(tick)))
    left, right = int(margin.get("l") or 10) + labels + 6, int(margin.get("r") or 20)
    centre = (left + width - right) / 2
    room = 2 * min(centre, width - centre) - TITLE_SLACK
    size = int((title.get("font") or {}).get("size") or NOTE_SIZE)
    before = title["text"].count("<br>") + 1
    lines = [part for line in note for part in wrap_to_width(str(line), room, size)]
    title["text"] = "<br>".join(lines)
    return NOTE_LINE * (len(lines) - before)


def _fit_title(title: dict, width: int) -> int:
    """Wrap the title to the chart's width; how many lines it took."""
    size = int((title.get("font") or {}).get("size") or TITLE_SIZE)
    lines = wrap_to_width(str(title["text"]), width * (1 - TITLE_INSET) - TITLE_SLACK, size)
    title["text"] = "<br>".join(lines)
    return len(lines)


def for_export(fig: go.Figure | dict, width: int = WIDTH, height: int | None = None) -> dict:
    """The figure as Kaleido takes it, drawn in a font with Vietnamese letters at a fixed size.

    Works on the plain dict: going back through go.Figure would validate every property again, which
    costs more than the render of a small chart.
    """
    spec = copy.deepcopy(fig) if isinstance(fig, dict) else fig.to_dict()  # to_dict is a fresh copy
    layout = spec.setdefault("layout", {})
    family = f"{EXPORT_FONT}, sans-serif"
    layout.setdefault("font", {})["family"] = family
    margin = layout.setdefault("margin", {})
    extra = 0
    # In a file there is no page around the chart: the title gets a band of its own at the top and
    # the legend one at the bottom, so neither sits on the legend, the target label or the top ticks.
    if isinstance(layout.get("title"), dict) and layout["title"].get("text"):
        title = layout["title"]
        title.setdefault("font", {})["family"] = family
        title.update({"xref": "container", "x": TITLE_INSET, "xanchor": "left", "yref": "container",
                      "y": 1, "yanchor": "top", "pad": {"t": 14}})
        # a long title is wrapped, never cut at the right edge: each further line widens the band
        more = (_fit_title(title, width) - 1) * math.ceil(TITLE_LINE * int(title["font"].get("size") or TITLE_SIZE))
        before = int(margin.get("t") or 20)
        if (layout.get("xaxis") or {}).get("side") == "top":
            margin["t"] = before + 56 + more  # the labels on top (the heat-map's) keep their room under the band
        else:  # the band replaces whatever room the page gave its title (a page title sits in the margin too)
            margin["t"] = 20 + 56 + more
        extra += margin["t"] - before
    extra += _fit_note(layout, width)
    if layout.get("showlegend") is not False:
        layout["legend"] = {**layout.get("legend", {}), "orientation": "h", "xref": "container", "x": 0.01,
                            "xanchor": "left", "yref": "container", "y": 0.005, "yanchor": "bottom"}
        # a figure whose legend already sits at its foot (the bars) has that room in its margin
        before = int(margin.get("b") or 40)
        margin["b"] = max(before, 40 + 48)
        extra += margin["b"] - before
    layout["width"] = width
    # the bands come on top of the height asked for: the plot keeps its room
    layout["height"] = (height or int(layout.get("height") or HEIGHT)) + extra
    return spec


def render(fig: go.Figure | dict, fmt: str = "png", *, width: int = WIDTH, height: int | None = None,
           scale: float = SCALE) -> bytes:
    """One figure as bytes. Inside `browser()` this reuses the running Chromium; outside it Kaleido
    starts and stops a browser for this one figure (slow: see benchmarks/bench_export.py)."""
    return render_spec(for_export(fig, width, height), fmt, scale)


def render_spec(spec: dict, fmt: str, scale: float = SCALE) -> bytes:
    """A figure already prepared by for_export, as bytes in `fmt`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    opts = {"format": fmt, "width": spec["layout"]["width"], "height": spec["layout"]["height"],
            "scale": scale if fmt == "png" else 1}
    if _browser is not None:
        return _browser.render(spec, opts)
    return kaleido.calc_fig_sync(spec, opts=opts, kopts={"path": _chromium(), "mathjax": False})


# -- files -----------------------------------------------------------------------------------------

@dataclass
class Chart:
    """A figure with what names it: unit, subject (an indicator or group id) and year."""

    fig: go.Figure
    unit: str
    subject: str
    year: int | str
    title: str  # the Vietnamese title (shown in the chart; PNG/SVG metadata)
    kind: str = ""  # heatmap | bars | trend: what the pack does with it
    group: str = ""
    width: int = WIDTH
    height: int | None = None
    images: dict[str, bytes] = field(default_factory=dict)  # format → bytes, once rendered
    name: str = ""  # the subject's Vietnamese name: the file's name says it (ASCII-safe), not an English id

    @property
    def stem(self) -> str:
        """'BD-TAYSON_dang-vien-hoan-thanh-tot-nhiem-vu-tro-len_2022' ('_bang-...' for a heat-map)."""
        subject = slug(short_name(self.name)).lower() if self.name else self.subject
        return download_name(self.unit, f"bang-{subject}" if self.kind == "heatmap" else subject, self.year)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def png_with_title(data: bytes, title: str, lang: str = "vi") -> bytes:
    """The PNG with an iTXt 'Title' chunk (UTF-8, so the Vietnamese title survives) after IHDR."""
    payload = b"Title\x00\x00\x00" + lang.encode("ascii") + b"\x00\x00" + title.encode("utf-8")
    chunk = struct.pack(">I", len(payload)) + b"iTXt" + payload + struct.pack(
        ">I", zlib.crc32(b"iTXt" + payload) & 0xFFFFFFFF)
    end_of_ihdr = 8 + 8 + 13 + 4
    return data[:end_of_ihdr] + chunk + data[end_of_ihdr:]


def png_text(data: bytes) -> dict[str, str]:
    """iTXt/tEXt keyword → text, for checks."""
    out, pos = {}, 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"iTXt":
            key, rest = body.split(b"\x00", 1)
            _lang, rest = rest[2:].split(b"\x00", 1)
            _translated, text = rest.split(b"\x00", 1)
            out[key.decode("latin-1")] = text.decode("utf-8")
        elif kind == b"tEXt":
            key, text = body.split(b"\x00", 1)
            out[key.decode("latin-1")] = text.decode("latin-1")
        pos += 12 + length
    return out


def svg_with_title(data: bytes, title: str) -> bytes:
    """The SVG with a <title> as its first child (what screen readers and file browsers show)."""
    text = data.decode("utf-8")
    at = text.find(">", text.find("<svg")) + 1
    return (text[:at] + f"<title>{escape(title)}</title>" + text[at:]).encode("utf-8")


def render_chart(chart: Chart, formats: Sequence[str]) -> Chart:
    """Fill chart.images for each format (metadata added)."""
    spec = None
    for fmt in formats:
        if fmt in chart.images:
            continue
        spec = spec or for_export(chart.fig, chart.width, chart.height)  # once for all formats
        data = render_spec(spec, fmt)
        if fmt == "png":
            data = png_with_title(data, chart.title)
        elif fmt == "svg":
            data = svg_with_title(data, chart.title)
        chart.images[fmt] = data
    return chart
