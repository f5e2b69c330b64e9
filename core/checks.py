"""The checks committee staff now do by hand before a meeting: does the report agree with itself?

Each check is one SQL query over `resolved` / `computed` / the facts (see core.metrics) returning
rows shaped like the `findings` table. They never reject data: the data must match its source, and
the committee must see the source's slip.

Speed: the queries define the findings, but run on the national demo's 775 000 facts they cost
9 CPU s (the joins of `computed` and `resolved` on five text columns), nearly all to find nothing.
So `candidate_cells` first does the same arithmetic on numpy arrays, per measure over the cells
(unit × year × period × org type) where it exists, with every threshold a little looser than the query's,
and the queries then run on the facts of the cells where a finding is possible (and, for the
year-over-year checks, the cell of the year before or after). Every check reads only the facts of its
own cell or of the two years it compares, so the queries find there exactly what they would find
over all the facts; the arrays decide only where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import duckdb
import numpy as np

if TYPE_CHECKING:  # a frame only for run_checks' callers: the command line's load imports no pandas (nor pyarrow,
    import pandas as pd  # whose first call imports pandas): numbers come from DuckDB as numpy arrays

from core.agreement import agrees, agrees_sql
from core.catalog import QUALIFIERS, Catalog
from core.metrics import _derivation_levels, prepare

FACT_COLUMNS = "unit_code, year, period, org_type, measure, value, decimals, qualifier, source"
FINDING_COLUMNS = ["rule", "severity", "unit_code", "year", "period", "org_type", "measure",
                   "stated", "computed", "detail", "source", "num", "den", "qualifier", "parts", "part_values"]
# the facts of a finding as fields (schema.sql), after the columns every findings table has had
FINDING_FIELDS = {"num": "DOUBLE", "den": "DOUBLE", "qualifier": "VARCHAR", "parts": "VARCHAR[]",
                  "part_values": "DOUBLE[]"}
_NO_FIELDS = "NULL::DOUBLE AS num, NULL::DOUBLE AS den, NULL::VARCHAR AS qualifier, " \
             "NULL::VARCHAR[] AS parts, NULL::DOUBLE[] AS part_values"
# the columns of run_checks' frame that DuckDB gives a type of their own (the others are texts: object)
_FINDING_DTYPES = {"year": "int32", "stated": "float64", "computed": "float64", "num": "float64", "den": "float64"}

# A stated rate that does not agree with the counts (core.agreement: rounded or cut to the decimals the
# source wrote, as reports do both: 56/58 = 96,55% is written 96,5% and 96,6%).
_STATED_RATE = """
    SELECT 'stated_rate' AS rule, 'finding' AS severity, s.unit_code, s.year, s.period, s.org_type,
           s.measure, s.value AS stated, c.value AS computed,
           format('{} / {}', num(c.num), num(c.den)) AS detail, s.source,
           c.num, c.den, NULL::VARCHAR AS qualifier, NULL::VARCHAR[] AS parts, NULL::DOUBLE[] AS part_values
    FROM {facts} s
    JOIN cat_indicator i ON i.id = s.measure AND i.is_rate
    JOIN computed c ON c.indicator = s.measure AND c.unit_code = s.unit_code AND c.year = s.year
                   AND c.period = s.period AND c.org_type = s.org_type
    WHERE s.qualifier = '' AND NOT AGREES
""".replace("AGREES", agrees_sql("s.value", "c.value", "s.decimals"))

# A bound is checked only for its direction: "trên 90%" against a computed 88% is a slip.
_STATED_BOUND = """
    SELECT 'stated_bound' AS rule, 'finding' AS severity, s.unit_code, s.year, s.period, s.org_type,
           s.measure, s.value AS stated, c.value AS computed,
           format('{}{} vs {} / {}', s.qualifier, num(s.value), num(c.num), num(c.den)) AS detail, s.source,
           c.num, c.den, s.qualifier, NULL::VARCHAR[] AS parts, NULL::DOUBLE[] AS part_values
    FROM {facts} s
    JOIN computed c ON c.indicator = s.measure AND c.unit_code = s.unit_code AND c.year = s.year
                   AND c.period = s.period AND c.org_type = s.org_type
    WHERE (s.qualifier = '>' AND c.value <= s.value) OR (s.qualifier = '<' AND c.value >= s.value)
