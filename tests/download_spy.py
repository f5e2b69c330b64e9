"""The files a page's download buttons would serve, built as a click builds them.

st.download_button with a callable for `data` hands the callable to the MediaFileManager
(add_deferred), which runs it on a click. The spy keeps each callable by its file name, so a test
sees the exact name and the exact bytes the button serves.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from monitor.export.charts import find_chromium


def spy_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """file name → the button's callable, for every deferred download registered from now on."""
    seen: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self: MediaFileManager, data_callable: Callable[[], bytes], mimetype: str | None,
                     coordinates: str, file_name: str | None = None, *, element_id: str = "") -> str:
        seen[str(file_name)] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def zip_members(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return sorted(z.namelist())


def require_chromium() -> None:
    """Skip without a browser, except under CI=true, where charts must be tested."""
    if find_chromium() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no system chromium: the pack's charts must be tested in CI", pytrace=False)
        pytest.skip("no system chromium (apt-get install chromium)")


def without_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """As on a server without Chromium: find_chromium() finds none."""
    monkeypatch.setenv("MONITOR_CHROMIUM", str(tmp_path) + "/no-browser")
