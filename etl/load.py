"""Validate and load files into the DuckDB file, all or nothing.

The new database is built beside the old one (a copy, changed, checkpointed, fsynced) and renamed
over it in one step, so a reader never sees a half-written file and a rejected, failed or killed
load leaves the old file byte-for-byte as it was. The file replaced is kept as a numbered version
(etl.versions), and the audit line is written before the rename: a load that cannot leave its line
changes nothing.

A conflict with the database rejects the load unless `replace` says which side wins: True, the input
everywhere; a collection of keys (unit, year, period, org type, measure), the input on those keys and
the database on every other conflict. Each replacement goes to the audit with its reason.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from core import audit
from core.catalog import Catalog, default_catalog
from core.checks import (
    FINDING_COLUMNS,
    FINDING_FIELDS,
    FOUND,
    Cells,
    Gathered,
    cell_facts,
    fetch_facts,
    find_cells,
    find_findings,
    findings_frame,
    layout,
    parts_over_wholes,
    register_cells,
)
from core.metrics import register_catalog, temp_table
from etl import rules, versions
from etl.model import Problem
from etl.readers import FileInfo, create_staging, stage_file, staged_rows

if TYPE_CHECKING:  # frames where a caller asks for one: the command line's load never imports pandas
    import pandas as pd

SCHEMA = (Path(__file__).resolve().parent.parent / "core" / "schema.sql").read_text(encoding="utf-8")
PROBLEMS_PER_RULE = 1000


class LoadRejected(Exception):
    """The input broke a rule; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.audit_error = ""  # why the audit line of the rejection could not be written, if it could not
        super().__init__(f"{len(problems)} problem(s); nothing was loaded")


class LoadBusy(Exception):
    """Another load holds the database."""


class AuditFailed(OSError):
    """The audit line could not be written, so the database was not replaced."""


Key = tuple[str, int, str, str, str]  # unit_code, year, period, org_type, measure