"""

_BALANCE = """
    WITH sums AS (
        SELECT r.unit_code, r.year, r.period, r.org_type, b.balance, any_value(b.whole) AS whole,
               sum(r.value) AS parts, count(*) AS n, any_value(b.n_parts) AS need,
               string_agg(num(r.value), ' + ' ORDER BY r.measure) AS terms,
               list(r.measure ORDER BY r.measure) AS part_codes, list(r.value ORDER BY r.measure) AS part_values
        FROM resolved r JOIN cat_balance b ON r.measure = b.part
        WHERE r.qualifier = ''
        GROUP BY r.unit_code, r.year, r.period, r.org_type, b.balance
    )
    SELECT 'balance' AS rule, 'finding' AS severity, s.unit_code, s.year, s.period, s.org_type,
           s.whole AS measure, w.value AS stated, s.parts AS computed,
           format('{} = {}', s.terms, num(s.parts)) AS detail, coalesce(f.source, '') AS source,
           NULL::DOUBLE AS num, NULL::DOUBLE AS den, NULL::VARCHAR AS qualifier, s.part_codes AS parts,
           s.part_values
    FROM sums s
    JOIN resolved w ON w.measure = s.whole AND w.unit_code = s.unit_code AND w.year = s.year
                   AND w.period = s.period AND w.org_type = s.org_type AND w.qualifier = ''
    LEFT JOIN {facts} f ON f.measure = s.whole AND f.unit_code = s.unit_code AND f.year = s.year
                   AND f.period = s.period AND f.org_type = s.org_type
    WHERE s.n = s.need AND abs(s.parts - w.value) > 1e-9
"""

# Stated parts above their whole are rejected at load; a *derived* part (a sum the report implies)
# above its whole is the report contradicting itself.
_DERIVED_PART = """
    SELECT 'part_exceeds_whole' AS rule, 'finding' AS severity, p.unit_code, p.year, p.period,
           p.org_type, p.measure, w.value AS stated, p.value AS computed,
           format('{} > {}', num(p.value), num(w.value)) AS detail, '' AS source, {no_fields}
    FROM resolved p
    JOIN cat_measure m ON m.id = p.measure AND m.whole <> ''
    JOIN resolved w ON w.measure = m.whole AND w.unit_code = p.unit_code AND w.year = p.year
                   AND w.period = p.period AND w.org_type = p.org_type AND w.qualifier = ''
    WHERE (p.derived OR w.derived) AND p.qualifier = '' AND p.value > w.value + 1e-9
"""

# Year-over-year jumps that look like typing slips (warnings: a real change is possible). A rate is
# the one computed from counts, else the one stated (exact or approximate; a bound says too little);
# whole years only, the same unit, indicator and org type in consecutive years. A rate computed on a
# base under {min_base} in either year is left alone: on 2 organisations one changed rating moves it
# 50 points, which is no slip (the national demo gives 27 000 such warnings without this guard).
# {rate_points}, {min_base}, {count_factor}: indicators.yaml's method.year_over_year (run_checks fills them).
_PAIR_SOURCE = """CASE WHEN {a} = {b} OR {a} = '' THEN {b} WHEN {b} = '' THEN {a} ELSE {a} || ' | ' || {b} END"""
_YOY_RATE = f"""
    WITH rates AS (
        SELECT c.unit_code, c.year, c.org_type, c.indicator AS measure, c.value, c.den
        FROM computed c JOIN cat_indicator i ON i.id = c.indicator AND i.is_rate
        WHERE c.period = 'Y' AND c.den >= {{min_base}}
        UNION ALL
        SELECT s.unit_code, s.year, s.org_type, s.measure, s.value, NULL AS den
        FROM {{facts}} s JOIN cat_indicator i ON i.id = s.measure AND i.is_rate
        WHERE s.period = 'Y' AND s.qualifier IN ('', '~')
          AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.indicator = s.measure AND c.unit_code = s.unit_code
                          AND c.year = s.year AND c.period = 'Y' AND c.org_type = s.org_type)
    ),
    jumps AS (
        SELECT b.unit_code, b.org_type, b.measure, a.year AS year_a, b.year, a.value AS value_a, b.value
        FROM rates a JOIN rates b ON b.unit_code = a.unit_code AND b.org_type = a.org_type
                                 AND b.measure = a.measure AND b.year = a.year + 1
        WHERE abs(b.value - a.value) > {{rate_points}}
    ),
    -- where the figures come from: the stated rate, else the first of its numerator's and denominator's
    sources AS (
        SELECT j.unit_code, j.org_type, j.measure, f.year,
               coalesce(min(f.source) FILTER (WHERE w.role = 'stated'), min(f.source)) AS source
        FROM jumps j
        JOIN (SELECT id AS indicator, id AS measure, 'stated' AS role FROM cat_indicator
              UNION ALL SELECT indicator, measure, role FROM cat_formula) w ON w.indicator = j.measure
        JOIN {{facts}} f ON f.unit_code = j.unit_code AND f.org_type = j.org_type AND f.measure = w.measure
                       AND f.period = 'Y' AND f.year IN (j.year_a, j.year) AND f.source <> ''
        GROUP BY ALL
    )
    SELECT 'yoy_rate_jump' AS rule, 'warning' AS severity, j.unit_code, j.year, 'Y' AS period, j.org_type,
           j.measure, j.value AS stated, j.value_a AS computed,
           format('{{}}: {{}} → {{}}: {{}} ({{}}{{}} điểm)', j.year_a, num(j.value_a), j.year, num(j.value),
                  CASE WHEN j.value > j.value_a THEN '+' ELSE '−' END, num(abs(j.value - j.value_a))) AS detail,
           {_PAIR_SOURCE.format(a="coalesce(sa.source, '')", b="coalesce(sb.source, '')")} AS source, {{no_fields}}
    FROM jumps j
    LEFT JOIN sources sa ON sa.unit_code = j.unit_code AND sa.org_type = j.org_type AND sa.measure = j.measure
                        AND sa.year = j.year_a
    LEFT JOIN sources sb ON sb.unit_code = j.unit_code AND sb.org_type = j.org_type AND sb.measure = j.measure
                        AND sb.year = j.year
