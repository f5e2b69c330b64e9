"""So sánh / Compare: rank units on an indicator (filtered by unit kind and organisation type in the
sidebar) and set two indicators against each other."""

from __future__ import annotations

import streamlit as st

from monitor import views
from monitor.charts import download_name, scatter
from screens import _export, _ui

c = _ui.ctx()
st.title(c.t("compare_title"))
_ui.require_data(c)

with _ui.guard(c):
    assessed = c.assessed()
    values = c.values()
    options = _ui.indicator_options(c)
    _ui.scope_caption(c)
    _export.buttons(c, c.scope, c.rows, kind=c.kind, key="compare")
    notices: list[str] = []

    def label(i: str) -> str:
        return views.indicator_label(c.catalog, i, c.lang)

    first = c.memo("compare_defaults", compute=lambda: views.varied_first(values, options, c.rows, c.as_of))
    rank_by = _ui.url_select("rank", options, first[0], label=c.t("rank_by"), notices=notices, lang=c.lang,
                             format_func=label)
    table = c.memo("compare_ranking", rank_by, compute=lambda: views.ranking(assessed, values, rank_by, c.rows,
                                                                             c.as_of, c.units, c.catalog, c.lang))
    st.dataframe(table.drop(columns=["unit_code"]), hide_index=True)

    st.subheader(c.t("scatter_title", year=c.as_of))
    left, right = st.columns(2)
    x = _ui.url_select("x", options, first[0], label=c.t("x_indicator"), where=left, notices=notices,
                       lang=c.lang, format_func=label)
    other = next((i for i in first if c.catalog.indicators[i].group != c.catalog.indicators[x].group),
                 next((i for i in first if i != x), x))
    y = _ui.url_select("y", options, other, label=c.t("y_indicator"),
                       where=right, notices=notices, lang=c.lang, format_func=label)
    for n in notices:
        st.warning(n, icon="⚠️")
    def scatter_figure() -> object:
        frame = views.scatter_frame(values, x, y, c.rows, c.as_of, c.units, c.lang, c.catalog)
        kinds = {k: v.name(c.lang) for k, v in c.catalog.unit_kinds.items()}
        return scatter(frame, x_name=label(x), y_name=label(y), x_unit=views.indicator_unit(c.catalog, x),
                       y_unit=views.indicator_unit(c.catalog, y), lang=c.lang, kind_names=kinds)

    fig = c.memo("compare_scatter", x, y, compute=scatter_figure)
    _ui.chart(fig, download_name(c.scope, f"{x}_vs_{y}", c.as_of), key="compare_scatter")
