"""The audit log beside the database: upload lines, reading newest first past damaged lines, and the
flat rows the Data page shows (a dashboard load named by the file the person uploaded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.audit import audit_path, audit_rows, read_audit, record_upload, sha256
from etl.load import LoadRejected, load
from monitor.uploads import check_uploads, load_checked

GOOD = ("unit_code,year,period,org_type,measure,value,qualifier,source\n"
        "HD,2022,Y,,org_rated,58,,thử\n").encode()
UNITS = "unit_code,name_vi,parent_code,kind\nHD,Tỉnh Hải Dương,,province\n".encode()


def test_upload_then_load_newest_first(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    files = [("đơn vị.csv", UNITS), ("số liệu.csv", GOOD)]
    checked = check_uploads(files, None)
    assert checked.ok, checked.problems
    assert record_upload(db, "canbo", files, "checked")
    load_checked(checked, db, user="canbo")
    with pytest.raises(LoadRejected):
        load([tmp_path / "missing.csv"], db, user="admin")
    entries, bad = read_audit(db)
    assert bad == 0
    assert [(e.get("event", "load"), e["user"], e["result"]) for e in entries] == [
        ("load", "admin", "rejected"), ("load", "canbo", "loaded"), ("upload", "canbo", "checked")]
    rows = audit_rows(entries)
    assert [r["files"] for r in rows] == ["missing.csv", "đơn vị.csv, số liệu.csv",  # never a server's directory
                                          "đơn vị.csv, số liệu.csv"]
    assert rows[2]["sha256"] == f"{sha256(UNITS)[:12]}, {sha256(GOOD)[:12]}"
    assert rows[0]["problems"] == "1" and rows[0]["first_problem"]


def test_damaged_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    record_upload(db, "a", [("x.csv", b"1")], "refused", 1, "x.csv: the file is empty")
    with audit_path(db).open("a", encoding="utf-8") as fh:
        fh.write('{"at": "2026-01-01T00:00:00+00:00", "user": "b"\n[1, 2]\n\n')
    record_upload(db, "c", [("y.csv", b"2")], "invalid", 3, "y.csv: row 2: …")
    entries, bad = read_audit(db)
    assert bad == 2
    assert [e["user"] for e in entries] == ["c", "a"]
    assert read_audit(db, limit=1)[0] == entries[:1]
    assert read_audit(tmp_path / "none.duckdb") == ([], 0)


def test_unknown_result_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected one of refused, invalid, conflicts, not_allowed, checked"):
        record_upload(tmp_path / "m.duckdb", "a", [], "done")


def test_unwritable_log_is_not_fatal(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    audit_path(db).mkdir()  # a directory where the log should be: open() fails
    assert record_upload(db, "a", [("x.csv", b"1")], "checked") is False


def test_lines_are_json(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    record_upload(db, "Người dùng", [("tệp.csv", b"abc")], "checked")
    [line] = audit_path(db).read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert entry["files"] == [{"file": "tệp.csv", "sha256": sha256(b"abc"), "bytes": 3}]
    assert "Người dùng" in line  # kept readable, not \u-escaped