"""

# A count (a measure, or a count indicator stated as such) ×10 or ÷10 from one year to the next:
# a digit typed twice or dropped. Zeros are left alone (0 → 3 failed members is no slip), and so are
# small counts: the larger of the two must reach {min_base} (1 → 14 failed members happens).
_YOY_COUNT = f"""
    SELECT 'yoy_count_jump' AS rule, 'warning' AS severity, b.unit_code, b.year, 'Y' AS period, b.org_type,
           b.measure, b.value AS stated, a.value AS computed,
           format('{{}}: {{}} → {{}}: {{}} ({{}}{{}})', a.year, num(a.value), b.year, num(b.value),
                  CASE WHEN b.value > a.value THEN '×' ELSE '÷' END,
                  num(round(greatest(a.value, b.value) / least(a.value, b.value), 1))) AS detail,
           {_PAIR_SOURCE.format(a="a.source", b="b.source")} AS source, {{no_fields}}
    FROM {{facts}} a
    JOIN {{facts}} b ON b.unit_code = a.unit_code AND b.org_type = a.org_type AND b.measure = a.measure
                    AND b.year = a.year + 1 AND b.period = 'Y'
    WHERE a.period = 'Y' AND a.qualifier IN ('', '~') AND b.qualifier IN ('', '~')
      AND a.value > 0 AND b.value > 0 AND greatest(a.value, b.value) >= {{min_base}}
      AND (a.measure IN (SELECT id FROM cat_measure) OR a.measure IN (SELECT id FROM cat_indicator WHERE NOT is_rate))
      AND (b.value >= {{count_factor}} * a.value OR a.value >= {{count_factor}} * b.value)