class _Frame:
    """A Report field holding a DataFrame that is made when first read, from the rows the load kept (pandas
    costs a quarter of a second to import, more than a small load's work): set it to a frame, None, or
    _Rows. A dataclass field's descriptor, as the dataclasses documentation says."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return None  # the field's default
        value = obj.__dict__.get(self._name)
        if isinstance(value, _Rows):
            value = obj.__dict__[self._name] = findings_frame(value.rows)
        return value

    def __set__(self, obj: object, value: Any) -> None:
        obj.__dict__[self._name] = value


@dataclass(frozen=True)
class _Rows:
    rows: list[tuple]  # the findings in FINDING_COLUMNS

CONFLICT_COLUMNS = ["unit_code", "year", "period", "org_type", "measure", "old_value", "old_qualifier",
                    "old_source", "old_file", "old_load", "old_loaded_at", "old_user", "new_value", "new_qualifier",
                    "new_source", "file", "sheet", "row"]


@dataclass
class Report:
    files: list[FileInfo]
    problems: list[Problem] = field(default_factory=list)  # errors (rejected) or nothing
    findings: list[Problem] = field(default_factory=list)
    # the same findings in the findings table's columns, for display (made on first read)
    finding_rows: pd.DataFrame | None = _Frame()
    inserted: int = 0
    unchanged: int = 0
    load_id: int | None = None
    # where the checks must look in the facts after this load (core.checks.find_cells), being worked out
    cells: Future[Cells] | None = field(default=None, repr=False, compare=False)
    # where a stated part may exceed its whole (core.checks.parts_over_wholes), being worked out
    parts: Future[Cells] | None = field(default=None, repr=False, compare=False)
    # the facts of report.cells (core.checks.cell_facts; None: to be looked for in the database)
    gathered: Future[Gathered | None] | None = field(default=None, repr=False, compare=False)
    rows: pd.DataFrame | None = None  # the rows as staged (trimmed, numbered), when check(..., rows=True)
    # input figures that differ from the database's (CONFLICT_COLUMNS): check() lists them all; a load
    # the ones it replaced (`replaced`) and the ones where the database was kept (`kept`)
    conflicts: pd.DataFrame | None = None
    replaced: pd.DataFrame | None = None
    kept: pd.DataFrame | None = None
    new_findings: int | None = None  # how many of the findings the database did not hold before
    finding_is_new: np.ndarray | None = None  # check(): per row of finding_rows, not held by the database
    version: int | None = None  # the number the replaced database was kept under (etl.versions)

    @property
    def ok(self) -> bool:
        return not self.problems


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # a long load must not scribble over the CLI's messages
    return con


def _rename_columns(problems: list[Problem], infos: Sequence[FileInfo]) -> list[Problem]:
    names = {str(i.path): i.column_names for i in infos}
    return [dataclasses.replace(p, column=names.get(p.file, {}).get(p.column or "", p.column)) for p in problems]


def _attach_old(con: duckdb.DuckDBPyConnection, db: Path | None) -> list[Problem]:
    """old_units and old_facts: what the database holds (nothing if it does not exist yet)."""
    if db is not None and db.exists():
        try:
            con.execute("ATTACH $p AS old (READ_ONLY)", {"p": str(db)})
            con.execute("CREATE TEMP VIEW old_facts AS SELECT * FROM old.facts")
            _old_lineage(con)
            return []
        except duckdb.Error as exc:  # not a DuckDB file, or not ours: say so, and still judge the input
            with contextlib.suppress(duckdb.Error):
                con.execute("DETACH old")
            problem = Problem(str(db), None, None, "unreadable_database", str(exc).splitlines()[0])
    else:
        problem = None
    con.execute(f"CREATE OR REPLACE TEMP TABLE old_units AS SELECT * FROM {_empty(con, 'units')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE old_facts AS SELECT * FROM {_empty(con, 'facts')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE old_changes AS SELECT * FROM {_empty(con, 'unit_changes')}")
    return [problem] if problem else []


def _old_lineage(con: duckdb.DuckDBPyConnection) -> None:
    """old_units with its years and old_changes, also from a database made before units had years."""
    # the relation's columns, not duckdb_columns(), a scan of the whole catalogue (10 ms)
    cols = {d[0] for d in con.execute("SELECT * FROM old.units LIMIT 0").description}
    years = ", ".join(c if c in cols else f"NULL::INTEGER AS {c}" for c in ("valid_from", "valid_to"))
    con.execute(f"CREATE TEMP VIEW old_units AS SELECT unit_code, name_vi, name_en, parent_code, kind, {years} "
                "FROM old.units")
    if _has_table(con, "old", "unit_changes"):
        con.execute("CREATE TEMP VIEW old_changes AS SELECT * FROM old.unit_changes")
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE old_changes AS SELECT * FROM {_empty(con, 'unit_changes')}")


def _has_table(con: duckdb.DuckDBPyConnection, database: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = $d AND table_name = $t",
                            {"d": database, "t": table}).fetchall()[0][0])


def _empty(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The schema's `table`, empty: in an in-memory database `blank` of `con`, made on first use (a scratch
    connection of its own, and asking its catalogue for the columns, cost a tenth of a small load)."""
    if not _attached(con, "blank"):
        con.execute("ATTACH ':memory:' AS blank")
        con.execute("USE blank")
        con.execute(SCHEMA)
        con.execute("USE memory")
    return f"blank.{table}"


def validate(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], catalog: Catalog, db: Path | None,
             replace: bool = False) -> Report:
    """Stage and judge the files. Leaves stg_typed and stg_units in `con` for the writer."""
    report = _judge(con, paths, catalog, db, replace, None)
    _judge_parts(con, report, db, replace)
    return report


