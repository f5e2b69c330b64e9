"""Corrections and undo: conflicts listed figure by figure, chosen ones replaced with a reason (library and
command line), every replaced database kept as a numbered version, rollback, retention, and the audit
written before the rename (no audit line, no change)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core import audit
from etl import versions
from etl.load import AuditFailed, LoadRejected, check, load, rollback

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "tests" / "fixtures" / "units.csv"
HEADER = "unit_code,year,period,org_type,measure,value,qualifier,source\n"
FIRST = HEADER + "H1,2022,Y,,org_total,58,,BC 1\nH1,2022,Y,,org_rated,56,,BC 1\nH1,2022,Y,,org_good,40,,BC 1\n"
SECOND = HEADER + "H1,2022,Y,,org_total,60,,BC 2\nH1,2022,Y,,org_rated,57,,BC 2\nH1,2022,Y,,org_good,41,,BC 2\n"
KEYS = {m: ("H1", 2022, "Y", "", m) for m in ("org_total", "org_rated", "org_good")}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def facts(db: Path) -> dict[str, tuple[float, str]]:
    con = duckdb.connect()
    con.execute("ATTACH $p AS d (READ_ONLY)", {"p": str(db)})
    rows = con.execute("SELECT measure, value, source FROM d.facts ORDER BY measure").fetchall()
    con.close()
    return {m: (v, s) for m, v, s in rows}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "bc1.csv", tmp_path / "bc2.csv"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")
    return first, second


@pytest.fixture
def db(tmp_path: Path, files: tuple[Path, Path]) -> Path:
    path = tmp_path / "m.duckdb"
    load([UNITS, files[0]], path, user="canbo")
    return path


def test_check_lists_each_conflict_with_both_sources(db: Path, files: tuple[Path, Path]) -> None:
    report = check([files[1]], db=db)
    assert {p.rule for p in report.problems} == {"conflict_with_database"}
    rows = report.conflicts[["measure", "old_value", "old_source", "old_file", "old_load", "old_user", "new_value",
                             "new_source", "row"]].to_dict("records")
    assert rows == [
        {"measure": "org_good", "old_value": 40.0, "old_source": "BC 1", "old_file": str(files[0]), "old_load": 1,
         "old_user": "canbo", "new_value": 41.0, "new_source": "BC 2", "row": 4},
        {"measure": "org_rated", "old_value": 56.0, "old_source": "BC 1", "old_file": str(files[0]), "old_load": 1,
         "old_user": "canbo", "new_value": 57.0, "new_source": "BC 2", "row": 3},
        {"measure": "org_total", "old_value": 58.0, "old_source": "BC 1", "old_file": str(files[0]), "old_load": 1,
         "old_user": "canbo", "new_value": 60.0, "new_source": "BC 2", "row": 2}]


def test_replace_chosen_keys_only_the_database_keeps_the_rest(db: Path, files: tuple[Path, Path]) -> None:
    report = load([files[1]], db, replace=[KEYS["org_total"], KEYS["org_rated"]], reason="BC 2 sửa số",
                  user="admin", names={str(files[1]): "báo cáo 2.csv"})
    assert facts(db) == {"org_good": (40.0, "BC 1"), "org_rated": (57.0, "BC 2"), "org_total": (60.0, "BC 2")}
    assert sorted(report.replaced["measure"]) == ["org_rated", "org_total"]
    assert list(report.kept["measure"]) == ["org_good"]
    [line], _ = audit.read_audit(db, limit=1)
    assert line["reason"] == "BC 2 sửa số" and line["user"] == "admin" and line["version"] == 1
    assert [(r["measure"], r["old_value"], r["old_source"], r["new_value"], r["new_source"], r["file"])
            for r in line["replacements"]] == [("org_rated", 56.0, "BC 1", 57.0, "BC 2", "báo cáo 2.csv"),
                                               ("org_total", 58.0, "BC 1", 60.0, "BC 2", "báo cáo 2.csv")]
    assert [r["measure"] for r in line["kept"]] == ["org_good"]
    assert [(r["user"], r["reason"], r["measure"]) for r in audit.replacement_rows([line])] == [
        ("admin", "BC 2 sửa số", "org_rated"), ("admin", "BC 2 sửa số", "org_total")]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT DISTINCT file FROM load_log WHERE load_id = 2").fetchall() == [("báo cáo 2.csv",)]
    assert con.execute("SELECT file FROM facts WHERE measure = 'org_total'").fetchall() == [("báo cáo 2.csv",)]
    con.close()


def test_cli_replace_needs_a_reason(db: Path, files: tuple[Path, Path]) -> None:
    before = sha(db)
    done = cli("load", str(files[1]), "--db", str(db), "--replace")
    assert done.returncode == 2 and "--replace needs --reason" in done.stderr
    assert sha(db) == before
    done = cli("load", str(files[1]), "--db", str(db))
    assert done.returncode == 1 and sha(db) == before
    done = cli("load", str(files[1]), "--db", str(db), "--replace", "--reason", "báo cáo chính thức", "--user", "qt")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"Đã nạp 1 tệp, 3 dòng vào {db}: 3 số liệu mới (trong đó 3 số liệu thay số đã có), 0 số liệu đã có; "
        "0 sai lệch. Cơ sở dữ liệu trước lần nạp được giữ thành phiên bản 1. — "
        f"Loaded 1 file(s), 3 row(s) into {db}: 3 new (3 replacing the database's), 0 already there; 0 finding(s). "
        "The database it replaced is kept as version 1.\n")
    assert facts(db)["org_total"] == (60.0, "BC 2")
    [line], _ = audit.read_audit(db, limit=1)
    assert (line["user"], line["reason"], len(line["replacements"])) == ("qt", "báo cáo chính thức", 3)


def test_versions_and_rollback_from_the_command_line(db: Path, files: tuple[Path, Path]) -> None:
    first_state = sha(db)
    load([files[1]], db, replace=True, reason="r", user="canbo")
    second_state = sha(db)
    done = cli("versions", "--db", str(db))
    assert done.returncode == 0
    [line] = done.stdout.splitlines()
    [kept] = versions.list_versions(db)
    saved, at = dt.datetime.fromisoformat(kept.saved_at), dt.datetime.fromisoformat(kept.last_load["at"])
    names = ", ".join(sorted([str(UNITS), str(files[0])]))
    assert line == (  # its number first (CONTRACT.md), then Vietnamese, then English
        f"1\tđược thay lúc {saved:%d/%m/%Y %H:%M:%S} (UTC) khi canbo thực hiện lần nạp; có 3 số liệu, 2 đơn vị, "
        f"1 lần nạp; lần nạp cuối số 1 lúc {at:%d/%m/%Y %H:%M:%S}, do canbo: {names} — "
        f"saved {saved:%Y-%m-%d %H:%M:%S} (UTC) when canbo ran a load; 3 facts, 2 units, 1 loads; "
        f"last load #1 {at:%Y-%m-%d %H:%M:%S} by canbo: {names}")

    done = cli("rollback", "--db", str(db), "--to", "7")
    assert done.returncode == 1
    assert done.stderr == (f"Không có phiên bản 7 của {db} (đang giữ: 1); không có gì thay đổi. — "
                           f"No version 7 of {db} (kept: 1); nothing was changed.\n")
    assert sha(db) == second_state

    done = cli("rollback", "--db", str(db), "--to", "1", "--user", "qt")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"Đã khôi phục phiên bản 1 vào {db}; cơ sở dữ liệu trước đó được giữ thành phiên bản 2. — "
                           f"Restored version 1 into {db}; the database it replaced is kept as version 2.\n")
    assert sha(db) == first_state  # byte for byte the database before the second load
    assert facts(db)["org_total"] == (58.0, "BC 1")
    lines = cli("versions", "--db", str(db)).stdout.splitlines()
    assert [x.split("\t")[0] for x in lines] == ["2", "1"]  # the rolled-back state kept too: undo the undo
    assert " khi qt thực hiện lần khôi phục; " in lines[0] and " when qt ran a restore; " in lines[0]
    [entry], _ = audit.read_audit(db, limit=1)
    assert (entry["event"], entry["user"], entry["to"], entry["saved_as"]) == ("rollback", "qt", 1, 2)
    rollback(db, 2, user="qt")
    assert sha(db) == second_state


def test_rollback_carries_other_tables_over(db: Path, files: tuple[Path, Path]) -> None:
    load([files[1]], db, replace=True, reason="r")
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE notes (note VARCHAR)")
    con.execute("INSERT INTO notes VALUES ('ghi chú của ban')")
    con.close()
    rollback(db, 1)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT note FROM notes").fetchall() == [("ghi chú của ban",)]
    assert con.execute("SELECT value FROM facts WHERE measure = 'org_total'").fetchall() == [(58.0,)]
    con.close()


def test_retention_keeps_the_newest(tmp_path: Path, files: tuple[Path, Path]) -> None:
    db = tmp_path / "r.duckdb"
    load([UNITS], db)
    for n in range(5):
        (tmp_path / f"y{n}.csv").write_text(HEADER + f"H1,{2021 + n},Y,,org_total,{50 + n},,BC\n", encoding="utf-8")
        load([tmp_path / f"y{n}.csv"], db, keep=versions.Retention(count=3))
    assert [v.number for v in versions.list_versions(db)] == [5, 4, 3]
    assert [v.facts for v in versions.list_versions(db)] == [4, 3, 2]
    versions.prune(db, versions.Retention(count=10, bytes=1))  # over any budget: the newest still stays
    assert [v.number for v in versions.list_versions(db)] == [5]
    (tmp_path / "y.csv").write_text(HEADER + "H1,2020,Y,,org_total,40,,BC\n", encoding="utf-8")
    load([tmp_path / "y.csv"], db, keep=versions.Retention(count=3))
    assert [v.number for v in versions.list_versions(db)] == [6, 5]  # numbers never come back


def test_retention_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_KEEP_VERSIONS", "5")
    monkeypatch.setenv("MONITOR_VERSIONS_MB", "10")
    assert versions.retention() == versions.Retention(5, 10 * 1024 * 1024)
    monkeypatch.setenv("MONITOR_KEEP_VERSIONS", "lots")
    assert versions.retention().count == 20


def test_no_audit_line_no_change(db: Path, files: tuple[Path, Path]) -> None:
    """The audit cannot be written: exit 1 and the database byte-identical, no version kept, no temporary file."""
    before = sha(db)
    log = audit.audit_path(db)
    log.unlink()
    log.mkdir()  # appending to a directory fails
    with pytest.raises(AuditFailed):
        load([files[1]], db, replace=True, reason="r")
    assert sha(db) == before
    assert versions.list_versions(db) == []
    assert sorted(p.name for p in db.parent.iterdir() if ".tmp-" in p.name) == []
    done = cli("load", str(files[1]), "--db", str(db), "--replace", "--reason", "r")
    assert done.returncode == 1
    assert done.stderr == (f"Chưa nạp: không ghi được nhật ký kiểm toán {log}, nên {db} giữ nguyên. Hãy báo quản trị "
                           f"viên. — Not loaded: cannot write the audit log {log} (Is a directory), so {db} was not "
                           "changed.\n")
    assert sha(db) == before
    done = cli("load", str(files[1]), "--db", str(db))  # rejected (conflicts), and no audit line either
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == f"Bị từ chối: 3 lỗi; {db} giữ nguyên. — Rejected: 3 problem(s); {db} was not changed."
    assert lines[-1] == (f"Ngoài ra, không ghi được nhật ký kiểm toán cạnh {db}. — "
                         f"Also: cannot write the audit log {log}: Is a directory")
    assert sha(db) == before
    log.rmdir()
    load([files[1]], db, replace=True, reason="r")
    log.unlink()
    os.symlink("/nonexistent/dir/audit.jsonl", log)
    with pytest.raises(AuditFailed):
        rollback(db, 1)
    done = cli("rollback", "--db", str(db), "--to", "1")
    assert done.returncode == 1
    assert done.stderr == (f"Chưa khôi phục: không ghi được nhật ký kiểm toán {log}, nên {db} giữ nguyên. Hãy báo "
                           f"quản trị viên. — Not restored: cannot write the audit log {log} (No such file or "
                           f"directory), so {db} was not changed.\n")
    assert facts(db)["org_total"] == (60.0, "BC 2")
    assert [v.number for v in versions.list_versions(db)] == [1]


def test_rejected_load_keeps_no_version(db: Path, files: tuple[Path, Path]) -> None:
    with pytest.raises(LoadRejected):
        load([files[1]], db)
    assert versions.list_versions(db) == []
    assert not versions.versions_dir(db).exists()


def test_the_rules_judge_what_the_database_will_hold(db: Path, tmp_path: Path) -> None:
    """A figure where the database wins is out of the load: the rules see the database's figure there."""
    upload = tmp_path / "bc3.csv"
    upload.write_text(HEADER + "H1,2022,Y,,org_total,61,,BC 3\nH1,2022,Y,,org_rated,60,,BC 3\n"
                      "H1,2022,Y,,org_rated,60,,BC 3\n", encoding="utf-8")  # a figure given twice, equal
    before = sha(db)
    with pytest.raises(LoadRejected) as rejected:  # 60 rated of the 58 the database keeps
        load([upload], db, replace=[KEYS["org_rated"]], reason="r")
    assert {p.rule for p in rejected.value.problems} == {"part_exceeds_whole"}
    assert sha(db) == before
    report = load([upload], db, replace=[KEYS["org_total"], KEYS["org_rated"]], reason="r")
    assert sorted(report.replaced["measure"]) == ["org_rated", "org_total"]  # once each
    assert facts(db)["org_rated"] == (60.0, "BC 3") and facts(db)["org_total"] == (61.0, "BC 3")
