"""The load as a whole: all or nothing, idempotent, logged, the real sample's slips, the command line."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

import etl.load
from etl.load import LoadBusy, LoadRejected, load

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
UNITS = FIXTURES / "units.csv"
BASE = FIXTURES / "base_measures.csv"
SAMPLE = [ROOT / "data" / "sample" / "units.csv", ROOT / "data" / "sample" / "measures.csv"]
KEY = "unit_code, year, period, org_type, measure"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if ".tmp-" in p.name or p.name.endswith(".wal"))


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "monitor.duckdb"
    load([UNITS, BASE], path)
    return path


def test_loading_the_same_files_twice_gives_the_same_data(tmp_path):
    db = tmp_path / "m.duckdb"
    first = load(SAMPLE, db)
    snapshot = {t: table(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("units", "facts", "findings")}
    second = load(SAMPLE, db)

    assert {t: table(db, f"SELECT * FROM {t} ORDER BY ALL") for t in snapshot} == snapshot
    assert len(snapshot["facts"]) == first.inserted == second.unchanged == 177
    assert second.inserted == 0
    assert [str(f) for f in second.findings] == [str(f) for f in first.findings]


@pytest.mark.parametrize("where", ["_apply", "_findings"])
def test_a_load_that_raises_half_way_leaves_the_database_unchanged(db, monkeypatch, where):
    real = getattr(etl.load, where)

    def fail_after(con, *args, **kwargs):
        real(con, *args, **kwargs)
        # the new facts are in the temporary copy by now
        assert con.execute("SELECT count(*) FROM new.facts").fetchall()[0][0] == 2
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(etl.load, where, fail_after)
    before = sha256(db)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load([FIXTURES / "plan_rate_over_100.csv"], db)
    assert sha256(db) == before
    assert leftovers(db) == []


def test_a_failed_first_load_creates_no_database(tmp_path, monkeypatch):
    monkeypatch.setattr(etl.load, "_findings", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        load([UNITS, BASE], tmp_path / "m.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.duckdb.lock"]


def test_a_killed_load_leaves_the_database_unchanged_and_the_next_load_cleans_up(db):
    before = sha256(db)
    script = textwrap.dedent(f"""
        import os, signal
        import etl.load
        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)  # killed after writing the new facts into the copy
        etl.load._findings = die
        etl.load.load([{str(FIXTURES / "plan_rate_over_100.csv")!r}], {str(db)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    assert sha256(db) == before
    assert len(leftovers(db)) == 1  # the killed load's copy

    load([FIXTURES / "plan_rate_over_100.csv"], db)
    assert leftovers(db) == []
    assert table(db, "SELECT measure, value FROM facts WHERE measure = 'admission_plan_rate'") == [
        ("admission_plan_rate", 102.67)]


def test_a_rejected_load_leaves_the_database_byte_identical_and_is_audited(db):
    before = sha256(db)
    with pytest.raises(LoadRejected):
        load([FIXTURES / "bad" / "negative.csv"], db, user="chuyên viên")
    assert sha256(db) == before
    audit = [json.loads(line) for line in db.with_name(db.name + ".audit.jsonl").read_text().splitlines()]
    assert [(a["result"], a["problems"]) for a in audit] == [("loaded", 0), ("rejected", 1)]
    assert audit[1]["user"] == "chuyên viên"
    assert audit[1]["first_problem"] == ("tệp «negative.csv», dòng 2, cột value: H1, năm 2022: «Tổng số tổ chức cơ sở "
                                         "đảng» ghi -3, là số âm; số lượng và tỷ lệ không thể âm. Hãy ghi lại đúng số "
                                         "trong báo cáo (bỏ dấu trừ nếu gõ nhầm).")


def test_a_part_over_its_whole_found_while_the_facts_are_written_rejects_the_load(db):
    """part_exceeds_whole is judged after the facts went into the new copy (numpy finds its cells meanwhile):
    the copy is dropped, the database left as it was, the attempt audited as rejected."""
    before = sha256(db)
    with pytest.raises(LoadRejected) as rejected:
        load([FIXTURES / "bad" / "part_exceeds_whole.csv"], db, user="chuyên viên")
    assert [p.rule for p in rejected.value.problems] == ["part_exceeds_whole"]
    assert sha256(db) == before
    assert leftovers(db) == []
    audit = [json.loads(line) for line in db.with_name(db.name + ".audit.jsonl").read_text().splitlines()]
    assert [(a["result"], a["problems"]) for a in audit] == [("loaded", 0), ("rejected", 1)]
    assert "part_exceeds_whole" in audit[1]["first_problem"]


def test_a_file_that_is_not_a_database_is_rejected_and_left_alone(tmp_path):
    db = tmp_path / "monitor.duckdb"
    db.write_text("not a database", encoding="utf-8")
    with pytest.raises(LoadRejected) as exc:
        load([UNITS, FIXTURES / "bad" / "negative.csv"], db)
    assert [(Path(p.file).name, p.rule) for p in exc.value.problems] == [
        ("monitor.duckdb", "unreadable_database"), ("negative.csv", "negative")]
    assert db.read_text(encoding="utf-8") == "not a database"


def test_a_load_waits_for_another_and_gives_up(db):
    before = sha256(db)
    with db.with_name(db.name + ".lock").open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(LoadBusy):
            load([FIXTURES / "plan_rate_over_100.csv"], db, wait=0.2)
    assert sha256(db) == before


def test_the_load_log_records_each_file_with_its_hash_and_rows(db, tmp_path):
    second = tmp_path / "in" / "more.csv"
    second.parent.mkdir()
    shutil.copyfile(FIXTURES / "equal_duplicates.csv", second)
    plan = FIXTURES / "plan_rate_over_100.csv"
    load([plan, second], db, user="vp")
    load([BASE, plan, FIXTURES / "equal_duplicates.csv"], db)

    log = table(db, "SELECT load_id, file, sha256, \"rows\", result, user_name FROM load_log")
    assert sorted(log) == sorted([
        (1, str(UNITS), sha256(UNITS), 2, "loaded", ""),
        (1, str(BASE), sha256(BASE), 1, "loaded", ""),
        (2, str(plan), sha256(plan), 1, "loaded", "vp"),
        (2, str(second), sha256(second), 2, "loaded", "vp"),
        (3, str(BASE), sha256(BASE), 1, "unchanged", ""),
        (3, str(plan), sha256(plan), 1, "unchanged", ""),
        (3, str(FIXTURES / "equal_duplicates.csv"), sha256(FIXTURES / "equal_duplicates.csv"), 2, "unchanged", ""),
    ])
    assert len({at for (at,) in table(db, "SELECT loaded_at FROM load_log")}) == 3
    # every fact remembers the load and the file row it came from
    assert table(db, "SELECT measure, file, \"row\", load_id FROM facts ORDER BY load_id, measure") == [
        ("org_total", str(BASE), 2, 1),
        ("admission_plan_rate", str(FIXTURES / "plan_rate_over_100.csv"), 2, 2),
        ("member_total", str(second), 2, 2),
    ]


def test_the_real_sample_loads_with_exactly_the_findings_its_sources_contain(tmp_path):
    db = tmp_path / "m.duckdb"
    report = load(SAMPLE, db)
    with (FIXTURES / "sample_expected_findings.csv").open(encoding="utf-8", newline="") as f:
        expected = sorted((r["rule"], r["unit_code"], int(r["year"]), r["period"], r["measure"], float(r["stated"]),
                           round(float(r["computed"]), 3)) for r in csv.DictReader(f))
    got = sorted((rule, unit, year, period, measure, stated, round(computed, 3)) for rule, unit, year, period, measure,
                 stated, computed in table(db, "SELECT rule, unit_code, year, period, measure, stated, computed "
                                               "FROM findings WHERE severity = 'finding'"))
    assert got == expected
    assert len([f for f in report.findings if f.severity == "finding"]) == len(expected) == 12


def test_check_counts_a_file_given_twice_once(tmp_path):
    once = etl.load.check(SAMPLE)
    twice = etl.load.check([*SAMPLE, SAMPLE[1]])
    assert twice.problems == []
    assert [str(f) for f in twice.findings] == [str(f) for f in once.findings]
    assert len(once.findings) == 12


# -- the command line ------------------------------------------------------------------------------------

def etl_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "etl", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)


def test_cli_load_exit_codes_and_messages(tmp_path):
    db = tmp_path / "m.duckdb"
    ok = etl_cli("load", UNITS, BASE, "--db", db)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == (f"Đã nạp 2 tệp, 3 dòng vào {db}: 1 số liệu mới, 0 số liệu đã có; 0 sai lệch. — "
                         f"Loaded 2 file(s), 3 row(s) into {db}: 1 new, 0 already there; 0 finding(s).\n")
    before = sha256(db)

    bad = etl_cli("load", FIXTURES / "bad" / "three_faults.csv", "--db", db)
    assert bad.returncode == 1
    lines = bad.stderr.splitlines()
    assert lines[0] == f"Bị từ chối: 3 lỗi; {db} giữ nguyên. — Rejected: 3 problem(s); {db} was not changed."
    name = FIXTURES / "bad" / "three_faults.csv"
    assert lines[1:] == [
        f"  tệp «{name.name}», dòng 2, cột unit_code: Mã đơn vị «XX» chưa có trong danh sách đơn vị. Hãy kiểm tra "
        "lại mã (đúng như trên trang Dữ liệu), hoặc thêm đơn vị mới vào danh sách đơn vị.",
        f"  tệp «{name.name}», dòng 3, cột value: Huyện Một (mô phỏng) (H1), năm 2022: «Số tổ chức cơ sở đảng "
        "được xếp loại» ghi -4, là số âm; "
        "số lượng và tỷ lệ không thể âm. Hãy ghi lại đúng số trong báo cáo (bỏ dấu trừ nếu gõ nhầm).",
        f"  tệp «{name.name}», dòng 4, cột period: Kỳ «Q3» không hợp lệ. Hãy ghi Y (cả năm), H1 (6 tháng đầu năm) "
        "hoặc TD (từ đầu nhiệm kỳ), hoặc để trống nếu là số cả năm.",
    ]
    assert sha256(db) == before

    assert etl_cli("load", BASE).returncode == 2  # no --db
    assert etl_cli("lod", BASE, "--db", db).returncode == 2
    assert sha256(db) == before


def test_cli_check_exit_codes(tmp_path):
    ok = etl_cli("check", *SAMPLE)
    assert ok.returncode == 0, ok.stdout
    lines = ok.stdout.splitlines()
    assert lines[0] == ("12 sai lệch (báo cáo tự mâu thuẫn; vẫn được nạp và đánh dấu) — "
                        "12 finding(s) (the reports disagree with themselves; loaded and shown):")
    assert lines[1] == (  # a finding said from its fields, its check by name first
        "  Tỷ lệ nêu khác tỷ lệ tính từ số lượng: BD-TAYSON, năm 2022: «Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất "
        "sắc so với hoàn thành tốt trở lên» báo cáo ghi: 31%, tính từ số lượng: 32,73% (18 / 55); nguồn: 003 "
        "Tây Sơn "
        '03-CTr/HU II.1.1.1: "có 18 tổ chức hoàn thành xuất sắc nhiệm vụ (tỷ lệ 31%)"')
    assert lines[13:] == ["Đạt: 182 dòng trong 2 tệp qua mọi quy tắc kiểm tra. — "
                          "OK: 182 row(s) in 2 file(s) pass every rule."]
    bad = etl_cli("check", UNITS, FIXTURES / "bad" / "negative.csv")
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[0] == "1 lỗi (nếu nạp sẽ bị từ chối) — 1 problem(s) (a load would be rejected):"
    assert "tệp «negative.csv», dòng 2, cột value: H1, năm 2022: «Tổng số tổ chức cơ sở đảng» ghi -3" in bad.stdout


def test_cli_load_records_who_ran_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGNAME", "canbo.tochuc")  # what getpass.getuser() reads first
    db = tmp_path / "m.duckdb"
    assert etl_cli("load", UNITS, BASE, "--db", db).returncode == 0
    assert etl_cli("load", BASE, "--db", db, "--user", "Ban Tổ chức").returncode == 0
    with duckdb.connect(str(db), read_only=True) as con:
        users = con.execute("SELECT DISTINCT load_id, user_name FROM load_log ORDER BY load_id").fetchall()
    assert users == [(1, "canbo.tochuc"), (2, "Ban Tổ chức")]
    audit = [json.loads(line) for line in db.with_name(db.name + ".audit.jsonl").read_text().splitlines()]
    assert [a["user"] for a in audit] == ["canbo.tochuc", "Ban Tổ chức"]
