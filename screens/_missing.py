"""Two helps for the data officer, shown on the Data page (layout only; monitor.coverage decides):
what an upload covers before she loads it, and per unit what is still missing for a year, as a list
she can send to the units late with their reports."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from monitor import coverage
from screens._context import Ctx
from screens._escape import esc

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def covers(c: Ctx, rows: pd.DataFrame) -> None:
    """'This upload holds figures of: Huyện Tây Sơn (2022, 2023); …'."""
    found = coverage.covers(rows, c.names())
    if found:
        units = "; ".join(f"{esc(name)} ({', '.join(map(str, years))})" for _, name, years in found)
        st.info(c.t("upload_covers", n=len(found), units=units), icon=":material/inventory_2:")


def section(c: Ctx) -> None:
    """The targets each unit in view cannot be computed for yet, and the figures they need."""
    if c.store is None or c.units.empty or not c.years:
        return
    st.subheader(c.t("missing_title"))
    st.caption(c.t("missing_help"))
    years = c.years
    year = st.selectbox(c.t("year"), years, index=years.index(c.as_of) if c.as_of in years else len(years) - 1,
                        key="missing_year")
    units = c.units.set_index("unit_code")
    chosen = [(code, str(units.loc[code, "name_vi"]) if c.lang == "vi" else c.unit_label(code),
               str(units.loc[code, "kind"])) for code in c.rows if code in units.index]
    found = c.memo("data_missing", year, tuple(chosen),
                   compute=lambda: coverage.missing(c.db, c.catalog, chosen, int(year), c.lang))
    if found.empty:
        st.success(c.t("missing_none", year=year))
        return
    table = found.drop(columns="unit_code").rename(columns={"unit": c.t("unit"), "indicator": c.t("indicator"),
                                                            "needs": c.t("missing_needs")})
    st.warning(c.t("missing_count", units=found["unit_code"].nunique(), n=len(found), year=year))
    # the figures needed are the point of the list: wrapped in rows tall enough to read them whole at 1280 px
    st.dataframe(table, hide_index=True, key="data_missing", row_height=72,
                 column_config={c.t("unit"): st.column_config.TextColumn(width=150),
                                c.t("indicator"): st.column_config.TextColumn(width=260),
                                c.t("missing_needs"): st.column_config.TextColumn(width=390)})
    buf = io.BytesIO()
    table.to_excel(buf, index=False, sheet_name=str(year))
    st.download_button(c.t("missing_download"), data=buf.getvalue(), file_name=f"con-thieu-{year}.xlsx",
                       mime=XLSX_MIME, icon=":material/download:", key="data_missing_download")
