"""What each dashboard page shows, as plain DataFrames: no Streamlit, no SQL, no plotting.

The pages ask these functions for their tables and hand them to monitor.charts or st.dataframe; the
exports can ask the same functions, so the meeting pack says what the screen says.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.catalog import Catalog
from core.i18n import (
    DISPUTED_MARK,
    HEADLINE_STATUSES,
    MISSING,
    NO_TARGET,
    STATUS_CODES,
    finding_detail,
    finding_rule_name,
    fmt_change,
    fmt_number,
    fmt_target,
    fmt_value,
    is_missing,
    measure_name,
    short_name,
    source_text,
    status_label,
    status_style,
    t,
    unit_name,
)

# -- the unit tree ----------------------------------------------------------------------------------

def children(units: pd.DataFrame, code: str) -> list[str]:
    return sorted(units.loc[units["parent_code"] == code, "unit_code"])


def subtree(units: pd.DataFrame, code: str) -> list[str]:
    """The unit and everything below it, parents before children."""
    by_parent = units.groupby("parent_code")["unit_code"].apply(sorted).to_dict()
    out, stack = [], [code]
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(reversed(by_parent.get(c, [])))
    return out


def tree_order(units: pd.DataFrame) -> list[tuple[str, int]]:
    """Every unit with its depth, roots first, each followed by its children (a select list)."""
    codes = set(units["unit_code"])
    roots = sorted(units.loc[~units["parent_code"].isin(codes), "unit_code"])
    by_parent = units.groupby("parent_code")["unit_code"].apply(sorted).to_dict()
    out: list[tuple[str, int]] = []
    stack = [(r, 0) for r in reversed(roots)]
    while stack:
        c, depth = stack.pop()
        out.append((c, depth))
        stack.extend((k, depth + 1) for k in reversed(by_parent.get(c, [])))
    return out


def default_scope(units: pd.DataFrame, busiest_parent: str | None) -> str | None:
    """The unit a committee most likely wants first: the one whose units below report the most
    figures (a province over its districts and blocs); else the first root."""
    if units.empty:
        return None
    if busiest_parent is not None and busiest_parent in set(units["unit_code"]):
        return busiest_parent
    return tree_order(units)[0][0]


def row_units(units: pd.DataFrame, scope: str | None, kind: str = "") -> list[str]:
    """The units a page compares: the scope's direct children, or with a kind every unit of that
    kind below the scope; a unit with nothing below it is its own only row."""
    if scope is None or scope not in set(units["unit_code"]):
        return []
    if kind:
        below = subtree(units, scope)
        kinds = units.set_index("unit_code")["kind"]
        return [c for c in below if kinds.get(c) == kind]
    kids = children(units, scope)
    return kids or [scope]


# -- headline figures -------------------------------------------------------------------------------

def headline_counts(assessed: pd.DataFrame) -> dict[str, int]:
    """How many unit × target pairs are in each status (every status code, zeros included)."""
    counts = assessed["status"].value_counts() if not assessed.empty else pd.Series(dtype=int)
    return {code: int(counts.get(code, 0)) for code in STATUS_CODES}


def headline_codes(counts: dict[str, int]) -> list[str]:
    """The headline's statuses: the four always shown, and "met in the latest year" and "figures to
    verify" when any target has them (six boxes at 1280 px cut their names)."""
    return [s for s in HEADLINE_STATUSES if s in ("achieved", "on_track", "accelerate", "off_track") or counts.get(s)]