def _judge(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], catalog: Catalog, db: Path | None,
           replace: bool, chosen: Collection[Key] | None) -> Report:
    """Every rule but part_exceeds_whole, whose cells numpy is still finding (Report.parts) when this returns:
    a load writes the facts meanwhile and judges the parts (_judge_parts) before it commits."""
    create_staging(con)
    rules.register_reference(con, catalog)
    register_catalog(con, catalog)
    problems = _attach_old(con, db)
    infos = [stage_file(con, Path(p)) for p in paths]
    problems += [p for i in infos for p in i.problems]
    con.execute("CREATE OR REPLACE TEMP VIEW known_units AS "
                "SELECT unit_code FROM stg_units UNION SELECT unit_code FROM old_units")
    con.execute(rules.LINEAGE_VIEWS)
    found = rules.run(con, rules.UNIT_RULES, replace, PROBLEMS_PER_RULE)
    found += rules.run(con, rules.lineage_rules(con), replace, PROBLEMS_PER_RULE)
    rules.trim_measures(con)
    # The set rules judge only rows that passed the row rules, so one fault is reported once.
    found += rules.run_rows(con, rules.ROW_RULES, PROBLEMS_PER_RULE)
    con.execute("CREATE OR REPLACE TEMP TABLE stg_files (file VARCHAR, ord INTEGER)")
    con.executemany("INSERT INTO stg_files VALUES (?, ?)", [(str(i.path), n) for n, i in enumerate(infos)])
    clean = not con.execute("SELECT count(*) FROM bad_rows").fetchall()[0][0]
    kept = None
    if chosen is None:
        con.execute(rules.as_view(rules.TYPED) if clean else rules.TYPED)
    else:  # a table, so that the input's figures where the database wins can be taken out of it
        con.execute(rules.TYPED)
        kept = _keep_database(con, chosen)
    # stg_unique is stg_typed until a key given twice is found; stg_merged reads stg_unique
    con.execute(rules.UNIQUE_NO_DUPLICATES)
    con.execute(rules.MERGED)
    arrays = fetch_facts(con, catalog, "stg_merged", with_new=True, with_source=True)
    repeated = _repeats_a_key(arrays)
    if repeated:
        for sql in rules.DUPLICATES:
            con.execute(sql)
        con.execute(rules.UNIQUE)
        arrays = fetch_facts(con, catalog, "stg_merged", with_new=True, with_source=True)
    else:
        con.execute(rules.NO_DUPLICATES)
    # numpy, on one core, finds where parts may exceed wholes and where the checks must look, and gathers the
    # facts there, while DuckDB goes on with the other rules (and, once loading, writes the facts)
    pool = ThreadPoolExecutor(max_workers=1)
    lay = pool.submit(layout, arrays, catalog)
    over = pool.submit(lambda: parts_over_wholes(arrays, catalog, lay.result()))
    cells = pool.submit(lambda: find_cells(arrays, catalog, lay.result()))
    gathered = pool.submit(lambda: cell_facts(arrays, catalog, lay.result(), cells.result()))
    pool.shutdown(wait=False)
    held = con.execute("SELECT count(*) FROM (SELECT 1 FROM old_facts LIMIT 1)").fetchall()[0][0] > 0
    found += rules.run(con, rules.set_rules(repeated, held), replace, PROBLEMS_PER_RULE)
    problems += _problems(found)
    return Report(files=infos, problems=problems, cells=cells, parts=over, gathered=gathered, kept=kept)


def _conflicts(con: duckdb.DuckDBPyConnection, where: str = "true", source: str = "stg_typed") -> pd.DataFrame:
    """The input's figures (`source`, stg_typed or stg_unique) that differ from the database's (old_facts),
    with the database's source and the load that brought it, in CONFLICT_COLUMNS."""
    has_log = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'old' "
                          "AND table_name = 'load_log'").fetchall()[0][0]
    log = ("(SELECT load_id, max(loaded_at) AS loaded_at, max(user_name) AS user_name FROM old.load_log "
           "GROUP BY load_id)" if has_log else
           "(SELECT NULL::INTEGER AS load_id, NULL::TIMESTAMP AS loaded_at, NULL::VARCHAR AS user_name)")
    return con.execute(f"""
        SELECT s.unit_code, s.year, s.period, s.org_type, s.measure, o.value AS old_value,
               o.qualifier AS old_qualifier, o.source AS old_source, o.file AS old_file, o.load_id AS old_load,
               l.loaded_at AS old_loaded_at, coalesce(l.user_name, '') AS old_user, s.value AS new_value,
               s.qualifier AS new_qualifier, s.source AS new_source, s.file, s.sheet, s."row"
        FROM {source} s JOIN old_facts o USING ({KEY}) LEFT JOIN {log} l ON l.load_id = o.load_id
        WHERE (s.value, s.qualifier) IS DISTINCT FROM (o.value, o.qualifier) AND {where}
        ORDER BY s.unit_code, s.year, s.period, s.org_type, s.measure, s.file, s."row"
    """).df()


