"""The rules a load must pass, one named SQL query each, over the staging tables.

Every query returns (file, sheet, row, col, args) for each offending row: `col` is a contract column
name, turned into the file's own naming (a template's spreadsheet column) by the caller; `args` the
facts of the fault (the value as written, unit, year, measure…) as a JSON object, never a sentence:
core.problems says them in the reader's language.
Row rules judge single rows of text; set rules then judge the typed rows that passed them
(conflicts, parts against wholes), including against what the database already holds (`old_*`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb

from core.catalog import QUALIFIERS, Catalog
from core.metrics import temp_table
from etl.model import MEASURE_COLUMNS
from etl.readers import writable_measures

UNIT_CODE = r"^[A-Za-z0-9_-]+$"


def _formula(col: str) -> str:
    """Text a spreadsheet would run as a formula once the data is exported ('=cmd|...', '@SUM(...)'); a
    leading '-' or '+' with a call or a link after it, or sums of numbers ('+1+1', '-2+3'): '- Báo cáo 12' is a
    Vietnamese bullet, '-1' a number. A leading tab or line break became a space and was
    trimmed at the door (etl.readers), so '\t=1' is judged as '=1'."""
    return (f"left({col}, 1) IN ('=', '@') OR (left({col}, 1) IN ('+', '-') AND (regexp_matches({col}, '[(|!]') "
            f"OR regexp_matches({col}, '^[+-][0-9.,]+ *[-+*/^&=<>]')))")


def _formula_args(col: str, **more: str) -> str:
    extra = "".join(f", '{k}', {v}" for k, v in more.items())
    return _args(f"'value', {col}, 'first', left({col}, 1){extra}")


def _args(pairs: str) -> str:
    """A problem's facts as a JSON object (text, so that every rule's column has one type): the words
    are the reader's, rendered at the edge (core.problems)."""
    return f"CAST(json_object({pairs}) AS VARCHAR)"


# A plain machine number as CONTRACT.md asks for ('3577', '99.74', '1e-05'): DuckDB's own cast also
# takes '1_000', which no source writes and which hides a typing slip. Kept in step with core.numbers.
MACHINE_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
def _ROW(alias: str) -> str:
    return f'{alias}."row"'


# the key of a measure row, for the messages that name unit, year and measure
_ROW_KEY = "'unit', unit_code, 'year', year, 'period', period, 'org_type', org_type, 'measure', measure"

