"""Which unit did she click in the overview's scorecard: the table (monitor.status_html) as HTML in the page, not
an iframe, mounted as a Streamlit component; a click on a unit's name or one of its cells comes back as the
trigger value `picked` (the unit's code). Its style and script are the files beside this one."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_HERE = Path(__file__).resolve().parent
_scorecard = st.components.v2.component("monitor.scorecard",
                                        css=(_HERE / "_scorecard_table.css").read_text(encoding="utf-8"),
                                        js=(_HERE / "_scorecard_table.js").read_text(encoding="utf-8"))


def scorecard(table_html: str, *, key: str) -> str | None:
    """The scorecard table; the code of the unit clicked in this run, else None."""
    return _scorecard(data=table_html, key=key, on_picked_change=lambda: None).get("picked")
