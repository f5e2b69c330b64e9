"""The dashboard's one Chromium, shared by every session (issue 18): renders asked at once from several
threads each get their own image, and a browser that died is started anew on the next request."""

from __future__ import annotations

import threading

import pytest

from monitor.export import charts
from monitor.export.charts import png_size, render_spec, start_browser, stop_browser


@pytest.fixture
def shared() -> object:
    if charts.find_chromium() is None:
        pytest.fail("no system chromium (apt-get install chromium)")
    start_browser()
    yield charts
    stop_browser()


def _spec(width: int) -> dict:
    return {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, width]}],
            "layout": {"width": width, "height": 200}}


def test_renders_at_once_get_their_own_images(shared: object) -> None:
    widths = [300, 340, 380, 420, 460, 500]
    got: dict[int, tuple[int, int]] = {}

    def one(w: int) -> None:
        got[w] = png_size(render_spec(_spec(w), "png", scale=1))

    threads = [threading.Thread(target=one, args=(w,)) for w in widths]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert got == {w: (w, 200) for w in widths}


def test_a_browser_that_died_is_started_anew(shared: object) -> None:
    first = charts._browser
    assert first is not None
    first.failed = RuntimeError("gone")  # as after a crash: the next request must not reuse it
    start_browser()
    assert charts._browser is not first
    assert png_size(render_spec(_spec(320), "png", scale=1)) == (320, 200)
    first.failed = None  # it was alive after all: end its Chromium too
    first.close()
    assert not first.thread.is_alive()
