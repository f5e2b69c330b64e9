"""From stated figures to indicator values, in SQL built from the catalogue.

Three steps, each a DuckDB table so that checks, attainment and exports share one computation:
- `cat_*` tables: the catalogue's formulas as rows (which measures a derived measure sums, which
  measures an indicator divides);
- `resolved`: every stated count, plus a derived count (good or better = excellent + good) where the
  source did not state it and all its parts are stated exactly;
- `computed`: each indicator computed from exact counts (a bound or an approximation never enters a
  sum: the result would claim a precision the source lacks).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from core.agreement import rate_sql
from core.catalog import Catalog


def temp_table(con: duckdb.DuckDBPyConnection, name: str, columns: str, rows: Sequence[Sequence[object]]) -> None:
    """Temp table `name` ("column TYPE, …") from Python rows: each column goes in as one list parameter,
    a quarter of the cost of registering a DataFrame (a load makes eleven such tables)."""
    spec = [c.split() for c in columns.split(",")]
    params = {f"c{k}": [r[k] for r in rows] for k in range(len(spec))}
    select = ", ".join(f'CAST(unnest($c{k}) AS {sql_type}) AS "{column}"' for k, (column, sql_type) in enumerate(spec))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select}", params)


def register_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Create temp tables cat_measure, cat_indicator, cat_derived, cat_formula, cat_balance."""
    # num(x): a number as messages show it (58, not 58.0)
    con.execute(r"CREATE OR REPLACE TEMP MACRO num(x) AS "
                r"regexp_replace(CAST(round(x, 4) AS VARCHAR), '\.0$', '')")
    measures, indicators = list(catalog.measures.values()), list(catalog.indicators.values())
    levels = _derivation_levels(catalog)
    temp_table(con, "cat_measure", "id VARCHAR, whole VARCHAR, org_types BOOLEAN",
               [(m.id, m.whole or "", m.org_types) for m in measures])
    temp_table(con, "cat_indicator", "id VARCHAR, is_rate BOOLEAN, org_types BOOLEAN, capped BOOLEAN",
               [(i.id, i.is_rate, catalog.applies_to_org_types(i.id), i.is_rate and not i.may_exceed_100)
                for i in indicators])
    temp_table(con, "cat_derived", "measure VARCHAR, part VARCHAR, n_parts BIGINT, level BIGINT",
               [(m.id, part, len(m.derived_sum), levels[m.id]) for m in measures for part in m.derived_sum])
    temp_table(con, "cat_formula", "indicator VARCHAR, measure VARCHAR, role VARCHAR, n_role BIGINT",
               [(i.id, mid, role, len(getattr(i, attr))) for i in indicators
                for role, attr in (("num", "numerator"), ("den", "denominator")) for mid in getattr(i, attr)])
    temp_table(con, "cat_balance", "balance BIGINT, whole VARCHAR, part VARCHAR, n_parts BIGINT",
               [(k, b.whole, part, len(b.parts)) for k, b in enumerate(catalog.balances) for part in b.parts])


def _derivation_levels(catalog: Catalog) -> dict[str, int]:
    """Level 1 sums stated measures only; level n sums measures of level < n."""
    levels: dict[str, int] = {}

    def level(mid: str, seen: tuple[str, ...] = ()) -> int:
        if mid in seen:
            raise ValueError(f"derived_sum cycle through {mid}")
        m = catalog.measures[mid]
        if not m.derived_sum:
            return 0
        if mid not in levels:
            levels[mid] = 1 + max(level(p, (*seen, mid)) for p in m.derived_sum)
        return levels[mid]

    for mid in catalog.measures:
        level(mid)
    return levels


def build_resolved(con: duckdb.DuckDBPyConnection, facts: str = "facts") -> None:
    """Temp table `resolved`: stated counts plus derivable ones (derived = true)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE resolved AS
        SELECT unit_code, year, period, org_type, measure, value, qualifier, decimals, false AS derived
        FROM {facts} WHERE measure IN (SELECT id FROM cat_measure)
    """)
    max_level = con.execute("SELECT coalesce(max(level), 0) FROM cat_derived").fetchone()[0]
    for level in range(1, max_level + 1):
        con.execute("""
            INSERT INTO resolved
            SELECT s.* FROM (
                SELECT r.unit_code, r.year, r.period, r.org_type, d.measure, sum(r.value) AS value,
                       '' AS qualifier, NULL::INTEGER AS decimals, true AS derived
                FROM resolved r JOIN cat_derived d ON r.measure = d.part AND d.level = $level
                WHERE r.qualifier = ''
                GROUP BY r.unit_code, r.year, r.period, r.org_type, d.measure
                HAVING count(*) = any_value(d.n_parts)
            ) s
            ANTI JOIN resolved x USING (unit_code, year, period, org_type, measure)
        """, {"level": level})


def build_computed(con: duckdb.DuckDBPyConnection, source: str = "resolved") -> None:
    """Temp table `computed`: each indicator whose numerator and denominator are all present, exact."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE computed AS
        WITH parts AS (
            SELECT r.unit_code, r.year, r.period, r.org_type, f.indicator,
                   sum(r.value) FILTER (WHERE f.role = 'num') AS num,
                   sum(r.value) FILTER (WHERE f.role = 'den') AS den,
                   count(*) FILTER (WHERE f.role = 'num') AS n_num,
                   count(*) FILTER (WHERE f.role = 'den') AS n_den,
                   max(f.n_role) FILTER (WHERE f.role = 'num') AS need_num,
                   max(f.n_role) FILTER (WHERE f.role = 'den') AS need_den
            FROM {source} r JOIN cat_formula f ON r.measure = f.measure
            WHERE r.qualifier = ''
            GROUP BY r.unit_code, r.year, r.period, r.org_type, f.indicator
        )
        SELECT p.unit_code, p.year, p.period, p.org_type, p.indicator, p.num, p.den,
               CASE WHEN i.is_rate THEN {rate_sql("p.num", "p.den")} ELSE p.num END AS value
        FROM parts p JOIN cat_indicator i ON i.id = p.indicator
        WHERE p.n_num = p.need_num
          AND (NOT i.is_rate OR (p.n_den = (SELECT max(n_role) FROM cat_formula c
                                            WHERE c.indicator = p.indicator AND c.role = 'den')
                                 AND p.den > 0))
    """)


def prepare(con: duckdb.DuckDBPyConnection, catalog: Catalog, facts: str = "facts", register: bool = True) -> None:
    if register:
        register_catalog(con, catalog)
    build_resolved(con, facts)
    build_computed(con)
