"""Target attainment: each indicator's value against the target that binds the unit, and a status.

The interface is docs/attainment-api.md; the method (thresholds, edge cases) is docs/method.md.
- `indicator_values`: one value per unit × indicator × year × period. Counts win over a stated rate;
  a bound stays a bound; a unit without figures of its own sums its descendants' counts.
- `assess`: one row per unit × binding target: met or not, and for a deadline target the linear
  trend, the projection to the deadline and the progress ratio P; for a yearly target the verdict.
- `judged_values`: each value judged against the target of its year, the rows of CONTRACT.md's
  `python -m monitor scorecard`.

Speed: DuckDB selects the facts and arrow carries them over; the arithmetic then runs on numpy arrays
over every unit × year × period × indicator at once, with strings as integer codes until the frame
is built at the end. (The same arithmetic as long-form SQL, core.metrics, costs 0.4 s on the
national demo before any aggregation; a SQL pivot 1 s; pandas merges 10 ms each on a single unit.)
The semantics are core.metrics': a measure stated in any form is not re-derived from its parts,
and only exact counts (qualifier '') enter a sum.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.catalog import COMPARATORS, FREQUENCIES, QUALIFIERS, Catalog, Resolution, Target
from core.checks import FINDING_COLUMNS, finding_select
from core.i18n import source_note, source_text
from monitor import lineage
from monitor.unit_tree import UnitTree

VALUE_COLUMNS = ["unit_code", "indicator", "year", "period", "org_type", "value", "qualifier", "basis",
                 "num", "den", "stated", "n_units", "source", "disputed", "n_disputed", "findings", "readings",
                 "from_units"]
ASSESS_COLUMNS = ["unit_code", "resolution_id", "target_id", "indicator", "group", "frequency", "deadline",
                  "comparator", "target", "target_high", "target_document", "latest_year", "latest_value",
                  "latest_qualifier", "met", "status", "verdict", "baseline_year", "baseline", "projected",
                  "progress", "needed_per_year", "achieved_per_year", "next_year_value", "years_met",
                  "years_assessed", "source", "disputed", "n_disputed", "findings", "readings", "latest_basis",
                  "latest_n_units", "latest_from_units", "source_note"]
# CONTRACT.md's columns, then target_high: the high end of a range target (NaN otherwise)
SCORECARD_COLUMNS = ["unit_code", "indicator", "year", "period", "org_type", "value", "qualifier", "target",
                     "comparator", "met", "status", "projected", "source", "target_high", "disputed", "findings",
                     "basis", "from_units"]

# a qualifier's, comparator's or frequency's integer code: its position in core.catalog's tuple
_EXACT = QUALIFIERS.index("")
_OVER = QUALIFIERS.index(">")
_UNDER = QUALIFIERS.index("<")
_APPROX = QUALIFIERS.index("~")
_RANGE = COMPARATORS.index("range")
_YEARLY = FREQUENCIES.index("yearly")
_DEADLINE = FREQUENCIES.index("deadline")
# `predecessors`: a year before the unit existed, from the units it was formed from (monitor.lineage)
BASES = ("counts", "stated", "aggregated", "predecessors")
MET = ("", "yes", "no", "undecided")
_YES, _NO, _UNDECIDED = 1, 2, 3
# The statuses are declared in indicators.yaml (method.statuses, best first; core.i18n styles and names
# them), set here by name. `met_latest` is a yearly target's "met this year after a year missed" (no
# projection word); `to_verify` a latest figure whose source contradicts itself so that its readings disagree on
# met or missed, or a rate over 100% (docs/method.md §8); `missed` a deadline target not met once its
# deadline has come (the term's final review: judged, not projected).
VERDICTS = ("met_every_year", "met_latest_only", "not_met_latest", "to_verify", "undecided", "no_data")
# a yearly target's verdict → its status (docs/attainment-api.md)
YEARLY_STATUS = {"met_every_year": "achieved", "met_latest_only": "met_latest", "not_met_latest": "off_track",
                 "to_verify": "to_verify", "undecided": "undecided", "no_data": "no_data"}
# findings of this severity ("Sai lệch") dispute the figures they name; warnings do not
DISPUTING_SEVERITY = "finding"
_EPS = 1e-9
_X0 = 2000  # years are centred before the least-squares sums so that the sums stay small


# -- the catalogue as arrays --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Plan:
    """Which measures a set of indicators reads and how, as column indices of a measure matrix."""

    indicators: tuple[str, ...]
    measures: tuple[str, ...]                         # matrix columns
    derived: tuple[tuple[int, tuple[int, ...]], ...]  # (column, part columns), parts before wholes
    num: tuple[tuple[int, ...], ...]                  # per indicator
    den: tuple[tuple[int, ...], ...]
    is_rate: np.ndarray
    bound_as: tuple[tuple[int, int], ...]             # (column, indicator): a count indicator's bound count
    capped: np.ndarray                                # a percent that cannot pass 100
    touch: dict[str, tuple[tuple[int, int], ...]]     # figure id → (indicator, role): 0 itself, 1 num, 2 den


@lru_cache(maxsize=16)
def _plan(catalog: Catalog, indicators: tuple[str, ...]) -> _Plan:
    cols: dict[str, int] = {}
    derived: list[tuple[int, tuple[int, ...]]] = []

    def column(mid: str) -> int:
        if mid not in cols:
            parts = tuple(column(p) for p in catalog.measures[mid].derived_sum)
            cols[mid] = len(cols)
            if parts:  # appended after its parts: the list is in derivation order
                derived.append((cols[mid], parts))
        return cols[mid]

    num, den, bound = [], [], []
    touch: dict[str, list[tuple[int, int]]] = {}
    for k, iid in enumerate(indicators):
        ind = catalog.indicators[iid]
        num.append(tuple(column(m) for m in ind.numerator))
        den.append(tuple(column(m) for m in ind.denominator))
        if not ind.is_rate and len(ind.numerator) == 1:
            bound.append((num[-1][0], k))
        for role, figures in ((0, (iid,)), (1, ind.numerator), (2, ind.denominator)):
            for f in figures:
                touch.setdefault(f, []).append((k, role))
    inds = [catalog.indicators[i] for i in indicators]
    return _Plan(indicators=indicators, measures=tuple(cols), derived=tuple(derived), num=tuple(num),
                 den=tuple(den), is_rate=np.array([i.is_rate for i in inds], bool), bound_as=tuple(bound),
                 capped=np.array([i.is_rate and not i.may_exceed_100 for i in inds], bool),
                 touch={f: tuple(v) for f, v in touch.items()})


def target_indicators(catalog: Catalog, term_id: str | None = None) -> list[str]:
    """Indicators some resolution sets a target on, in catalogue order."""
    used = {t.indicator for r in catalog.resolutions.values() if not term_id or r.term == term_id
            for t in r.targets}
    return [i for i in catalog.indicators if i in used]


# -- small helpers ------------------------------------------------------------------------------------

def _sql_list(items: Sequence[str]) -> str:
    return ", ".join("'" + s.replace("'", "''") + "'" for s in items)


def _codes(column: pa.ChunkedArray | pa.Array, names: Sequence[str]) -> np.ndarray:
    """Strings → their index in `names` (-1 if absent), through arrow's dictionary encoding."""
    enc = pc.dictionary_encode(column)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    where = {s: k for k, s in enumerate(names)}
    lookup = np.array([where.get(s, -1) for s in enc.dictionary.to_pylist()] + [-1], dtype=np.int64)
    return lookup[enc.indices.to_numpy(zero_copy_only=False)]


def _strings(codes: np.ndarray, names: Sequence[str]) -> pd.Series:
    """Codes → a pandas string column, without a Python loop over the rows."""
    if len(codes) < 5000:  # arrow's set-up costs more than it saves on a short column
        return pd.Series(np.asarray(list(names) or [""], dtype=object)[codes], dtype="str")
    arr = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(list(names), pa.string()))
    return pd.Series(arr.cast(pa.string()).to_pandas(), dtype="str")