# -- units ------------------------------------------------------------------------------------------
# Every query returns (file, sheet, row, col, args): `args` the facts of the fault as a JSON object.
UNIT_RULES: dict[str, str] = {
    "missing_value": f"""
        SELECT file, '' AS sheet, "row", c AS col, {_args("'of', 'unit', 'unit', unit_code, 'col', c")} AS args
        FROM (SELECT file, "row", unit_code, unnest(['unit_code', 'name_vi', 'kind']) AS c,
                     unnest([unit_code, name_vi, kind]) AS v FROM stg_units) WHERE v = ''""",
    "bad_code": f"""
        SELECT file, '', "row", 'unit_code', {_args("'value', unit_code")}
        FROM stg_units WHERE unit_code <> '' AND NOT regexp_matches(unit_code, '{UNIT_CODE}')""",
    "unknown_kind": f"""
        SELECT file, '', "row", 'kind', {_args("'value', kind, 'expected', (SELECT list(id) FROM cat_unit_kind)")}
        FROM stg_units WHERE kind <> '' AND kind NOT IN (SELECT id FROM cat_unit_kind)""",
    "duplicate_unit": f"""
        SELECT s.file, '', s."row", 'unit_code',
               {_args("'unit', s.unit_code, 'other_file', t.file, 'other_row', " + _ROW("t"))}
        FROM stg_units s JOIN stg_units t ON s.unit_code = t.unit_code AND (t.file, t."row") < (s.file, s."row")
        WHERE (s.name_vi, s.name_en, s.parent_code, s.kind) IS DISTINCT FROM (t.name_vi, t.name_en, t.parent_code, t.kind)""",
    "unknown_parent": f"""
        SELECT file, '', "row", 'parent_code', {_args("'value', parent_code, 'unit', unit_code")}
        FROM stg_units WHERE parent_code <> '' AND parent_code NOT IN (SELECT unit_code FROM known_units)""",
    "self_parent": f"""
        SELECT file, '', "row", 'parent_code', {_args("'unit', unit_code")}
        FROM stg_units WHERE parent_code = unit_code AND unit_code <> ''""",
    # A cycle through parents (A under B, B under A) would send every roll-up up the tree round forever.
    "parent_cycle": f"""
        WITH RECURSIVE tree AS (
            SELECT DISTINCT unit_code, parent_code FROM stg_units
            UNION ALL
            SELECT unit_code, parent_code FROM old_units WHERE unit_code NOT IN (SELECT unit_code FROM stg_units)
        ),
        up(unit_code, ancestor, depth) AS (
            SELECT unit_code, parent_code, 1 FROM tree WHERE parent_code NOT IN ('', unit_code)
            UNION ALL
            SELECT up.unit_code, t.parent_code, up.depth + 1 FROM up JOIN tree t ON t.unit_code = up.ancestor
            WHERE t.parent_code <> '' AND up.ancestor <> up.unit_code AND up.depth < 100
        )
        SELECT file, '', "row", 'parent_code', {_args("'unit', unit_code, 'value', parent_code")}
        FROM stg_units WHERE unit_code IN (SELECT unit_code FROM up WHERE ancestor = unit_code)""",
    # a name a spreadsheet would run as a formula once the data is exported
    "formula_text": f"""
        SELECT file, '', "row", c, {_formula_args("v")}
        FROM (SELECT file, "row", unnest(['name_vi', 'name_en']) AS c, unnest([name_vi, name_en]) AS v FROM stg_units)
        WHERE {_formula("v")}""",
    "conflict": f"""
        SELECT s.file, '', s."row", 'unit_code',
               {_args("'of', 'unit', 'unit', s.unit_code, 'name', s.name_vi, 'kind', s.kind, 'parent', s.parent_code, "
                      "'db_name', o.name_vi, 'db_kind', o.kind, 'db_parent', o.parent_code")}
        FROM stg_units s JOIN old_units o USING (unit_code)
        WHERE NOT $replace AND (s.name_vi, s.name_en, s.parent_code, s.kind)
              IS DISTINCT FROM (o.name_vi, o.name_en, o.parent_code, o.kind)""",
}