def _keep_database(con: duckdb.DuckDBPyConnection, chosen: Collection[Key]) -> pd.DataFrame:
    """Take out of stg_typed the input's figures that conflict with the database on a key not `chosen`
    (the database keeps its figure there); returns those conflicts."""
    temp_table(con, "chosen_keys", "unit_code VARCHAR, year INTEGER, period VARCHAR, org_type VARCHAR, "
                     "measure VARCHAR", [tuple(k) for k in chosen])
    kept = _conflicts(con, f"({', '.join('s.' + k for k in KEY.split(', '))}) NOT IN (SELECT ({KEY}) FROM chosen_keys)")
    if not kept.empty:
        con.register("_kept", kept[KEY.split(", ")])
        con.execute(f"DELETE FROM stg_typed WHERE ({KEY}) IN (SELECT ({KEY}) FROM _kept)")
        con.unregister("_kept")
    return kept


_FindingRow = collections.namedtuple("_FindingRow", FINDING_COLUMNS)


def _findings(con: duckdb.DuckDBPyConnection, report: Report, catalog: Catalog, facts: str) -> int:
    """The findings over `facts`, what the database holds after this load (validate's stg_merged), in the
    cells and with the facts that the worker gathered from the same rows: into core.checks.FOUND, and into
    the report (findings, finding_rows). Returns how many."""
    assert report.cells is not None and report.gathered is not None
    n = find_findings(con, catalog, facts=facts, cells=report.cells.result(), gathered=report.gathered.result(),
                      registered=True)
    rows = con.execute(f"SELECT * EXCLUDE (_n) FROM {FOUND} ORDER BY _n").fetchall() if n else []
    report.findings = [_finding_problem(_FindingRow(*r)) for r in rows]
    report.finding_rows = _Rows(rows)
    return n


def _problems(found: list[rules.Found]) -> list[Problem]:
    return [Problem(f, r, c, rule, sheet=s or "", args=a) for rule, f, s, r, c, a in found]


def _judge_parts(con: duckdb.DuckDBPyConnection, report: Report, db: Path | None, replace: bool) -> None:
    """The part rule on the cells numpy found; then every problem named in the file's own words, in order."""
    assert report.parts is not None
    register_cells(con, report.parts.result(), "pw_cells")
    problems = report.problems + _problems(rules.run(con, rules.PART_RULES, replace, PROBLEMS_PER_RULE))
    problems = _rename_columns(problems, report.files)
    # The database first, then the files in the order given, whatever directories they sit in.
    order = {str(db): -1} | {str(i.path): n for n, i in enumerate(report.files)}
    problems.sort(key=lambda p: (order.get(p.file, len(order)), p.file, p.sheet, p.row or 0, p.rule))
    report.problems = problems


def _repeats_a_key(a: dict[str, np.ndarray]) -> bool:
    """Whether a key (unit, year, period, org type, code) comes twice among the input's facts (`new`), from
    fetch_facts' arrays: the integers of a key, numbered densely, marked in a bitmap (a tenth of DuckDB's
    grouping of the input by a hash), or sorted when the key space is too large for one."""
    new = a["new"]
    sid, year, mid = a["sid"][new], a["year"][new], a["mid"][new]
    if len(sid) < 2:
        return False
    y0 = int(year.min())
    span, codes = int(year.max()) - y0 + 1, int(mid.max()) + 1
    key = (sid.astype(np.int64) * span + (year - y0)) * codes + mid
    size = int(key.max()) + 1
    if size > 64 * len(key):
        key.sort()
        return bool((key[1:] == key[:-1]).any())
    seen = np.zeros(size, bool)
    seen[key] = True
    return int(np.count_nonzero(seen)) != len(key)


