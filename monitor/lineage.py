"""Units in time: which years a unit exists, what it was formed from, and its series before it existed.

A unit formed by the 2025 reorganisation has no figures of its own before it; its values for those
years come from the units it was formed from (unit_changes): a merge sums their numerators and
denominators (never their rates), a rename or a move carries the old unit's figures over, and a split
passes on the `share` of the old unit's counts the file gives, or nothing (the years stay missing).
Such rows have basis `predecessors` and name the units in `from_units`. A database made before units
had years reads as units without years and no changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from monitor.catalog import Term

CHANGE_COLUMNS = ["year", "from_code", "to_code", "change", "share"]
CARRIED = ("rename", "move")  # the same unit under another code or parent: every figure carries over


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = $t "
                                      "AND database_name = current_database() AND schema_name = 'main'",
                                      {"t": table}).fetchall()}


def unit_years(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """unit_code, valid_from, valid_to (nullable integers; NA = open)."""
    cols = _columns(con, "units")
    years = ", ".join(c if c in cols else f"NULL::INTEGER AS {c}" for c in ("valid_from", "valid_to"))
    frame = con.execute(f"SELECT unit_code, {years} FROM units ORDER BY unit_code").df()
    return frame.astype({"valid_from": "Int64", "valid_to": "Int64"})


def unit_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The changes the database holds (none in a database made before they were kept)."""
    if not _columns(con, "unit_changes"):
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "share" else "int64" if c == "year" else "str")
                             for c in CHANGE_COLUMNS})
    return con.execute("SELECT year, from_code, to_code, change, share FROM unit_changes "
                       "ORDER BY year, to_code, from_code").df()


def in_term(years: pd.DataFrame, term: Term) -> list[str]:
    """The units of a term: those existing in it beyond the year it shares with the next or the last
    term (2025 ends one term and starts the next; a unit formed in 2025 belongs to the new one)."""
    start = years["valid_from"].fillna(-10**6).astype("int64")
    end = years["valid_to"].fillna(10**6).astype("int64")
    return years.loc[(start < term.end) & (end > term.start), "unit_code"].tolist()


def predecessor_rows(values: pd.DataFrame, changes: pd.DataFrame, wanted: Sequence[str] | None) -> pd.DataFrame:
    """Rows for each wanted unit (None: every successor) in the years up to its change where it has no
    figure of its own, from `values`: the predecessors' rows (indicator_values columns). Successors are
    done in the order of their change, so a unit formed from one formed earlier gets the whole chain."""
    if changes.empty or values.empty:
        return values.iloc[0:0].assign(from_units=pd.Series(dtype="str"))
    out: list[pd.DataFrame] = []
    pool = values
    targets = changes if wanted is None else changes[changes["to_code"].isin(list(wanted))]
    for (year, to_code), group in targets.groupby(["year", "to_code"], sort=True):
        rows = _successor(pool, group, int(year), str(to_code))
        if not rows.empty:
            out.append(rows)
            pool = pd.concat([pool, rows.drop(columns="from_units")], ignore_index=True)
    if not out:
        return values.iloc[0:0].assign(from_units=pd.Series(dtype="str"))
    return pd.concat(out, ignore_index=True)


def _successor(values: pd.DataFrame, group: pd.DataFrame, year: int, unit: str) -> pd.DataFrame:
    froms = group["from_code"].tolist()
    share = dict(zip(froms, group["share"].astype("float64"), strict=True))
    kinds = dict(zip(froms, group["change"], strict=True))
    if any(kinds[f] == "split" and np.isnan(share[f]) for f in froms):
        return values.iloc[0:0].assign(from_units=pd.Series(dtype="str"))  # not apportioned: missing
    keys = ["indicator", "year", "period", "org_type"]
    before = values[values["unit_code"].isin(froms) & (values["year"] <= year)]
    own = values.loc[values["unit_code"] == unit, keys]
    if before.empty:
        return values.iloc[0:0].assign(from_units=pd.Series(dtype="str"))
    label = ", ".join(sorted(froms))
    if len(froms) == 1 and kinds[froms[0]] in CARRIED:
        rows = before.copy()
    else:
        # only counts add up: a stated rate or a bound of one predecessor leaves the cell missing
        counted = before[before["basis"].isin(["counts", "aggregated", "predecessors"]) & before["num"].notna()].copy()
        factor = np.array([1.0 if kinds[f] != "split" else share[f] for f in counted["unit_code"]], np.float64)
        counted["num"] = counted["num"] * factor
        counted["den"] = counted["den"] * factor
        g = counted.groupby(keys, sort=True, dropna=False)
        rows = g.agg(num=("num", "sum"), den=("den", lambda s: s.sum(min_count=1)), n=("unit_code", "nunique"),
                     n_units=("n_units", "sum"), n_disputed=("n_disputed", "sum")).reset_index()
        rows = rows[rows["n"] == len(froms)].drop(columns="n")
        rate = rows["den"].notna()
        rows["value"] = np.where(rate, 100.0 * rows["num"] / rows["den"].where(rows["den"] > 0), rows["num"])
        rows = rows[rows["value"].notna()]
        rows["qualifier"] = ""
        rows["stated"] = np.nan
        rows["disputed"] = False
        rows["findings"] = [() for _ in range(len(rows))]
        rows["readings"] = [() for _ in range(len(rows))]
    rows = rows.merge(own.assign(_own=True), on=keys, how="left")
    rows = rows[rows["_own"].isna()].drop(columns="_own")
    rows["unit_code"] = unit
    rows["basis"] = "predecessors"
    rows["source"] = "Tính từ số liệu của đơn vị trước sắp xếp: " + label
    rows["from_units"] = label
    return rows[[*values.columns, "from_units"]].reset_index(drop=True)
