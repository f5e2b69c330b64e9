"""So sánh / Compare: rank units on an indicator within their cohort (one unit kind, one target), set
two to five chosen units side by side against their targets, and two indicators against each other.
Every figure is written on the chart or listed beside it: nothing needs hovering."""

from __future__ import annotations

import streamlit as st

from monitor import by_indicator, comparison, labels
from monitor.charts import download_name, scatter, small_multiples
from screens import _export
from screens._context import ctx, indicator_options, scope_caption
from screens._escape import esc
from screens._figures import chart
from screens._guard import guard, require_data
from screens._widgets import url_select

c = ctx()
st.title(c.t("compare_title"))
require_data(c)

with guard(c):
    assessed = c.assessed()
    values = c.values()
    options = indicator_options(c)
    scope_caption(c)
    _export.buttons(c, c.scope, c.rows, kind=c.kind, key="compare")
    notices: list[str] = []

    def label(i: str) -> str:
        return labels.indicator_label(c.catalog, i, c.lang)

    first = c.memo("compare_defaults", compute=lambda: comparison.varied_first(values, options, c.rows, c.as_of))
    varied = c.memo("compare_varied", compute=lambda: comparison.varied_first(values, options, c.rows, c.as_of,
                                                                        only_varied=True))
    rank_by = url_select("rank", options, first[0], label=c.t("rank_by"), notices=notices, lang=c.lang,
                         format_func=label)
    table = c.memo("compare_ranking", rank_by, compute=lambda: comparison.ranking(assessed, values, rank_by, c.rows,
                                                                             c.as_of, c.units, c.catalog, c.lang))
    st.subheader(c.t("ranking_title", indicator=label(rank_by), year=c.as_of))
    st.caption(c.t("ranking_cohorts"))
    for cohort, part in table.groupby("cohort", sort=False):
        st.markdown(f"**{esc(c.t('cohort_units', cohort=cohort, n=len(part)))}**")
        st.dataframe(part.drop(columns=["unit_code", "cohort"]), hide_index=True)

    # two to five chosen units, one small panel each: their trend against their own target
    st.subheader(c.t("chosen_title"))
    names = c.names()
    chosen = url_select("units", list(c.rows), list(c.rows)[:3], label=c.t("chosen_units"),
                        widget="multiselect", notices=notices, lang=c.lang, help=c.t("chosen_help"),
                        format_func=lambda u: names.get(u, u), placeholder=c.t("chosen_units"),
                        max_selections=5)
    if len(chosen) < 2:
        st.info(c.t("chosen_few"))
    else:
        years = [y for y in c.years if y <= c.as_of]

        def chosen_figure() -> object:
            series = comparison.compare_series(values, rank_by, chosen, years)
            # a total that includes a contradicted figure of a unit below: marked ⚑ like a contradicted one, and
            # the note under the panels says which point and why
            series, notes = by_indicator.trend_marks(series, values, c.catalog, rank_by, c.units, names, c.lang)
            targets = by_indicator.target_series(c.catalog, c.units, chosen, rank_by, years, c.term.id)
            return small_multiples(series, unit=labels.indicator_unit(c.catalog, rank_by), years=years,
                                   names={u: names.get(u, u) for u in chosen}, lang=c.lang,
                                   title=c.t("chosen_chart_title", indicator=label(rank_by)), targets=targets,
                                   notes=notes)

        fig = c.memo("compare_chosen", rank_by, tuple(chosen), compute=chosen_figure)
        chart(fig, download_name(c.scope, f"{rank_by}_{'-'.join(chosen)}", c.as_of), key="compare_chosen")

    st.subheader(c.t("scatter_title", year=c.as_of))
    left, right = st.columns(2)
    # the default axes are indicators whose values differ between the units (never a column of 100%)
    x_default = (varied or first)[0]
    x = url_select("x", options, x_default, label=c.t("x_indicator"), where=left, notices=notices,
                   lang=c.lang, format_func=label)
    pool = [i for i in varied if i != x] or [i for i in first if i != x] or [x]
    other = next((i for i in pool if c.catalog.indicators[i].group != c.catalog.indicators[x].group), pool[0])
    y = url_select("y", options, other, label=c.t("y_indicator"),
                   where=right, notices=notices, lang=c.lang, format_func=label)
    for n in notices:
        st.warning(n, icon="⚠️")
    frame = c.memo("compare_scatter_frame", x, y, compute=lambda: comparison.scatter_frame(
        values, x, y, c.rows, c.as_of, c.units, c.lang, c.catalog))

    def scatter_figure() -> object:
        kinds = {k: v.name(c.lang) for k, v in c.catalog.unit_kinds.items()}
        return scatter(frame, x_name=label(x), y_name=label(y), x_unit=labels.indicator_unit(c.catalog, x),
                       y_unit=labels.indicator_unit(c.catalog, y), lang=c.lang, kind_names=kinds)

    fig = c.memo("compare_scatter", x, y, compute=scatter_figure)
    chart(fig, download_name(c.scope, f"{x}_vs_{y}", c.as_of), key="compare_scatter")
    if len(frame) > 8:  # numbered on the chart: the numbers' units and values, listed
        st.markdown(f"**{c.t('scatter_points')}**")
        st.dataframe(comparison.scatter_listing(frame, label(x), label(y), labels.indicator_unit(c.catalog, x),
                                           labels.indicator_unit(c.catalog, y), c.lang), hide_index=True)