def _int_column(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Floats with NaN for 'none' → a nullable integer column."""
    return pd.array(values, dtype="Int64")


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each run of equal values in a sorted array."""
    if len(keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return np.r_[0, change], np.r_[change - 1, len(keys) - 1]


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j) with left[i] == right[j], grouped by i."""
    order = np.argsort(right, kind="stable")
    rk = right[order]
    lo, hi = np.searchsorted(rk, left, "left"), np.searchsorted(rk, left, "right")
    count = hi - lo
    li = np.repeat(np.arange(len(left)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return li, order[np.repeat(lo, count) + offset]


def _units(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str], list[str]]:
    rows = con.execute("SELECT unit_code, parent_code, kind FROM units ORDER BY unit_code").fetchall()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def units_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The units table as assess() takes it."""
    rows = con.execute("SELECT unit_code, name_vi, name_en, parent_code, kind FROM units ORDER BY unit_code")
    return pd.DataFrame(rows.fetchall(), columns=["unit_code", "name_vi", "name_en", "parent_code", "kind"],
                        dtype="str")


def _tree(tree: UnitTree, wanted: Sequence[str] | None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Units in scope (the wanted ones and all their descendants, in code order), each one's parent's
    index in scope (-1: none) and its depth in the tree (the sums go up level by level)."""
    scope = list(tree.parent_of) if wanted is None else tree.below(wanted)
    index = {u: k for k, u in enumerate(scope)}
    parent = np.array([index.get(tree.parent_of[u], -1) for u in scope], dtype=np.int64)
    return scope, parent, np.array([tree.depth(u) for u in scope], dtype=np.int64)


# -- indicator values ---------------------------------------------------------------------------------

@dataclass
class _Values:
    """indicator_values' rows, columnar, strings as codes into the name lists.

    The disputes: `disp` per row (a finding names a figure the value is computed from, or a rate over
    100%), `n_disp` the disputed values that went into it (itself, or an aggregate's inputs); the
    findings as pairs (`f_row`, `f_idx` into `found`) and the other readings the source allows as
    triples (`alt_row`, `alt_val`, `alt_qual`).
    """

    units: list[str]
    indicators: tuple[str, ...]
    periods: tuple[str, ...]
    sources: list[str]
    org_type: str
    u: np.ndarray
    k: np.ndarray
    year: np.ndarray
    period: np.ndarray
    value: np.ndarray
    qual: np.ndarray
    basis: np.ndarray
    num: np.ndarray
    den: np.ndarray
    stated: np.ndarray
    n_units: np.ndarray
    src: np.ndarray
    disp: np.ndarray
    n_disp: np.ndarray
    found: list[dict] = field(default_factory=list)
    f_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    f_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alt_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alt_val: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    alt_qual: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # from_units per row (basis 'predecessors': the units a year before the unit existed comes from)
    came: list[str] = field(default_factory=lambda: [""])
    fu: np.ndarray | None = None

    _ROW_FIELDS = ("u", "k", "year", "period", "value", "qual", "basis", "num", "den", "stated", "n_units", "src",
                   "disp", "n_disp", "fu")

    def __post_init__(self) -> None:
        if self.fu is None:
            self.fu = np.zeros(len(self.u), np.int64)

    def take(self, rows: np.ndarray) -> _Values:
        where = np.full(len(self.u), -1, np.int64)
        where[rows] = np.arange(len(rows))
        fr, ar = where[self.f_row], where[self.alt_row]
        return replace(self, **{f: getattr(self, f)[rows] for f in self._ROW_FIELDS},
                       f_row=fr[fr >= 0], f_idx=self.f_idx[fr >= 0], alt_row=ar[ar >= 0],
                       alt_val=self.alt_val[ar >= 0], alt_qual=self.alt_qual[ar >= 0])

    def row_findings(self) -> np.ndarray:
        """Per row, the tuple of its findings (empty when undisputed by a finding)."""
        out = np.empty(len(self.u), dtype=object)
        out.fill(())
        order = np.argsort(self.f_row, kind="stable")
        rows, idx = self.f_row[order].tolist(), self.f_idx[order].tolist()
        for r, group in itertools.groupby(zip(rows, idx, strict=True), key=lambda p: p[0]):
            out[r] = tuple(self.found[i] for _, i in group)
        return out

    def row_readings(self) -> np.ndarray:
        """Per row, the other readings (value, qualifier) its source allows."""
        out = np.empty(len(self.u), dtype=object)
        out.fill(())
        order = np.argsort(self.alt_row, kind="stable")
        triples = zip(self.alt_row[order].tolist(), self.alt_val[order].tolist(), self.alt_qual[order].tolist(),
                      strict=True)
        for r, group in itertools.groupby(triples, key=lambda p: p[0]):
            out[r] = tuple((v, QUALIFIERS[q]) for _, v, q in group)
        return out

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "unit_code": _strings(self.u, self.units),
            "indicator": _strings(self.k, self.indicators),
            "year": self.year.astype(np.int64),
            "period": _strings(self.period, self.periods),
            "org_type": _strings(np.zeros(len(self.u), np.int64), [self.org_type]),
            "value": self.value, "qualifier": _strings(self.qual, QUALIFIERS),
            "basis": _strings(self.basis, BASES), "num": self.num, "den": self.den, "stated": self.stated,
            "n_units": self.n_units.astype(np.int64), "source": _strings(self.src, self.sources),
            "disputed": self.disp.astype(bool), "n_disputed": self.n_disp.astype(np.int64),
            "findings": self.row_findings(), "readings": self.row_readings(),
            "from_units": _strings(self.fu, self.came),
        }, columns=VALUE_COLUMNS)


def _no_values(catalog: Catalog, plan: _Plan, org_type: str) -> _Values:
    z, f = np.zeros(0, np.int64), np.zeros(0, np.float64)
    return _Values([], plan.indicators, tuple(catalog.periods), [], org_type, z, z, z, z, f, z, z, f, f, f, z, z,
                   np.zeros(0, bool), z)


def indicator_values(con: duckdb.DuckDBPyConnection, catalog: Catalog, *, units: Sequence[str] | None = None,
                     org_types: Sequence[str] | None = None, term_id: str | None = None,
                     indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per unit × indicator × year × period (columns VALUE_COLUMNS; docs/attainment-api.md).

    `units` limits the rows (their descendants' counts still feed their aggregates); `indicators`
    limits the indicators (default: all of the catalogue's).
    """
    frame = _indicator_values(con, catalog, units=units, org_types=org_types, term_id=term_id,
                              indicators=indicators).frame()
    return _with_predecessors(con, catalog, frame, units=units, org_types=org_types, term_id=term_id,
                              indicators=indicators)


def _with_predecessors(con: duckdb.DuckDBPyConnection, catalog: Catalog, frame: pd.DataFrame, *,
                       units: Sequence[str] | None, org_types: Sequence[str] | None, term_id: str | None,
                       indicators: Sequence[str] | None) -> pd.DataFrame:
    """The frame with the years before a unit existed filled from the units it was formed from."""
    changes = lineage.unit_changes(con)
    if changes.empty:
        return frame
    successors = set(changes["to_code"])
    wanted = None if units is None else [u for u in units if u in successors]
    if wanted == []:
        return frame
    pool = frame
    if wanted is not None:
        preds = sorted(set(changes.loc[changes["to_code"].isin(wanted), "from_code"]) - set(units or ()))
        if preds:  # their own predecessors come with them (the chain)
            pool = pd.concat([frame, indicator_values(con, catalog, units=preds, org_types=org_types,
                                                      term_id=term_id, indicators=indicators)], ignore_index=True)
    rows = lineage.predecessor_rows(pool.drop(columns="from_units"), changes, wanted)
    if rows.empty:
        return frame
    return pd.concat([frame, rows[VALUE_COLUMNS]], ignore_index=True)


def _indicator_values(con: duckdb.DuckDBPyConnection, catalog: Catalog, *, units: Sequence[str] | None,
                      org_types: Sequence[str] | None, term_id: str | None,
                      indicators: Sequence[str] | None, tree: UnitTree | None = None) -> _Values:
    plan = _plan(catalog, tuple(indicators) if indicators is not None else tuple(catalog.indicators))
    types = tuple(sorted(set(org_types))) if org_types else ("",)
    org_label = "+".join(types)
    scope, parent, depth = _tree(tree if tree is not None else UnitTree.of_pairs(*_units(con)[:2]), units)
    if not scope or not plan.indicators:
        return _no_values(catalog, plan, org_label)

    where = [f"measure IN ({_sql_list([*plan.measures, *plan.indicators])})",
             *_where(catalog, types, scope if units is not None else None, term_id)]
    facts = con.sql("SELECT unit_code, year, period, org_type, measure, value, qualifier, source FROM facts "
                    "WHERE " + " AND ".join(where)).to_arrow_table()
    if facts.num_rows == 0:
        return _no_values(catalog, plan, org_label)

    periods = tuple(catalog.periods)
    uid = _codes(facts["unit_code"], scope)
    year = facts["year"].to_numpy().astype(np.int64)
    per = _codes(facts["period"], periods)
    oid = _codes(facts["org_type"], types)
    qual = _codes(facts["qualifier"], QUALIFIERS)
    value = facts["value"].to_numpy()
    src_enc = pc.dictionary_encode(facts["source"]).combine_chunks()
    src = src_enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    sources = src_enc.dictionary.to_pylist()
    mcol = _codes(facts["measure"], plan.measures)
    icol = _codes(facts["measure"], plan.indicators)
    keep = (uid >= 0) & (per >= 0) & (oid >= 0) & (qual >= 0)  # the load admits nothing else
    y0 = int(year.min())
    n_u, n_y, n_p, n_o, n_i = len(scope), int(year.max()) - y0 + 1, len(periods), len(types), len(plan.indicators)

    # The measure matrix: a row per unit × year × period × org type present, a column per measure.
    key = ((uid * n_y + (year - y0)) * n_p + per) * n_o + oid
    is_m = keep & (mcol >= 0)
    rows, kidx = np.unique(key[is_m], return_inverse=True)
    exact = np.full((len(rows), len(plan.measures)), np.nan)
    stated = np.zeros(exact.shape, bool)
    msrc = np.full(exact.shape, -1, np.int64)
    mc, mv, mq = mcol[is_m], value[is_m], qual[is_m]
    stated[kidx, mc] = True
    msrc[kidx, mc] = src[is_m]
    ex = mq == _EXACT
    exact[kidx[ex], mc[ex]] = mv[ex]
    for col, parts in plan.derived:  # parts come first, so a part derived itself is ready
        todo = ~stated[:, col]
        total = exact[:, list(parts)].sum(axis=1)  # NaN unless every part is there, exact
        exact[todo, col] = total[todo]
        msrc[todo, col] = msrc[todo, parts[0]]

    # Indicators per row (NaN unless every measure of a numerator or denominator is there), then the
    # valid ones summed over the chosen org types into a dense unit × year × period × indicator cube.
    cube = (n_u, n_y, n_p, n_i)
    num = np.column_stack([exact[:, list(c)].sum(axis=1) for c in plan.num])
    den = np.column_stack([exact[:, list(c)].sum(axis=1) if c else np.zeros(len(rows)) for c in plan.den])
    r, k = np.nonzero(~np.isnan(num) & (~plan.is_rate | (den > 0)))  # NaN compares False
    flat = (rows[r] // n_o) * n_i + k  # the cell: ((unit × years + year) × periods + period) × indicators + k
    capped_cells = flat[plan.capped[k]]  # where counts could make a rate over 100%
    size = int(np.prod(cube))
    own_num = np.bincount(flat, num[r, k], size).reshape(cube)
    own_den = np.bincount(flat, den[r, k], size).reshape(cube)
    own = (np.bincount(flat, minlength=size) > 0).reshape(cube)
    # with several org types summed, one of the types' sources names the figure
    src_num, src_den = np.full(size, -1, np.int64), np.full(size, -1, np.int64)
    src_num[flat] = msrc[r, np.array([c[0] for c in plan.num], np.int64)[k]]
    rated = plan.is_rate[k]
    src_den[flat[rated]] = msrc[r[rated], np.array([c[0] if c else 0 for c in plan.den], np.int64)[k[rated]]]
    src_num, src_den = src_num.reshape(cube), src_den.reshape(cube)

    # Rates and bounds as the source states them; several org types summed cannot use them.
    st = np.zeros(cube, bool)
    st_val, st_qual, st_src = np.full(cube, np.nan), np.zeros(cube, np.int64), np.full(cube, -1, np.int64)
    if n_o == 1:
        picks = [(keep & (mcol == col) & (qual != 0), np.int64(k)) for col, k in plan.bound_as]
        picks.append((keep & (icol >= 0), icol))  # last, so an indicator-id row wins
        for mask, k in picks:
            if mask.any():
                at = (uid[mask], year[mask] - y0, per[mask], k[mask] if np.ndim(k) else np.full(int(mask.sum()), k))
                st[at] = True
                st_val[at], st_qual[at], st_src[at] = value[mask], qual[mask], src[mask]

    # Disputed cells: a finding names one of their figures, or their own counts' rate passes 100%
    # (marked cell by cell where there are counts: a cube-wide comparison costs more than the rest).
    dcube = np.zeros(cube, bool)
    with np.errstate(invalid="ignore"):
        over = own_num.reshape(-1)[capped_cells] > own_den.reshape(-1)[capped_cells] + _EPS
    marked = [capped_cells[over]]
    fd = _findings_of(con, catalog, plan, types, scope if units is not None else None, term_id)
    f_cell = np.zeros(0, np.int64)
    if fd.found:
        where = {c: i for i, c in enumerate(scope)}
        fu = np.array([where.get(c, -1) for c in fd.unit], np.int64)
        fy = fd.year - y0
        ok = (fu >= 0) & (fy >= 0) & (fy < n_y) & (fd.period >= 0)
        fd = fd.take(np.flatnonzero(ok))
        f_cell = ((fu[ok] * n_y + fy[ok]) * n_p + fd.period) * n_i + fd.k
        marked.append(f_cell)
    marked_cells = np.concatenate(marked)
    np.put(dcube, marked_cells, True)

    # Up the hierarchy: a unit's counts are its own, else the sum of its children's (never rates).
    cv_num, cv_den, cv_n = own_num.copy(), own_den.copy(), own.astype(np.float64)
    agg_num, agg_den, agg_n = np.zeros(cube), np.zeros(cube), np.zeros(cube)
    # disputed inputs counted up the tree only for the indicators that have any (few, mostly none)
    kd = np.unique(marked_cells % n_i)
    cv_d = (dcube[..., kd] & own[..., kd]).astype(np.float64)
    agg_d = np.zeros(cv_d.shape)
    for d in range(int(depth.max()), -1, -1):  # children before parents
        level = np.flatnonzero(depth == d)
        take = ~own[level]
        cv_num[level] = np.where(take, agg_num[level], cv_num[level])
        cv_den[level] = np.where(take, agg_den[level], cv_den[level])
        cv_n[level] = np.where(take, agg_n[level], cv_n[level])
        if len(kd):
            cv_d[level] = np.where(take[..., kd], agg_d[level], cv_d[level])
        up = level[parent[level] >= 0]
        if len(up):
            up = up[np.argsort(parent[up], kind="stable")]
            heads, _ = _runs(parent[up])
            into = parent[up][heads]
            for total, part in ((agg_num, cv_num), (agg_den, cv_den), (agg_n, cv_n),
                                *([(agg_d, cv_d)] if len(kd) else [])):
                total[into] += np.add.reduceat(part[up], heads, axis=0)
    aggregated = ~own & ~st & (agg_n > 0)

    shown = own | st | aggregated
    if units is not None:
        shown &= np.isin(np.array(scope, dtype=object), list(units))[:, None, None, None]
    u, y, p, k = np.nonzero(shown)
    at = (u, y, p, k)
    o, s, a = own[at], st[at], aggregated[at]
    rate = plan.is_rate[k]
    num_out = np.where(o, own_num[at], np.where(a, agg_num[at], np.nan))
    den_out = np.where(rate & (o | a), np.where(o, own_den[at], agg_den[at]), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        counted = np.where(rate, 100.0 * num_out / den_out, num_out)
    n_units = np.where(a, agg_n[at], 1).astype(np.int64)
    value_out = np.where(o | a, counted, st_val[at])
    with np.errstate(invalid="ignore"):
        disp = (dcube[at] & ~a) | (plan.capped[k] & (value_out > 100 + _EPS))
    k_d = np.full(n_i, -1, np.int64)
    k_d[kd] = np.arange(len(kd))
    below = np.zeros(len(u))
    with_d = a & (k_d[k] >= 0)
    below[with_d] = agg_d[u[with_d], y[with_d], p[with_d], k_d[k[with_d]]]
    n_disp = np.where(a, below, disp).astype(np.int64)

    # source: the stated figure's, else the numerator's and the denominator's; an aggregate has none (its
    # basis and n_units say it, in the reader's words: core.i18n.source_text)
    sn = np.where(s, st_src[at], src_num[at])
    sd = np.where(s | (src_den[at] == sn), -1, src_den[at])
    base = len(sources) + 1
    label = np.where(a, -n_units, sn * base + sd + 1)
    labels, src_out = np.unique(label, return_inverse=True)
    texts = []
    for lab in labels.tolist():
        if lab < 0:
            texts.append("")
        else:
            i, j = divmod(lab, base)
            texts.append(" | ".join(sources[x] for x in (i, j - 1) if x >= 0))

    vals = _Values(
        units=scope, indicators=plan.indicators, periods=periods, sources=texts, org_type=org_label,
        u=u, k=k, year=y + y0, period=p, value=value_out,
        qual=np.where(o | a, _EXACT, st_qual[at]), basis=np.where(o, 0, np.where(s, 1, 2)),
        num=num_out, den=den_out, stated=np.where(s, st_val[at], np.nan), n_units=n_units,
        src=src_out.astype(np.int64), disp=disp.astype(bool), n_disp=n_disp,
    )
    if len(f_cell):
        pos = np.full(size, -1, np.int64)
        pos[((u * n_y + y) * n_p + p) * n_i + k] = np.arange(len(u))
        _attach_findings(vals, fd, pos[f_cell], single_type=n_o == 1, is_rate=plan.is_rate)
    return vals


@dataclass
class _Found:
    """The disputing findings, one entry per finding × indicator value it touches (`k`, `role`: 0 the
    indicator's own stated rate, 1 a numerator figure, 2 a denominator figure). `alt`: the figure the
    source also gives for the one it states (`was` → `alt`: a whole against the sum of its parts), or
    NaN when the finding offers no other figure (a part over its whole: the rate tells)."""

    found: list[dict]
    idx: np.ndarray
    unit: list[str]
    year: np.ndarray
    period: np.ndarray
    k: np.ndarray
    role: np.ndarray
    was: np.ndarray
    alt: np.ndarray
    alt_qual: np.ndarray

    def take(self, rows: np.ndarray) -> _Found:
        return replace(self, unit=[self.unit[i] for i in rows.tolist()],
                       **{f: getattr(self, f)[rows] for f in ("idx", "year", "period", "k", "role", "was", "alt",
                                                              "alt_qual")})


def _where(catalog: Catalog, types: Sequence[str], scope: Sequence[str] | None, term_id: str | None) -> list[str]:
    """The SQL conditions shared by the facts and the findings read for one plan: org types, units, term."""
    where = [f"org_type IN ({_sql_list(types)})"]
    if scope is not None:
        where.append(f"unit_code IN ({_sql_list(scope)})")
    if term_id:
        term = catalog.terms[term_id]
        where.append(f"year BETWEEN {int(term.start)} AND {int(term.end)}")
    return where


def _findings_of(con: duckdb.DuckDBPyConnection, catalog: Catalog, plan: _Plan, types: tuple[str, ...],
                 scope: Sequence[str] | None, term_id: str | None) -> _Found:
    """The findings that dispute the plan's indicators, in the chosen org types (and units, term)."""
    where = [f"severity = '{DISPUTING_SEVERITY}'", *_where(catalog, types, scope, term_id)]
    # the finding's facts are its fields (a stated bound's qualifier, the counts of a rate); a database loaded
    # before findings had fields has them NULL (core.checks.finding_select), but for a bound's qualifier, its fact's
    select = finding_select(con, "findings", "f").replace(
        "NULL::VARCHAR AS qualifier",
        "CASE WHEN rule = 'stated_bound' THEN (SELECT any_value(x.qualifier) FROM facts x "
        "WHERE x.unit_code = f.unit_code AND x.year = f.year AND x.period = f.period "
        "AND x.org_type = f.org_type AND x.measure = f.measure) END AS qualifier")
    rows = con.execute(f"SELECT {select} FROM findings f WHERE "
                       + " AND ".join(where) + " ORDER BY unit_code, year, period, measure, rule").fetchall()
    found: list[dict] = []
    out: list[tuple] = []
    periods = tuple(catalog.periods)
    for row in rows:
        f = dict(zip(FINDING_COLUMNS, row, strict=True))
        rule, unit, year, period, measure = f["rule"], f["unit_code"], f["year"], f["period"], f["measure"]
        stated = f["stated"] = np.nan if f["stated"] is None else float(f["stated"])
        computed = f["computed"] = np.nan if f["computed"] is None else float(f["computed"])
        f["year"] = int(year)
        qualifier = f["qualifier"] = f["qualifier"] or ""
        # (figure, the stated figure, the other one the source gives, the other's qualifier)
        if rule == "part_exceeds_whole":  # measure = the part (computed), stated = its whole
            m = catalog.measures.get(measure)
            figures = [(measure, np.nan, np.nan, 0)]
            if m is not None and m.whole:
                figures.append((m.whole, stated, computed, 0))
        elif rule == "stated_bound":
            figures = [(measure, computed, stated, QUALIFIERS.index(qualifier) if qualifier in QUALIFIERS else 0)]
        elif rule == "stated_rate":
            figures = [(measure, computed, stated, 0)]
        else:  # balance: a whole (stated) against the sum of its parts (computed); a new check: no reading
            figures = [(measure, stated, computed if rule == "balance" else np.nan, 0)]
        touched = [(kk, role, was, alt, q) for fig, was, alt, q in figures for kk, role in plan.touch.get(fig, ())]
        if not touched or period not in periods:
            continue
        found.append(f)
        for kk, role, was, alt, q in touched:
            out.append((len(found) - 1, unit, int(year), periods.index(period), kk, role, was, alt, q))
    cols = list(zip(*out, strict=True)) if out else [[]] * 9
    return _Found(found=found, idx=np.array(cols[0], np.int64), unit=list(cols[1]),
                  year=np.array(cols[2], np.int64), period=np.array(cols[3], np.int64), k=np.array(cols[4], np.int64),
                  role=np.array(cols[5], np.int64), was=np.array(cols[6], np.float64),
                  alt=np.array(cols[7], np.float64), alt_qual=np.array(cols[8], np.int64))


def _attach_findings(vals: _Values, fd: _Found, rows: np.ndarray, *, single_type: bool,
                     is_rate: np.ndarray) -> None:
    """Name each touched value's findings and add the readings the findings allow: the stated rate
    beside the counts' rate, or the rate with the other figure the source gives for a whole."""
    keep = rows >= 0
    rows, fd = rows[keep], fd.take(np.flatnonzero(keep))
    pairs = np.unique(np.column_stack([rows, fd.idx]), axis=0) if len(rows) else np.zeros((0, 2), np.int64)
    vals.found = fd.found
    vals.f_row, vals.f_idx = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    # other readings: only of a value from this type's own counts (several types summed: the mark alone)
    ok = single_type & (vals.basis[rows] == 0) & ~np.isnan(fd.alt)
    num, den = vals.num[rows], vals.den[rows]
    rate = is_rate[vals.k[rows]]
    with np.errstate(invalid="ignore", divide="ignore"):
        new_num = np.where(fd.role == 1, num - fd.was + fd.alt, num)
        new_den = np.where(fd.role == 2, den - fd.was + fd.alt, den)
        swapped = np.where(rate, 100.0 * new_num / new_den, new_num)
    alt = np.where(fd.role == 0, fd.alt, swapped)
    ok &= ~np.isnan(alt)
    vals.alt_row, vals.alt_val = rows[ok], alt[ok]
    vals.alt_qual = np.where(fd.role == 0, fd.alt_qual, 0)[ok].astype(np.int64)


def _items(cells: np.ndarray | None, row: int) -> tuple:
    cell = cells[row] if cells is not None else ()
    return tuple(cell) if isinstance(cell, (tuple, list)) else ()


def _values_of(frame: pd.DataFrame, catalog: Catalog) -> _Values:
    """The columnar form of an indicator_values() frame (what a caller hands to assess())."""
    def factor(col: str) -> tuple[np.ndarray, list[str]]:
        codes, names = pd.factorize(frame[col], sort=True)
        return codes.astype(np.int64), [str(x) for x in names]

    orgs = frame["org_type"].unique().tolist() if len(frame) else [""]
    if len(orgs) > 1:
        raise ValueError("assess() takes the values of one org-type selection; filter `values` first")
    u, unit_names = factor("unit_code")
    k, ind_names = factor("indicator")
    s, sources = factor("source")
    fu, came = np.zeros(len(frame), np.int64), [""]
    if "from_units" in frame and len(frame):
        codes, names = pd.factorize(frame["from_units"].astype("string").fillna(""), sort=True)
        fu, came = codes.astype(np.int64), [str(x) for x in names]
    periods = tuple(catalog.periods)
    n = len(frame)
    # a frame built by hand may leave the dispute columns out or empty: undisputed
    disp = (frame["disputed"].astype("boolean").fillna(False).to_numpy(bool) if "disputed" in frame
            else np.zeros(n, bool))
    vals = _Values(
        units=unit_names, indicators=tuple(ind_names), periods=periods, sources=sources, org_type=str(orgs[0]),
        u=u, k=k, year=frame["year"].to_numpy(np.int64), period=_codes(pa.array(frame["period"].astype(str)), periods),
        value=frame["value"].to_numpy(np.float64),
        qual=_codes(pa.array(frame["qualifier"].astype(str)), QUALIFIERS),
        basis=_codes(pa.array(frame["basis"].astype(str)), BASES),
        num=frame["num"].to_numpy(np.float64), den=frame["den"].to_numpy(np.float64),
        stated=frame["stated"].to_numpy(np.float64), n_units=frame["n_units"].to_numpy(np.int64), src=s,
        disp=disp, n_disp=(frame["n_disputed"].fillna(0).to_numpy(np.int64) if "n_disputed" in frame
                           else disp.astype(np.int64)),
        came=came, fu=fu,
    )
    # the findings and readings of the few disputed rows, back into columnar form
    f_row, f_idx, a_row, a_val, a_q = [], [], [], [], []
    seen: dict[int, int] = {}
    found_cells = frame["findings"].to_numpy(object) if "findings" in frame else None
    reading_cells = frame["readings"].to_numpy(object) if "readings" in frame else None
    for r in np.flatnonzero(disp).tolist():
        for f in _items(found_cells, r):
            f_row.append(r)
            f_idx.append(seen.setdefault(id(f), len(vals.found)))
            if f_idx[-1] == len(vals.found):
                vals.found.append(f)
        for v, q in _items(reading_cells, r):
            a_row.append(r)
            a_val.append(v)
            a_q.append(QUALIFIERS.index(q))
    vals.f_row, vals.f_idx = np.array(f_row, np.int64), np.array(f_idx, np.int64)
    vals.alt_row, vals.alt_val = np.array(a_row, np.int64), np.array(a_val, float)
    vals.alt_qual = np.array(a_q, np.int64)
    return vals


# -- met: a value (or a bound) against a target --------------------------------------------------------

# the set a comparator accepts: whether it sets a low end, a high end, and whether each is open
_ACCEPTS = {  # sets low  sets high  low open  high open
    ">": (True, False, True, True),
    ">=": (True, False, False, True),
    "=": (True, True, False, False),
    "<=": (False, True, True, False),
    "<": (False, True, True, True),
    "range": (True, True, False, False),  # [low, high]
}


def _met(value: np.ndarray, qual: np.ndarray, comp: np.ndarray, low: np.ndarray, high: np.ndarray,
         capped: np.ndarray) -> np.ndarray:
    """Codes into MET per element (0 = no value).

    A value is the set of numbers it allows: an exact or approximate ('~') value itself; a bound
    '>' v the interval (v, 100] for a percent that cannot pass 100, else (v, ∞); '<' v the interval
    [0, v). A target is the set it accepts. Met when every allowed number is accepted, not met when
    none is, otherwise undecided ("over 90%" against ≥ 95%).
    """
    value = np.round(np.asarray(value, np.float64), 9)
    n = len(value)
    gt, lt = qual == _OVER, qual == _UNDER
    v_lo, v_hi = value.copy(), value.copy()
    v_lo_open, v_hi_open = gt.copy(), lt.copy()
    v_hi[gt] = np.where(capped[gt], 100.0, np.inf)
    v_hi_open |= gt & ~capped
    v_lo[lt] = 0.0
    t_lo, t_hi = np.full(n, -np.inf), np.full(n, np.inf)
    t_lo_open, t_hi_open = np.ones(n, bool), np.ones(n, bool)
    for code, comparator in enumerate(COMPARATORS):
        lo_side, hi_side, lo_open, hi_open = _ACCEPTS[comparator]
        m = comp == code
        if lo_side:
            t_lo[m], t_lo_open[m] = low[m], lo_open
        if hi_side:
            t_hi[m], t_hi_open[m] = (high[m] if code == _RANGE else low[m]), hi_open
    inside = (((v_lo > t_lo) | ((v_lo == t_lo) & (~t_lo_open | v_lo_open)))
              & ((v_hi < t_hi) | ((v_hi == t_hi) & (~t_hi_open | v_hi_open))))
    lo = np.maximum(v_lo, t_lo)
    lo_open = np.where(v_lo > t_lo, v_lo_open, np.where(t_lo > v_lo, t_lo_open, v_lo_open | t_lo_open))
    hi = np.minimum(v_hi, t_hi)
    hi_open = np.where(v_hi < t_hi, v_hi_open, np.where(t_hi < v_hi, t_hi_open, v_hi_open | t_hi_open))
    outside = (lo > hi) | ((lo == hi) & (lo_open | hi_open))
    out = np.where(inside, _YES, np.where(outside, _NO, _UNDECIDED))
    return np.where(np.isnan(value) | np.isnan(low), 0, out).astype(np.int64)


def met(value: float, qualifier: str, comparator: str, target: float, target_high: float = float("nan"),
        capped: bool = True) -> str:
    """'yes' / 'no' / 'undecided' for one value against one target ('' without a value).
    `capped`: the value is a percent that cannot pass 100 (bounds end there)."""
    code = _met(np.array([value], float), np.array([QUALIFIERS.index(qualifier)]),
                np.array([COMPARATORS.index(comparator)]), np.array([target], float),
                np.array([target_high], float), np.array([capped]))
    return MET[int(code[0])]


# -- which targets bind which units -------------------------------------------------------------------

@dataclass
class _Binds:
    """One entry per unit × binding target, columnar; `tk` indexes `targets`."""

    unit_codes: list[str]
    targets: list[tuple[Resolution, Target]]
    u: np.ndarray          # index into unit_codes
    tk: np.ndarray
    indicator: list[str]   # per target key
    freq: np.ndarray       # per target key: index into FREQUENCIES
    comp: np.ndarray
    deadline: np.ndarray   # float, NaN for yearly
    capped: np.ndarray
    is_rate: np.ndarray
    group: list[str]


@lru_cache(maxsize=16)
def _named_units(catalog: Catalog) -> frozenset[str]:
    return frozenset(u for r in catalog.resolutions.values() for u in r.binds.units)


@lru_cache(maxsize=256)
def _targets_for(catalog: Catalog, code: str, kind: str, term_id: str | None) -> tuple[tuple[Resolution, Target], ...]:
    return tuple(catalog.targets_for(code, kind, term_id))


def _bindings(catalog: Catalog, unit_codes: list[str], kinds: list[str], term_id: str | None) -> _Binds:
    keys: dict[tuple[str, str], int] = {}
    targets: list[tuple[Resolution, Target]] = []
    bu, btk = [], []
    named = _named_units(catalog)
    for u, (code, kind) in enumerate(zip(unit_codes, kinds, strict=True)):
        # a unit no resolution names is bound by its kind alone: one cache entry per kind
        for res, tgt in _targets_for(catalog, code if code in named else "", kind, term_id):
            tk = keys.setdefault((res.id, tgt.id), len(keys))
            if tk == len(targets):
                targets.append((res, tgt))
            bu.append(u)
            btk.append(tk)
    inds = [catalog.indicators[t.indicator] for _, t in targets]
    return _Binds(
        unit_codes=unit_codes, targets=targets, u=np.array(bu, np.int64), tk=np.array(btk, np.int64),
        indicator=[t.indicator for _, t in targets],
        freq=np.array([FREQUENCIES.index(t.frequency) for _, t in targets], np.int64),
        comp=np.array([COMPARATORS.index(t.comparator) for _, t in targets], np.int64),
        deadline=np.array([np.nan if t.deadline is None else t.deadline for _, t in targets], np.float64),
        capped=np.array([i.is_rate and not i.may_exceed_100 for i in inds], bool),
        is_rate=np.array([i.is_rate for i in inds], bool),
        group=[i.group for i in inds],
    )


@dataclass
class _TargetYears:
    """Each target's value in each year from y0 (revisions): [target key, year - y0]."""

    y0: int
    low: np.ndarray
    high: np.ndarray
    doc: np.ndarray
    docs: list[str]

    def at(self, tk: np.ndarray, year: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        y = np.clip(year - self.y0, 0, self.low.shape[1] - 1)
        return self.low[tk, y], self.high[tk, y], self.doc[tk, y]


def _target_years(targets: list[tuple[Resolution, Target]], y0: int, y1: int) -> _TargetYears:
    years = range(y0, y1 + 1)
    low = np.full((max(len(targets), 1), len(years)), np.nan)
    high, doc = low.copy(), np.zeros(low.shape, np.int64)
    docs = [""]
    for tk, (_, tgt) in enumerate(targets):
        for j, yr in enumerate(years):
            v, d = tgt.value_for(yr)
            low[tk, j], high[tk, j] = v if isinstance(v, tuple) else (v, np.nan)
            if d:
                if d not in docs:
                    docs.append(d)
                doc[tk, j] = docs.index(d)
    return _TargetYears(y0, low, high, doc, docs)


def _term_starts(catalog: Catalog, years: np.ndarray, term_id: str | None) -> np.ndarray:
    if term_id:
        return np.full(len(years), catalog.terms[term_id].start, np.int64)
    uniq, inv = np.unique(years, return_inverse=True)
    starts = [(t.start if (t := catalog.term_of(int(yr))) else int(yr)) for yr in uniq.tolist()]
    return np.array(starts, np.int64)[inv] if len(years) else np.zeros(0, np.int64)


# -- observations: a value row paired with a binding, judged ------------------------------------------

@dataclass
class _Obs:
    vi: np.ndarray       # value row
    bi: np.ndarray       # binding
    judged: np.ndarray   # bool: this pair is judged against the target
    compared: np.ndarray  # the value compared: a TD count becomes its yearly average
    average: np.ndarray  # bool: compared = TD ÷ elapsed
    elapsed: np.ndarray
    low: np.ndarray
    high: np.ndarray
    doc: np.ndarray
    met: np.ndarray      # codes into MET; 0 where not judged
    verify: np.ndarray   # bool: judged, and its readings disagree on met or a rate passes 100%


def _observe(vals: _Values, binds: _Binds, catalog: Catalog, tt: _TargetYears, *, as_of: int,
             term_id: str | None, deadline_at_as_of: bool) -> _Obs:
    """Pair every value row with the bindings on its unit × indicator, and judge the pairs.

    Judged: whole-year (Y) values; for a yearly target, a term-to-date (TD) figure too in a year
    without a Y value — a count as its yearly average (TD ÷ years since the term began), a rate as
    stated (reports give TD rates as the yearly average). H1 is never judged against a target.
    The target is the one that holds in the value's year, or for a deadline target in assess() the
    one in force at `as_of`. Values after `as_of` or outside the term are not judged.
    """
    n_k = max(len(vals.indicators), 1)
    unit_index = {c: i for i, c in enumerate(vals.units)}
    ind_index = {c: i for i, c in enumerate(vals.indicators)}
    b_vu = np.array([unit_index.get(c, -1) for c in binds.unit_codes], np.int64)[binds.u] \
        if len(binds.u) else np.zeros(0, np.int64)
    b_k = np.array([ind_index.get(i, -1) for i in binds.indicator], np.int64)[binds.tk] \
        if len(binds.tk) else np.zeros(0, np.int64)
    b_key = np.where((b_vu >= 0) & (b_k >= 0), b_vu * n_k + b_k, -1)
    vi, bi = _join(vals.u * n_k + vals.k, b_key)
    tk = binds.tk[bi]
    year, period = vals.year[vi], vals.period[vi]
    y_code, td_code = vals.periods.index("Y"), vals.periods.index("TD")
    yearly = binds.freq[tk] == _YEARLY
    ok = (year <= as_of) & ((period == y_code) | ((period == td_code) & yearly))
    if term_id:
        term = catalog.terms[term_id]
        ok &= (year >= term.start) & (year <= term.end)
    # a TD figure stands in only for a year without a Y value: Y sorts first within (binding, year)
    order = np.lexsort((period != y_code, year, bi))
    first, _ = _runs(bi[order] * 10_000 + year[order])
    dup = np.ones(len(order), bool)
    dup[first] = False
    shadowed = np.zeros(len(order), bool)
    shadowed[order] = dup
    judged = ok & ~shadowed
    elapsed = np.maximum(1, year - _term_starts(catalog, year, term_id))
    average = judged & (period == td_code) & ~binds.is_rate[tk]
    compared = np.where(average, vals.value[vi] / elapsed, vals.value[vi])
    ty = np.where((binds.freq[tk] == _DEADLINE) & deadline_at_as_of, as_of, year)
    low, high, doc = tt.at(tk, ty)
    m = _met(compared, vals.qual[vi], binds.comp[tk], low, high, binds.capped[tk])
    capped = binds.capped[tk]
    with np.errstate(invalid="ignore"):
        verify = vals.disp[vi] & capped & (vals.value[vi] > 100 + _EPS)
    if len(vals.alt_row) and len(vi):
        # every other reading of a disputed value judged like the value itself
        oi, ai = _join(vi, vals.alt_row)
        alt = np.where(average[oi], vals.alt_val[ai] / elapsed[oi], vals.alt_val[ai])
        m_alt = _met(alt, vals.alt_qual[ai], binds.comp[tk[oi]], low[oi], high[oi], capped[oi])
        with np.errstate(invalid="ignore"):
            bad = (m_alt != m[oi]) | (capped[oi] & (vals.alt_val[ai] > 100 + _EPS))
        verify[oi[bad]] = True
    return _Obs(vi=vi, bi=bi, judged=judged, compared=compared, average=average, elapsed=elapsed, low=low,
                high=high, doc=doc, verify=judged & verify,
                # readings that disagree cannot decide, as a bound that straddles the target cannot
                met=np.where(judged & verify, _UNDECIDED, np.where(judged, m, 0)))


def _obs_notes(vals: _Values, obs: _Obs, rows: np.ndarray) -> list[dict | None]:
    """Per observation in `rows`, how a TD figure was judged (core.i18n.source_note says it): a count as
    its yearly average (`total` since the term began ÷ `years` = `average`), a rate as the term's average
    against a yearly target; None for any other figure."""
    td = vals.periods.index("TD")
    out: list[dict | None] = []
    for r in rows.tolist():
        if obs.average[r]:
            out.append({"kind": "average", "total": float(vals.value[obs.vi[r]]), "years": int(obs.elapsed[r]),
                        "average": float(obs.compared[r])})
        else:
            out.append({"kind": "term_to_date"} if obs.judged[r] and vals.period[obs.vi[r]] == td else None)
    return out


def _obs_sources(vals: _Values, obs: _Obs, rows: np.ndarray, lang: str) -> list[str]:
    """The source of each observation in `rows` said in `lang`, with the note where a TD figure was judged."""
    return [text + source_note(note, lang) for text, note in
            zip(_sources(vals, obs.vi[rows], lang), _obs_notes(vals, obs, rows), strict=True)]


def _sources(vals: _Values, rows: np.ndarray, lang: str | None) -> list[str]:
    """The sources of value rows `rows`; an aggregate's and a predecessors' said in `lang` when one is given
    (None: left to the reader's page, from basis, n_units and from_units)."""
    texts = [vals.sources[s] for s in vals.src[rows].tolist()]
    if lang is None:
        return texts
    return [source_text(x, BASES[b], n, lang, from_units=vals.came[f]) for x, b, n, f in zip(
        texts, vals.basis[rows].tolist(), vals.n_units[rows].tolist(), vals.fu[rows].tolist(), strict=True)]


# -- assess -------------------------------------------------------------------------------------------

def assess(values: pd.DataFrame, catalog: Catalog, units: pd.DataFrame, *, as_of: int | None = None,
           term_id: str | None = None) -> pd.DataFrame:
    """One row per unit × binding target (columns ASSESS_COLUMNS; docs/attainment-api.md, docs/method.md).

    `values`: indicator_values() rows of one org-type selection. `as_of`: judge with data up to this
    year (default: the latest year in `values`).
    """
    vals = _values_of(values, catalog)
    binds = _bindings(catalog, units["unit_code"].astype(str).tolist(), units["kind"].astype(str).tolist(),
                      term_id)
    return _assess(vals, binds, catalog, as_of=as_of, term_id=term_id).frame()


def _default_as_of(vals: _Values, catalog: Catalog, term_id: str | None) -> int:
    if len(vals.year):
        return int(vals.year.max())
    return catalog.terms[term_id].end if term_id else 0


@dataclass
class _Assessed:
    """assess() per binding, columnar; frame() builds the API's table."""

    binds: _Binds
    columns: dict[str, np.ndarray]
    docs: list[str]
    source: np.ndarray
    vals: _Values
    note: np.ndarray | None = None

    def disputes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per binding, of its latest value: disputed, disputed inputs, findings, other readings."""
        row = self.columns["latest_row"]
        n = len(row)
        has = row >= 0
        disp, n_disp = np.zeros(n, bool), np.zeros(n, np.int64)
        disp[has], n_disp[has] = self.vals.disp[row[has]], self.vals.n_disp[row[has]]
        found, readings = np.empty(n, dtype=object), np.empty(n, dtype=object)
        found.fill(())
        readings.fill(())
        if disp.any():
            found[disp] = self.vals.row_findings()[row[disp]]
            readings[disp] = self.vals.row_readings()[row[disp]]
        return disp, n_disp, found, readings

    @property
    def status(self) -> np.ndarray:
        return self.columns["status"]

    @property
    def shown_projection(self) -> np.ndarray:
        """The trend's value at the deadline, or next year for a yearly target (the scorecard's)."""
        c = self.columns
        return np.where(c["freq"] == _DEADLINE, c["projected"], c["next_year_value"])

    def frame(self) -> pd.DataFrame:
        b, c = self.binds, self.columns
        tk = b.tk
        return pd.DataFrame({
            "unit_code": _strings(b.u, b.unit_codes),
            "resolution_id": _strings(tk, [r.id for r, _ in b.targets]),
            "target_id": _strings(tk, [t.id for _, t in b.targets]),
            "indicator": _strings(tk, b.indicator),
            "group": _strings(tk, b.group),
            "frequency": _strings(c["freq"], FREQUENCIES),
            "deadline": _int_column(c["deadline"]),
            "comparator": _strings(c["comp"], COMPARATORS),
            "target": c["target"], "target_high": c["target_high"],
            "target_document": _strings(c["doc"], self.docs),
            "latest_year": _int_column(c["latest_year"]),
            "latest_value": c["latest_value"],
            "latest_qualifier": _strings(c["latest_qual"], QUALIFIERS),
            "met": _strings(c["met"], MET),
            "status": pd.Series(c["status"], dtype="str"),
            "verdict": pd.Series(c["verdict"], dtype="str"),
            "baseline_year": _int_column(c["baseline_year"]),
            **{k: c[k] for k in ("baseline", "projected", "progress", "needed_per_year", "achieved_per_year",
                                 "next_year_value", "years_met", "years_assessed")},
            "source": pd.Series(self.source, dtype="str"),
            **dict(zip(("disputed", "n_disputed", "findings", "readings"), self.disputes(), strict=True)),
            "latest_basis": self.latest_basis(),
            "latest_n_units": self.latest_n_units(),
            "latest_from_units": self.latest_from_units(),
            "source_note": self.note if self.note is not None else np.full(len(self.source), None, dtype=object),
        }, columns=ASSESS_COLUMNS)

    def latest_basis(self) -> pd.Series:
        """Per binding, how its latest value was obtained (BASES; '' without one): `predecessors` for a
        year before the unit existed."""
        row = self.columns["latest_row"]
        codes = np.where(row >= 0, self.vals.basis[np.maximum(row, 0)] if len(self.vals.basis) else 0, len(BASES))
        return _strings(codes.astype(np.int64), [*BASES, ""])

    def latest_from_units(self) -> pd.Series:
        """Per binding, the units its latest value comes from when it is from a year before the unit
        existed (basis `predecessors`); '' otherwise."""
        row = self.columns["latest_row"]
        if not len(self.vals.fu):
            return pd.Series([""] * len(row), dtype="str")
        came = [*self.vals.came, ""]
        return _strings(np.where(row >= 0, self.vals.fu[np.maximum(row, 0)], len(came) - 1).astype(np.int64), came)

    def latest_n_units(self) -> np.ndarray:
        """Per binding, how many units its latest value sums (1 for a unit's own figure; 0 without one):
        what an aggregate's source says."""
        row = self.columns["latest_row"]
        if not len(self.vals.n_units):
            return np.zeros(len(row), np.int64)
        return np.where(row >= 0, self.vals.n_units[np.maximum(row, 0)], 0).astype(np.int64)


def _assess(vals: _Values, binds: _Binds, catalog: Catalog, *, as_of: int | None,
            term_id: str | None, sources: bool = True) -> _Assessed:
    """assess() on columnar input (`sources=False`: skip building the source texts)."""
    as_of = _default_as_of(vals, catalog, term_id) if as_of is None else int(as_of)
    y_lo = int(min(vals.year.min(), as_of)) if len(vals.year) else as_of
    tt = _target_years(binds.targets, y_lo, max(as_of, int(vals.year.max()) if len(vals.year) else as_of))
    obs = _observe(vals, binds, catalog, tt, as_of=as_of, term_id=term_id, deadline_at_as_of=True)
    n = len(binds.u)
    tk = binds.tk

    # judged observations in (binding, year) order: the latest per binding, yearly tallies
    j = np.flatnonzero(obs.judged)
    j = j[np.lexsort((vals.year[obs.vi[j]], obs.bi[j]))]
    bj = obs.bi[j]
    _, last = _runs(bj)
    has = np.zeros(n, bool)
    has[bj[last]] = True
    li = j[last]
    latest_year = np.full(n, np.nan)
    latest_value, latest_qual, met_code = np.full(n, np.nan), np.zeros(n, np.int64), np.zeros(n, np.int64)
    latest_src = np.full(n, -1, np.int64)
    lb = bj[last]
    latest_year[lb], latest_value[lb] = vals.year[obs.vi[li]], obs.compared[li]
    latest_qual[lb], met_code[lb], latest_src[lb] = vals.qual[obs.vi[li]], obs.met[li], li
    not_last = np.ones(len(j), bool)
    not_last[last] = False
    years_met = np.bincount(bj, weights=(obs.met[j] == _YES) & ~obs.verify[j], minlength=n).astype(np.int64)
    years_assessed = np.bincount(bj, minlength=n).astype(np.int64)
    earlier_doubt = np.bincount(bj, weights=not_last & ((obs.met[j] != _YES) | obs.verify[j]), minlength=n) > 0
    # the latest figure contradicted by its own source so that its readings disagree (or over 100%)
    verify = np.zeros(n, bool)
    verify[lb] = obs.verify[li]
    latest_row = np.full(n, -1, np.int64)
    latest_row[lb] = obs.vi[li]

    # the trend: least squares over exact whole-year values (bounds and TD figures stay out)
    y_code = vals.periods.index("Y")
    t = j[(vals.period[obs.vi[j]] == y_code) & np.isin(vals.qual[obs.vi[j]], (_EXACT, _APPROX))]
    bt, x, yv = obs.bi[t], (vals.year[obs.vi[t]] - _X0).astype(np.float64), vals.value[obs.vi[t]]
    k_pts = np.bincount(bt, minlength=n).astype(np.float64)
    sx, sy = np.bincount(bt, x, n), np.bincount(bt, yv, n)
    sxx, sxy = np.bincount(bt, x * x, n), np.bincount(bt, x * yv, n)
    t_first, _ = _runs(bt)
    baseline_year, baseline = np.full(n, np.nan), np.full(n, np.nan)
    baseline_year[bt[t_first]] = vals.year[obs.vi[t[t_first]]]
    baseline[bt[t_first]] = yv[t_first]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(k_pts >= 2, (k_pts * sxy - sx * sy) / (k_pts * sxx - sx * sx), np.nan)
        intercept = (sy - slope * sx) / k_pts
    capped = binds.capped[tk]

    def trend_at(year: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            y = intercept + slope * (year - _X0)
            return np.where(capped, np.clip(y, 0.0, 100.0), np.maximum(y, 0.0))

    # the target shown: in force at the latest year (yearly) or at as_of (deadline)
    deadline_t = binds.freq[tk] == _DEADLINE
    ty = np.where(deadline_t | ~has, as_of, np.nan_to_num(latest_year, nan=as_of)).astype(np.int64)
    t_lo, t_hi, t_doc = tt.at(tk, ty)
    comp = binds.comp[tk]
    is_range = comp == _RANGE

    # deadline targets: status from the projection at the deadline and the progress ratio
    deadline = binds.deadline[tk]
    # once the deadline has come (the term's final review), the latest figure is judged: no projection left
    closed = deadline <= as_of
    projected = np.where(deadline_t & (k_pts >= 2) & ~closed, trend_at(deadline), np.nan)
    zeros = np.zeros(n, np.int64)
    base_met = _met(baseline, zeros, comp, t_lo, t_hi, capped)
    proj_met = _met(projected, zeros, comp, t_lo, t_hi, capped)
    gap = np.where(is_range & (baseline > t_hi), t_hi, t_lo) - baseline  # to the nearer end of a range
    with np.errstate(invalid="ignore", divide="ignore"):
        progress = np.where((base_met == _NO) & (np.abs(gap) > _EPS), (projected - baseline) / gap, np.nan)
        past = has & ((latest_year >= deadline) | closed)
    bands = catalog.method.progress
    d_status = np.select(
        [~has, verify, met_code == _YES, met_code == _UNDECIDED, past, k_pts < 2,
         np.isnan(progress) & (proj_met == _YES), np.isnan(progress),
         progress >= bands.on_track, progress >= bands.accelerate],
        ["no_data", "to_verify", "achieved", "undecided", "missed", "insufficient",
         "on_track", "off_track", "on_track", "accelerate"], default="off_track")
    latest_exact = np.where(np.isin(latest_qual, (_EXACT, _APPROX)), latest_value, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        aim = np.where(is_range & (latest_exact > t_hi), t_hi, t_lo)
        left = deadline - latest_year
        needed = np.where(met_code == _YES, 0.0, np.where(left > 0, (aim - latest_exact) / left, np.nan))

    # yearly targets: the verdict
    conditions = [~has, verify, met_code == _UNDECIDED, met_code == _NO, earlier_doubt]
    choices = ["no_data", "to_verify", "undecided", "not_met_latest", "met_latest_only"]
    verdict = np.select(conditions, choices, default="met_every_year")
    y_status = np.select(conditions, [YEARLY_STATUS[c] for c in choices], default=YEARLY_STATUS["met_every_year"])
    ended = term_id is not None and as_of >= catalog.terms[term_id].end
    next_year = np.where(~deadline_t & (k_pts >= 2) & (not ended), trend_at(np.nan_to_num(latest_year) + 1), np.nan)
    status = np.where(deadline_t, d_status, y_status)

    source, note = np.full(n, "", dtype=object), np.full(n, None, dtype=object)
    if sources:  # the note as data: the reader's page says it (core.i18n.assessed_source)
        source[latest_src >= 0] = _sources(vals, obs.vi[latest_src[latest_src >= 0]], None)
        note[latest_src >= 0] = _obs_notes(vals, obs, latest_src[latest_src >= 0])
    return _Assessed(binds=binds, docs=tt.docs, source=source, note=note, columns={
        "freq": binds.freq[tk], "deadline": deadline, "comp": comp, "target": t_lo, "target_high": t_hi,
        "doc": t_doc, "latest_year": latest_year, "latest_value": latest_value, "latest_qual": latest_qual,
        "met": met_code, "status": status, "verdict": np.where(deadline_t, d_status, verdict),
        "baseline_year": baseline_year, "baseline": baseline, "projected": projected,
        "progress": np.where(deadline_t, progress, np.nan), "needed_per_year": np.where(deadline_t, needed, np.nan),
        "achieved_per_year": slope, "next_year_value": next_year, "years_met": years_met,
        "years_assessed": years_assessed, "latest_row": latest_row,
    }, vals=vals)


# -- values judged year by year (python -m monitor scorecard) -------------------------------------

def _no_judged_values() -> pd.DataFrame:
    cols = {c: pd.Series([], dtype="str") for c in SCORECARD_COLUMNS}
    cols["year"] = pd.Series([], dtype=np.int64)
    for c in ("value", "target", "projected", "target_high"):  # disputed, findings: str
        cols[c] = pd.Series([], dtype=np.float64)
    return pd.DataFrame(cols)


def judged_values(con: duckdb.DuckDBPyConnection, catalog: Catalog, *, unit: str | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """Each value judged against the target of its year, the rows of CONTRACT.md's scorecard (`python -m
    monitor scorecard`): one row per unit × indicator × year × period for each indicator a target binds
    the unit to (per target, should two bind it). `met` judges the row's value against
    the target that holds in its year (H1 rows are shown, not judged); `status` and `projected` are
    the target's, assessed as of `year` (default: the latest year with data): `projected` is the
    trend's value at the deadline, or next year for a yearly target. `unit` alone, with its
    descendants' counts feeding its aggregates."""
    if year is None:
        year = con.execute("SELECT max(year) FROM facts").fetchall()[0][0]
        if year is None:
            return _no_judged_values()
        year_only = False
    else:
        year_only = True
    term = catalog.term_of(int(year))
    term_id = term.id if term else None
    codes, parents, kinds = _units(con)
    picked = [k for k, c in enumerate(codes) if unit is None or c == unit]
    binds = _bindings(catalog, [codes[k] for k in picked], [kinds[k] for k in picked], term_id)
    if not len(binds.u):
        return _no_judged_values()
    wanted = set(binds.indicator)  # only what some target here reads: one unit fetches little
    indicators = [i for i in catalog.indicators if i in wanted]
    vals = _indicator_values(con, catalog, units=None if unit is None else [unit], org_types=None,
                             term_id=term_id, indicators=indicators, tree=UnitTree.of_pairs(codes, parents))
    came_from: dict[tuple, str] = {}
    if not lineage.unit_changes(con).empty:  # a reorganised map: the years before a unit existed
        frame = _with_predecessors(con, catalog, vals.frame(), units=None if unit is None else [unit],
                                   org_types=None, term_id=term_id, indicators=indicators)
        borrowed = frame[frame["basis"] == "predecessors"]
        keys = zip(borrowed["unit_code"], borrowed["indicator"], borrowed["year"].astype(int), borrowed["period"],
                   strict=True)
        came_from = dict(zip(keys, borrowed["from_units"], strict=True))
        vals = _values_of(frame, catalog)
    assessed = _assess(vals, binds, catalog, as_of=int(year), term_id=term_id, sources=False)
    status, projected = assessed.status, assessed.shown_projection
    shown = vals.take(np.flatnonzero((vals.year == year) if year_only else (vals.year <= year)))
    y_lo = int(min(shown.year.min(), year)) if len(shown.year) else int(year)
    tt = _target_years(binds.targets, y_lo, int(year))
    obs = _observe(shown, binds, catalog, tt, as_of=int(year), term_id=term_id, deadline_at_as_of=False)
    # one row per pair, in unit, catalogue-indicator, year, period order
    order = np.lexsort((obs.bi, shown.period[obs.vi], shown.year[obs.vi], shown.k[obs.vi], shown.u[obs.vi]))
    vi, bi, jd = obs.vi[order], obs.bi[order], obs.judged[order]
    tk = binds.tk[bi]
    # the contract's file speaks Vietnamese, the reports' language: an aggregate's source said so
    source = np.array(_sources(shown, vi, "vi"), dtype=object)
    notes = np.flatnonzero(obs.judged & (shown.period[obs.vi] == shown.periods.index("TD")))
    if len(notes):
        where = np.empty(len(order), np.int64)
        where[order] = np.arange(len(order))
        source[where[notes]] = _obs_sources(shown, obs, notes, "vi")
    rules = np.full(len(shown.u), "", dtype=object)
    found = shown.row_findings() if len(shown.f_row) else None
    for r in np.unique(shown.f_row).tolist():
        rules[r] = ";".join(sorted({f["rule"] for f in found[r]}))
    return pd.DataFrame({
        "unit_code": _strings(shown.u[vi], shown.units),
        "indicator": _strings(shown.k[vi], shown.indicators),
        "year": shown.year[vi].astype(np.int64),
        "period": _strings(shown.period[vi], shown.periods),
        "org_type": _strings(np.zeros(len(vi), np.int64), [shown.org_type]),
        "value": shown.value[vi],
        "qualifier": _strings(shown.qual[vi], QUALIFIERS),
        "target": np.where(jd, obs.low[order], np.nan),
        "comparator": _strings(np.where(jd, binds.comp[tk], len(COMPARATORS)), [*COMPARATORS, ""]),
        "met": _strings(obs.met[order], MET),
        "status": pd.Series(np.where(jd, status[bi], ""), dtype="str"),
        "projected": np.where(jd, projected[bi], np.nan),
        "source": pd.Series(source, dtype="str"),
        "target_high": np.where(jd, obs.high[order], np.nan),
        "disputed": pd.Series(np.where(shown.disp[vi], "yes", "no"), dtype="str"),
        "findings": pd.Series(rules[vi], dtype="str"),
        "basis": _strings(shown.basis[vi], BASES),
        "from_units": pd.Series([came_from.get(key, "") for key in zip(
            _strings(shown.u[vi], shown.units), _strings(shown.k[vi], shown.indicators), shown.year[vi].tolist(),
            _strings(shown.period[vi], shown.periods), strict=True)] if came_from else [""] * len(vi), dtype="str"),
    }, columns=SCORECARD_COLUMNS)


__all__ = ["ASSESS_COLUMNS", "MET", "SCORECARD_COLUMNS", "VALUE_COLUMNS", "VERDICTS", "assess",
           "indicator_values", "judged_values", "met", "target_indicators", "units_frame"]
