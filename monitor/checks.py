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

# Year-over-year jumps that look like typing slips (warnings: a real change is possible). A rate is
# the one computed from counts, else the one stated (exact or approximate; a bound says too little);
# whole years only, the same unit, indicator and org type in consecutive years. A rate computed on a
# base under YOY_MIN_BASE in either year is left alone: on 2 organisations one changed rating moves it
# 50 points, which is no slip (the national demo gives 27 000 such warnings without this guard).
YOY_RATE_POINTS = 25
YOY_MIN_BASE = 20
YOY_COUNT_FACTOR = 10
_PAIR_SOURCE = """CASE WHEN {a} = {b} OR {a} = '' THEN {b} WHEN {b} = '' THEN {a} ELSE {a} || ' | ' || {b} END"""
_YOY_RATE = f"""
    WITH rates AS (
        SELECT c.unit_code, c.year, c.org_type, c.indicator AS measure, c.value, c.den
        FROM computed c JOIN cat_indicator i ON i.id = c.indicator AND i.is_rate
        WHERE c.period = 'Y' AND c.den >= {YOY_MIN_BASE}
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
        WHERE abs(b.value - a.value) > {YOY_RATE_POINTS}
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
           {_PAIR_SOURCE.format(a="coalesce(sa.source, '')", b="coalesce(sb.source, '')")} AS source
    FROM jumps j
    LEFT JOIN sources sa ON sa.unit_code = j.unit_code AND sa.org_type = j.org_type AND sa.measure = j.measure
                        AND sa.year = j.year_a
    LEFT JOIN sources sb ON sb.unit_code = j.unit_code AND sb.org_type = j.org_type AND sb.measure = j.measure
                        AND sb.year = j.year
"""

# A count (a measure, or a count indicator stated as such) ×10 or ÷10 from one year to the next:
# a digit typed twice or dropped. Zeros are left alone (0 → 3 failed members is no slip), and so are
# small counts: the larger of the two must reach YOY_MIN_BASE (1 → 14 failed members happens).
_YOY_COUNT = f"""
    SELECT 'yoy_count_jump' AS rule, 'warning' AS severity, b.unit_code, b.year, 'Y' AS period, b.org_type,
           b.measure, b.value AS stated, a.value AS computed,
           format('{{}}: {{}} → {{}}: {{}} ({{}}{{}})', a.year, num(a.value), b.year, num(b.value),
                  CASE WHEN b.value > a.value THEN '×' ELSE '÷' END,
                  num(round(greatest(a.value, b.value) / least(a.value, b.value), 1))) AS detail,
           {_PAIR_SOURCE.format(a="a.source", b="b.source")} AS source
    FROM {{facts}} a
    JOIN {{facts}} b ON b.unit_code = a.unit_code AND b.org_type = a.org_type AND b.measure = a.measure
                    AND b.year = a.year + 1 AND b.period = 'Y'
    WHERE a.period = 'Y' AND a.qualifier IN ('', '~') AND b.qualifier IN ('', '~')
      AND a.value > 0 AND b.value > 0 AND greatest(a.value, b.value) >= {YOY_MIN_BASE}
      AND (a.measure IN (SELECT id FROM cat_measure) OR a.measure IN (SELECT id FROM cat_indicator WHERE NOT is_rate))
      AND (b.value >= {YOY_COUNT_FACTOR} * a.value OR a.value >= {YOY_COUNT_FACTOR} * b.value)
"""

CHECKS = {"stated_rate": _STATED_RATE, "stated_bound": _STATED_BOUND, "balance": _BALANCE,
          "part_exceeds_whole": _DERIVED_PART, "yoy_rate_jump": _YOY_RATE, "yoy_count_jump": _YOY_COUNT}


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