def headline_rows(n: int) -> list[int]:
    """How many of the headline's n boxes go on each row: at most four on one (wider, a status's name is cut
    at 1280 px), else two rows, the first the longer."""
    if n <= 4:
        return [n]
    return [n - n // 2, n // 2]


def indicator_label(catalog: Catalog, indicator: str, lang: str, short: bool = False) -> str:
    ind = catalog.indicators.get(indicator)
    name = ind.name(lang) if ind is not None else indicator
    return short_name(name) if short else name[:1].upper() + name[1:]


def indicator_unit(catalog: Catalog, indicator: str) -> str:
    ind = catalog.indicators.get(indicator)
    return ind.unit if ind is not None else "percent"


def names(units: pd.DataFrame, lang: str) -> dict[str, str]:
    return {r.unit_code: unit_name(r, lang) for r in units.itertuples(index=False)}


# -- disputed figures: what the report contradicts, in words -----------------------------------------

def _figure_name(catalog: Catalog, code: str, lang: str) -> str:
    name = measure_name(catalog, code, lang)
    return name[:1].lower() + name[1:]


def dispute_sentences(findings: Sequence[dict], catalog: Catalog, lang: str, *, value: object = None,
                      unit: str = "percent", indicator: str = "") -> list[str]:
    """The contradictions behind a disputed value in the report's own figures, in one sentence
    ("325 … / 323 …; …: số liệu báo cáo không khớp"), and a rate over 100% said as such. A part over its
    whole reads as a fraction only for the `indicator` whose numerator it is; for the others sharing the
    whole it reads as what it is, a part larger than the whole."""
    own = catalog.indicators[indicator].numerator if indicator in catalog.indicators else None
    out: list[str] = []
    rank = {"part_exceeds_whole": 0, "stated_rate": 1, "stated_bound": 2, "balance": 3}
    for f in sorted(findings or (), key=lambda f: rank.get(f.get("rule", ""), 9)):
        rule, measure = f.get("rule", ""), f.get("measure", "")
        stated, computed = f.get("stated"), f.get("computed")
        if rule == "part_exceeds_whole":
            m = catalog.measures.get(measure)
            whole = m.whole if m is not None and m.whole else ""
            key = "dispute_part_exceeds_whole" if own is None or measure in own else "dispute_part_over_whole"
            text = t(key, lang, part=fmt_number(computed, lang),
                     part_name=_figure_name(catalog, measure, lang), whole=fmt_number(stated, lang),
                     whole_name=_figure_name(catalog, whole, lang) if whole else "")
        elif rule == "balance":
            text = t("dispute_balance", lang, whole_name=_figure_name(catalog, measure, lang),
                     whole=fmt_number(stated, lang), parts=fmt_number(computed, lang))
        elif rule in ("stated_rate", "stated_bound"):
            ind = catalog.indicators.get(measure)
            kind = ind.unit if ind is not None else "percent"
            num, den = [*str(f.get("detail", "")).split(" / "), "", ""][:2]
            if rule == "stated_rate":
                stated_text = fmt_number(stated, lang) + ("%" if kind == "percent" else "")  # as written: 31%
                text = t("dispute_stated_rate", lang, stated=stated_text,
                         computed=fmt_value(computed, kind, lang), num=_vi_count(num, lang),
                         den=_vi_count(den, lang))
            else:
                qual = str(f.get("qualifier", ""))
                text = t("dispute_stated_bound", lang, computed=fmt_value(computed, kind, lang),
                         stated=fmt_value(stated, kind, lang, qual if qual in "<>" else ""))
        else:
            text = t("dispute_other", lang, rule=finding_rule_name(rule, lang))
        if text not in out:
            out.append(text)
    out = [t("dispute_end", lang, clauses="; ".join(out))] if out else []
    if unit == "percent" and not is_missing(value) and float(value) > 100 + 1e-9:
        out.append(t("dispute_over_100", lang))
    return out


def _vi_count(text: str, lang: str) -> str:
    """A count from a finding's detail ('18', '4313') the reader's way."""
    try:
        return fmt_number(float(text.strip()), lang)
    except ValueError:
        return text.strip()


def dispute_note(r: object, catalog: Catalog, lang: str) -> str:
    """For an assessment row (assess() columns) whose latest figure is disputed: what the report
    contradicts, and whether its readings agree on the verdict. '' when undisputed."""
    get = r.get if hasattr(r, "get") else lambda k, d=None: getattr(r, k, d)
    if not bool(get("disputed", False)):
        n = get("n_disputed", 0)
        return t("disputed_inputs", lang, n=int(n)) if not is_missing(n) and int(n) > 0 else ""
    unit = indicator_unit(catalog, str(get("indicator")))
    parts = dispute_sentences(get("findings", ()) or (), catalog, lang, value=get("latest_value"), unit=unit,
                              indicator=str(get("indicator")))
    readings = [fmt_value(v, unit, lang, q or "")
                for v, q in [(get("latest_value"), get("latest_qualifier")), *(get("readings", ()) or ())]
                if not is_missing(v)]  # a reading the source does not give is no reading
    readings = list(dict.fromkeys(readings))
    over = unit == "percent" and not is_missing(get("latest_value")) and float(get("latest_value")) > 100 + 1e-9
    if len(readings) > 1 and not over:  # over 100%: no reading to list, the sentence says why
        key = "dispute_readings_split" if get("status") == "to_verify" else "dispute_readings_agree"
        parts.append(t(key, lang, readings="; ".join(readings)))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


# -- Overview: the scorecard grid -------------------------------------------------------------------

def scorecard_grid(assessed: pd.DataFrame, catalog: Catalog, units: pd.DataFrame, rows: Sequence[str],
                   lang: str, group: str = "") -> pd.DataFrame:
    """One row per unit × target for the heat-maps: status, cell text, hover text, and the section.

    A section is the set of resolutions binding a unit (the districts under one action programme, the
    blocs under their congress resolution): each section is one heat-map whose columns are its targets
    in the resolution's order, so no unit shows a column that is not its own.
    """
    cols = ["section", "section_title", "unit_code", "unit_name", "indicator", "column", "column_full", "status",
            "cell", "hover", "target_id", "order", "disputed", "year"]
    a = assessed[assessed["unit_code"].isin(list(rows))]
    if group:
        a = a[a["group"] == group]
    if a.empty:
        return pd.DataFrame(columns=cols)
    sections = a.groupby("unit_code", sort=False)["resolution_id"].agg(lambda s: "+".join(dict.fromkeys(s)))
    order = {ind: i for i, ind in enumerate(dict.fromkeys(a["indicator"]))}
    label = names(units, lang)
    out = []
    for r in a.itertuples(index=False):
        unit = indicator_unit(catalog, r.indicator)
        value = fmt_value(r.latest_value, unit, lang, r.latest_qualifier)
        style = status_style(r.status)
        disputed = bool(getattr(r, "disputed", False))
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
                    "disputed": disputed, "year": None if is_missing(r.latest_year) else int(r.latest_year)})
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
    bound = qualifier in (">", "<", "~")
    decimals = (0 if bound and float(x).is_integer() else 2 if abs(float(x)) < 10 else 1) if unit == "percent" else 0
    text = fmt_number(x, lang, decimals)
    return f"{qualifier}{text}" if bound else text


