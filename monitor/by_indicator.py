"""One indicator across units and years: which indicators a page offers, each unit's value and status,
the figures behind them, the targets over the years and the trend's projections.

No Streamlit, no SQL, no plotting: plain DataFrames and strings the pages and exports share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.catalog import Catalog
from core.i18n import (
    DISPUTED_MARK,
    MISSING,
    NO_TARGET,
    fmt_number,
    fmt_value,
    is_missing,
    source_text,
    t,
)
from monitor.disputes import below_note, dispute_sentences, disputed_below
from monitor.labels import indicator_unit, unit_names


def indicator_options(assessed: pd.DataFrame, values: pd.DataFrame, catalog: Catalog, rows: Sequence[str],
                      group: str = "") -> list[str]:
    """Indicators worth a page for these units: those with targets first, in their resolutions' order,
    then headline indicators that have figures, in catalogue order."""
    rows = list(rows)
    first = list(dict.fromkeys(assessed.loc[assessed["unit_code"].isin(rows), "indicator"]))
    targeted = set(first)
    with_values = set(values.loc[values["unit_code"].isin(rows), "indicator"]) if not values.empty else set()
    headline = {i.id for i in catalog.headline_indicators()}
    then = [i for i in catalog.indicators if i in with_values and i in headline and i not in targeted]
    out = first + then
    if group:
        out = [i for i in out if catalog.indicators[i].group == group]
    return out


def indicator_rows(assessed: pd.DataFrame, values: pd.DataFrame, indicator: str, rows: Sequence[str],
                   year: int, units: pd.DataFrame, lang: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per unit for a bar chart: value in `year`, qualifier, status against its own target
    (or no_target), the target and its upper end; whether the value is disputed and (with `catalog`)
    the sentence saying what its source contradicts. A total that includes a contradicted figure of a unit
    below is disputed too, and `summed` says that this is why (its own report contradicts nothing)."""
    label = unit_names(units, lang)
    v = values[(values["indicator"] == indicator) & (values["year"] == year) & (values["period"] == "Y")
               & values["unit_code"].isin(list(rows))] if not values.empty else values
    sums = sums_below(values, indicator, units, label, lang, [year])
    a = assessed[(assessed["indicator"] == indicator) & assessed["unit_code"].isin(list(rows))]
    a = a.set_index("unit_code")
    out = []
    for code in rows:
        hit = v[v["unit_code"] == code] if not v.empty else v
        value = float(hit["value"].iloc[0]) if len(hit) else np.nan
        qualifier = str(hit["qualifier"].iloc[0]) if len(hit) else ""
        first = hit.iloc[0] if len(hit) else None
        source = "" if first is None else source_text(first["source"], first.get("basis"), first.get("n_units"), lang,
                                                              from_units=first.get("from_units", ""))
        disputed = bool(hit["disputed"].iloc[0]) if len(hit) and "disputed" in hit else False
        note = ("; ".join(dispute_sentences(hit["findings"].iloc[0], catalog, lang, value=value,
                                            unit=indicator_unit(catalog, indicator), indicator=indicator))
                if disputed and catalog is not None else "")
        below = sums.get((code, year, "Y", str(hit["org_type"].iloc[0]))) if len(hit) else None
        summed = bool(below) and not disputed
        if below:  # a sum of a contradicted figure of a unit below: marked too, the note says whose
            disputed, note = True, "; ".join(x for x in (note, below) if x)
        if code in a.index:
            r = a.loc[code]
            status = _year_status(r, value, year)
            target, high, comparator = r["target"], r["target_high"], r["comparator"]
        else:
            status, target, high, comparator = NO_TARGET, np.nan, np.nan, ""
        out.append({"unit_code": code, "unit_name": label.get(code, code), "value": value,
                    "qualifier": qualifier, "status": status, "target": target, "target_high": high,
                    "comparator": comparator, "source": source, "disputed": disputed, "summed": summed,
                    "note": note})
    return pd.DataFrame(out, columns=["unit_code", "unit_name", "value", "qualifier", "status", "target",
                                      "target_high", "comparator", "source", "disputed", "summed", "note"])