@contextlib.contextmanager
def _locked(db: Path, wait: float) -> Iterator[None]:
    lock_path = db.with_name(db.name + ".lock")
    with lock_path.open("a+") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LoadBusy(f"{db}: another load is running; try again when it has finished") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _audit(db: Path, report: Report, user: str, names: Mapping[str, str], reason: str = "") -> None:
    """Every attempt, loaded or rejected, goes to a log beside the database (the database itself must
    not change on a rejected load). A load's line is written before its rename (AuditFailed if it cannot be)."""
    entry: dict = {"user": user, "result": "loaded" if report.ok else "rejected",
                   "files": [{"file": names.get(str(i.path), str(i.path)), "sha256": i.sha256, "rows": i.rows}
                             for i in report.files],
                   "problems": len(report.problems),
                   "first_problem": str(report.problems[0]) if report.problems else ""}
    if report.ok:
        entry |= {"load_id": report.load_id, "inserted": report.inserted, "unchanged": report.unchanged,
                  "findings": len(report.findings), "new_findings": report.new_findings, "version": report.version}
        if report.replaced is not None and not report.replaced.empty:
            entry |= {"reason": reason, "replacements": _records(report.replaced, names)}
        if report.kept is not None and not report.kept.empty:
            entry["kept"] = _records(report.kept, names)
    audit.append(db, **entry)


def _records(frame: pd.DataFrame, names: Mapping[str, str]) -> list[dict]:
    """Conflicts (CONFLICT_COLUMNS) as plain JSON records, files named as the person gave them."""
    import pandas as pd

    out = []
    for r in frame.to_dict("records"):
        out.append({"unit_code": r["unit_code"], "year": int(r["year"]), "period": r["period"],
                    "org_type": r["org_type"], "measure": r["measure"],
                    "old_value": float(r["old_value"]), "old_qualifier": r["old_qualifier"],
                    "old_source": r["old_source"], "old_file": audit.display_name(str(r["old_file"])),
                    "old_load": None if pd.isna(r["old_load"]) else int(r["old_load"]),
                    "new_value": float(r["new_value"]), "new_qualifier": r["new_qualifier"],
                    "new_source": r["new_source"], "file": names.get(str(r["file"]), str(r["file"])),
                    "row": None if pd.isna(r["row"]) else int(r["row"])})
    return out


def load(paths: Sequence[str | Path], db: str | Path, *, replace: bool | Collection[Key] = False, reason: str = "",
         user: str = "", catalog: Catalog | None = None, wait: float = 60.0, names: Mapping[str, str] | None = None,
         keep: versions.Retention | None = None) -> Report:
    """Validate `paths` and, if every rule passes, replace `db` with old data + new. Raises LoadRejected,
    LoadBusy, or AuditFailed (nothing changed).

    `replace`: True, the input wins every conflict with the database; a collection of keys, the input wins
    on those and the database keeps its figure on any other (Report.kept); False, a conflict rejects.
    `reason` goes to the audit with each replacement. `names`: path → the name the person gave the file
    (an upload), for the load log, the facts' file and the audit. `keep`: how many replaced databases
    to keep (default: versions.retention())."""
    catalog = catalog or default_catalog()
    db = Path(db)
    names = dict(names or {})
    chosen = None if isinstance(replace, bool) else {tuple(k) for k in replace}
    replace_all = replace if isinstance(replace, bool) else True
    db.parent.mkdir(parents=True, exist_ok=True)
    with _locked(db, wait):
        con = _connect()
        try:
            report = _judge(con, [Path(p) for p in paths], catalog, db, replace_all, chosen)
            try:
                if not report.ok:
                    _judge_parts(con, report, db, replace_all)
                    raise LoadRejected(report.problems)
                # judges the parts once the facts are written
                _write(con, db, report, replace_all, user, catalog, names, reason, keep or versions.retention())
            except LoadRejected as rejected:
                try:
                    _audit(db, report, user, names)
                except OSError as exc:  # still a rejection: the database was not touched
                    rejected.audit_error = f"cannot write the audit log {audit.audit_path(db)}: {exc.strerror or exc}"
                raise
        finally:
            con.close()
    return report


