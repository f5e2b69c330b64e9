"""The standing committee's own assessment of each target (causes, remedies, a status it asserts with its
reason) and of the unit as a whole. No Streamlit here.

Where they live: `<db>.assessments.sqlite`, a small SQLite file beside the database, not a table in it.
A load builds a new database file beside the old one and renames it over; a rollback restores an old
file. A table inside the database would be lost by a load that copied the file a moment before the
committee wrote (the load's copy has no trace of it) and would need every load and rollback to carry it
over. The file beside is touched by neither, so loads never change an assessment and a rollback of the
figures keeps them; the dashboard still never writes the database itself. SQLite (in Python's standard
library) lets the dashboard write while `python -m monitor export` reads, each write one transaction.

History is kept: every save is a new row, never an update; the current assessment of a target is its
newest row (an empty save clears it, and the history still shows what it said). Every save also goes to
the audit log (`<db>.audit.jsonl`, event "assessment") before it is written: when the log cannot be
written, nothing is saved.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core import audit
from core.catalog import default_catalog
from monitor.auth import LoadGate, User, may_load

# what the committee may assert instead of the computed status ('' = it asserts none; indicators.yaml)
ASSERTED = ("", *default_catalog().assertable)
COLUMNS = ["unit_code", "resolution_id", "target_id", "causes", "remedies", "status", "reason", "author",
           "author_name", "at", "revision"]
WHOLE = ""  # resolution_id and target_id of the assessment of the unit as a whole
MAX_CHARS = 4000  # a field's length: a paragraph of a report, not a document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS assessments (
    revision INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code TEXT NOT NULL,
    resolution_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    causes TEXT NOT NULL,
    remedies TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    author_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assessments_key ON assessments (unit_code, resolution_id, target_id, revision);
"""


class AssessmentRefused(ValueError):
    """The assessment cannot be saved; `key` is a strings.yaml key saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Assessment:
    unit_code: str
    resolution_id: str = WHOLE
    target_id: str = WHOLE
    causes: str = ""
    remedies: str = ""
    status: str = ""
    reason: str = ""

    @property
    def empty(self) -> bool:
        return not (self.causes or self.remedies or self.status)


def store_path(db: Path) -> Path:
    return db.with_name(db.name + ".assessments.sqlite")


def may_assess(user: User | None, unit_code: str, uploads: bool) -> LoadGate:
    """Who may write the committee's assessment of a unit: whoever may load its figures (auth.may_load):
    without a login only when MONITOR_UPLOADS=1, a viewer never, a unit officer for their units, an admin."""
    gate = may_load(user, [unit_code], uploads)
    return gate if gate.allowed else LoadGate(False, gate.reason.replace("load_", "assess_", 1), gate.foreign)


@contextlib.contextmanager
def _connect(path: Path, write: bool) -> Iterator[sqlite3.Connection]:
    if write:
        con = sqlite3.connect(path, timeout=30)
        con.executescript(_SCHEMA)
    else:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        yield con
    finally:
        con.close()


def save(db: Path, assessment: Assessment, *, user: str, user_name: str = "") -> int:
    """Save a new revision of this assessment (empty fields clear it); returns its revision number.
    AssessmentRefused for an unknown status, a status without its reason or a field too long; OSError
    when the audit line cannot be written (nothing saved then)."""
    a = Assessment(*(str(v).strip() for v in (assessment.unit_code, assessment.resolution_id,
                                              assessment.target_id, assessment.causes, assessment.remedies,
                                              assessment.status, assessment.reason)))
    if a.status not in ASSERTED:
        raise AssessmentRefused("assess_bad_status")
    if a.status and not a.reason:
        raise AssessmentRefused("assess_reason_needed")
    if max(len(a.causes), len(a.remedies), len(a.reason)) > MAX_CHARS:
        raise AssessmentRefused("assess_too_long")
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    audit.append(db, event="assessment", user=user, result="cleared" if a.empty else "saved",
                 unit_code=a.unit_code, resolution_id=a.resolution_id, target_id=a.target_id, causes=a.causes,
                 remedies=a.remedies, status=a.status, reason=a.reason)
    with _connect(store_path(db), write=True) as con, con:
        cur = con.execute(
            "INSERT INTO assessments (unit_code, resolution_id, target_id, causes, remedies, status, reason, "
            "author, author_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (a.unit_code, a.resolution_id, a.target_id, a.causes, a.remedies, a.status, a.reason, user,
             user_name or user, at))
        return int(cur.lastrowid or 0)


def _read(db: Path, sql: str, params: Sequence[object]) -> pd.DataFrame:
    path = store_path(db)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    with _connect(path, write=False) as con:
        rows = con.execute(sql, list(params)).fetchall()
    return pd.DataFrame(rows, columns=COLUMNS)


_SELECT = ("SELECT unit_code, resolution_id, target_id, causes, remedies, status, reason, author, author_name, "
           "at, revision FROM assessments")


def current(db: Path, units: Sequence[str] | None = None) -> pd.DataFrame:
    """The newest non-empty assessment of every unit × target (of `units`, else all), columns COLUMNS."""
    where, params = "", []
    if units is not None:
        where = f" AND unit_code IN ({', '.join('?' * len(units))})" if units else " AND false"
        params = list(units)
    frame = _read(db, f"{_SELECT} WHERE revision IN (SELECT max(revision) FROM assessments GROUP BY unit_code, "
                      f"resolution_id, target_id){where} ORDER BY unit_code, resolution_id, target_id", params)
    keep = (frame["causes"] != "") | (frame["remedies"] != "") | (frame["status"] != "")
    return frame[keep].reset_index(drop=True)


def history(db: Path, unit_code: str, resolution_id: str = WHOLE, target_id: str = WHOLE) -> pd.DataFrame:
    """Every revision of one assessment, newest first."""
    return _read(db, f"{_SELECT} WHERE unit_code = ? AND resolution_id = ? AND target_id = ? ORDER BY revision DESC",
                 [unit_code, resolution_id, target_id])


def revision(db: Path) -> int:
    """The newest revision number (0 when nothing was ever saved): what a cache of pages and files keys on."""
    path = store_path(db)
    if not path.exists():
        return 0
    with _connect(path, write=False) as con:
        try:
            return int(con.execute("SELECT coalesce(max(revision), 0) FROM assessments").fetchone()[0])
        except sqlite3.OperationalError:  # created, its table not yet
            return 0


def lookup(frame: pd.DataFrame, unit_code: str, resolution_id: str = WHOLE, target_id: str = WHOLE) -> dict | None:
    """The current assessment of one target (of `current(...)`) as a dict, None when there is none."""
    if frame is None or frame.empty:
        return None
    hit = frame[(frame["unit_code"] == unit_code) & (frame["resolution_id"] == resolution_id)
                & (frame["target_id"] == target_id)]
    return hit.iloc[0].to_dict() if len(hit) else None