def value_notes(series: pd.DataFrame, catalog: Catalog, indicator: str, names_of: dict[str, str],
                lang: str) -> list[str]:
    """For a trend chart: "unit (year): what the source contradicts" for each disputed value."""
    if series.empty or "disputed" not in series:
        return []
    unit = indicator_unit(catalog, indicator)
    out = []
    for r in series[series["disputed"].astype(bool)].itertuples(index=False):
        text = "; ".join(dispute_sentences(r.findings, catalog, lang, value=r.value, unit=unit, indicator=indicator))
        out.append(f"{names_of.get(r.unit_code, r.unit_code)} ({int(r.year)}): {text}")
    return out


def trend_marks(series: pd.DataFrame, values: pd.DataFrame, catalog: Catalog, indicator: str,
                units: pd.DataFrame, names_of: dict[str, str], lang: str) -> tuple[pd.DataFrame, list[str]]:
    """For a trend chart (monitor.charts.trend): the series with `summed`, a total that includes a contradicted
    figure of a unit below, and the notes under the chart: value_notes, then "unit (year): gồm 1 số liệu đơn vị
    cấp dưới cần xác minh: Tây Sơn" for each such total. `values` holds the units below (whose figures)."""
    notes = value_notes(series, catalog, indicator, names_of, lang)
    if series.empty:
        return series.assign(summed=pd.Series(dtype=bool)), notes
    sums = sums_below(values, indicator, units, names_of, lang, sorted({int(y) for y in series["year"]}))
    whose = [sums.get((u, int(y), p, o)) for u, y, p, o in zip(series["unit_code"], series["year"], series["period"],
                                                                series["org_type"], strict=True)]
    notes += [f"{names_of.get(u, u)} ({int(y)}): {w}" for u, y, w in zip(series["unit_code"], series["year"], whose,
                                                                         strict=True) if w]
    return series.assign(summed=[bool(w) for w in whose]), notes


def _year_status(r: pd.Series, value: float, year: int) -> str:
    """The assessed status belongs to the as-of year; a unit without a value that year has no data."""
    if is_missing(value):
        return "no_data"
    return str(r["status"])


def values_table(values: pd.DataFrame, indicator: str, rows: Sequence[str], units: pd.DataFrame,
                 catalog: Catalog, lang: str, years: Sequence[int]) -> pd.DataFrame:
    """The figures behind an indicator: unit, year, period, value, how it was obtained, source."""
    v = values[(values["indicator"] == indicator) & values["unit_code"].isin(list(rows))
               & values["year"].isin(list(years))] if not values.empty else values
    label = unit_names(units, lang)
    unit_kind = indicator_unit(catalog, indicator)
    periods = {p: catalog.periods[p].name(lang) for p in catalog.periods}
    v = v.sort_values(["unit_code", "year", "period"])
    sums = sums_below(values, indicator, units, label, lang, years)
    below = [sums.get((u, int(y), p, o), "") for u, y, p, o in zip(v["unit_code"], v["year"], v["period"],
                                                                   v["org_type"], strict=True)]
    disputed = v.get("disputed", pd.Series(False, index=v.index)).fillna(False).astype(bool)
    return pd.DataFrame({
        t("unit", lang): [label.get(c, c) for c in v["unit_code"]],
        t("year", lang): [str(int(y)) for y in v["year"]],
        t("period", lang): [periods.get(p, p) for p in v["period"]],
        # a figure its source contradicts is marked here as in the charts above, and a sum that includes one
        t("value", lang): [fmt_value(x, unit_kind, lang, q) + (f" {DISPUTED_MARK}" if d or b else "")
                           for x, q, d, b in zip(v["value"], v["qualifier"], disputed, below, strict=True)],
        t("numerator", lang): [fmt_number(x, lang) for x in v["num"]],
        t("denominator", lang): [fmt_number(x, lang) for x in v["den"]],
        t("basis", lang): [_basis(b, n, lang, f) + (f"; {w}" if w else "") for b, n, f, w in zip(
            v["basis"], v["n_units"], v.get("from_units", pd.Series([""] * len(v), index=v.index)), below,
            strict=True)],
        t("source", lang): [source_text(x, b, n, lang, from_units=f) for x, b, n, f in zip(
            v["source"], v["basis"], v["n_units"], v.get("from_units", [""] * len(v)), strict=True)],
    })