def _write(con: duckdb.DuckDBPyConnection, db: Path, report: Report, replace: bool, user: str,
           catalog: Catalog, names: Mapping[str, str], reason: str, keep: versions.Retention) -> None:
    for stale in db.parent.glob(f".{db.name}.tmp-*"):  # left by a killed load
        with contextlib.suppress(OSError):
            stale.unlink()
    tmp = db.with_name(f".{db.name}.tmp-{os.getpid()}")
    existed = db.exists()
    if existed:
        shutil.copyfile(db, tmp)
    try:
        con.execute("ATTACH $p AS new", {"p": str(tmp)})
        con.execute("USE new")
        con.execute(SCHEMA)
        con.execute("USE memory")
        con.execute("BEGIN")
        if existed:  # a database made now has the schema of today
            _drop_facts_key(con)
            for column in ("valid_from", "valid_to"):  # a database made before units had years
                con.execute(f"ALTER TABLE new.units ADD COLUMN IF NOT EXISTS {column} INTEGER")
            for column, type_ in FINDING_FIELDS.items():  # a database made before findings had fields
                con.execute(f"ALTER TABLE new.findings ADD COLUMN IF NOT EXISTS {column} {type_}")
        _apply(con, report, replace, user, catalog, db, names)
        con.execute("COMMIT")
        con.execute("CHECKPOINT new")
        con.execute("DETACH new")
        held = versions.describe(con, "old") if existed and _attached(con, "old") else None
        with contextlib.suppress(duckdb.Error):  # the rules read the old file until the last one was judged
            con.execute("DETACH old")
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise

    def record(kept: versions.Version | None) -> None:
        report.version = kept.number if kept is not None else None
        _audit(db, report, user, names, reason)

    _swap(db, tmp, held, user, "load", record)
    with contextlib.suppress(OSError):
        versions.prune(db, keep)


def _swap(db: Path, tmp: Path, held: dict | None, user: str, how: str,
          record: Callable[[versions.Version | None], None]) -> versions.Version | None:
    """Rename the finished copy `tmp` over `db`, the one way a load or a rollback changes the database:
    the copy flushed, the database it replaces kept as a version (`held`: its description; None when
    there is none), the audit line written by `record` before the rename (AuditFailed: nothing changed).
    Whatever fails before the rename removes the copy and the version just kept."""
    kept: versions.Version | None = None
    try:
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        if held is not None:
            kept = versions.keep(db, held, user, how)
        try:
            record(kept)
        except OSError as exc:
            raise AuditFailed(f"cannot write the audit log {audit.audit_path(db)}: {exc.strerror or exc}") from exc
        os.replace(tmp, db)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if kept is not None:  # the database is still the file kept: no version of it to list
            versions.unkeep(db, kept.number)
        raise
    _sync_dir(db.parent)
    return kept


def _attached(con: duckdb.DuckDBPyConnection, alias: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = $a",
                            {"a": alias}).fetchall()[0][0])


def _sync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def rollback(db: str | Path, to: int, *, user: str = "", wait: float = 60.0,
             keep: versions.Retention | None = None) -> versions.Version:
    """Restore version `to` of `db` atomically (the database it replaces is kept as a new version, and the
    audit line is written before the rename). VersionNotFound for a number not kept; returns the version
    the replaced database was kept as."""
    db = Path(db)
    with _locked(db, wait):
        found = {v.number: v for v in versions.list_versions(db)}
        if to not in found:
            raise versions.VersionNotFound(to)
        tmp = db.with_name(f".{db.name}.tmp-{os.getpid()}")
        try:
            versions.restore_into(db, found[to], tmp)
            held = versions.describe_file(db) if db.exists() else None
            restored = versions.describe_file(tmp)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        saved = _swap(db, tmp, held, user, "rollback", lambda kept: audit.append(
            db, event="rollback", user=user, result="restored", to=to,
            saved_as=kept.number if kept else None, facts=restored["facts"]))
    with contextlib.suppress(OSError):
        versions.prune(db, keep or versions.retention())
    return saved if saved is not None else found[to]


