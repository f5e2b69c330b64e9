"""The checks committee staff now do by hand before a meeting: does the report agree with itself?

Each check is one SQL query over `resolved` / `computed` / the facts (see monitor.metrics) returning
rows shaped like the `findings` table. They never reject data: the data must match its source, and
the committee must see the source's slip.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from monitor.catalog import Catalog
from monitor.metrics import prepare

FINDING_COLUMNS = ["rule", "severity", "unit_code", "year", "period", "org_type", "measure",
                   "stated", "computed", "detail", "source"]

# A stated rate agrees with the counts when it equals the computed rate rounded or truncated to the
# decimals the source wrote (reports do both: 56/58 = 96,55% is written 96,5% and 96,6%).
_STATED_RATE = """
    SELECT 'stated_rate' AS rule, 'finding' AS severity, s.unit_code, s.year, s.period, s.org_type,
           s.measure, s.value AS stated, c.value AS computed,
           format('{} / {}', num(c.num), num(c.den)) AS detail, s.source
    FROM {facts} s
    JOIN cat_indicator i ON i.id = s.measure AND i.is_rate
    JOIN computed c ON c.indicator = s.measure AND c.unit_code = s.unit_code AND c.year = s.year
                   AND c.period = s.period AND c.org_type = s.org_type
    WHERE s.qualifier = ''
      AND abs(round(c.value, CAST(s.decimals AS INTEGER)) - s.value) > 1e-9
      AND abs(floor(c.value * pow(10, s.decimals) + 1e-9) / pow(10, s.decimals) - s.value) > 1e-9
"""

# A bound is checked only for its direction: "trên 90%" against a computed 88% is a slip.
_STATED_BOUND = """
    SELECT 'stated_bound' AS rule, 'finding' AS severity, s.unit_code, s.year, s.period, s.org_type,
           s.measure, s.value AS stated, c.value AS computed,
           format('{}{} vs {} / {}', s.qualifier, num(s.value), num(c.num), num(c.den)) AS detail, s.source
    FROM {facts} s
    JOIN computed c ON c.indicator = s.measure AND c.unit_code = s.unit_code AND c.year = s.year
                   AND c.period = s.period AND c.org_type = s.org_type
    WHERE (s.qualifier = '>' AND c.value <= s.value) OR (s.qualifier = '<' AND c.value >= s.value)
"""

_BALANCE = """
    WITH sums AS (
        SELECT r.unit_code, r.year, r.period, r.org_type, b.balance, any_value(b.whole) AS whole,
               sum(r.value) AS parts, count(*) AS n, any_value(b.n_parts) AS need,
               string_agg(num(r.value), ' + ' ORDER BY r.measure) AS terms
        FROM resolved r JOIN cat_balance b ON r.measure = b.part
        WHERE r.qualifier = ''
        GROUP BY r.unit_code, r.year, r.period, r.org_type, b.balance
    )
    SELECT 'balance' AS rule, 'finding' AS severity, s.unit_code, s.year, s.period, s.org_type,
           s.whole AS measure, w.value AS stated, s.parts AS computed,
           format('{} = {}', s.terms, num(s.parts)) AS detail, coalesce(f.source, '') AS source
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
           format('{} > {}', num(p.value), num(w.value)) AS detail, '' AS source
    FROM resolved p
    JOIN cat_measure m ON m.id = p.measure AND m.whole <> ''
    JOIN resolved w ON w.measure = m.whole AND w.unit_code = p.unit_code AND w.year = p.year
                   AND w.period = p.period AND w.org_type = p.org_type AND w.qualifier = ''
    WHERE (p.derived OR w.derived) AND p.qualifier = '' AND p.value > w.value + 1e-9
"""

CHECKS = {"stated_rate": _STATED_RATE, "stated_bound": _STATED_BOUND, "balance": _BALANCE,
          "part_exceeds_whole": _DERIVED_PART}


def run_checks(con: duckdb.DuckDBPyConnection, catalog: Catalog, facts: str = "facts",
               prepared: bool = False) -> pd.DataFrame:
    """All findings for the facts in relation `facts`, one row each, ordered for stable output."""
    if not prepared:
        prepare(con, catalog, facts)
    parts = [con.execute(sql.replace("{facts}", facts)).df() for sql in CHECKS.values()]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[FINDING_COLUMNS]
    return out.sort_values(["unit_code", "year", "period", "org_type", "measure", "rule"],
                           ignore_index=True)
