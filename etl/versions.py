"""The databases a load or a rollback replaced, kept as numbered versions beside the database.

`<db>.versions/000007.duckdb` is the file as it was before the change that replaced it (a hard link to
the replaced file, so keeping it costs no copy), `000007.json` what it held and who replaced it. Numbers
only grow. The oldest go first once more than `Retention.count` are kept or they weigh more than
`Retention.bytes` (the newest always stays).

A rollback copies a version beside the database and renames it over it, as a load does, so a reader
sees the old file or the restored one, never a half state; the database it replaced is kept as a new
version, so a rollback can itself be undone. What a rollback restores are the tables of figures
(ROLLED_BACK); any other table of the current database is carried into the restored one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import duckdb

from core import audit

# what a rollback restores; the rest is carried over
ROLLED_BACK = ("units", "unit_changes", "facts", "findings", "load_log")
DEFAULT_COUNT = 20
DEFAULT_MB = 2048


class Retention(NamedTuple):
    count: int = DEFAULT_COUNT
    bytes: int = DEFAULT_MB * 1024 * 1024


def retention() -> Retention:
    """MONITOR_KEEP_VERSIONS (how many, default 20) and MONITOR_VERSIONS_MB (disk budget, default 2048)."""
    def number(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(name, "") or default))
        except ValueError:
            return default

    return Retention(number("MONITOR_KEEP_VERSIONS", DEFAULT_COUNT),
                     number("MONITOR_VERSIONS_MB", DEFAULT_MB) * 1024 * 1024)


class VersionNotFound(LookupError):
    """No kept version has that number."""


@dataclass
class Version:
    number: int
    path: Path
    saved_at: str = ""  # when it was replaced (UTC, ISO)
    replaced_by: str = ""  # the user whose load or rollback replaced it
    replaced_how: str = ""  # "load" or "rollback"
    facts: int = 0
    units: int = 0
    loads: int = 0
    last_load: dict[str, Any] = field(default_factory=dict)  # id, at, user, files of its newest load
    size: int = 0

    def line(self) -> str:
        """One line for the command line, starting with the number (CONTRACT.md), then what it is in
        Vietnamese and in English (core.i18n.both): when it was replaced, by whom and how, what it holds,
        its last load."""
        from core.i18n import both, fmt_time, t

        last = self.last_load
        files = ", ".join(last.get("files") or []) or "-"
        how = self.replaced_how

        def last_load(lang: str) -> str:
            if not last:
                return ""
            return t("cli_version_last", lang, id=last.get("id", "-"), at=fmt_time(last.get("at", ""), lang),
                     user=last.get("user") or "?", files=files)

        return f"{self.number}\t" + both(
            "cli_version", saved=lambda lang: fmt_time(self.saved_at, lang), by=self.replaced_by or "?",
            how=lambda lang: t(f"version_how_{how}", lang) if how in ("load", "rollback") else how,
            facts=self.facts, units=self.units, loads=self.loads, last=last_load)


def versions_dir(db: Path) -> Path:
    return db.with_name(db.name + ".versions")


def _file(db: Path, number: int, suffix: str) -> Path:
    return versions_dir(db) / f"{number:06d}{suffix}"


def describe(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, Any]:
    """What the database attached as `alias` holds: counts and its newest load."""
    facts, units, loads = con.execute(
        f"SELECT (SELECT count(*) FROM {alias}.facts), (SELECT count(*) FROM {alias}.units), "
        f"(SELECT count(DISTINCT load_id) FROM {alias}.load_log)").fetchall()[0]
    last = con.execute(f"SELECT load_id, max(loaded_at), max(user_name), list(file ORDER BY file) "
                       f"FROM {alias}.load_log WHERE load_id = (SELECT max(load_id) FROM {alias}.load_log) "
                       "GROUP BY load_id").fetchall()
    newest = {}
    if last:
        load_id, at, user, files = last[0]
        newest = {"id": load_id, "at": at.isoformat(timespec="seconds") if at else "", "user": user,
                  "files": [Path(f).name if audit.UPLOAD_DIR_PREFIX in f else f for f in files]}
    return {"facts": facts, "units": units, "loads": loads, "last_load": newest}


def describe_file(path: Path) -> dict[str, Any]:
    con = duckdb.connect()
    try:
        con.execute("ATTACH $p AS v (READ_ONLY)", {"p": str(path)})
        return describe(con, "v")
    finally:
        con.close()


def list_versions(db: Path) -> list[Version]:
    """Every kept version, newest first."""
    out = []
    for meta_path in sorted(versions_dir(db).glob("[0-9]*.json"), reverse=True):
        data_path = meta_path.with_suffix(".duckdb")
        if not data_path.exists():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        number = int(meta_path.stem)
        out.append(Version(number=number, path=data_path, saved_at=str(meta.get("saved_at", "")),
                           replaced_by=str(meta.get("replaced_by", "")), replaced_how=str(meta.get("replaced_how", "")),
                           facts=int(meta.get("facts", 0)), units=int(meta.get("units", 0)),
                           loads=int(meta.get("loads", 0)), last_load=dict(meta.get("last_load") or {}),
                           size=data_path.stat().st_size))
    return out


def _next_number(db: Path) -> int:
    counter = versions_dir(db) / "next"
    kept = [int(p.stem) for p in versions_dir(db).glob("[0-9]*.duckdb") if p.stem.isdigit()]
    try:
        stored = int(counter.read_text().strip())
    except (OSError, ValueError):
        stored = 1
    return max([stored, *(n + 1 for n in kept)])


def keep(db: Path, held: dict[str, Any], user: str, how: str) -> Version:
    """Keep the database file at `db` (about to be replaced) as the next version; `held`: describe() of it.
    The caller removes it (discard) if the replacement does not happen."""
    folder = versions_dir(db)
    folder.mkdir(mode=0o700, exist_ok=True)
    number = _next_number(db)
    data_path = _file(db, number, ".duckdb")
    try:
        os.link(db, data_path)  # the same inode: no copy, and the rename over `db` leaves it here
    except OSError:  # a file system without hard links
        shutil.copyfile(db, data_path)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta = {"number": number, "saved_at": now, "replaced_by": user, "replaced_how": how, **held}
    _file(db, number, ".json").write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
    (folder / "next").write_text(str(number + 1))
    return Version(number=number, path=data_path, saved_at=now, replaced_by=user, replaced_how=how,
                   facts=held.get("facts", 0), units=held.get("units", 0), loads=held.get("loads", 0),
                   last_load=held.get("last_load") or {}, size=data_path.stat().st_size)


def discard(db: Path, number: int) -> None:
    for suffix in (".duckdb", ".json"):
        with contextlib.suppress(OSError):
            _file(db, number, suffix).unlink()


def unkeep(db: Path, number: int) -> None:
    """Undo keep(): the replacement did not happen, so the number is free again."""
    discard(db, number)
    with contextlib.suppress(OSError):
        (versions_dir(db) / "next").write_text(str(number))


def prune(db: Path, limit: Retention) -> list[int]:
    """Drop the oldest versions beyond the count or the disk budget (the newest always stays)."""
    kept = list_versions(db)
    dropped, total = [], 0
    for n, version in enumerate(kept):
        total += version.size
        if n > 0 and (n >= limit.count or total > limit.bytes):
            discard(db, version.number)
            dropped.append(version.number)
    return dropped


def restore_into(db: Path, version: Version, tmp: Path) -> None:
    """Write at `tmp` the file to rename over `db`: version's copy, carrying over every table of the current
    database that a rollback does not restore (none today, so the copy stays byte-identical)."""
    shutil.copyfile(version.path, tmp)
    if not db.exists():
        return
    con = duckdb.connect()
    try:
        con.execute("ATTACH $p AS cur (READ_ONLY)", {"p": str(db)})
        others = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'cur' AND schema_name = 'main'"
        ).fetchall() if name not in ROLLED_BACK]
        if not others:
            return
        con.execute("ATTACH $p AS new", {"p": str(tmp)})
        for name in others:
            con.execute(f'CREATE OR REPLACE TABLE new."{name}" AS SELECT * FROM cur."{name}"')
        con.execute("CHECKPOINT new")
    finally:
        con.close()