def _year(y: object) -> str:
    return MISSING if is_missing(y) else str(int(y))


# -- Unit page ----------------------------------------------------------------------------------------

def unit_targets(assessed: pd.DataFrame, values: pd.DataFrame, catalog: Catalog, unit: str, lang: str,
                 years: Sequence[int], group: str = "") -> pd.DataFrame:
    """Every target binding `unit`: text, target, latest value, progress, sparkline, status, needed
    against achieved yearly change, source. Formatted for reading (strings), plus numeric helpers."""
    a = assessed[assessed["unit_code"] == unit]
    if group:
        a = a[a["group"] == group]
    v = values[(values["unit_code"] == unit) & (values["period"] == "Y")] if not values.empty else values
    rows = []
    for r in a.itertuples(index=False):
        unit_kind = indicator_unit(catalog, r.indicator)
        series = v[v["indicator"] == r.indicator].set_index("year")["value"] if not v.empty else pd.Series()
        # the table's sparkline cannot draw gaps: the years with a value, in order
        spark = [float(series.get(y)) for y in years if not is_missing(series.get(y))]
        target_text = fmt_target(r.comparator, r.target, r.target_high, unit_kind, lang)
        if r.frequency == "deadline" and not is_missing(r.deadline):
            target_text += f" ({t('by_year', lang, year=int(r.deadline))})"
        if r.target_document:
            target_text += f"; {t('revised_by', lang, doc=r.target_document)}"
        rows.append({
            "indicator": r.indicator,
            "target_id": r.target_id,
            "name": indicator_label(catalog, r.indicator, lang, short=True),
            "full_name": indicator_label(catalog, r.indicator, lang),
            "target": target_text,
            "latest": fmt_value(r.latest_value, unit_kind, lang, r.latest_qualifier)
            + ("" if is_missing(r.latest_year) else f" ({int(r.latest_year)})"),
            "progress": _progress(r),
            "trend": spark,
            "status": status_label(r.status, lang)
            + (f" {DISPUTED_MARK}" if getattr(r, "disputed", False) and r.status != "to_verify" else ""),
            "status_code": r.status,
            "dispute": dispute_note(r, catalog, lang),
            "needed": fmt_change(r.needed_per_year, unit_kind, lang),
            "achieved": fmt_change(r.achieved_per_year, unit_kind, lang),
            "projected": fmt_value(r.projected, unit_kind, lang),
            "source": source_text(r.source, getattr(r, "latest_basis", ""), getattr(r, "latest_n_units", None), lang),
        })
    return pd.DataFrame(rows, columns=["indicator", "target_id", "name", "full_name", "target", "latest", "progress",
                                       "trend", "status", "status_code", "dispute", "needed", "achieved", "projected",
                                       "source"])