# -- units in time and unit_changes.csv (issue 19) -----------------------------------------------------
# unit_times: each unit's years, the input's first (a units file without the years keeps the database's);
# all_changes: the input's changes (new) and the database's it does not restate. Small tables, read by
# several rules.
LINEAGE_VIEWS = """
    CREATE OR REPLACE TEMP TABLE unit_times AS
    WITH s AS (SELECT DISTINCT ON (unit_code) unit_code, TRY_CAST(nullif(valid_from, '') AS INTEGER) AS valid_from,
                      TRY_CAST(nullif(valid_to, '') AS INTEGER) AS valid_to, file, "row"
               FROM stg_units ORDER BY unit_code, file, "row")
    SELECT s.unit_code, coalesce(s.valid_from, o.valid_from) AS valid_from, coalesce(s.valid_to, o.valid_to) AS valid_to,
           s.file, s."row"
    FROM s LEFT JOIN old_units o USING (unit_code)
    UNION ALL
    SELECT unit_code, valid_from, valid_to, NULL, NULL FROM old_units WHERE unit_code NOT IN (SELECT unit_code FROM stg_units);
    CREATE OR REPLACE TEMP TABLE all_changes AS
    SELECT file, "row", TRY_CAST(year AS INTEGER) AS year, from_code, to_code, change,
           TRY_CAST(nullif(share, '') AS DOUBLE) AS share, true AS new
    FROM stg_changes
    UNION ALL
    SELECT NULL, NULL, year, from_code, to_code, change, share, false FROM old_changes
    WHERE (year, from_code, to_code) NOT IN (SELECT (TRY_CAST(year AS INTEGER), from_code, to_code) FROM stg_changes);
"""
_YEAR_TEXT = "regexp_full_match({c}, '[0-9]{{4}}')"
_CHANGE_KEY = "'unit', from_code, 'to', to_code, 'year', year, 'change', change"
LINEAGE_RULES: dict[str, str] = {
    "not_integer": f"""
        SELECT file, '', "row", c, {_args("'value', v")}
        FROM (SELECT file, "row", unnest(['valid_from', 'valid_to']) AS c, unnest([valid_from, valid_to]) AS v
              FROM stg_units
              UNION ALL SELECT file, "row", 'year', year FROM stg_changes)
        WHERE v <> '' AND NOT {_YEAR_TEXT.format(c="v")}""",
    "unit_years_order": f"""
        SELECT file, '', "row", 'valid_to', {_args("'unit', unit_code, 'first', valid_from, 'last', valid_to")}
        FROM stg_units WHERE {_YEAR_TEXT.format(c="valid_from")} AND {_YEAR_TEXT.format(c="valid_to")}
             AND CAST(valid_from AS INTEGER) > CAST(valid_to AS INTEGER)""",
    "missing_value": f"""
        SELECT file, '', "row", c, {_args("'of', 'change', 'col', c")}
        FROM (SELECT file, "row", unnest(['year', 'from_code', 'to_code', 'change']) AS c,
                     unnest([year, from_code, to_code, change]) AS v FROM stg_changes) WHERE v = ''""",
    "unknown_unit": f"""
        SELECT file, '', "row", c, {_args("'value', v")}
        FROM (SELECT file, "row", unnest(['from_code', 'to_code']) AS c, unnest([from_code, to_code]) AS v
              FROM stg_changes)
        WHERE v <> '' AND v NOT IN (SELECT unit_code FROM known_units)""",
    "unknown_change": f"""
        SELECT file, '', "row", 'change', {_args("'value', change")}
        FROM stg_changes WHERE change <> '' AND change NOT IN ('merge', 'split', 'rename', 'move')""",
    "change_share": f"""
        SELECT file, '', "row", 'share', {_args("'value', share, 'change', change")}
        FROM stg_changes
        WHERE share <> '' AND (change <> 'split' OR TRY_CAST(share AS DOUBLE) IS NULL
                               OR NOT TRY_CAST(share AS DOUBLE) > 0 OR TRY_CAST(share AS DOUBLE) > 1)""",
    # a split gives every new unit its share or none at all (then the years before it are shown missing)
    "split_shares": f"""
        WITH s AS (SELECT year, from_code, count(*) FILTER (WHERE share IS NOT NULL) AS given, count(*) AS n,
                          sum(share) AS total
                   FROM all_changes WHERE change = 'split' AND year IS NOT NULL GROUP BY year, from_code)
        SELECT c.file, '', c."row", 'share', {_args("'unit', c.from_code, 'year', c.year, 'value', round(s.total, 4)")}
        FROM all_changes c JOIN s USING (year, from_code)
        WHERE c.new AND c.change = 'split' AND ((s.given > 0 AND s.given < s.n) OR s.total > 1.0001)""",
    # a unit that became another cannot become something again from itself: A → B → A
    "change_cycle": f"""
        WITH RECURSIVE g AS (SELECT DISTINCT from_code, to_code FROM all_changes WHERE from_code <> '' AND to_code <> ''),
        reach(start, node, depth) AS (
            SELECT from_code, to_code, 1 FROM g
            UNION ALL
            SELECT r.start, g.to_code, r.depth + 1 FROM reach r JOIN g ON g.from_code = r.node
            WHERE r.node <> r.start AND r.depth < 100)
        SELECT file, '', "row", 'to_code', {_args(_CHANGE_KEY)}
        FROM all_changes WHERE new AND from_code IN (SELECT start FROM reach WHERE node = start)""",
    # the unit before a change ends with it: its last year is the change's year at the latest
    "valid_after_change": f"""
        SELECT coalesce(c.file, u.file), '', coalesce(c."row", u."row"), CASE WHEN c.new THEN 'from_code' ELSE 'valid_to' END,
               {_args("'unit', c.from_code, 'to', c.to_code, 'year', c.year, 'change', c.change, 'last', u.valid_to")}
        FROM all_changes c JOIN unit_times u ON u.unit_code = c.from_code
        WHERE c.year IS NOT NULL AND c.from_code <> c.to_code AND (u.valid_to IS NULL OR u.valid_to > c.year)
              AND (c.new OR u.file IS NOT NULL)""",
    # a figure for a unit in a year it did not exist: before it was formed, or after it was merged away
    # (run only when some unit has years: etl.load.lineage_rules)
    "unit_not_in_year": f"""
        SELECT s.file, s.sheet, s."row", 'year',
               {_args("'unit', s.unit_code, 'year', s.year, 'period', s.period, 'first', u.valid_from, 'last', u.valid_to")}
        FROM stg_measures s JOIN unit_times u USING (unit_code)
        WHERE (u.valid_from IS NOT NULL OR u.valid_to IS NOT NULL)
              AND (TRY_CAST(s.year AS INTEGER) < u.valid_from OR TRY_CAST(s.year AS INTEGER) > u.valid_to)""",
}

