"""Which charts a pack holds, built with the dashboard's own figure builders (monitor.charts) from the
dashboard's own tables (monitor.overview, monitor.by_indicator), so the meeting pack shows what the screen shows.

- Several units (a province's districts and blocs): per indicator group, the status heat-map
  (units × targets, value and status in each cell) for the group's slide; per target indicator, the
  sorted bars across units with the target line (chart files).
- One unit (a district's own pack): per target, its trend over the term with the target and the
  dashed projection; a group's slide shows its targets' trends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd

from core.catalog import Catalog, Term
from monitor import by_indicator, labels, overview
from monitor import charts as dash
from monitor.export.charts import HEIGHT, Chart
from monitor.export.text import tx

TREND_WIDTH, TREND_HEIGHT = 700, 480  # two to a slide


def heatmap_chart(assessed: pd.DataFrame, catalog: Catalog, units: pd.DataFrame, rows: Sequence[str],
                  group: str, year: int, scope: str, lang: str = "vi") -> Chart | None:
    grid = overview.status_grid(assessed, catalog, units, rows, lang, group)
    if grid.empty:
        return None
    group_name = catalog.groups[group].name(lang)
    title = tx("chart_heatmap", lang, group=group_name, year=year)
    fig = dash.heatmap(grid, rows=list(rows), row_names=labels.unit_names(units, lang), lang=lang, title=title)
    return Chart(fig, scope, group, year, title, kind="heatmap", group=group, height=int(fig.layout.height or HEIGHT),
                 name=catalog.groups[group].name("vi"))


def bars_chart(assessed: pd.DataFrame, values: pd.DataFrame, catalog: Catalog, units: pd.DataFrame,
               rows: Sequence[str], indicator: str, year: int, scope: str, lang: str = "vi") -> Chart | None:
    frame = by_indicator.indicator_rows(assessed, values, indicator, rows, year, units, lang, catalog)
    if frame.empty or frame["value"].isna().all():
        return None
    ind = catalog.indicators[indicator]
    title = tx("chart_bars", lang, indicator=ind.name(lang), year=year)
    fig = dash.bars(frame, unit=ind.unit, lang=lang, title=title, higher_is_better=ind.higher_is_better)
    return Chart(fig, scope, indicator, year, title, kind="bars", group=ind.group,
                 height=int(fig.layout.height or HEIGHT), name=ind.name("vi"))


def trend_chart(assessed: pd.DataFrame, values: pd.DataFrame, catalog: Catalog, units: pd.DataFrame,
                unit: str, indicator: str, term: Term, year: int, lang: str = "vi") -> Chart | None:
    v = values[(values["unit_code"] == unit) & (values["indicator"] == indicator) & (values["period"] == "Y")
               & values["year"].between(term.start, year)] if not values.empty else values
    if v.empty:
        return None
    label = labels.unit_names(units, lang)
    # a total that includes a contradicted figure of a unit below: its point marked, whose figure said below
    series, notes = by_indicator.trend_marks(v.assign(unit_name=label.get(unit, unit)), values, catalog, indicator,
                                             units, label, lang)
    years = list(term.years)
    ind = catalog.indicators[indicator]
    title = tx("chart_trend", lang, indicator=ind.name(lang), start=term.start, end=year)
    fig = dash.trend(series, unit=ind.unit, years=years, lang=lang, title=title,
                     targets=by_indicator.target_series(catalog, units, [unit], indicator, years, term.id),
                     projections=by_indicator.projections(assessed, indicator, [unit], term.end),
                     notes=notes)
    return Chart(fig, unit, indicator, year, title, kind="trend", group=ind.group, width=TREND_WIDTH,
                 height=TREND_HEIGHT, name=ind.name("vi"))


def _targeted(assessed: pd.DataFrame, catalog: Catalog, rows: Sequence[str]) -> list[str]:
    have = set(assessed.loc[assessed["unit_code"].isin(list(rows)), "indicator"])
    return [i for i in catalog.indicators if i in have]


def iter_pack_charts(assessed: pd.DataFrame, values: pd.DataFrame, catalog: Catalog, units: pd.DataFrame,
                     scope: str, rows: Sequence[str], year: int, term: Term, lang: str = "vi") -> Iterator[Chart]:
    """Every chart of a pack for `rows` (the units compared) under `scope`, as of `year`, one at a time
    (the pack renders each while it builds the next)."""
    if len(rows) > 1:
        mine = assessed[assessed["unit_code"].isin(list(rows))]
        for group in catalog.groups:
            if (mine["group"] == group).any() and (c := heatmap_chart(assessed, catalog, units, rows, group, year,
                                                                      scope, lang)):
                yield c
        # the bars read one year's whole-year values: cut the frame once, not once per indicator
        v = values[(values["period"] == "Y") & (values["year"] == year) & values["unit_code"].isin(list(rows))]
        for indicator in _targeted(assessed, catalog, rows):
            if c := bars_chart(assessed, v, catalog, units, rows, indicator, year, scope, lang):
                yield c
    elif rows:
        unit = rows[0]
        mine = assessed[assessed["unit_code"] == unit]
        for indicator in dict.fromkeys(mine["indicator"]):
            if c := trend_chart(assessed, values, catalog, units, unit, indicator, term, year, lang):
                yield c