def _progress(r: object) -> float | None:
    """Progress bar to target, 0–100: the latest value against the target (for a lower-is-better
    or a range target, 100 when met). Missing when there is no value."""
    if is_missing(r.latest_value) or is_missing(r.target) or r.status == "to_verify":
        return None  # no bar for a figure its report contradicts
    if r.met == "yes":
        return 100.0
    target, value = float(r.target), float(r.latest_value)
    if target <= 0:
        return 100.0 if value >= target else 0.0
    if r.comparator in ("<", "<="):
        return float(np.clip(100.0 * target / value, 0, 100)) if value > 0 else 100.0
    return float(np.clip(100.0 * value / target, 0, 100))


def other_values(values: pd.DataFrame, assessed: pd.DataFrame, catalog: Catalog, unit: str, year: int,
                 lang: str, group: str = "") -> pd.DataFrame:
    """Headline indicators the unit has figures for in `year` but no target for: value + 'no target'."""
    if values.empty:
        return pd.DataFrame(columns=["name", "value", "status", "source"])
    targeted = set(assessed.loc[assessed["unit_code"] == unit, "indicator"])
    headline = {i.id for i in catalog.headline_indicators() if not group or i.group == group}
    v = values[(values["unit_code"] == unit) & (values["year"] == year) & (values["period"] == "Y")
               & values["indicator"].isin(headline - targeted)]
    order = {ind: i for i, ind in enumerate(catalog.indicators)}
    v = v.assign(_o=v["indicator"].map(order)).sort_values("_o")
    return pd.DataFrame({
        "name": [indicator_label(catalog, i, lang) for i in v["indicator"]],
        "value": [fmt_value(x, indicator_unit(catalog, i), lang, q)
                  for x, i, q in zip(v["value"], v["indicator"], v["qualifier"], strict=True)],
        "status": status_label(NO_TARGET, lang),
        "source": [source_text(x, b, n, lang) for x, b, n in zip(v["source"], v["basis"], v["n_units"], strict=True)],
    })


def org_breakdown(by_type: dict[str, pd.DataFrame], catalog: Catalog, indicators: Sequence[str], year: int,
                  lang: str) -> pd.DataFrame:
    """Organisation type × indicator for one year, from one indicator_values frame per type."""
    rows = []
    for org, frame in by_type.items():
        if frame.empty:
            continue
        f = frame[(frame["year"] == year) & (frame["period"] == "Y") & frame["indicator"].isin(list(indicators))]
        if f.empty:
            continue
        row = {t("org_type", lang): catalog.org_types[org].name(lang) if org in catalog.org_types else org}
        for ind in indicators:
            hit = f[f["indicator"] == ind]
            row[indicator_label(catalog, ind, lang, short=True)] = (
                fmt_value(hit["value"].iloc[0], indicator_unit(catalog, ind), lang, hit["qualifier"].iloc[0])
                if not hit.empty else MISSING)
        rows.append(row)
    return pd.DataFrame(rows)


# -- Indicator and Compare pages ----------------------------------------------------------------------

