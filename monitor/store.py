"""The dashboard's one door to the database: read-only, every query here, named parameters only.

The ETL never writes the file the dashboard has open: it builds a new file and renames it over the
old one. A connection keeps reading the old inode, so a Store remembers the file's identity (inode,
mtime, size) and the caller opens a new Store when `file_identity(path)` changes.

The file is ATTACHed READ_ONLY to a private in-memory DuckDB instance rather than opened with
duckdb.connect(path): DuckDB keeps one instance per path per process, so connect(path) after a
replacement would hand back the old instance and its old data.

Streamlit runs sessions on several threads; a DuckDB connection is not to be shared across threads,
so every query runs on its own cursor. Results of the heavier computations (indicator values,
attainment) are memoised per Store: a new file means a new Store and so fresh results.

A Store of a file that was replaced keeps the replaced file open, so its disk space is not freed while
the Store lives: retire_older() retires every other Store of the path once a new one is in use, and a
retired Store closes as soon as no cursor is open on it and RETIRE_GRACE has passed (a page still
drawing with it finishes on the old, consistent file).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from core.catalog import Catalog, Term, default_catalog

T = TypeVar("T")
MAX_MEMO = 2000  # results kept per database version; the oldest go first (a view rebuilt costs < 1 s)
DEFAULT_DB = "data/monitor.duckdb"
ALIAS = "db"
RETIRE_GRACE = 30.0  # seconds a retired Store stays open for the pages still drawing with it

# Every SQL statement of the dashboard. Parameters are named ($name) and passed as a dict.
SQL: dict[str, str] = {
    "units": """
        SELECT unit_code, name_vi, name_en, parent_code, kind FROM units ORDER BY unit_code
    """,
    "years": """
        SELECT DISTINCT year FROM facts ORDER BY year
    """,
    "fact_count": """
        SELECT count(*) AS n FROM facts
    """,
    # unit × year: how many figures were submitted (whole year, part year), over the given years.
    "completeness": """
        WITH u AS (SELECT unnest($units::VARCHAR[]) AS unit_code),
             y AS (SELECT unnest(range($start::INTEGER, $end::INTEGER + 1)) AS year)
        SELECT u.unit_code, y.year,
               count(f.measure) FILTER (WHERE f.period = 'Y') AS figures_year,
               count(f.measure) FILTER (WHERE f.period <> 'Y') AS figures_part,
               string_agg(DISTINCT f.period, ',' ORDER BY f.period) AS periods
        FROM u CROSS JOIN y
        LEFT JOIN facts f ON f.unit_code = u.unit_code AND f.year = y.year
        GROUP BY u.unit_code, y.year
        ORDER BY u.unit_code, y.year
    """,
    "findings": """
        SELECT * FROM findings  -- with the finding's fields where the database has them (schema.sql)
        WHERE list_contains($units::VARCHAR[], unit_code)
          AND year BETWEEN $start AND $end
        ORDER BY unit_code, year, period, measure, rule
    """,
    "load_log": """
        SELECT load_id, file, "rows", loaded_at, result, user_name, sha256
        FROM load_log ORDER BY load_id DESC, file
    """,
    # the unit whose direct children report the most figures: where a committee most likely starts
    "busiest_parent": """
        SELECT u.parent_code, count(*) AS figures
        FROM facts f JOIN units u USING (unit_code)
        WHERE u.parent_code <> '' AND u.parent_code IN (SELECT unit_code FROM units)
        GROUP BY u.parent_code
        ORDER BY figures DESC, u.parent_code
        LIMIT 1
    """,
    # organisation types a subtree has figures for (the Unit page's breakdown)
    "org_types_in": """
        SELECT DISTINCT org_type FROM facts
        WHERE org_type <> '' AND list_contains($units::VARCHAR[], unit_code)
        ORDER BY org_type
    """,
}


def db_path() -> Path:
    return Path(os.environ.get("MONITOR_DB", DEFAULT_DB))


def file_identity(path: str | Path) -> tuple[int, int, int, int] | None:
    """(device, inode, mtime_ns, size), or None when there is no file. A rename over the file changes it."""
    try:
        s = os.stat(path)
    except OSError:
        return None
    return (s.st_dev, s.st_ino, s.st_mtime_ns, s.st_size)


class StoreClosed(RuntimeError):
    """The Store's file was replaced and the Store closed; the next run of the page opens the new one."""


_open: dict[str, list[weakref.ref[Store]]] = {}  # the Stores of each path, to retire the old ones
_open_lock = threading.Lock()


