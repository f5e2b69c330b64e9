"""What every part of the pack is written from: one scope's frames, gathered once."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.catalog import Catalog, Term
from core.checks import FINDING_COLUMNS, finding_select
from core.i18n import unit_name
from etl.demo import SOURCE as DEMO_SOURCE
from etl.safety import printable_frame
from monitor import attainment, disputes, unit_tree
from monitor import committee as committee_store
from monitor.unit_tree import UnitTree


@dataclass
class PackData:
    """A pack's scope (a unit and the units it compares) and its frames.

    `rows` are the units compared side by side: the scope's direct children that a resolution binds
    (a province's districts and blocs), else the scope alone. `values` and `assessed` cover the scope
    and everything below it (docs/attainment-api.md); `findings` are the cross-checks stored on load.
    """

    catalog: Catalog
    scope: str
    rows: list[str]
    units: pd.DataFrame
    values: pd.DataFrame
    assessed: pd.DataFrame
    findings: pd.DataFrame
    term: Term
    as_of: int
    lang: str = "vi"
    created: dt.date = field(default_factory=dt.date.today)
    # the committee's current assessments of these units (monitor.committee.current), kept beside the database
    committee: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=committee_store.COLUMNS))

    def __post_init__(self) -> None:
        # text stored before the readers refused control characters (issue 21) still writes into every format
        self.units, self.values, self.assessed, self.findings = (
            printable_frame(f) for f in (self.units, self.values, self.assessed, self.findings))

    @property
    def multi(self) -> bool:
        return len(self.rows) > 1

    def name(self, code: str | None = None) -> str:
        hit = self.units[self.units["unit_code"] == (code or self.scope)]
        return unit_name(hit.iloc[0], self.lang) if len(hit) else (code or self.scope)

    @property
    def subject(self) -> str:
        """Whom the pack is about: the one unit compared, else the scope."""
        return self.name(self.rows[0]) if not self.multi and self.rows else self.name()

    @property
    def shown(self) -> pd.DataFrame:
        """The assessments of the rows, the units the pack is about."""
        return self.assessed[self.assessed["unit_code"].isin(self.rows)]

    @functools.cached_property
    def below(self) -> dict[tuple[str, str, int, str, str], list[str]]:
        """The totals that include a contradicted figure of a unit below, with those units by name
        (disputes.below_names): worked out once a pack, not once a unit or a group."""
        return disputes.below_names(self.values, self.units, self.lang)

    @functools.cached_property
    def figure_notes(self) -> dict[tuple[str, str, int, str, str], list[str]]:
        """Every figure marked ⚑ and what is said of it (disputes.figure_notes), once a pack."""
        return disputes.figure_notes(self.values, self.units, self.catalog, self.lang)

    @property
    def term_years(self) -> str:
        """The term as its years, '2020–2025': how a title names it after 'nhiệm kỳ' / 'term'."""
        return f"{self.term.start}–{self.term.end}"

    @property
    def synthetic(self) -> bool:
        """Figures of `python -m etl demo`: the source each of its facts carries says so (etl.demo.SOURCE),
        whatever the units are called."""
        if self.values.empty or "source" not in self.values:
            return False
        return bool(self.values["source"].fillna("").astype(str).str.contains(DEMO_SOURCE, regex=False).any())


def _rows(units: pd.DataFrame, catalog: Catalog, scope: str, assessed: pd.DataFrame) -> list[str]:
    """The scope's children that targets bind and that have any figure, with the scope first when it
    has figures of its own; a scope with none of these is its own only row."""
    judged = set(assessed.loc[assessed["status"] != "no_data", "unit_code"])
    kids = [c for c in UnitTree.of(units).children(scope) if c in set(assessed["unit_code"])]
    rows = ([scope] if scope in judged else []) + [c for c in kids if c in judged]
    return rows if rows else [scope]


def load_pack_data(con: duckdb.DuckDBPyConnection, catalog: Catalog, scope: str, *, as_of: int | None = None,
                   term_id: str | None = None, lang: str = "vi", units: pd.DataFrame | None = None) -> PackData:
    """Gather one scope's frames from the database (read only)."""
    units = attainment.units_frame(con) if units is None else units
    if scope not in set(units["unit_code"]):
        raise KeyError(f"unknown unit '{scope}'")
    below = unit_tree.subtree(units, scope)
    if term_id is None:
        year = as_of or con.execute("SELECT max(year) FROM facts").fetchone()[0]
        term = catalog.term_of(int(year)) if year is not None else None
        term = term or next(iter(catalog.terms.values()))
    else:
        term = catalog.terms[term_id]
    values = attainment.indicator_values(con, catalog, units=below, term_id=term.id)
    if as_of is None:
        in_term = values.loc[values["year"].between(term.start, term.end), "year"]
        as_of = int(in_term.max()) if len(in_term) else term.midterm
    assessed = attainment.assess(values, catalog, units[units["unit_code"].isin(below)], as_of=as_of,
                                 term_id=term.id)
    findings = con.execute(
        f"SELECT {finding_select(con)} FROM findings WHERE unit_code IN (SELECT unnest($codes)) "
        "AND year <= $year ORDER BY unit_code, year, period, org_type, measure, rule",
        {"codes": below, "year": as_of}).df()
    return PackData(catalog, scope, _rows(units, catalog, scope, assessed), units, values, assessed, findings,
                    term, int(as_of), lang, committee=_committee(con, below))


def _committee(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """The assessments stored beside the database file `con` reads (none for a database in memory)."""
    found = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not found or not found[0]:
        return pd.DataFrame(columns=committee_store.COLUMNS)
    return committee_store.current(Path(found[0]), list(codes))


def from_frames(catalog: Catalog, scope: str, rows: Sequence[str], units: pd.DataFrame, values: pd.DataFrame,
                assessed: pd.DataFrame, term: Term, as_of: int, lang: str = "vi",
                findings: pd.DataFrame | None = None, committee_frame: pd.DataFrame | None = None) -> PackData:
    """A pack of what a page already holds (its selection), for a download button."""
    findings = pd.DataFrame(columns=FINDING_COLUMNS) if findings is None else findings
    data = PackData(catalog, scope, list(rows), units, values, assessed, findings, term, int(as_of), lang)
    if committee_frame is not None:
        data.committee = committee_frame
    return data
