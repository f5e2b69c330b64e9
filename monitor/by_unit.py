"""One unit's page: where it stands on each target that binds it, its other figures, its figures by
organisation type, and the years it borrows from the units it was formed from.

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
    assessed_source,
    fmt_change,
    fmt_target,
    fmt_value,
    is_missing,
    source_text,
    status_label,
    t,
)
from monitor.disputes import below_names, below_note, dispute_note, flagged, latest_below
from monitor.labels import indicator_label, indicator_unit


def unit_targets(assessed: pd.DataFrame, values: pd.DataFrame, catalog: Catalog, unit: str, lang: str,
                 years: Sequence[int], group: str = "", *, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every target binding `unit`: text, target, latest value, progress, sparkline, status, needed
    against achieved yearly change, source. Formatted for reading (strings), plus numeric helpers.
    Given `units` (and `values` of the units below), a total that includes a contradicted figure of a unit
    below names that unit in its note."""
    a = assessed[assessed["unit_code"] == unit]
    below = below_names(values, units, lang) if units is not None else {}
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
            + (f" {DISPUTED_MARK}" if flagged(r) and r.status != "to_verify" else ""),
            "status_code": r.status,
            "dispute": dispute_note(r, catalog, lang, below=latest_below(below, r) or ()),
            "needed": fmt_change(r.needed_per_year, unit_kind, lang),
            "achieved": fmt_change(r.achieved_per_year, unit_kind, lang),
            "projected": fmt_value(r.projected, unit_kind, lang),
            "source": assessed_source(r, lang),
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
                 lang: str, group: str = "", *, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Headline indicators the unit has figures for in `year` but no target for: value + 'no target'. A figure
    its report contradicts is marked ⚑, and so is a total that includes one of a unit below; given `units`
    (and `values` of the units below), the source says whose figure that is."""
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
        # a figure its report contradicts, or a total that includes one of a unit below: marked as everywhere
        "value": [fmt_value(x, indicator_unit(catalog, i), lang, q) + (f" {DISPUTED_MARK}" if m else "")
                  for x, i, q, m in zip(v["value"], v["indicator"], v["qualifier"], _marked(v), strict=True)],
        "status": status_label(NO_TARGET, lang),
        "source": [source_text(x, b, n, lang, from_units=f) + (f"; {w}" if w else "") for x, b, n, f, w in zip(
            v["source"], v["basis"], v["n_units"], v.get("from_units", [""] * len(v)), _whose(v, units, values, lang),
            strict=True)],
    })


def _whose(v: pd.DataFrame, units: pd.DataFrame | None, values: pd.DataFrame, lang: str) -> list[str]:
    """Each value row that is a total including a contradicted figure of a unit below: 'gồm 1 số liệu đơn vị
    cấp dưới cần xác minh: Tây Sơn' ('' for the others, and for all without `units`)."""
    if units is None or v.empty or "n_disputed" not in v:
        return [""] * len(v)
    below = below_names(values, units, lang)
    keys = zip(v["unit_code"], v["indicator"], v["year"], v["period"], v["org_type"], strict=True)
    return [below_note(int(n), below[k], lang) if (k := (u, i, int(y), p, o)) in below else ""
            for (u, i, y, p, o), n in zip(keys, v["n_disputed"].fillna(0), strict=True)]


def _marked(v: pd.DataFrame) -> list[bool]:
    """Each value row: its figure contradicted by its report, or a total including such a figure below."""
    own = v["disputed"].fillna(False).astype(bool) if "disputed" in v else pd.Series(False, index=v.index)
    below = v["n_disputed"].fillna(0) > 0 if "n_disputed" in v else pd.Series(False, index=v.index)
    return list(own | below)


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
                + (f" {DISPUTED_MARK}" if _marked(hit)[0] else "") if not hit.empty else MISSING)
        rows.append(row)
    return pd.DataFrame(rows)


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