class Store:
    """A read-only view of one version of the database file, safe to share between threads."""

    def __init__(self, path: str | Path, catalog: Catalog | None = None) -> None:
        self.path = Path(path)
        self.catalog = catalog or default_catalog()
        self._con = duckdb.connect(":memory:", config={"threads": 4})
        for _ in range(5):  # the identity of the file attached, not of one renamed over it in between
            self.identity = file_identity(self.path)
            if self.identity is None:
                self._con.close()
                raise FileNotFoundError(str(self.path))
            self._con.execute(f"ATTACH $p AS {ALIAS} (READ_ONLY)", {"p": str(self.path)})
            if file_identity(self.path) == self.identity:
                break
            self._con.execute(f"DETACH {ALIAS}")
        self._lock = threading.Lock()
        self._memo: dict[Hashable, Any] = {}
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._active = 0  # cursors open now
        self._retired_at: float | None = None
        self._grace = RETIRE_GRACE
        self.closed = False
        with _open_lock:
            refs = [r for r in _open.get(str(self.path), []) if r() is not None]
            _open[str(self.path)] = [*refs, weakref.ref(self)]

    # -- plumbing ----------------------------------------------------------------------------------
    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own for one thread's work, reading the attached file."""
        with self._lock:
            if self.closed:
                raise StoreClosed(f"{self.path} was replaced since this page started; it reads the new file "
                                  "at its next run")
            cur = self._con.cursor()
            self._active += 1
        try:
            cur.execute(f"USE {ALIAS}")
            yield cur
        finally:
            cur.close()
            with self._lock:
                self._active -= 1
                self._close_if_done()

    def retire(self, grace: float | None = None) -> None:
        """Close once no cursor is open and `grace` seconds (RETIRE_GRACE) have passed; until then it still
        answers the pages drawing with it."""
        with self._lock:
            if self._retired_at is None:
                self._retired_at = time.monotonic()
            if grace is not None:
                self._grace = grace
            self._close_if_done()

    def _close_if_done(self) -> None:  # under self._lock
        if (not self.closed and self._retired_at is not None and self._active == 0
                and time.monotonic() - self._retired_at >= self._grace):
            self._con.close()
            self.closed = True

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(SQL[name], params or None).df()

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """compute() once per key for the life of this Store; concurrent callers of one key wait."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._memo:
                    return self._memo[key]
            value = compute()
            with self._lock:
                self._memo[key] = value
                while len(self._memo) > MAX_MEMO:
                    oldest = next(iter(self._memo))
                    del self._memo[oldest]
                    self._key_locks.pop(oldest, None)
            return value

    def close(self) -> None:
        with self._lock:
            self._con.close()
            self.closed = True

    # -- plain queries -----------------------------------------------------------------------------
    def units(self) -> pd.DataFrame:
        return self.memo("units", lambda: self.query("units"))

    def units_of_term(self, term: Term) -> pd.DataFrame:
        """The units that exist in a term (monitor.lineage.in_term): a reorganised map shows its own units."""
        def compute() -> pd.DataFrame:
            from monitor import lineage

            with self.cursor() as cur:
                keep = set(lineage.in_term(lineage.unit_years(cur), term))
            units = self.units()
            return units[units["unit_code"].isin(keep)].reset_index(drop=True)

        return self.memo(("units_of_term", term.id), compute)

    def years(self) -> list[int]:
        return self.memo("years", lambda: [int(y) for y in self.query("years")["year"]])

    def fact_count(self) -> int:
        return self.memo("fact_count", lambda: int(self.query("fact_count")["n"].iloc[0]))

    def completeness(self, units: Sequence[str], start: int, end: int) -> pd.DataFrame:
        return self.query("completeness", units=list(units), start=start, end=end)

    def findings(self, units: Sequence[str], start: int, end: int) -> pd.DataFrame:
        return self.query("findings", units=list(units), start=start, end=end)

    def load_log(self) -> pd.DataFrame:
        return self.query("load_log")

    def busiest_parent(self) -> str | None:
        def compute() -> str | None:
            hit = self.query("busiest_parent")
            return None if hit.empty else str(hit["parent_code"].iloc[0])

        return self.memo("busiest_parent", compute)

    def org_types_in(self, units: Sequence[str]) -> list[str]:
        return list(self.query("org_types_in", units=list(units))["org_type"])

    # -- the attainment interface (docs/attainment-api.md), memoised ---------------------------------
    def values(self, units: Sequence[str] | None = None, org_types: Sequence[str] | None = None,
               term_id: str | None = None) -> pd.DataFrame:
        """monitor.attainment.indicator_values for these units (None = all)."""
        key = ("values", _key(units), _key(org_types), term_id)

        def compute() -> pd.DataFrame:
            from monitor.attainment import indicator_values

            with self.cursor() as cur:
                return indicator_values(cur, self.catalog, units=list(units) if units is not None else None,
                                        org_types=list(org_types) if org_types else None, term_id=term_id)

        return self.memo(key, compute)

    def assessed(self, units: Sequence[str] | None = None, org_types: Sequence[str] | None = None,
                 term_id: str | None = None, as_of: int | None = None) -> pd.DataFrame:
        """monitor.attainment.assess over values(units, org_types, term_id), as of a year."""
        key = ("assessed", _key(units), _key(org_types), term_id, as_of)

        def compute() -> pd.DataFrame:
            from monitor.attainment import assess

            values = self.values(units, org_types, term_id)
            table = self.units()
            if units is not None:
                table = table[table["unit_code"].isin(list(units))]
            return assess(values, self.catalog, table, as_of=as_of, term_id=term_id)

        return self.memo(key, compute)


def retire_older(current: Store, grace: float | None = None) -> int:
    """Retire every Store of `current`'s path that reads another version of the file (one since replaced),
    and close those retired whose time has come; returns how many of them are still open."""
    with _open_lock:
        alive = [s for r in _open.get(str(current.path), []) if (s := r()) is not None]
        others = [s for s in alive if s.identity != current.identity]
        _open[str(current.path)] = [weakref.ref(s) for s in alive if not s.closed]
    for other in others:
        other.retire(grace)
    return sum(not s.closed for s in others)


def _key(items: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(sorted(items))