KEY = "unit_code, year, period, org_type, measure"


def _drop_facts_key(con: duckdb.DuckDBPyConnection) -> None:
    """A database written before facts lost its PRIMARY KEY (schema.sql) is given the table without it."""
    if not con.execute("SELECT count(*) FROM duckdb_constraints() WHERE database_name = 'new' "
                       "AND table_name = 'facts' AND constraint_type = 'PRIMARY KEY'").fetchall()[0][0]:
        return
    con.execute("ALTER TABLE new.facts RENAME TO facts_keyed")
    con.execute("USE new")
    con.execute(SCHEMA)
    con.execute("USE memory")
    con.execute("INSERT INTO new.facts SELECT * FROM new.facts_keyed")
    con.execute("DROP TABLE new.facts_keyed")


def _apply(con: duckdb.DuckDBPyConnection, report: Report, replace: bool, user: str, catalog: Catalog,
           db: Path, names: Mapping[str, str]) -> None:
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM new.load_log").fetchall()[0][0]
    report.load_id = load_id
    # units: the first definition in the input wins inside it (duplicates were checked to be equal)
    # a units file without the years keeps the years the database holds
    con.execute("""
        INSERT OR REPLACE INTO new.units (unit_code, name_vi, name_en, parent_code, kind, valid_from, valid_to)
        SELECT DISTINCT ON (s.unit_code) s.unit_code, s.name_vi, s.name_en, s.parent_code, s.kind,
               coalesce(TRY_CAST(nullif(s.valid_from, '') AS INTEGER), u.valid_from),
               coalesce(TRY_CAST(nullif(s.valid_to, '') AS INTEGER), u.valid_to)
        FROM stg_units s LEFT JOIN new.units u USING (unit_code) ORDER BY s.unit_code, s.file, s."row"
    """)
    con.execute("""DELETE FROM new.unit_changes c USING stg_changes s
                   WHERE (c.year, c.from_code, c.to_code) = (TRY_CAST(s.year AS INTEGER), s.from_code, s.to_code)""")
    con.execute("""
        INSERT INTO new.unit_changes
        SELECT DISTINCT ON (y, from_code, to_code) y, from_code, to_code, change, TRY_CAST(nullif(share, '') AS DOUBLE)
        FROM (SELECT *, TRY_CAST(year AS INTEGER) AS y FROM stg_changes) ORDER BY y, from_code, to_code, file, "row"
    """)
    report.unchanged = con.execute(f"""
        SELECT count(*) FROM stg_unique i JOIN new.facts f USING ({KEY})
        WHERE (i.value, i.qualifier) IS NOT DISTINCT FROM (f.value, f.qualifier)
    """).fetchall()[0][0]
    if replace:
        report.replaced = _conflicts(con, source="stg_unique") if _attached(con, "old") else None
        con.execute("""DELETE FROM new.facts f USING stg_unique i
                       WHERE (f.unit_code, f.year, f.period, f.org_type, f.measure)
                           = (i.unit_code, i.year, i.period, i.org_type, i.measure)
                         AND (i.value, i.qualifier) IS DISTINCT FROM (f.value, f.qualifier)""")
    # The checks read every fact after this load several times, and reading rows appended to the
    # attached file inside the open transaction is much slower (national: 5.7 s against 3.5 s), so
    # they read a copy in memory, or the input itself when the database held no facts.
    if con.execute("SELECT count(*) FROM new.facts").fetchall()[0][0]:
        con.execute(f"CREATE OR REPLACE TEMP TABLE fresh AS SELECT * FROM stg_unique ANTI JOIN new.facts USING ({KEY})")
        columns = "unit_code, year, period, org_type, measure, value, decimals, qualifier, source"
        con.execute(f"CREATE OR REPLACE TEMP TABLE facts_after AS SELECT {columns} FROM new.facts "
                    f"UNION ALL SELECT {columns} FROM fresh")
        fresh, after = "fresh", "facts_after"
    else:
        fresh = after = "stg_unique"
    # an upload's facts name the file as the person gave it, not the server's temporary copy
    file = "file"
    if names:
        temp_table(con, "file_names", "path VARCHAR, name VARCHAR", list(names.items()))
        file = "coalesce((SELECT name FROM file_names WHERE path = file), file)"
    report.inserted = con.execute(f"""
        INSERT INTO new.facts
        SELECT unit_code, year, period, org_type, measure, value, decimals, qualifier, source, {file}, "row", $id
        FROM {fresh}
    """, {"id": load_id}).fetchall()[0][0]
    # numpy has found by now where a part may exceed its whole: the last rule, judged before anything commits
    _judge_parts(con, report, db, replace)
    if not report.ok:
        raise LoadRejected(report.problems)
    # a file is 'loaded' when it brought at least one new or changed fact, else 'unchanged'
    new_from = {f for (f,) in con.execute(f"SELECT DISTINCT file FROM {fresh}").fetchall()}
    # validate's stg_merged, whose cells report.cells holds, is what new.facts now holds
    found = _findings(con, report, catalog, after)
    report.new_findings = int(_new_mask(con, found, "new.findings").sum())
    con.execute("DELETE FROM new.findings")
    if found:
        con.execute(f"INSERT INTO new.findings BY NAME SELECT * EXCLUDE (_n) FROM {FOUND} ORDER BY _n")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for info in report.files:
        name = names.get(str(info.path), str(info.path))
        con.execute("INSERT INTO new.load_log VALUES ($id, $file, $sha, $rows, $at, $result, $user)",
                    {"id": load_id, "file": name, "sha": info.sha256, "rows": info.rows, "at": now,
                     "result": "loaded" if str(info.path) in new_from or info.kind in ("units", "changes")
                     else "unchanged",
                     "user": user})