"""

CHECKS = {"stated_rate": _STATED_RATE, "stated_bound": _STATED_BOUND, "balance": _BALANCE,
          "part_exceeds_whole": _DERIVED_PART, "yoy_rate_jump": _YOY_RATE, "yoy_count_jump": _YOY_COUNT}


def finding_select(con: duckdb.DuckDBPyConnection, table: str = "findings", alias: str = "") -> str:
    """The select list of FINDING_COLUMNS over `table`: a field a database loaded before findings had
    fields lacks is NULL (such a finding shows its stored detail: core.i18n.finding_detail)."""
    have = {d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description}
    pre = f"{alias}." if alias else ""
    return ", ".join(f"{pre}{c}" if c in have else f"NULL::{FINDING_FIELDS[c]} AS {c}" for c in FINDING_COLUMNS)


def _fill(sql: str, catalog: Catalog, facts: str) -> str:
    """A check's query on the relation `facts`, with the catalogue's thresholds."""
    yoy = catalog.method.year_over_year
    # no_fields: a rule whose stated and computed say all (a part and its whole, a year and the one before)
    for name, value in (("facts", facts), ("rate_points", yoy.rate_points), ("min_base", yoy.min_base),
                        ("count_factor", yoy.count_factor), ("no_fields", _NO_FIELDS)):
        sql = sql.replace(f"{{{name}}}", str(value))
    return sql


def run_checks(con: duckdb.DuckDBPyConnection, catalog: Catalog, facts: str = "facts",
               prepared: bool = False, prefilter: bool = True, cells: Cells | None = None,
               gathered: Gathered | None = None, registered: bool = False) -> pd.DataFrame:
    """All findings for the facts in relation `facts`, one row each, ordered for stable output.

    prefilter=False runs the queries over every fact (the reference the filter is tested against);
    prepared=True uses the `resolved` and `computed` tables already built from `facts`; `cells`: the
    cells find_cells gave for these facts (worked out while the connection did something else);
    `gathered`: the facts of those cells already (cell_facts), so none is looked for in `facts`;
    `registered`: the connection has the catalogue's tables (core.metrics.register_catalog) already.
    """
    import pandas as pd

    n = find_findings(con, catalog, facts, prepared=prepared, prefilter=prefilter, cells=cells, gathered=gathered,
                      registered=registered)
    if not n:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return con.sql(f"SELECT * EXCLUDE (_n) FROM {FOUND} ORDER BY _n").df()


FOUND = "chk_found"  # the temp table find_findings leaves its findings in, numbered by _n


def find_findings(con: duckdb.DuckDBPyConnection, catalog: Catalog, facts: str = "facts",
                  prepared: bool = False, prefilter: bool = True, cells: Cells | None = None,
                  gathered: Gathered | None = None, registered: bool = False) -> int:
    """run_checks' findings in temp table chk_found (FINDING_COLUMNS, and _n: 0, 1, … in run_checks' order),
    without pandas; returns how many."""
    if gathered is not None and not prepared:
        if not gathered.num_rows:
            return _none_found(con)
        con.register("_gathered", gathered.columns)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE chk_facts AS SELECT * FROM _gathered")
        finally:
            con.unregister("_gathered")
        facts = "chk_facts"
    elif prefilter and not prepared:
        found = register_cells(con, cells) if cells is not None else candidate_cells(con, catalog, facts)
        if not found:
            return _none_found(con)
        # the columns the checks read, not the input's provenance (file, row): less to copy
        con.execute(f"CREATE OR REPLACE TEMP TABLE chk_facts AS SELECT {FACT_COLUMNS} FROM {facts} "
                    "SEMI JOIN chk_cells USING (unit_code, year, period, org_type)")
        facts = "chk_facts"
    if not prepared:
        prepare(con, catalog, facts, register=not registered)
    # one query: six were six round trips for a few dozen rows
    union = " UNION ALL ".join(f"SELECT {k} AS _check, * FROM ({_fill(sql, catalog, facts)})"
                               for k, sql in enumerate(CHECKS.values()))
    # detail after the key: two balances of one whole (two ways to split committee members) keep one order;
    # then the check's place in CHECKS, and the rest of the row, so that the order never depends on a thread
    return con.execute(f"""CREATE OR REPLACE TEMP TABLE {FOUND} AS SELECT {', '.join(FINDING_COLUMNS)},
        row_number() OVER (ORDER BY unit_code, year, period, org_type, measure, rule, detail, _check,
                                    stated, computed, source) - 1 AS _n
        FROM ({union})""").fetchall()[0][0]


def _none_found(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {FOUND} (rule VARCHAR, severity VARCHAR, unit_code VARCHAR, "
                "year INTEGER, period VARCHAR, org_type VARCHAR, measure VARCHAR, stated DOUBLE, computed DOUBLE, "
                "detail VARCHAR, source VARCHAR, "
                + ", ".join(f"{c} {t}" for c, t in FINDING_FIELDS.items()) + ", _n BIGINT)")
    return 0


def findings_frame(rows: list[tuple]) -> pd.DataFrame:
    """chk_found's rows (in FINDING_COLUMNS, as fetchall gives them) as the frame run_checks gives."""
    import pandas as pd

    if not rows:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    frame = pd.DataFrame.from_records(rows, columns=FINDING_COLUMNS).astype(_FINDING_DTYPES)
    for column in ("parts", "part_values"):  # a missing list is NA in DuckDB's frames, not None
        frame[column] = [pd.NA if x is None else x for x in frame[column]]
    return frame


