"""The downloads every analysis page offers for its current selection: the meeting pack as one ZIP,
and the Excel workbook and the Word annex alone (lighter: no chart to draw). Files are built when a
button is clicked (a callable for `data`), once per database version and selection (Ctx.memo).

Layout only: what goes in the files is monitor.export.selection's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from monitor import committee
from monitor.charts import heatmap
from monitor.export import docx, xlsx
from monitor.export.charts import png_with_title, render, start_browser
from monitor.export.model import PackData
from monitor.export.selection import (
    DOCX_MIME,
    OFFICE_FORMATS,
    XLSX_MIME,
    ZIP_MIME,
    pack_formats,
    pack_zip,
    part_name,
    selection_data,
    zip_name,
)
from screens._context import Ctx
from screens._escape import esc


def selection(c: Ctx, scope: str, rows: Sequence[str]) -> Callable[[], PackData]:
    """The pack's frames for `scope` and `rows` under the sidebar's filters, gathered on first use."""
    store, term, as_of = c.store, c.term, c.as_of
    assert store is not None and term is not None and as_of is not None

    def data() -> PackData:
        rev = committee.revision(c.db)  # the committee's assessments change apart from the database
        return c.memo("download_data", scope, tuple(rows), rev, compute=lambda: selection_data(
            c.catalog, c.units, c.values(), c.assessed(), scope=scope, rows=rows, term=term, as_of=as_of,
            lang=c.lang, group=c.group, findings=store.findings(c.scope_units(), term.start, term.end),
            committee=committee.current(c.db, c.subtree(scope))))

    return data


def built(c: Ctx, what: str, scope: str, rows: Sequence[str], make: Callable[[], bytes]) -> Callable[[], bytes]:
    """`make` run on the first click, its bytes kept for the next (per database version and selection)."""
    return lambda: c.memo("download", what, scope, tuple(rows), committee.revision(c.db), compute=make)


def warm_browser() -> None:
    """Start the Chromium that draws the charts when a page offers them, and keep it for every session:
    a click then waits for the renders only, not for a browser to start (seconds) each time."""
    if "png" in pack_formats():
        start_browser()  # in the background; a no-op while it runs


def buttons(c: Ctx, scope: str, rows: Sequence[str], *, key: str, kind: str = "") -> None:
    """The pack (ZIP), the workbook and the Word annex of `scope` (a page's unit) for `rows` (`kind`:
    the unit kind that chose them, for the file names)."""
    assert c.as_of is not None
    data = selection(c, scope, rows)
    formats = pack_formats()
    warm_browser()
    names = dict(scope=scope, as_of=c.as_of, kind=kind, group=c.group, org_types=c.org_types)
    where = c.t("download_where", unit=esc(c.unit_label(scope)), year=c.as_of)
    row = st.container(horizontal=True, gap="small", key=f"{key}_downloads")
    row.download_button(
        c.t("download_pack"), data=built(c, f"zip-{','.join(formats)}", scope, rows,
                                         lambda: pack_zip(data(), formats)),
        file_name=zip_name(**names), mime=ZIP_MIME, icon=":material/folder_zip:", on_click="ignore",
        key=f"{key}_pack", type="primary",
        help=c.t("download_pack_help" if formats != OFFICE_FORMATS else "download_pack_help_office", where=where))
    row.download_button(
        c.t("download_xlsx"), data=built(c, "xlsx", scope, rows, lambda: xlsx.workbook_bytes(data())),
        file_name=part_name("so-lieu", **names), mime=XLSX_MIME, icon=":material/table_view:",
        on_click="ignore", key=f"{key}_xlsx", help=c.t("download_xlsx_help", where=where))
    row.download_button(
        c.t("download_annex"), data=built(c, "annex", scope, rows, lambda: docx.annex_bytes(data())),
        file_name=part_name("phu-luc", **names), mime=DOCX_MIME, icon=":material/description:",
        on_click="ignore", key=f"{key}_annex", help=c.t("download_annex_help", where=where))
    if formats == OFFICE_FORMATS:
        st.caption(c.t("download_no_chromium"))


def heatmap_png(c: Ctx, grid: pd.DataFrame, rows: Sequence[str], names: dict[str, str], file_stem: str, *,
                key: str) -> None:
    """A scorecard section as the PNG the exports draw (the Plotly heat-map), when a Chromium can draw it."""
    if "png" not in pack_formats():
        return
    warm_browser()
    title = grid["section_title"].iloc[0] if not grid.empty else ""

    def png() -> bytes:
        fig = heatmap(grid, rows=list(rows), row_names=names, lang=c.lang, title=title)
        return png_with_title(render(fig, "png"), title, c.lang)

    st.download_button(c.t("download_png"), data=built(c, f"png-{file_stem}", file_stem, rows, png),
                       file_name=f"{file_stem}.png", mime="image/png", icon=":material/image:", on_click="ignore",
                       key=key, type="tertiary", help=c.t("download_png_help"))


def draft_button(c: Ctx, unit: str, *, key: str) -> None:
    """The Word draft of the results section for one unit."""
    assert c.as_of is not None
    data = selection(c, unit, [unit])
    st.download_button(
        c.t("download_draft"), data=built(c, "draft", unit, [unit], lambda: docx.draft_bytes(data())),
        file_name=part_name("du-thao", unit, c.as_of, group=c.group, org_types=c.org_types), mime=DOCX_MIME,
        icon=":material/edit_document:", on_click="ignore", key=key)