FINDING_KEY = "rule, unit_code, year, period, org_type, measure"


def _new_mask(con: duckdb.DuckDBPyConnection, found: int, before: str) -> np.ndarray:
    """Per row of the `found` findings (core.checks.FOUND, by _n), whether the table `before` (the findings
    the database held) lacks it."""
    if not found:
        return np.zeros(0, bool)
    new = con.execute(f"SELECT _n FROM {FOUND} ANTI JOIN {before} USING ({FINDING_KEY})").fetchnumpy()["_n"]
    mask = np.zeros(found, bool)
    mask[new] = True
    return mask


def _finding_problem(r: object) -> Problem:
    """A finding as a problem of the report: its fields (FINDING_COLUMNS), said in the reader's language where
    it is shown (core.problems.describe: the check, the figure by its names, stated and computed, the counts
    or parts behind them), never from its stored English detail."""
    return Problem("", None, None, r.rule, severity=r.severity, args={"finding": r._asdict()})


def check(paths: Sequence[str | Path], catalog: Catalog | None = None, db: str | Path | None = None,
          rows: bool = False) -> Report:
    """Validate only: every problem and finding, nothing written; `rows`: also the rows as staged."""
    catalog = catalog or default_catalog()
    con = _connect()
    try:
        report = validate(con, [Path(p) for p in paths], catalog, Path(db) if db else None)
        if rows:
            report.rows = staged_rows(con)
        # stg_merged: what the database would hold after this load (the old one stays attached here)
        found = _findings(con, report, catalog, "stg_merged")
        if _attached(con, "old"):
            report.conflicts = _conflicts(con)
            report.finding_is_new = _new_mask(con, found, "old.findings")
        else:
            import pandas as pd

            report.conflicts = pd.DataFrame(columns=CONFLICT_COLUMNS)
            report.finding_is_new = np.ones(found, bool)
        report.new_findings = int(report.finding_is_new.sum())
    finally:
        con.close()
    return report
