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

from core.catalog import Term

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
    figure of its own, from `values`: the predecessors' rows (indicator_values columns). The changes are
    taken year by year, so a unit formed from one formed in an earlier change gets the whole chain."""
    empty = values.iloc[0:0].assign(from_units=pd.Series(dtype="str"))
    if changes.empty or values.empty:
        return empty
    targets = changes if wanted is None else changes[changes["to_code"].isin(list(wanted))]
    out: list[pd.DataFrame] = []
    pool = values
    for year, group in targets.groupby("year", sort=True):
        rows = _successors(pool, group, int(year))
        if not rows.empty:
            out.append(rows)
            pool = pd.concat([pool, rows.drop(columns="from_units")], ignore_index=True)
    return pd.concat(out, ignore_index=True) if out else empty


KEYS = ["indicator", "year", "period", "org_type"]


def _successors(values: pd.DataFrame, changes: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of every unit formed in one year's changes, all at once (a merge sums, a rename or a
    move carries over, a split scales by its share; a split without shares gives nothing)."""
    changes = changes.assign(share=changes["share"].astype("float64"))
    unshared = changes.loc[(changes["change"] == "split") & changes["share"].isna(), "to_code"]
    changes = changes[~changes["to_code"].isin(set(unshared))]
    if changes.empty:
        return values.iloc[0:0].assign(from_units=pd.Series(dtype="str"))
    n_from = changes.groupby("to_code")["from_code"].nunique()
    label = changes.groupby("to_code")["from_code"].agg(lambda f: ", ".join(sorted(f)))
    carried = set(n_from[n_from == 1].index) & set(changes.loc[changes["change"].isin(CARRIED), "to_code"])
    before = values[values["unit_code"].isin(set(changes["from_code"])) & (values["year"] <= year)]
    link = before.merge(changes[["from_code", "to_code", "change", "share"]], left_on="unit_code",
                        right_on="from_code")
    parts: list[pd.DataFrame] = []
    whole = link[link["to_code"].isin(carried)]
    if not whole.empty:
        parts.append(whole[[c for c in values.columns if c != "unit_code"] + ["to_code"]])
    # only counts add up: a stated rate or a bound of one predecessor leaves the cell missing
    counted = link[~link["to_code"].isin(carried) & link["basis"].isin(["counts", "aggregated", "predecessors"])
                   & link["num"].notna()]
    if not counted.empty:
        factor = np.where(counted["change"] == "split", counted["share"], 1.0)
        counted = counted.assign(num=counted["num"] * factor, den=counted["den"] * factor)
        g = counted.groupby(["to_code", *KEYS], sort=False, dropna=False)
        rows = g.agg(num=("num", "sum"), den=("den", lambda d: d.sum(min_count=1)), n=("unit_code", "nunique"),
                     n_units=("n_units", "sum"), n_disputed=("n_disputed", "sum")).reset_index()
        rows = rows[rows["n"].to_numpy() == n_from.reindex(rows["to_code"]).to_numpy()].drop(columns="n")
        with np.errstate(invalid="ignore", divide="ignore"):
            rows["value"] = np.where(rows["den"].notna(), 100.0 * rows["num"] / rows["den"].where(rows["den"] > 0),
                                     rows["num"])
        rows = rows[rows["value"].notna()]
        rows = rows.assign(qualifier="", stated=np.nan, disputed=False, source="")
        rows["findings"] = [() for _ in range(len(rows))]
        rows["readings"] = [() for _ in range(len(rows))]
        parts.append(rows)
    if not parts:
        return values.iloc[0:0].assign(from_units=pd.Series(dtype="str"))
    rows = pd.concat(parts, ignore_index=True)
    # a figure of the unit's own wins
    own = values.loc[values["unit_code"].isin(set(changes["to_code"])), ["unit_code", *KEYS]]
    rows = rows.merge(own.rename(columns={"unit_code": "to_code"}).assign(_own=True), on=["to_code", *KEYS],
                      how="left")
    rows = rows[rows["_own"].isna()]
    # no source text of their own: basis and from_units say where they come from (core.i18n.source_text)
    rows = rows.assign(unit_code=rows["to_code"], basis="predecessors",
                       from_units=rows["to_code"].map(label).astype("str"), source="")
    return rows[[*values.columns, "from_units"]].reset_index(drop=True)