def lineage_rules(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """LINEAGE_RULES that can find anything: the measures are looked through only when a unit has years
    (a join of a national load's million rows for nothing cost 0,3 s)."""
    bounded = con.execute("SELECT count(*) FROM (SELECT 1 FROM unit_times WHERE valid_from IS NOT NULL "
                          "OR valid_to IS NOT NULL LIMIT 1)").fetchall()[0][0]
    return {name: sql for name, sql in LINEAGE_RULES.items() if bounded or name != "unit_not_in_year"}


# -- measures, row by row ------------------------------------------------------------------------------
ROW_RULES: dict[str, str] = {
    "missing_value": f"""
        SELECT file, sheet, "row", c, {_args("'col', c, " + _ROW_KEY)}
        FROM (SELECT file, sheet, "row", value_col, unit_code, year, period, org_type, measure,
                     unnest(['unit_code', 'year', 'measure', 'value']) AS c,
                     unnest([unit_code, year, measure, value]) AS v FROM stg_measures
              WHERE '' IN (unit_code, year, measure, value)) WHERE v = ''""",
    "unknown_unit": f"""
        SELECT file, sheet, "row", 'unit_code', {_args("'value', unit_code")}
        FROM stg_measures WHERE unit_code <> '' AND unit_code NOT IN (SELECT unit_code FROM known_units)""",
    "unknown_measure": f"""
        SELECT file, sheet, "row", 'measure', {_args("'value', measure")}
        FROM stg_measures WHERE measure <> '' AND measure NOT IN (SELECT id FROM cat_code)""",
    "unknown_org_type": f"""
        SELECT file, sheet, "row", 'org_type', {_args("'value', org_type, 'expected', (SELECT list(id) FROM cat_org_type)")}
        FROM stg_measures WHERE org_type <> '' AND org_type NOT IN (SELECT id FROM cat_org_type)""",
    "org_type_not_applicable": f"""
        SELECT s.file, s.sheet, s."row", 'org_type', {_args("'value', s.org_type, 'measure', s.measure")}
        FROM stg_measures s JOIN cat_code c ON c.id = s.measure
        WHERE s.org_type IN (SELECT id FROM cat_org_type) AND NOT c.org_types""",
    "unknown_period": f"""
        SELECT file, sheet, "row", 'period', {_args("'value', period")}
        FROM stg_measures WHERE period <> '' AND period NOT IN (SELECT id FROM cat_period)""",
    "not_integer": f"""
        SELECT file, sheet, "row", 'year', {_args("'value', year")}
        FROM stg_measures WHERE year <> '' AND NOT (regexp_full_match(year, '[0-9]{{1,9}}'))""",
    "year_outside_term": f"""
        SELECT file, sheet, "row", 'year', {_args("'value', year, 'first', (SELECT min(start) FROM cat_term), "
                                                  "'last', (SELECT max(t.end) FROM cat_term t)")}
        FROM stg_measures WHERE regexp_full_match(year, '[0-9]{{1,9}}')
             AND CAST(year AS INTEGER) NOT IN (SELECT year FROM cat_year)""",
    "not_numeric": f"""
        SELECT file, sheet, "row", value_col, {_args("'value', value, 'spreadsheet', sheet <> '', " + _ROW_KEY)}
        FROM stg_measures WHERE value <> '' AND (TRY_CAST(value AS DOUBLE) IS NULL
              OR (isfinite(TRY_CAST(value AS DOUBLE)) AND NOT regexp_full_match(value, '{MACHINE_NUMBER}')))""",
    "not_finite": f"""
        SELECT file, sheet, "row", value_col, {_args("'value', value, " + _ROW_KEY)}
        FROM stg_measures WHERE NOT isfinite(TRY_CAST(value AS DOUBLE))""",
    # a count is a whole number of people or organisations, and a sane one (1e308 made a rate inf)
    "not_whole": f"""
        SELECT s.file, s.sheet, s."row", s.value_col, {_args("'value', s.value, 'unit', s.unit_code, 'year', s.year, "
                                                           "'period', s.period, 'org_type', s.org_type, 'measure', s.measure")}
        FROM stg_measures s
        WHERE (s.measure IN (SELECT id FROM cat_measure) OR s.measure IN (SELECT id FROM cat_indicator WHERE NOT is_rate))
          AND isfinite(TRY_CAST(s.value AS DOUBLE)) AND TRY_CAST(s.value AS DOUBLE) <> floor(TRY_CAST(s.value AS DOUBLE))""",
    "too_large": f"""
        SELECT file, sheet, "row", value_col, {_args("'value', value, " + _ROW_KEY)}
        FROM stg_measures WHERE isfinite(TRY_CAST(value AS DOUBLE)) AND abs(TRY_CAST(value AS DOUBLE)) > 1e8""",
    "negative": f"""
        SELECT file, sheet, "row", value_col, {_args("'value', value, " + _ROW_KEY)}
        FROM stg_measures WHERE TRY_CAST(value AS DOUBLE) < 0""",
    "rate_over_100": f"""
        SELECT s.file, s.sheet, s."row", s.value_col,
               {_args("'value', s.value, 'unit', s.unit_code, 'year', s.year, 'period', s.period, "
                      "'org_type', s.org_type, 'measure', s.measure")}
        FROM stg_measures s JOIN cat_indicator i ON i.id = s.measure AND i.capped
        WHERE TRY_CAST(s.value AS DOUBLE) > 100""",
    # a source a spreadsheet would run as a formula once the data is exported
    "formula_text": f"""
        SELECT file, sheet, "row", 'source', {_formula_args("source")}
        FROM stg_measures
        WHERE {_formula("source")}""",
    "unknown_qualifier": f"""
        SELECT file, sheet, "row", 'qualifier', {_args("'value', qualifier")}
        FROM stg_measures WHERE qualifier NOT IN {QUALIFIERS!r}""",
}

# -- measures, as a set (on stg_typed: the rows that passed the row rules) ------------------------------
KEY = "unit_code, year, period, org_type, measure"
_S_KEY = "'unit', s.unit_code, 'year', s.year, 'period', s.period, 'org_type', s.org_type, 'measure', s.measure"
SET_RULES: dict[str, str] = {
    "conflict": f"""
        WITH clash AS (SELECT {KEY} FROM stg_typed SEMI JOIN dup_keys USING ({KEY}) GROUP BY ALL
                       HAVING count(DISTINCT (value, qualifier)) > 1)
        SELECT s.file, s.sheet, s."row", s.value_col,
               {_args(_S_KEY + ", 'value', s.value, 'qualifier', s.qualifier, 'others', "
                      "(SELECT list(DISTINCT {'value': t.value, 'qualifier': t.qualifier, 'file': t.file, "
                      "'sheet': t.sheet, 'row': " + _ROW("t") + "}) FROM stg_typed t WHERE (t." + KEY.replace(', ', ', t.')
                      + ") = (s." + KEY.replace(', ', ', s.') + ") "
                      "AND (t.value, t.qualifier) IS DISTINCT FROM (s.value, s.qualifier))")}
        FROM stg_typed s SEMI JOIN clash USING ({KEY})""",
    "conflict_with_database": f"""
        SELECT s.file, s.sheet, s."row", s.value_col,
               {_args(_S_KEY + ", 'value', s.value, 'qualifier', s.qualifier, 'db_value', o.value, "
                      "'db_qualifier', o.qualifier, 'db_source', o.source, 'db_load', o.load_id")}
        FROM stg_typed s JOIN old_facts o USING ({KEY})
        WHERE NOT $replace AND (s.value, s.qualifier) IS DISTINCT FROM (o.value, o.qualifier)""",
}


def set_rules(repeated: bool, held: bool) -> dict[str, str]:
    """The SET_RULES that can find anything: a conflict needs a key the input gives twice (`repeated`), a
    conflict with the database a fact already there (`held`)."""
    return {name: sql for name, sql in SET_RULES.items()
            if (repeated or name != "conflict") and (held or name != "conflict_with_database")}


# Only in the cells where numpy found a part over its whole (pw_cells, core.checks.parts_over_wholes):
# the join of a million parts and wholes on five texts cost more than the rest of the set rules.
PART_RULES: dict[str, str] = {
    "part_exceeds_whole": f"""
        WITH merged AS (SELECT * FROM stg_merged SEMI JOIN pw_cells USING (unit_code, year, period, org_type)),
        parts AS (SELECT p.*, m.whole FROM merged p JOIN cat_measure m ON m.id = p.measure AND m.whole <> ''
                  WHERE p.qualifier = ''),
        wholes AS (SELECT * FROM merged WHERE qualifier = '' AND measure IN (SELECT whole FROM cat_measure))
        SELECT p.file, p.sheet, p."row", p.value_col,
               {_args("'unit', p.unit_code, 'year', p.year, 'period', p.period, 'org_type', p.org_type, "
                      "'measure', p.measure, 'value', p.value, 'whole', w.measure, 'whole_value', w.value, "
                      "'whole_file', CASE WHEN w.new THEN w.file END, 'whole_sheet', w.sheet, 'whole_row', " + _ROW("w"))}
        FROM parts p JOIN wholes w ON w.measure = p.whole AND w.unit_code = p.unit_code AND w.year = p.year
                                  AND w.period = p.period AND w.org_type = p.org_type
        WHERE (p.new OR w.new) AND p.value > w.value""",
}

TYPED_COLUMNS = 'file, sheet, "row", value_col, unit_code, year, period, org_type, measure, value, decimals, qualifier, source'
# No DISTINCT ON over the whole input here: sorting a million rows costs more than everything else.
# Duplicate keys are rare: numpy says whether there are any (etl.load._repeats_a_key, from the arrays the
# checks fetch anyway); only then are they found here (DUPLICATES) and only they sorted, to keep the first
# occurrence in input order (stg_files.ord) in stg_unique.
TYPED = """
    CREATE OR REPLACE TEMP TABLE stg_typed AS
    SELECT file, sheet, "row", value_col, unit_code, CAST(year AS INTEGER) AS year,
           CASE WHEN period = '' THEN 'Y' ELSE period END AS period, org_type, measure,
           CAST(value AS DOUBLE) AS value,
           CASE WHEN contains(value, '.') AND NOT contains(lower(value), 'e')
                THEN CAST(length(split_part(value, '.', 2)) AS INTEGER) ELSE 0 END AS decimals,
           qualifier, source
    FROM stg_measures
    ANTI JOIN bad_rows USING (file, sheet, "row")
"""
DUPLICATES = [
    # Grouping by one hash costs half of grouping by the five texts; equal hashes are then compared
    # by their keys, so a collision of two different keys is no duplicate.
    f"""CREATE OR REPLACE TEMP TABLE dup_hashes AS SELECT hash({KEY}) AS key_hash FROM stg_typed
    GROUP BY key_hash HAVING count(*) > 1""",
    f"""CREATE OR REPLACE TEMP TABLE dup_keys AS
    SELECT {KEY} FROM stg_typed SEMI JOIN dup_hashes ON hash({KEY}) = dup_hashes.key_hash
    GROUP BY ALL HAVING count(*) > 1""",
]
NO_DUPLICATES = f"CREATE OR REPLACE TEMP TABLE dup_keys AS SELECT {KEY} FROM stg_typed LIMIT 0"
# What the database holds after this load: the input (one row per key), and the database's facts the
# input does not restate. `new`: the fact comes with this load.
MERGED = f"""
    CREATE OR REPLACE TEMP VIEW stg_merged AS
    SELECT {KEY}, value, decimals, qualifier, source, file, sheet, "row", value_col, true AS new FROM stg_unique
    UNION ALL
    SELECT {KEY}, value, decimals, qualifier, source, file, '' AS sheet, "row", 'value' AS value_col, false AS new
    FROM old_facts ANTI JOIN stg_typed USING ({KEY})
"""


def as_view(sql: str) -> str:
    """stg_typed as a view when no row is at fault: its readers take what they need of it, which costs
    less than copying a million rows' texts into a table."""
    if "TEMP TABLE stg_typed" not in sql:
        return sql
    return sql.replace("TEMP TABLE stg_typed", "TEMP VIEW stg_typed").replace('ANTI JOIN bad_rows USING (file, sheet, "row")', "")


# stg_unique: one row per key. Without duplicates (the usual case) simply stg_typed.
UNIQUE_NO_DUPLICATES = f"CREATE OR REPLACE TEMP VIEW stg_unique AS SELECT {TYPED_COLUMNS} FROM stg_typed"
UNIQUE = f"""
    CREATE OR REPLACE TEMP VIEW stg_unique AS
    SELECT {TYPED_COLUMNS} FROM stg_typed ANTI JOIN dup_keys USING ({KEY})
    UNION ALL
    SELECT {TYPED_COLUMNS} FROM (
        SELECT DISTINCT ON ({KEY}) t.*
        FROM (SELECT * FROM stg_typed SEMI JOIN dup_keys USING ({KEY})) t JOIN stg_files f USING (file)
        ORDER BY {KEY}, f.ord, t.sheet, t."row")
"""


def register_reference(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """The catalogue's vocabularies as temp tables for the rules (formulas: core.metrics)."""
    codes = [(m.id, m.org_types) for m in catalog.measures.values()]
    codes += [(i.id, catalog.applies_to_org_types(i.id)) for i in catalog.indicators.values()]
    temp_table(con, "cat_code", "id VARCHAR, org_types BOOLEAN", codes)
    for name, ids in (("cat_org_type", catalog.org_types), ("cat_period", catalog.periods),
                      ("cat_unit_kind", catalog.unit_kinds)):
        temp_table(con, name, "id VARCHAR", [(i,) for i in ids])
    terms = list(catalog.terms.values())
    temp_table(con, "cat_term", "id VARCHAR, start BIGINT, end BIGINT", [(t.id, t.start, t.end) for t in terms])
    temp_table(con, "cat_year", "year BIGINT", [(y,) for y in sorted({y for t in terms for y in range(t.start, t.end + 1)})])


# A row any row rule could fault: a looser test than the rules' own (every row a rule faults passes it), in
# one scan of the input with cheap tests (translate() to find odd characters costs twice the rest; one range
# test stands for not a number, not finite and negative, NaN being above every number in DuckDB); the rules run on
# these rows only, usually none. Keep it in step with ROW_RULES: tests/test_rules.py runs the rules both ways.
# What the code says of a row (known, by org type, a rate, capped) comes from one join, the value is cast once:
# four look-ups of the code and four casts cost a fifth of the scan on a million rows.
SUSPECT = f"""
    CREATE OR REPLACE TEMP TABLE stg_suspect AS SELECT m.* EXCLUDE (_v)
    FROM (SELECT *, TRY_CAST(value AS DOUBLE) AS _v FROM stg_measures) m
    LEFT JOIN (SELECT c.id, c.org_types, coalesce(i.is_rate, false) AS is_rate, coalesce(i.capped, false) AS capped
               FROM cat_code c LEFT JOIN cat_indicator i USING (id)) k ON k.id = m.measure
    WHERE '' IN (m.unit_code, m.year, m.measure, m.value)
       OR m.unit_code NOT IN (SELECT unit_code FROM known_units)
       OR k.id IS NULL
       OR m.org_type NOT IN (SELECT id FROM cat_org_type UNION ALL SELECT '')
       OR (m.org_type <> '' AND NOT k.org_types)
       OR m.period NOT IN (SELECT id FROM cat_period UNION ALL SELECT '')
       OR m.year NOT IN (SELECT CAST(year AS VARCHAR) FROM cat_year)
       OR NOT regexp_full_match(m.value, '{MACHINE_NUMBER}')
       OR NOT coalesce(m._v BETWEEN 0 AND 1e8, false)
       OR (m._v <> floor(m._v) AND NOT coalesce(k.is_rate, false))
       OR (m._v > 100 AND coalesce(k.capped, false))
       OR left(m.source, 1) IN ('=', '@', '+', '-') OR starts_with(m.source, ' ') OR ends_with(m.source, ' ')
       OR m.qualifier NOT IN {QUALIFIERS!r}
"""


def _padded(col: str) -> str:
    return f"(starts_with({col}, ' ') OR ends_with({col}, ' '))"


def trim_measures(con: duckdb.DuckDBPyConnection) -> None:
    """Trim the spaces at either end of stg_measures' cells, and leave stg_suspect (SUSPECT) for run_rows.

    A code, year, period, qualifier or value with a space at either end is no known code and no machine
    number, so it is suspect, and so is a source with one (SUSPECT looks): only the suspect rows need
    looking at, a tenth of the cost of looking at every cell of a large file (where spaces are rare).
    """
    con.execute(re.sub(r"\s+", " ", SUSPECT))
    keys = " OR ".join(_padded(c) for c in MEASURE_COLUMNS)
    padded = f'(file, sheet, "row") IN (SELECT file, sheet, "row" FROM stg_suspect WHERE {keys})'
    # looking costs half of an UPDATE that changes nothing
    if not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM stg_suspect WHERE {keys} LIMIT 1)").fetchall()[0][0]:
        return
    table = writable_measures(con)
    con.execute(f"UPDATE {table} SET {', '.join(f'{c} = trim({c})' for c in MEASURE_COLUMNS)} WHERE {padded}")
    con.execute(re.sub(r"\s+", " ", SUSPECT))  # trimmed, a row may be no longer suspect


Found = tuple[str, str, str, int | None, str, dict[str, Any]]  # rule, file, sheet, row, col, args


def run_rows(con: duckdb.DuckDBPyConnection, rules: dict[str, str],
             limit: int, prefilter: bool = True) -> list[Found]:
    """Run the row rules as one statement into row_faults, and the rows at fault into bad_rows.

    One pass instead of two (report, then exclude): the rules are the bulk of a large load's checks.
    With `prefilter`, on the suspect rows only (stg_suspect, left by trim_measures).
    """
    table = "stg_suspect" if prefilter else "stg_measures"
    union = " UNION ALL ".join(f"SELECT '{name}' AS rule, * FROM ({sql.replace('FROM stg_measures', 'FROM ' + table)}) "
                               "AS q(file, sheet, \"row\", col, args)" for name, sql in rules.items())
    con.execute("CREATE OR REPLACE TEMP TABLE row_faults AS " + re.sub(r"\s+", " ", union))
    con.execute('CREATE OR REPLACE TEMP TABLE bad_rows AS SELECT DISTINCT file, sheet, "row" FROM row_faults')
    found = con.execute(f"""
        SELECT rule, file, sheet, "row", col, args FROM row_faults
        QUALIFY row_number() OVER (PARTITION BY rule ORDER BY file, "row") <= {limit}
        ORDER BY rule, file, "row"
    """).fetchall()
    return [(rule, file, sheet, row, col, json.loads(args)) for rule, file, sheet, row, col, args in found]


def run(con: duckdb.DuckDBPyConnection, rules: dict[str, str], replace: bool, limit: int) -> list[Found]:
    """(rule, file, sheet, row, col, args) for every fault, at most `limit` per rule."""
    out = []
    for name, sql in rules.items():
        params = {"replace": replace} if "$replace" in sql else None
        sql = re.sub(r"\s+", " ", sql)
        for file, sheet, row, col, args in con.execute(f"{sql} ORDER BY 1, 3 LIMIT {limit}", params).fetchall():
            out.append((name, file, sheet, row, col, json.loads(args)))
    return out