# -- where a finding is possible ------------------------------------------------------------------------
# a fact's qualifier as its position in core.catalog.QUALIFIERS (_Q_OTHER: none of them)
_Q_EXACT = QUALIFIERS.index("")
_Q_APPROX = QUALIFIERS.index("~")
_Q_OVER = QUALIFIERS.index(">")
_Q_UNDER = QUALIFIERS.index("<")
_Q_OTHER = len(QUALIFIERS)
_Q_CASE = " ".join(f"WHEN '{q}' THEN {k}" for k, q in enumerate(QUALIFIERS))
# The arrays add the parts of a sum in catalogue order, the queries in their own: whole numbers below
# 2**52 add exactly either way; other sums may differ by a few units of the last bit (_ULPS × ε × size).
_SLACK = 1e-7
_ULPS = 8 * np.finfo(float).eps


def _codes(catalog: Catalog) -> list[str]:
    """Every code a fact can have, measures first: its position is the `mid` fetch_facts gives it."""
    return list(catalog.measures) + [i for i in catalog.indicators if i not in catalog.measures]


@dataclass(frozen=True)
class Cells:
    """Cells (series × year) by key: series id × span + year − y0 (chk_series numbers the series)."""

    keys: np.ndarray
    span: int
    y0: int


def candidate_cells(con: duckdb.DuckDBPyConnection, catalog: Catalog, facts: str) -> int:
    """Temp table chk_cells (unit_code, year, period, org_type): a superset of the cells any check can
    report or read for a finding. Returns its row count."""
    return register_cells(con, find_cells(fetch_facts(con, catalog, facts), catalog))


