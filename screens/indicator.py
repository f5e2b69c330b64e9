"""Chỉ tiêu / Indicator: one indicator across units — sorted bars with the target, trend lines with a
dashed projection, and the figures with their sources."""

from __future__ import annotations

import streamlit as st

from core.i18n import STATUS_CODES
from monitor import by_indicator, labels
from monitor.charts import bars, download_name, trend
from monitor.status_html import marks
from screens import _export
from screens._context import ctx, indicator_options, scope_caption
from screens._escape import esc
from screens._figures import chart, status_legend
from screens._guard import guard, require_data
from screens._widgets import url_select

c = ctx()
st.title(c.t("indicator_title"))
require_data(c)

with guard(c):
    assessed = c.assessed()
    values = c.values()
    options = indicator_options(c)
    notices: list[str] = []
    ind = url_select("ind", options, options[0], label=c.t("indicator"), notices=notices, lang=c.lang,
                     format_func=lambda i: labels.indicator_label(c.catalog, i, c.lang))
    for n in notices:
        st.warning(n, icon="⚠️")
    name = labels.indicator_label(c.catalog, ind, c.lang)
    unit = labels.indicator_unit(c.catalog, ind)
    higher = c.catalog.indicators[ind].higher_is_better
    scope_caption(c)
    _export.buttons(c, c.scope, c.rows, kind=c.kind, key="indicator")

    frame = c.memo("indicator_rows", ind, compute=lambda: by_indicator.indicator_rows(assessed, values, ind, c.rows,
                                                                              c.as_of, c.units, c.lang, c.catalog))
    if frame["value"].notna().any():
        fig = c.memo("indicator_bars", ind, compute=lambda: bars(
            frame, unit=unit, lang=c.lang, title=c.t("bars_title", indicator=name, year=c.as_of),
            higher_is_better=higher))
        chart(fig, download_name(c.scope, ind, c.as_of), key="indicator_bars")
        own, below = marks(frame)  # the legend names each mark for what it is
        status_legend(c, sorted(set(frame["status"]), key=lambda s: list(STATUS_CODES).index(s)
                                if s in STATUS_CODES else 99), disputed=own, below=below)
    else:
        st.info(c.t("no_data", what=f"{esc(name)}, {c.as_of}"))

    st.subheader(c.t("trend_title"))
    years = [y for y in c.years if y <= c.as_of]
    series = c.memo("indicator_series", ind, compute=lambda: values[
        (values["indicator"] == ind) & values["unit_code"].isin(c.rows) & (values["period"] == "Y")
        & values["year"].isin(years)])
    with_data = [r for r in c.rows if r in set(series["unit_code"])]
    if not with_data:
        st.info(c.t("no_indicator_data"))
    else:
        names = c.names()
        picked = st.multiselect(c.t("trend_units"), with_data, default=with_data[:6], key="indicator_trend_units",
                                format_func=lambda code: names.get(code, code), select_all=False)

        def trend_figure() -> object:
            order = {code: i for i, code in enumerate(picked)}
            s = (series[series["unit_code"].isin(picked)]
                 .assign(unit_name=lambda d: d["unit_code"].map(names), _o=lambda d: d["unit_code"].map(order))
                 .sort_values(["_o", "year"]))
            targets = by_indicator.target_series(c.catalog, c.units, picked, ind, c.years, c.term.id)
            proj = by_indicator.projections(assessed, ind, picked, c.term.end)
            # a total that includes a contradicted figure of a unit below: marked, whose figure said under the chart
            s, notes = by_indicator.trend_marks(s, values, c.catalog, ind, c.units, names, c.lang)
            return trend(s, unit=unit, years=c.years, lang=c.lang, title=name, targets=targets, projections=proj,
                         notes=notes)

        fig = c.memo("indicator_trend", ind, tuple(picked), compute=trend_figure)
        chart(fig, download_name(c.scope, ind, f"{c.term.start}-{c.as_of}"), key="indicator_trend")

    st.subheader(c.t("values_table"))
    table = c.memo("indicator_table", ind, compute=lambda: by_indicator.values_table(values, ind, c.rows, c.units,
                                                                             c.catalog, c.lang, years))
    if table.empty:
        st.info(c.t("no_indicator_data"))
    else:
        st.dataframe(table, hide_index=True)