def indicator_rows(assessed: pd.DataFrame, values: pd.DataFrame, indicator: str, rows: Sequence[str],
                   year: int, units: pd.DataFrame, lang: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per unit for a bar chart: value in `year`, qualifier, status against its own target
    (or no_target), the target and its upper end; whether the value is disputed and (with `catalog`)
    the sentence saying what its source contradicts."""
    label = names(units, lang)
    v = values[(values["indicator"] == indicator) & (values["year"] == year) & (values["period"] == "Y")
               & values["unit_code"].isin(list(rows))] if not values.empty else values
    a = assessed[(assessed["indicator"] == indicator) & assessed["unit_code"].isin(list(rows))]
    a = a.set_index("unit_code")
    out = []
    for code in rows:
        hit = v[v["unit_code"] == code] if not v.empty else v
        value = float(hit["value"].iloc[0]) if len(hit) else np.nan
        qualifier = str(hit["qualifier"].iloc[0]) if len(hit) else ""
        first = hit.iloc[0] if len(hit) else None
        source = "" if first is None else source_text(first["source"], first.get("basis"), first.get("n_units"), lang)
        disputed = bool(hit["disputed"].iloc[0]) if len(hit) and "disputed" in hit else False
        note = ("; ".join(dispute_sentences(hit["findings"].iloc[0], catalog, lang, value=value,
                                            unit=indicator_unit(catalog, indicator), indicator=indicator))
                if disputed and catalog is not None else "")
        if code in a.index:
            r = a.loc[code]
            status = _year_status(r, value, year)
            target, high, comparator = r["target"], r["target_high"], r["comparator"]
        else:
            status, target, high, comparator = NO_TARGET, np.nan, np.nan, ""
        out.append({"unit_code": code, "unit_name": label.get(code, code), "value": value,
                    "qualifier": qualifier, "status": status, "target": target, "target_high": high,
                    "comparator": comparator, "source": source, "disputed": disputed, "note": note})
    return pd.DataFrame(out, columns=["unit_code", "unit_name", "value", "qualifier", "status", "target",
                                      "target_high", "comparator", "source", "disputed", "note"])


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
    label = names(units, lang)
    unit_kind = indicator_unit(catalog, indicator)
    periods = {p: catalog.periods[p].name(lang) for p in catalog.periods}
    v = v.sort_values(["unit_code", "year", "period"])
    return pd.DataFrame({
        t("unit", lang): [label.get(c, c) for c in v["unit_code"]],
        t("year", lang): [str(int(y)) for y in v["year"]],
        t("period", lang): [periods.get(p, p) for p in v["period"]],
        t("value", lang): [fmt_value(x, unit_kind, lang, q) for x, q in zip(v["value"], v["qualifier"], strict=True)],
        t("numerator", lang): [fmt_number(x, lang) for x in v["num"]],
        t("denominator", lang): [fmt_number(x, lang) for x in v["den"]],
        t("basis", lang): [_basis(b, n, lang, f) for b, n, f in zip(
            v["basis"], v["n_units"], v.get("from_units", pd.Series([""] * len(v), index=v.index)), strict=True)],
        t("source", lang): [source_text(x, b, n, lang) for x, b, n in zip(v["source"], v["basis"], v["n_units"],
                                                                           strict=True)],
    })


def predecessor_note(values: pd.DataFrame, unit: str, names_of: dict[str, str], lang: str) -> str:
    """A sentence for a unit whose earlier years come from the units it was formed from ('' if none)."""
    if values.empty or "from_units" not in values:
        return ""
    rows = values[(values["unit_code"] == unit) & (values["basis"] == "predecessors")]
    if rows.empty:
        return ""
    codes = dict.fromkeys(c.strip() for text in rows["from_units"] for c in str(text).split(","))
    first, last = int(rows["year"].min()), int(rows["year"].max())
    years = str(first) if first == last else f"{first}–{last}"
    return t("predecessor_note", lang, years=years, units="; ".join(names_of.get(c, c) for c in codes if c))


def _basis(basis: str, n: object, lang: str, from_units: object = "") -> str:
    if basis == "predecessors":
        return t("basis_predecessors", lang, units=str(from_units or ""))
    if basis == "aggregated":
        return t("basis_aggregated", lang, n=MISSING if is_missing(n) else int(n))
    return t(f"basis_{basis}", lang) if basis in ("counts", "stated") else str(basis)


def ranking(assessed: pd.DataFrame, values: pd.DataFrame, indicator: str, rows: Sequence[str], year: int,
            units: pd.DataFrame, catalog: Catalog, lang: str) -> pd.DataFrame:
    """Units ranked on one indicator in `year`, within their cohort: one unit kind and one target (the
    districts' "trên 80%" is not ranked with the blocs' "trên 90%"). Best first by the indicator's
    direction, missing last; with kind, status and the count of their targets achieved.

    Hidden columns: `unit_code`, `cohort` (the cohort's label, in its order: the kinds' catalogue order,
    then the target)."""
    frame = indicator_rows(assessed, values, indicator, rows, year, units, lang, catalog)
    ind = catalog.indicators.get(indicator)
    ascending = ind is not None and not ind.higher_is_better
    unit_kind = indicator_unit(catalog, indicator)
    kinds = units.set_index("unit_code")["kind"].to_dict()
    kind_order = {k: i for i, k in enumerate(catalog.unit_kinds)}
    frame["kind"] = frame["unit_code"].map(kinds).fillna("")
    frame["kind_order"] = frame["kind"].map(kind_order).fillna(len(kind_order))
    frame["target_key"] = [(-1e18 if is_missing(x) else float(x)) for x in frame["target"]]
    frame["high_key"] = [(-1e18 if is_missing(x) else float(x)) for x in frame["target_high"]]
    frame["cohort_key"] = list(zip(frame["kind_order"], frame["comparator"], frame["target_key"],
                                   frame["high_key"], strict=True))
    frame["untargeted"] = frame["comparator"] == ""  # units without this target after those with it
    frame = frame.sort_values(["kind_order", "untargeted", "comparator", "target_key", "high_key", "value"],
                              ascending=[True, True, True, True, True, ascending],
                              na_position="last").reset_index(drop=True)
    rank = frame.groupby("cohort_key", sort=False)["value"].rank(ascending=ascending, method="min")

    def kind_name(k: str) -> str:
        return catalog.unit_kinds[k].name(lang) if k in catalog.unit_kinds else k

    def cohort(r: pd.Series) -> str:
        target = (f"{t('target', lang)} {fmt_target(r['comparator'], r['target'], r['target_high'], unit_kind, lang)}"
                  if r["comparator"] else t("no_target", lang))
        return f"{kind_name(r['kind'])} · {target}"

    met = assessed[assessed["unit_code"].isin(list(rows))].groupby("unit_code")["status"].agg(
        lambda s: f"{int((s == 'achieved').sum())}/{len(s)}")
    out = pd.DataFrame({
        t("rank", lang): [MISSING if is_missing(x) else str(int(x)) for x in rank],
        t("unit", lang): frame["unit_name"],
        t("kind", lang): [kind_name(k) for k in frame["kind"]],
        t("value", lang): [fmt_value(x, unit_kind, lang, q) for x, q in zip(frame["value"], frame["qualifier"],
                                                                            strict=True)],
        t("target", lang): [fmt_target(c, x, h, unit_kind, lang) if c else t("no_target", lang)
                            for c, x, h in zip(frame["comparator"], frame["target"], frame["target_high"],
                                               strict=True)],
        t("status", lang): [status_label(s, lang) + (f" {DISPUTED_MARK}" if d and s != "to_verify" else "")
                            for s, d in zip(frame["status"], frame["disputed"], strict=True)],
        t("dispute_column", lang): [x[:1].upper() + x[1:] for x in frame["note"]],
        t("targets_met", lang): [met.get(c, MISSING) for c in frame["unit_code"]],
        "unit_code": frame["unit_code"],
        "cohort": [cohort(r) for _, r in frame.iterrows()],
    })
    # what a contradicted figure's report says against itself: a column only when there is one
    return out if (frame["note"] != "").any() else out.drop(columns=[t("dispute_column", lang)])


def varied_first(values: pd.DataFrame, options: Sequence[str], rows: Sequence[str], year: int, *,
                 only_varied: bool = False) -> list[str]:
    """The options, those whose whole-year values in `year` differ between the rows first (order kept
    otherwise): the default a page ranks and plots by, so that it does not open on 15 units at 100%.
    `only_varied`: those alone (an axis by default is never one where every unit has the same value)."""
    v = values[values["unit_code"].isin(list(rows)) & (values["year"] == year) & (values["period"] == "Y")
               & (values["org_type"] == "")]
    spread = v.groupby("indicator")["value"].nunique()
    varied = [o for o in options if spread.get(o, 0) > 1]
    return varied if only_varied else varied + [o for o in options if o not in set(varied)]


def scatter_frame(values: pd.DataFrame, x: str, y: str, rows: Sequence[str], year: int,
                  units: pd.DataFrame, lang: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per unit with both indicators in `year` (whole year); `disputed` when either figure is,
    and (with `catalog`) the sentence saying what its source contradicts."""
    cols = ["unit_code", "unit_name", "kind", "x", "y", "x_qualifier", "y_qualifier", "disputed", "note"]
    v = values[values["unit_code"].isin(list(rows)) & (values["year"] == year) & (values["period"] == "Y")]
    if v.empty:
        return pd.DataFrame(columns=cols)
    vx = v[v["indicator"] == x].set_index("unit_code")
    vy = v[v["indicator"] == y].set_index("unit_code")
    both = [c for c in rows if c in vx.index and c in vy.index]
    label = names(units, lang)
    kinds = units.set_index("unit_code")["kind"].to_dict()

    def note(code: str) -> str:
        if catalog is None:
            return ""
        parts = []
        for ind, frame in ((x, vx), (y, vy)):
            r = frame.loc[code]
            if bool(r.get("disputed", False)):
                parts += dispute_sentences(r["findings"], catalog, lang, value=r["value"],
                                           unit=indicator_unit(catalog, ind), indicator=ind)
        return "; ".join(dict.fromkeys(parts))

    disputed = [bool(vx.loc[c].get("disputed", False)) or bool(vy.loc[c].get("disputed", False)) for c in both]
    return pd.DataFrame({
        "unit_code": both,
        "unit_name": [label.get(c, c) for c in both],
        "kind": [kinds.get(c, "") for c in both],
        "x": [float(vx.loc[c, "value"]) for c in both],
        "y": [float(vy.loc[c, "value"]) for c in both],
        "x_qualifier": [str(vx.loc[c, "qualifier"]) for c in both],
        "y_qualifier": [str(vy.loc[c, "qualifier"]) for c in both],
        "disputed": disputed,
        "note": [note(c) if d else "" for c, d in zip(both, disputed, strict=True)],
    }, columns=cols)


def scatter_listing(frame: pd.DataFrame, x_name: str, y_name: str, x_unit: str, y_unit: str,
                    lang: str) -> pd.DataFrame:
    """The scatter's points as a table, numbered as the chart labels them beyond 8 units."""
    return pd.DataFrame({
        t("point_number", lang): [str(i + 1) for i in range(len(frame))],
        t("unit", lang): list(frame["unit_name"]),
        x_name: [fmt_value(v, x_unit, lang, q) for v, q in zip(frame["x"], frame["x_qualifier"], strict=True)],
        y_name: [fmt_value(v, y_unit, lang, q) for v, q in zip(frame["y"], frame["y_qualifier"], strict=True)],
    })


def compare_series(values: pd.DataFrame, indicator: str, codes: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """The whole-year values of `indicator` for the chosen units over `years` (small multiples)."""
    v = values[(values["indicator"] == indicator) & values["unit_code"].isin(list(codes)) & (values["period"] == "Y")
               & values["year"].isin(list(years))]
    return v.reset_index(drop=True)


# -- Data page ----------------------------------------------------------------------------------------

def completeness_matrix(completeness: pd.DataFrame, units: pd.DataFrame, lang: str) -> pd.DataFrame:
    """unit × year: '✔ 21' (figures for the whole year), '◐ 3' (part of a year only) or '✖'."""
    if completeness.empty:
        return pd.DataFrame()
    label = names(units, lang)

    def cell(r: pd.Series) -> str:
        if r["figures_year"] > 0:
            return f"✔ {fmt_number(r['figures_year'], lang)}"
        if r["figures_part"] > 0:
            return f"◐ {fmt_number(r['figures_part'], lang)}"
        return f"✖ {t('not_submitted', lang)}"

    c = completeness.assign(cell=completeness.apply(cell, axis=1))
    m = c.pivot(index="unit_code", columns="year", values="cell")
    m.index = [label.get(code, code) for code in m.index]
    m.columns = [str(y) for y in m.columns]
    m.index.name = t("unit", lang)
    return m.reset_index()


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


def findings_table(found: pd.DataFrame, catalog: Catalog, names: dict[str, str], lang: str) -> pd.DataFrame:
    """The reports' own slips (the findings table's columns) as the Data and report pages show them:
    names instead of ids, numbers the reader's way, the check by its name."""
    return pd.DataFrame({
        t("unit", lang): [names.get(u, u) for u in found["unit_code"]],
        t("year", lang): found["year"].astype(str).to_numpy(),
        t("period", lang): [catalog.periods[p].name(lang) if p in catalog.periods else p for p in found["period"]],
        t("measure", lang): [measure_name(catalog, m, lang) for m in found["measure"]],
        t("stated", lang): [fmt_number(x, lang) for x in found["stated"]],
        t("computed", lang): [fmt_number(x, lang) for x in found["computed"]],
        t("detail", lang): [finding_detail(*f, lang) for f in zip(
            found["rule"], found["year"], found["stated"], found["computed"], found["detail"], strict=True)],
        t("rule", lang): [finding_rule_name(r, lang) for r in found["rule"]],
        t("source", lang): found["source"].to_numpy(),
    })