def sums_below(values: pd.DataFrame, indicator: str, units: pd.DataFrame, label: dict[str, str], lang: str,
                years: Sequence[int]) -> dict[tuple[str, int, str, str], str]:
    """(unit, year, period, org type) → 'gồm 1 số liệu đơn vị cấp dưới cần xác minh: Tây Sơn' for the
    indicator's sums that include a contradicted figure of a unit below them."""
    if values.empty or "n_disputed" not in values:
        return {}
    v = values[(values["indicator"] == indicator) & values["year"].isin(list(years))]
    n = {(r.unit_code, int(r.year), r.period, r.org_type): int(r.n_disputed) for r in v.itertuples(index=False)}
    return {(u, y, p, o): below_note(n[(u, y, p, o)], [label.get(c, c) for c in codes], lang)
            for (u, _, y, p, o), codes in disputed_below(v, units).items()}


def _basis(basis: str, n: object, lang: str, from_units: object = "") -> str:
    if basis == "predecessors":
        return t("basis_predecessors", lang, units=str(from_units or ""))
    if basis == "aggregated":
        return t("basis_aggregated", lang, n=MISSING if is_missing(n) else int(n))
    return t(f"basis_{basis}", lang) if basis in ("counts", "stated") else str(basis)


def target_series(catalog: Catalog, units: pd.DataFrame, codes: Sequence[str], indicator: str,
                  years: Sequence[int], term_id: str | None) -> pd.DataFrame:
    """unit × year → the target that holds that year (revisions applied), for a trend chart."""
    kinds = units.set_index("unit_code")["kind"].to_dict()
    rows = []
    for code in codes:
        for _, target in catalog.targets_for(code, kinds.get(code, ""), term_id):
            if target.indicator != indicator:
                continue
            for y in years:
                value, _doc = target.value_for(y)
                low, high = (value if isinstance(value, tuple) else (value, None))
                rows.append({"unit_code": code, "year": y, "target": float(low),
                             "target_high": np.nan if high is None else float(high)})
            break
    return pd.DataFrame(rows, columns=["unit_code", "year", "target", "target_high"])


def projections(assessed: pd.DataFrame, indicator: str, codes: Sequence[str], term_end: int) -> pd.DataFrame:
    """Dashed lines from the latest value: to the deadline's projection for a deadline target, to the
    trend's next-year value for a yearly one (not beyond the term)."""
    a = assessed[(assessed["indicator"] == indicator) & assessed["unit_code"].isin(list(codes))]
    rows = []
    for r in a.itertuples(index=False):
        if is_missing(r.latest_year) or is_missing(r.latest_value):
            continue
        start = int(r.latest_year)
        if r.frequency == "deadline" and not is_missing(r.deadline) and not is_missing(r.projected):
            end, value = int(r.deadline), float(r.projected)
        elif not is_missing(r.next_year_value) and start + 1 <= term_end:
            end, value = start + 1, float(r.next_year_value)
        else:
            continue
        if end > start:
            rows.append({"unit_code": r.unit_code, "from_year": start, "from_value": float(r.latest_value),
                         "to_year": end, "to_value": value})
    return pd.DataFrame(rows, columns=["unit_code", "from_year", "from_value", "to_year", "to_value"])
