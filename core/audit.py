"""The audit log beside the database (`<db>.audit.jsonl`): who loaded or uploaded what, when, with
which result. No Streamlit here.

etl.load.load appends one line per load attempt (loaded or rejected). The dashboard adds one line per
batch of uploaded files it checked, so an upload that was refused, broke a rule, or was not the
user's to load is on record even though load() never saw it. Lines are JSON, one per event, appended
(a load and an upload writing at once each add whole lines).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("core.audit")

# The dashboard's own results for a checked upload (load() writes "loaded" and "rejected").
UPLOAD_RESULTS = ("refused", "invalid", "conflicts", "not_allowed", "checked")
UPLOAD_DIR_PREFIX = "monitor-upload-"  # monitor.uploads saves each batch in such a temporary directory
READ_LIMIT = 2_000_000  # bytes read from the end of the log: thousands of lines, never the whole history


def audit_path(db: Path) -> Path:
    return db.with_name(db.name + ".audit.jsonl")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def append(db: Path, **entry: Any) -> None:
    """One line, stamped with the time, at the end of the log beside `db` (OSError if it cannot be)."""
    line = json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **entry}, ensure_ascii=False)
    # readable by its owner only from the moment it exists: it names people and files (issue 21)
    fd = os.open(audit_path(db), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def record_upload(db: Path, user: str, files: Sequence[tuple[str, bytes]], result: str, problems: int = 0,
                  first_problem: str = "") -> bool:
    """Append one 'upload' line for these (uploaded name, bytes). False if the log cannot be written
    (a read-only directory): the page still works, the server log says why."""
    if result not in UPLOAD_RESULTS:
        raise ValueError(f"result '{result}': expected one of {', '.join(UPLOAD_RESULTS)}")
    try:
        append(db, event="upload", user=user, result=result,
               files=[{"file": name, "sha256": sha256(data), "bytes": len(data)} for name, data in files],
               problems=problems, first_problem=first_problem)
    except OSError:
        log.exception("cannot write the audit log beside %s", db)
        return False
    return True


def read_audit(db: Path, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` entries, newest first, and how many lines could not be read."""
    path = audit_path(db)
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(max(0, size - READ_LIMIT))
            raw = fh.read()
    except FileNotFoundError:
        return [], 0
    lines = raw.decode("utf-8", "replace").splitlines()
    if len(raw) >= READ_LIMIT and lines:
        lines = lines[1:]  # the first line was cut by the seek
    entries: list[dict[str, Any]] = []
    bad = 0
    for line in reversed(lines):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if not isinstance(entry, dict):
            bad += 1
            continue
        entries.append(entry)
        if len(entries) >= limit:
            break
    return entries, bad


def display_name(name: str) -> str:
    """A file name for people: its name alone, never a directory of the server (an upload's temporary copy,
    which older loads stored, or the path a load from the command line was given)."""
    return Path(name).name if name else name


def _file_name(f: dict[str, Any], event: str, uploaded: dict[Any, Any]) -> str:
    name = str(f.get("file", ""))
    if event == "upload":
        return name
    if UPLOAD_DIR_PREFIX in name and f.get("sha256") in uploaded:
        return str(uploaded[f["sha256"]])
    return display_name(name)


def replacement_rows(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every figure a load replaced (the 'replacements' of its line), newest first: when, who, the reason,
    and the replacement's own fields (unit, year, measure, old and new value and source)."""
    rows = []
    for e in entries:
        if e.get("result") != "loaded":
            continue
        for r in e.get("replacements") or []:
            if isinstance(r, dict):
                rows.append({"at": str(e.get("at", "")), "user": str(e.get("user", "")),
                             "reason": str(e.get("reason", "")), **r})
    return rows


def audit_rows(entries: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """One flat row per entry for a table: when, user, event, files, sha256 (short), result, problem.

    A load from the dashboard names the private temporary copy of each file; the upload line before
    it has the name the person gave, found by the file's sha256."""
    uploaded = {f.get("sha256"): f.get("file") for e in entries if e.get("event") == "upload"
                for f in e.get("files") or [] if isinstance(f, dict)}
    rows = []
    for e in entries:
        files = [f for f in e.get("files") or [] if isinstance(f, dict)]
        event = str(e.get("event", "load"))
        names = [_file_name(f, event, uploaded) for f in files]
        rows.append({
            "at": str(e.get("at", "")),
            "user": str(e.get("user", "")),
            "event": event,
            "files": ", ".join(names),
            "sha256": ", ".join(str(f.get("sha256", ""))[:12] for f in files),
            "result": str(e.get("result", "")),
            "problems": str(e.get("problems", "")),
            "first_problem": str(e.get("first_problem", "")),
        })
    return rows
