-- The database the ETL writes and everything else reads. One file; replaced whole on every load.

CREATE TABLE IF NOT EXISTS units (
    unit_code   VARCHAR PRIMARY KEY,
    name_vi     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL DEFAULT '',
    parent_code VARCHAR NOT NULL DEFAULT '',   -- '' for a root
    kind        VARCHAR NOT NULL,
    valid_from  INTEGER,                       -- first year the unit exists; NULL = always
    valid_to    INTEGER                        -- last year it exists (merged, split or renamed after); NULL = still
);

-- How units became others (unit_changes.csv): a merge, a split, a rename or a move in `year`, the first
-- year of the unit after. `share` (0-1): for a split, the part of the old unit's counts the new one took.
-- A database made before this table has none: monitor.lineage reads it as no change at all.
CREATE TABLE IF NOT EXISTS unit_changes (
    year      INTEGER NOT NULL,
    from_code VARCHAR NOT NULL,
    to_code   VARCHAR NOT NULL,
    change    VARCHAR NOT NULL,                -- merge | split | rename | move
    share     DOUBLE
);

-- Every figure exactly as its source gave it. `measure` is a measure id, or an indicator id when the
-- source states only the rate. `decimals` is how many decimals the source wrote (96,5% → 1), so a
-- stated rate is checked against counts at the source's own precision. org_type '' = all types.
-- One row per (unit_code, year, period, org_type, measure): the load's rules make it so (a key given
-- twice with different values is rejected, equal ones are stored once). No PRIMARY KEY: its index
-- cost a fifth of a national load, and nothing looks a fact up by its key one at a time.
CREATE TABLE IF NOT EXISTS facts (
    unit_code VARCHAR NOT NULL,
    year      INTEGER NOT NULL,
    period    VARCHAR NOT NULL,             -- Y, H1, TD
    org_type  VARCHAR NOT NULL DEFAULT '',
    measure   VARCHAR NOT NULL,
    value     DOUBLE  NOT NULL,
    decimals  INTEGER NOT NULL DEFAULT 0,
    qualifier VARCHAR NOT NULL DEFAULT '',  -- '' exact, '>' / '<' a bound, '~' approximate
    source    VARCHAR NOT NULL DEFAULT '',
    file      VARCHAR NOT NULL DEFAULT '',
    "row"     INTEGER,
    load_id   INTEGER NOT NULL
);

-- The reports' own arithmetic that disagrees with itself, and other checks. Recomputed on every load.
CREATE TABLE IF NOT EXISTS findings (
    rule      VARCHAR NOT NULL,
    severity  VARCHAR NOT NULL,             -- finding | warning
    unit_code VARCHAR NOT NULL,
    year      INTEGER NOT NULL,
    period    VARCHAR NOT NULL,
    org_type  VARCHAR NOT NULL,
    measure   VARCHAR NOT NULL,
    stated    DOUBLE,
    computed  DOUBLE,
    detail    VARCHAR NOT NULL DEFAULT '',  -- the facts below as one formula (CONTRACT.md); pages say them
    source    VARCHAR NOT NULL DEFAULT '',
    -- the finding's facts as data (NULL where the rule has none; a database made before has none at all):
    num         DOUBLE,     -- stated_rate, stated_bound: the counts' numerator and denominator
    den         DOUBLE,
    qualifier   VARCHAR,    -- stated_bound: the stated figure's bound ('>' of "trên 90%")
    parts       VARCHAR[],  -- balance: the parts' measure codes, and their values in the same order
    part_values DOUBLE[]
);

CREATE TABLE IF NOT EXISTS load_log (
    load_id   INTEGER NOT NULL,
    file      VARCHAR NOT NULL,
    sha256    VARCHAR NOT NULL,
    "rows"    INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    result    VARCHAR NOT NULL,             -- loaded | unchanged
    user_name VARCHAR NOT NULL DEFAULT ''
);
