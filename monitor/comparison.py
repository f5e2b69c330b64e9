"""Units side by side: ranked within their cohort on one indicator, two indicators against each other,
and the series of the units chosen for small multiples.

No Streamlit, no SQL, no plotting: plain DataFrames and strings the pages and exports share.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.catalog import Catalog
from core.i18n import (
    DISPUTED_MARK,
    MISSING,
    fmt_target,
    fmt_value,
    is_missing,
    status_label,
    t,
)
from monitor.by_indicator import indicator_rows, sums_below
from monitor.disputes import dispute_sentences
from monitor.labels import indicator_unit, unit_names


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
    and (with `catalog`) the sentence saying what its source contradicts; `summed` when neither is but one is a
    total that includes a contradicted figure of a unit below (the note names that unit)."""
    cols = ["unit_code", "unit_name", "kind", "x", "y", "x_qualifier", "y_qualifier", "disputed", "summed", "note"]
    v = values[values["unit_code"].isin(list(rows)) & (values["year"] == year) & (values["period"] == "Y")]
    if v.empty:
        return pd.DataFrame(columns=cols)
    vx = v[v["indicator"] == x].set_index("unit_code")
    vy = v[v["indicator"] == y].set_index("unit_code")
    both = [c for c in rows if c in vx.index and c in vy.index]
    label = unit_names(units, lang)
    kinds = units.set_index("unit_code")["kind"].to_dict()

    # a total that includes a contradicted figure of a unit below: marked too, the note says whose (`summed`)
    sums = {ind: sums_below(values, ind, units, label, lang, [year]) for ind in (x, y)}

    def below(code: str, ind: str, frame: pd.DataFrame) -> str:
        return sums[ind].get((code, year, "Y", str(frame.loc[code, "org_type"])), "") if "org_type" in frame else ""

    def own(code: str) -> bool:
        return bool(vx.loc[code].get("disputed", False)) or bool(vy.loc[code].get("disputed", False))

    def note(code: str) -> str:
        parts = []
        for ind, frame in ((x, vx), (y, vy)):
            r = frame.loc[code]
            if bool(r.get("disputed", False)) and catalog is not None:
                parts += dispute_sentences(r["findings"], catalog, lang, value=r["value"],
                                           unit=indicator_unit(catalog, ind), indicator=ind)
            parts += [w] if (w := below(code, ind, frame)) else []
        return "; ".join(dict.fromkeys(parts))

    notes = {c: note(c) for c in both}
    summed = [not own(c) and bool(notes[c]) for c in both]
    disputed = [own(c) or s for c, s in zip(both, summed, strict=True)]
    return pd.DataFrame({
        "unit_code": both,
        "unit_name": [label.get(c, c) for c in both],
        "kind": [kinds.get(c, "") for c in both],
        "x": [float(vx.loc[c, "value"]) for c in both],
        "y": [float(vy.loc[c, "value"]) for c in both],
        "x_qualifier": [str(vx.loc[c, "qualifier"]) for c in both],
        "y_qualifier": [str(vy.loc[c, "qualifier"]) for c in both],
        "disputed": disputed,
        "summed": summed,
        "note": [notes[c] if d else "" for c, d in zip(both, disputed, strict=True)],
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
