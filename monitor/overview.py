"""The overview: how the units stand on their targets. The headline's counts by status, and the status
grid (one row per unit × target: the cell's text, its hover, its section) that monitor.status_html
lays out as a table and monitor.charts as a heat-map.

No Streamlit, no SQL, no plotting: plain DataFrames and strings the pages and exports share.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.catalog import BOUNDS, Catalog, default_catalog
from core.i18n import (
    DISPUTED_MARK,
    HEADLINE_STATUSES,
    MISSING,
    STATUS_CODES,
    fmt_number,
    fmt_target,
    fmt_value,
    is_missing,
    status_label,
    status_style,
    t,
)
from monitor.disputes import dispute_note, flagged
from monitor.labels import indicator_label, indicator_unit, unit_names


def headline_counts(assessed: pd.DataFrame) -> dict[str, int]:
    """How many unit × target pairs are in each status (every status code, zeros included)."""
    counts = assessed["status"].value_counts() if not assessed.empty else pd.Series(dtype=int)
    return {code: int(counts.get(code, 0)) for code in STATUS_CODES}


def headline_codes(counts: dict[str, int]) -> list[str]:
    """The headline's statuses: those always shown (indicators.yaml), and the others when any target has
    them (six boxes at 1280 px cut their names)."""
    always = default_catalog().always_shown
    return [s for s in HEADLINE_STATUSES if s in always or counts.get(s)]


def headline_rows(n: int) -> list[int]:
    """How many of the headline's n boxes go on each row: at most four on one (wider, a status's name is cut
    at 1280 px), else two rows, the first the longer."""
    if n <= 4:
        return [n]
    return [n - n // 2, n // 2]


def status_grid(assessed: pd.DataFrame, catalog: Catalog, units: pd.DataFrame, rows: Sequence[str],
                   lang: str, group: str = "") -> pd.DataFrame:
    """One row per unit × target for the heat-maps: status, cell text, hover text, and the section.

    A section is the set of resolutions binding a unit (the districts under one action programme, the
    blocs under their congress resolution): each section is one heat-map whose columns are its targets
    in the resolution's order, so no unit shows a column that is not its own.
    """
    cols = ["section", "section_title", "unit_code", "unit_name", "indicator", "column", "column_full", "status",
            "cell", "hover", "target_id", "order", "disputed", "summed", "year"]
    a = assessed[assessed["unit_code"].isin(list(rows))]
    if group:
        a = a[a["group"] == group]
    if a.empty:
        return pd.DataFrame(columns=cols)
    sections = a.groupby("unit_code", sort=False)["resolution_id"].agg(lambda s: "+".join(dict.fromkeys(s)))
    order = {ind: i for i, ind in enumerate(dict.fromkeys(a["indicator"]))}
    label = unit_names(units, lang)
    out = []
    for r in a.itertuples(index=False):
        unit = indicator_unit(catalog, r.indicator)
        value = fmt_value(r.latest_value, unit, lang, r.latest_qualifier)
        style = status_style(r.status)
        disputed = flagged(r)  # its own figure contradicted, or a sum of one of a unit below
        # a contradicted figure whose verdict stands is marked; one to verify has its own symbol
        mark = f" {DISPUTED_MARK}" if disputed and r.status != "to_verify" else ""
        cell = (style["symbol"] if is_missing(r.latest_value)
                else f"{_cell_number(r.latest_value, unit, lang, r.latest_qualifier)} {style['symbol']}{mark}")
        note = dispute_note(r, catalog, lang)
        target = fmt_target(r.comparator, r.target, r.target_high, unit, lang)
        if r.frequency == "deadline" and not is_missing(r.deadline):
            target += f" ({t('by_year', lang, year=int(r.deadline))})"
        hover = "<br>".join([
            f"<b>{label.get(r.unit_code, r.unit_code)}</b>",
            indicator_label(catalog, r.indicator, lang),
            f"{t('target', lang)}: {target}",
            f"{t('value', lang)} ({_year(r.latest_year)}): {value}",
            f"{t('status', lang)}: {status_label(r.status, lang)}",
            *([f"{DISPUTED_MARK if r.status != 'to_verify' else style['symbol']} {note}"] if note else []),
            *([t("predecessor_marker", lang)] if getattr(r, "latest_basis", "") == "predecessors" else []),
        ])
        section = sections[r.unit_code]
        titles = [catalog.resolutions[x] for x in section.split("+") if x in catalog.resolutions]
        out.append({"section": section,
                    "section_title": "; ".join(f"{res.number} — {res.title(lang)}" for res in titles),
                    "unit_code": r.unit_code, "unit_name": label.get(r.unit_code, r.unit_code),
                    "indicator": r.indicator, "column": indicator_label(catalog, r.indicator, lang, short=True),
                    "column_full": indicator_label(catalog, r.indicator, lang), "status": r.status,
                    "cell": cell, "hover": hover, "target_id": r.target_id, "order": order[r.indicator],
                    "disputed": disputed, "summed": disputed and not bool(r.disputed),  # a total's mark
                    "year": None if is_missing(r.latest_year) else int(r.latest_year)})
    return pd.DataFrame(out, columns=cols)


def overview_rows(assessed: pd.DataFrame, scope: str | None, rows: Sequence[str], kind: str = "") -> list[str]:
    """The overview's units: a scope bound by targets of its own (a province under the provincial
    resolution) is its own row, above the units under it; a kind filter shows that kind only."""
    rows = list(rows)
    if kind or scope is None or scope in rows or not (assessed["unit_code"] == scope).any():
        return rows
    return [scope, *rows]


def cell_years(grid: pd.DataFrame, as_of: int, names_of: dict[str, str], lang: str) -> str:
    """The caption's sentence naming the cells that show another year than `as_of` (a unit's latest
    figure is older): "Tây Sơn: 2022, 2023". '' when every cell is of `as_of`."""
    if grid.empty or "year" not in grid:
        return ""
    older = grid[grid["year"].notna() & (grid["year"] != as_of)]
    if older.empty:
        return ""
    parts = []
    for code, g in older.groupby("unit_code", sort=False):
        years = sorted({int(y) for y in g["year"]})
        parts.append(f"{names_of.get(code, code)}: {', '.join(str(y) for y in years)}")
    return t("cell_year_note", lang, year=as_of, cells="; ".join(parts))


def _cell_number(x: object, unit: str, lang: str, qualifier: str | None) -> str:
    """A compact cell: '96,6' (percent without the sign), '>90' for a bound, '—' when missing."""
    if is_missing(x):
        return MISSING
    bound = qualifier in BOUNDS
    decimals = (0 if bound and float(x).is_integer() else 2 if abs(float(x)) < 10 else 1) if unit == "percent" else 0
    text = fmt_number(x, lang, decimals)
    return f"{qualifier}{text}" if bound else text


def _year(y: object) -> str:
    return MISSING if is_missing(y) else str(int(y))