def fetch_facts(con: duckdb.DuckDBPyConnection, catalog: Catalog, facts: str,
                with_new: bool = False, with_source: bool = False) -> dict[str, Any]:
    """The facts as arrays for find_cells (and temp table chk_series, which numbers their series);
    `with_new`: also the relation's column `new` (the fact comes with this load), for parts_over_wholes;
    `with_source`: also each fact's source by its number `src` in temp table chk_source, and the texts of
    the series and the sources, for cell_facts."""
    codes = _codes(catalog)
    con.execute("CREATE OR REPLACE TEMP TABLE chk_code AS SELECT unnest($c) AS id, "
                "CAST(unnest(range(len($c))) AS INTEGER) AS mid", {"c": codes})
    con.execute(f"""CREATE OR REPLACE TEMP TABLE chk_series AS
        SELECT unit_code, period, org_type, CAST(row_number() OVER () - 1 AS INTEGER) AS sid
        FROM (SELECT DISTINCT unit_code, period, org_type FROM {facts})""")
    if with_source:  # a number per fact, not a Python string: sources are few (a report's name, many times)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE chk_source AS
            SELECT source, CAST(row_number() OVER () - 1 AS INTEGER) AS src
            FROM (SELECT DISTINCT source FROM {facts})""")
    # a fact of a code outside the catalogue can be in no finding: the inner join drops it. fetchnumpy: plain
    # arrays where a column has no NULL (Arrow would be a little faster, but pyarrow's first call imports pandas)
    a: dict[str, Any] = con.execute(f"""
        SELECT s.sid, f.year, c.mid, f.value, coalesce(f.decimals, 0) AS decimals,
               CAST(CASE f.qualifier {_Q_CASE} ELSE {_Q_OTHER} END AS TINYINT) AS q
               {", f.new" if with_new else ""}{", d.src" if with_source else ""}
        FROM {facts} f JOIN chk_series s USING (unit_code, period, org_type) JOIN chk_code c ON c.id = f.measure
        {"JOIN chk_source d ON d.source IS NOT DISTINCT FROM f.source" if with_source else ""}
    """).fetchnumpy()
    a = {k: _plain(v) for k, v in a.items()}
    series = con.execute("SELECT period = 'Y' AS y, unit_code, period, org_type FROM chk_series ORDER BY sid"
                         ).fetchnumpy()
    a["is_y"] = _plain(series.pop("y")).astype(bool)
    if with_source:
        a["series"] = {k: _plain(v) for k, v in series.items()}
        a["sources"] = _plain(con.execute("SELECT source FROM chk_source ORDER BY src").fetchnumpy()["source"])
    return a


def _plain(x: np.ndarray) -> np.ndarray:
    """fetchnumpy's column as a plain array (masked where a column has a NULL): a NULL number as NaN, a NULL
    text as None, as Arrow gave them."""
    if type(x) is np.ndarray:  # before np.ma, which numpy imports when first named (10 ms)
        return x
    if not x.mask.any():
        return x.data
    return x.astype(np.float64).filled(np.nan) if x.dtype.kind in "biuf" else x.astype(object).filled(None)


@dataclass(frozen=True)
class Layout:
    """fetch_facts' arrays laid out by cell: every (series, year) is a cell, with facts or not, and its key
    is its index, so nothing is sorted to number them (an empty cell holds NaN everywhere, which no test
    passes); the next year is the next cell (span has an empty year at the end of every series)."""

    where: np.ndarray  # each fact's cell
    n: int
    span: int
    y0: int
    order: np.ndarray  # the facts by code
    bounds: np.ndarray
    index: dict[str, int]

    def rows(self, code: str) -> np.ndarray:
        k = self.index[code]
        return self.order[self.bounds[k]:self.bounds[k + 1]]


def layout(a: dict[str, np.ndarray], catalog: Catalog) -> Layout | None:
    """None when there are no facts."""
    if len(a["sid"]) == 0:
        return None
    codes = _codes(catalog)
    y0 = int(a["year"].min())
    span = int(a["year"].max()) - y0 + 2
    # int16: numpy sorts it by radix, in one pass
    order = np.argsort(a["mid"].astype(np.int16 if len(codes) < 2**15 else np.int32), kind="stable")
    return Layout(where=a["sid"].astype(np.int64) * span + (a["year"] - y0), n=len(a["is_y"]) * span, span=span,
                  y0=y0, order=order, bounds=np.searchsorted(a["mid"][order], np.arange(len(codes) + 1)),
                  index={code: k for k, code in enumerate(codes)})


def parts_over_wholes(a: dict[str, np.ndarray], catalog: Catalog, lay: Layout | None = None) -> Cells:
    """The cells where a stated exact part exceeds its stated exact whole and one of the two comes with
    this load (fetch_facts with_new): where the part_exceeds_whole rule (etl.rules) can find a fault.
    Like find_cells, on the cells where the part is stated, the whole looked up there."""
    lay = lay or layout(a, catalog)
    if lay is None:
        return Cells(np.zeros(0, np.int64), 1, 0)
    exact = a["q"] == _Q_EXACT
    board = np.full(lay.n, np.nan)  # every cell, NaN but during a look-up
    fresh = np.zeros(lay.n, bool)

    def stated(code: str) -> np.ndarray:
        r = lay.rows(code)
        return r[exact[r]]

    hit = np.zeros(lay.n, bool)
    for m, measure in catalog.measures.items():
        if not measure.whole or measure.whole not in lay.index:
            continue
        part, whole = stated(m), stated(measure.whole)
        if not len(part) or not len(whole):
            continue
        at = lay.where[part]
        board[lay.where[whole]] = a["value"][whole]
        fresh[lay.where[whole]] = a["new"][whole]
        with np.errstate(invalid="ignore"):
            over = (a["value"][part] > board[at]) & (a["new"][part] | fresh[at])
        board[lay.where[whole]] = np.nan
        fresh[lay.where[whole]] = False
        hit[at[over]] = True
    return Cells(np.flatnonzero(hit), lay.span, lay.y0)


def find_cells(a: dict[str, np.ndarray], catalog: Catalog, lay: Layout | None = None) -> Cells:
    """Where a finding is possible, from fetch_facts' arrays: numpy only, no connection (so it can run
    beside a query of the same load).

    A figure is the cells where it exists and its values there (Figure): each code exists in a few percent
    of the cells, so the arithmetic runs on those cells only, in the queries' order of operations, and a
    value is looked up in another cell through one array over every cell, filled and emptied for the look.
    """
    lay = lay or layout(a, catalog)
    if lay is None:
        return Cells(np.zeros(0, np.int64), 1, 0)
    where, n, span, y0, rows = lay.where, lay.n, lay.span, lay.y0, lay.rows
    yoy = catalog.method.year_over_year
    cells = np.arange(n)
    has_next = a["is_y"][cells // span] & (cells % span < span - 1)
    exact = a["q"] == _Q_EXACT
    usable = exact | (a["q"] == _Q_APPROX)
    hit = np.zeros(n, bool)
    board = np.full(n, np.nan)  # every cell, NaN but during a look-up
    stated = np.zeros(n, bool)  # every cell, False but while a measure's stated cells are marked

    def values(code: str, approximate: bool = False) -> Figure | None:
        r = rows(code)
        r = r[(usable if approximate else exact)[r]]
        return Figure(where[r], a["value"][r]) if len(r) else None

    def look(fig: Figure, at: np.ndarray) -> np.ndarray:
        """fig's values in the cells `at`, NaN where it has none."""
        board[fig.at] = fig.values
        out = board[at]
        board[fig.at] = np.nan
        return out

    def following(fig: Figure, at: np.ndarray) -> np.ndarray:
        """fig's values in the next year of the cells `at`, NaN where there is none."""
        later = look(fig, np.minimum(at + 1, n - 1))
        later[~has_next[at]] = np.nan
        return later

    def mark(at: np.ndarray, jump: np.ndarray) -> None:
        """A jump from the cells `at` to the next year's: both years are looked at."""
        hit[at[jump]] = True
        hit[at[jump] + 1] = True

    # resolved: stated exact counts, then derived sums where all parts are exact and the sum is not stated
    resolved = {m: values(m) for m in catalog.measures}
    derived: dict[str, np.ndarray] = {}  # the cells where a measure is derived
    levels = _derivation_levels(catalog)
    for m in sorted(levels, key=levels.get):
        parts = [resolved.get(p) for p in catalog.measures[m].derived_sum]
        if any(p is None for p in parts):
            continue
        at = parts[0].at
        total = _sum([parts[0].values, *(look(p, at) for p in parts[1:])])
        stated[where[rows(m)]] = True
        new = ~np.isnan(total) & ~stated[at]
        stated[where[rows(m)]] = False
        if new.any():
            derived[m] = at[new]
            old = resolved[m]
            resolved[m] = Figure(at[new], total[new]) if old is None else Figure(
                np.concatenate([old.at, at[new]]), np.concatenate([old.values, total[new]]))
    # computed: an indicator wherever its numerator and (for a rate) denominator are exact
    computed: dict[str, Figure] = {}
    large: dict[str, Figure] = {}  # a rate on a base the year-over-year check compares
    for iid, ind in catalog.indicators.items():
        num = [resolved.get(m) for m in ind.numerator]
        if not num or any(x is None for x in num):
            continue
        at = num[0].at
        value = _sum([num[0].values, *(look(x, at) for x in num[1:])])
        if ind.is_rate:
            den = [resolved.get(m) for m in ind.denominator]
            if not den or any(x is None for x in den):
                continue
            den = _sum([look(x, at) for x in den])
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.multiply(value, 100.0)
                np.divide(value, den, out=value)
                value[~(den > 0)] = np.nan
                base = ~np.isnan(value) & (den >= yoy.min_base - _SLACK)
            large[iid] = Figure(at[base], value[base])
        there = ~np.isnan(value)
        computed[iid] = Figure(at[there], value[there])
    # stated_rate: a stated exact rate the query's computed one may not agree with (core.agreement). The
    # rates agreeing with a statement are an interval, so one that agrees with both c − _SLACK and
    # c + _SLACK agrees with the query's c, whatever order it added the counts in.
    # stated_bound: every bound with a computed value
    for iid, fig in computed.items():
        r = rows(iid)
        if not len(r):
            continue
        q, cell, s = a["q"][r], where[r], a["value"][r]
        c = look(fig, cell)
        decimals = a["decimals"][r]
        far = ~(agrees(s, c - _SLACK, decimals) & agrees(s, c + _SLACK, decimals))
        rate = catalog.indicators[iid].is_rate
        hit[cell[~np.isnan(c) & (((q == _Q_EXACT) & far & rate) | np.isin(q, (_Q_OVER, _Q_UNDER)))]] = True
    # balance: parts that do not add up to their whole
    for b in catalog.balances:
        parts, whole = [resolved.get(p) for p in b.parts], resolved.get(b.whole)
        if whole is None or any(p is None for p in parts):
            continue
        at, whole_at = whole.at, whole.values
        parts_at = [look(p, at) for p in parts]
        hit[at[_beyond(np.abs(_sum(parts_at) - whole_at), [*parts_at, whole_at])]] = True
    # part_exceeds_whole: a derived part above its whole, or a part above a derived whole
    for m, measure in catalog.measures.items():
        p, w = resolved.get(m), resolved.get(measure.whole) if measure.whole else None
        if p is None or w is None or (m not in derived and measure.whole not in derived):
            continue
        at = np.concatenate([derived.get(m, _NONE), derived.get(measure.whole, _NONE)])
        p_at, w_at = look(p, at), look(w, at)
        hit[at[_beyond(p_at - w_at, [p_at, w_at])]] = True
    # yoy_rate_jump: any of a rate's values (computed on a large enough base, stated exact or
    # approximate) against any of the next year's, more than the threshold apart (the query keeps one)
    for iid, ind in catalog.indicators.items():
        if not ind.is_rate:
            continue
        found = [x for x in (large.get(iid), values(iid, approximate=True)) if x is not None]
        for x in found:
            for y in found:
                with np.errstate(invalid="ignore"):
                    mark(x.at, np.abs(following(y, x.at) - x.values) > yoy.rate_points - _SLACK)
    # yoy_count_jump: a stated count ×10 or ÷10, from the stated figures as they are (no sums)
    for code in lay.index:
        if code not in catalog.measures and catalog.indicators[code].is_rate:
            continue
        fig = values(code, approximate=True)
        if fig is None:
            continue
        x, y = fig.values, following(fig, fig.at)
        with np.errstate(invalid="ignore"):
            mark(fig.at, (x > 0) & (y > 0) & (np.maximum(x, y) >= yoy.min_base - _SLACK)
                 & ((y >= (yoy.count_factor - _SLACK) * x) | (x >= (yoy.count_factor - _SLACK) * y)))
    return Cells(np.flatnonzero(hit), span, y0)


