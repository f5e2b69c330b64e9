"""What the units have sent: figures per unit and year, and the slips in their reports' own
arithmetic, as the Data and report-reading pages show them.

No Streamlit, no SQL, no plotting: plain DataFrames and strings the pages and exports share.
"""

from __future__ import annotations

import pandas as pd

from core.catalog import Catalog
from core.i18n import (
    finding_detail,
    finding_figure_text,
    finding_figures,
    finding_rule_name,
    fmt_number,
    measure_name,
    t,
)
from monitor.labels import unit_names


def completeness_matrix(completeness: pd.DataFrame, units: pd.DataFrame, lang: str) -> pd.DataFrame:
    """unit × year: '✔ 21' (figures for the whole year), '◐ 3' (part of a year only) or '✖'."""
    if completeness.empty:
        return pd.DataFrame()
    label = unit_names(units, lang)

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


def figure_columns(found: pd.DataFrame, lang: str, catalog: Catalog) -> dict[str, list[str]]:
    """A finding's two figures as two columns, each cell saying what its number is: 'Báo cáo ghi: 31%' against
    'Tính từ số lượng: 32,73%', and a jump's 'Năm 2022: 45,45%' against 'Năm 2021: 8,7%' (neither stated nor
    computed)."""
    records = found.to_dict("records")
    pairs = [finding_figures(f, lang) for f in records]
    rates = [catalog.is_rate(str(f.get("measure") or "")) for f in records]
    return {t(key, lang): [finding_figure_text(*p[k], lang=lang, percent=r) for p, r in zip(pairs, rates, strict=True)]
            for k, key in enumerate(("finding_figure_first", "finding_figure_second"))}


def findings_table(found: pd.DataFrame, catalog: Catalog, names: dict[str, str], lang: str) -> pd.DataFrame:
    """The reports' own slips (the findings table's columns) as the Data and report pages show them:
    names instead of ids, numbers the reader's way and each said for what it is, the check by its name."""
    return pd.DataFrame({
        t("unit", lang): [names.get(u, u) for u in found["unit_code"]],
        t("year", lang): found["year"].astype(str).to_numpy(),
        t("period", lang): [catalog.periods[p].name(lang) if p in catalog.periods else p for p in found["period"]],
        t("measure", lang): [measure_name(catalog, m, lang) for m in found["measure"]],
        **figure_columns(found, lang, catalog),
        t("detail", lang): [finding_detail(f, lang, catalog) for f in found.to_dict("records")],
        t("rule", lang): [finding_rule_name(r, lang) for r in found["rule"]],
        t("source", lang): found["source"].to_numpy(),
    })
