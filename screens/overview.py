"""Tổng quan / Overview: the scorecard heat-map (units × targets), headline counts, the as-of year."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.i18n import STATUS_CODES, status_label
from monitor import overview
from monitor.charts import download_name
from monitor.status_html import heatmap_html
from screens import _export
from screens._context import ctx, scope_caption
from screens._figures import headline
from screens._guard import guard, require_data
from screens._scorecard_table import scorecard

c = ctx()
st.title(c.t("overview_title"))
require_data(c)

with guard(c):
    scope_caption(c)

    # a province's own targets are its own row, above its districts and blocs
    rows = c.memo("overview_rows", compute=lambda: overview.overview_rows(c.assessed(), c.scope, c.rows, c.kind))

    def shown_targets() -> pd.DataFrame:
        a = c.assessed()
        a = a[a["unit_code"].isin(rows)]
        return a[a["group"] == c.group] if c.group else a

    shown = c.memo("overview_shown", compute=shown_targets)
    if shown.empty:
        st.info(c.t("no_targets"))
        st.stop()
    _export.buttons(c, c.scope, c.rows, kind=c.kind, key="overview")
    counts = overview.headline_counts(shown)
    shown_codes = overview.headline_codes(counts)
    headline(c, counts, shown_codes)
    others = [f"{status_label(s, c.lang)}: {counts[s]}" for s in STATUS_CODES
              if s not in shown_codes and counts[s]]
    st.caption(c.t("headline_of", total=sum(counts.values())) + (" · " + " · ".join(others) if others else ""))
    st.markdown(c.t("overview_intro", year=c.as_of))
    grid = c.memo("overview_grid", compute=lambda: overview.status_grid(shown, c.catalog, c.units, rows, c.lang,
                                                                         c.group))
    names = c.names()
    older = overview.cell_years(grid, c.as_of, names, c.lang)
    if older:
        st.caption(older)

    def sections() -> list[tuple[str, str, list[str], str]]:
        out = []
        for section, part in grid.groupby("section", sort=False):
            mine = [r for r in rows if r in set(part["unit_code"])]
            out.append((section, part["section_title"].iloc[0], mine,
                        heatmap_html(part, rows=mine, row_names=names, lang=c.lang,
                                     label=c.t("heatmap_alt"))))
        # in the rows' order: the scope's own section (its own targets) first
        return sorted(out, key=lambda s: min(rows.index(r) for r in s[2]) if s[2] else len(rows))

    for i, (section, title, sec_rows, table) in enumerate(c.memo("overview_sections", compute=sections)):
        st.subheader(title, divider="gray")
        picked = scorecard(table, key=f"overview_heatmap_{i}")
        if picked in set(sec_rows):
            st.switch_page("screens/unit.py", query_params=c.url(focus=picked))
        _export.heatmap_png(c, grid[grid["section"] == section], sec_rows, names,
                            download_name(c.scope, section, c.as_of), key=f"overview_png_{i}")

    left, right = st.columns([3, 1], vertical_alignment="bottom")
    target_unit = left.selectbox(c.t("open_unit"), [r for r in rows if r in set(grid["unit_code"])],
                                 format_func=lambda code: names.get(code, code), key="overview_open")
    right.page_link("screens/unit.py", label=c.t("open_unit"), icon=":material/arrow_forward:",
                    query_params=c.url(focus=target_unit))
    # Drawn only when opened: a table in a closed box still costs the browser its grid's code and the
    # first visit its time to the first chart.
    with st.expander(c.t("as_table"), key="overview_table", on_change="rerun") as box:
        if box.open:
            table = c.memo("overview_table", compute=lambda: grid.pivot_table(
                index="unit_name", columns="column_full", values="cell", aggfunc="first", sort=False,
            ).fillna("").reset_index().rename(columns={"unit_name": c.t("unit")}))  # no target there: blank
            st.dataframe(table, hide_index=True)