_NONE = np.zeros(0, np.int64)


class Figure(NamedTuple):
    """A figure over the cells: the cells where it exists, and its values there."""

    at: np.ndarray
    values: np.ndarray


def _beyond(diff: np.ndarray, operands: list[np.ndarray]) -> np.ndarray:
    """Where `diff` may be over the queries' 1e-9 (in their order of adding): nonzero for whole numbers,
    else within the rounding of the operands' sizes. NaN (a missing figure) never is."""
    size = np.zeros_like(diff)
    whole = np.ones(diff.shape, bool)
    for x in operands:
        size += np.abs(x)
        whole &= x == np.floor(x)
    with np.errstate(invalid="ignore"):
        return np.where(whole & (size < 2.0 ** 52), diff > 0, diff > 1e-9 - _ULPS * size) & ~np.isnan(diff)


def _sum(arrays: list[np.ndarray]) -> np.ndarray:
    """The sum, in the order given (a single array is returned as it is: never change it)."""
    if len(arrays) == 1:
        return arrays[0]
    out = arrays[0] + arrays[1]
    for x in arrays[2:]:
        out += x
    return out


def register_cells(con: duckdb.DuckDBPyConnection, cells: Cells, table: str = "chk_cells") -> int:
    """Temp table `table` (unit_code, year, period, org_type) from `cells` (over the chk_series of the same
    fetch_facts). Its row count."""
    keys, span, y0 = cells.keys, cells.span, cells.y0
    frame = {"sid": (keys // span).astype(np.int32), "year": (keys % span + y0).astype(np.int32)}
    con.register("_chk_keys", frame)
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT s.unit_code, k.year, s.period, s.org_type FROM _chk_keys k JOIN chk_series s USING (sid)""")
    finally:
        con.unregister("_chk_keys")
    return len(keys)


@dataclass(frozen=True)
class Gathered:
    """Facts as columns (FACT_COLUMNS → numpy arrays, texts as objects): a table to DuckDB, without pyarrow."""

    columns: dict[str, np.ndarray]

    @property
    def num_rows(self) -> int:
        return len(self.columns["year"])


def cell_facts(a: dict[str, Any], catalog: Catalog, lay: Layout | None, cells: Cells) -> Gathered | None:
    """The facts of `cells` in the columns the checks read (what run_checks would copy into chk_facts with a
    join over every fact), from fetch_facts(with_source)'s arrays. None where a qualifier is none of the
    four (the rules let no other in): then the caller asks the database."""
    if lay is None or not len(cells.keys):
        rows = np.zeros(0, np.int64)
    else:
        hit = np.zeros(lay.n, bool)
        hit[cells.keys] = True
        rows = np.flatnonzero(hit[lay.where])
    q = a["q"][rows]
    if (q >= _Q_OTHER).any():
        return None
    sid, series = a["sid"][rows], a["series"]
    texts = np.empty(len(QUALIFIERS), object)
    texts[:] = QUALIFIERS
    return Gathered({
        "unit_code": series["unit_code"][sid], "year": a["year"][rows], "period": series["period"][sid],
        "org_type": series["org_type"][sid], "measure": np.array(_codes(catalog), object)[a["mid"][rows]],
        "value": a["value"][rows], "decimals": a["decimals"][rows], "qualifier": texts[q],
        "source": a["sources"][a["src"][rows]]})
