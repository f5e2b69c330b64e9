"""Units in time (issue 19): A and B merge into C in 2025, S splits into S1 and S2; the series before a
unit existed comes from its predecessors' counts; the load rejects a unit used after it was merged away."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.catalog import default_catalog
from core.problems import describe
from etl.load import LoadRejected, load
from monitor.attainment import indicator_values
from monitor.lineage import in_term, unit_years

ROOT = Path(__file__).resolve().parent.parent
UNITS = """unit_code,name_vi,name_en,parent_code,kind,valid_from,valid_to
VN,Toàn quốc,Country,,country,,
A,Tỉnh A,Province A,VN,province,,2025
B,Tỉnh B,Province B,VN,province,,2025
C,Tỉnh C,Province C,VN,province,2025,
S,Tỉnh S,Province S,VN,province,,2025
S1,Tỉnh S1,Province S1,VN,province,2025,
S2,Tỉnh S2,Province S2,VN,province,2025,
"""
CHANGES = """year,from_code,to_code,change,share
2025,A,C,merge,
2025,B,C,merge,
2025,S,S1,split,
2025,S,S2,split,
"""
# A 2023: 80 of 100 good or better; B 2023: 45 of 50; C 2026 its own: 140 of 160
MEASURES = """unit_code,year,measure,value
A,2023,org_rated,100
A,2023,org_excellent,20
A,2023,org_good,60
A,2023,admission_rate,4.5
B,2023,org_rated,50
B,2023,org_excellent,10
B,2023,org_good,35
S,2023,org_rated,40
S,2023,org_excellent,10
S,2023,org_good,20
C,2026,org_rated,160
C,2026,org_excellent,30
C,2026,org_good,110
"""
RATE = "org_good_or_better_rate"


def _write(folder: Path, **files: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in files.items():
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lineage")
    path = root / "t.duckdb"
    load(_write(root, units=UNITS, unit_changes=CHANGES, measures=MEASURES), path)
    return path


def _series(db: Path, unit: str, indicator: str = RATE) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        v = indicator_values(con, default_catalog(), units=[unit], indicators=[indicator])
    v = v.sort_values(["year", "period"])
    return [(int(r.year), r.period, round(float(r.value), 6), r.basis, r.from_units, r.num, r.den)
            for r in v.itertuples(index=False)]


def test_merge_sums_the_predecessors_counts(db: Path) -> None:
    # (80 + 45) / (100 + 50) = 83,33%: the counts added, not the rates (80% and 90%) averaged
    assert _series(db, "C") == [(2023, "Y", round(125 / 150 * 100, 6), "predecessors", "A, B", 125.0, 150.0),
                                (2026, "Y", 87.5, "counts", "", 140.0, 160.0)]


def test_a_rate_only_one_predecessor_states_is_not_summed(db: Path) -> None:
    # A states an admission rate, B none: no sum can be made, the year stays missing
    assert _series(db, "C", "admission_rate") == []


def test_a_split_without_shares_leaves_the_years_missing(db: Path) -> None:
    assert _series(db, "S1") == []
    assert _series(db, "S2") == []


def test_a_split_with_shares_passes_on_its_share(tmp_path: Path) -> None:
    changes = CHANGES.replace("2025,S,S1,split,", "2025,S,S1,split,0.6").replace("2025,S,S2,split,",
                                                                                   "2025,S,S2,split,0.4")
    path = tmp_path / "t.duckdb"
    load(_write(tmp_path / "in", units=UNITS, unit_changes=changes, measures=MEASURES), path)
    # S 2023: 30 of 40; S1 takes 0,6 of both counts (18 of 24), S2 0,4 (12 of 16): the rate is S's
    assert _series(path, "S1") == [(2023, "Y", 75.0, "predecessors", "S", 18.0, 24.0)]
    assert _series(path, "S2") == [(2023, "Y", 75.0, "predecessors", "S", 12.0, 16.0)]


def test_whole_frame_and_parent_unchanged(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        v = indicator_values(con, default_catalog(), indicators=[RATE])
    got = {(r.unit_code, int(r.year)): (round(float(r.value), 4), r.basis) for r in v.itertuples(index=False)}
    # the country sums its own children only (A, B, S in 2023; C in 2026), never C's borrowed years
    assert got == {("A", 2023): (80.0, "counts"), ("B", 2023): (90.0, "counts"), ("S", 2023): (75.0, "counts"),
                   ("C", 2023): (83.3333, "predecessors"), ("C", 2026): (87.5, "counts"),
                   ("VN", 2023): (round(155 / 190 * 100, 4), "aggregated"), ("VN", 2026): (87.5, "aggregated")}


def test_units_of_a_term(db: Path) -> None:
    cat = default_catalog()
    with duckdb.connect(str(db), read_only=True) as con:
        years = unit_years(con)
    assert in_term(years, cat.terms["2020-2025"]) == ["A", "B", "S", "VN"]
    assert in_term(years, cat.terms["2025-2030"]) == ["C", "S1", "S2", "VN"]


def test_values_command(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    done = subprocess.run([sys.executable, "-m", "monitor", "values", "--db", str(db), "--unit", "C",
                           "--indicator", RATE, "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Đã ghi 2 dòng vào {out} — Wrote 2 row(s) to {out}\n"
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["unit_code", "indicator", "year", "period", "org_type", "value", "basis", "from_units"],
                    ["C", RATE, "2023", "Y", "", "83.3333", "predecessors", "A, B"],
                    ["C", RATE, "2026", "Y", "", "87.5", "counts", ""]]
    done = subprocess.run([sys.executable, "-m", "monitor", "values", "--db", str(db), "--unit", "C",
                           "--indicator", "no_such_rate", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == ("Bị từ chối: không có chỉ tiêu no_such_rate trong danh mục chỉ tiêu. — "
                           "Rejected: --indicator no_such_rate: no such indicator in indicators.yaml\n")


def _rejected(tmp_path: Path, **files: str) -> list:
    db = tmp_path / "r.duckdb"
    with pytest.raises(LoadRejected) as exc:
        load(_write(tmp_path / "in", **files), db)
    assert not db.exists()
    return exc.value.problems


def test_a_unit_used_after_it_was_merged_away(tmp_path: Path) -> None:
    problems = _rejected(tmp_path, units=UNITS, unit_changes=CHANGES, measures=MEASURES + "A,2026,org_rated,90\n")
    assert [(Path(p.file).name, p.row, p.column, p.rule) for p in problems] == [
        ("measures.csv", 15, "year", "unit_not_in_year")]
    assert describe(problems[0], "vi") == (
        "Đơn vị A không tồn tại vào năm 2026 (chỉ tồn tại từ năm … đến năm 2025): số liệu này phải ghi cho đơn vị "
        "mới sau khi sắp xếp, hoặc cho đơn vị cũ trước đó. Hãy sửa mã đơn vị hoặc năm.")


def test_a_unit_still_valid_after_its_merge(tmp_path: Path) -> None:
    units = UNITS.replace("A,Tỉnh A,Province A,VN,province,,2025", "A,Tỉnh A,Province A,VN,province,,")
    problems = _rejected(tmp_path, units=units, unit_changes=CHANGES, measures=MEASURES)
    assert [(Path(p.file).name, p.row, p.column, p.rule) for p in problems] == [
        ("unit_changes.csv", 2, "from_code", "valid_after_change")]
    assert describe(problems[0], "en") == (
        "The unit A was merged into C in 2025, but the list of units still has it after that year. "
        "Give A a last year of 2025 or earlier.")


def test_unknown_codes_cycles_and_shares(tmp_path: Path) -> None:
    changes = CHANGES + "2025,C,A,rename,\n2025,X9,C,merge,\n2025,A,C,dissolve,\n2025,S,S1,split,0.5\n"
    problems = _rejected(tmp_path, units=UNITS, unit_changes=changes, measures=MEASURES)
    found = {(p.row, p.column, p.rule) for p in problems}
    assert (7, "from_code", "unknown_unit") in found
    assert (8, "change", "unknown_change") in found
    assert (6, "to_code", "change_cycle") in found
    assert (9, "share", "split_shares") in found  # one of S's three new units has a share, the others none
    assert all(not describe(p, "vi").startswith("Dòng này có lỗi chưa được mô tả") for p in problems)


def test_an_old_database_still_opens_and_takes_the_new_files(tmp_path: Path) -> None:
    """A database made before units had years: read as no change at all, and a load brings the columns."""
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute(_OLD_SCHEMA)
        con.execute("INSERT INTO units VALUES ('VN', 'Toàn quốc', 'Country', '', 'country')")
    with duckdb.connect(str(old), read_only=True) as con:
        assert unit_years(con).to_dict("list") == {"unit_code": ["VN"], "valid_from": [None], "valid_to": [None]}
        assert indicator_values(con, default_catalog()).empty
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(old, copy)
    load(_write(tmp_path / "in", units=UNITS, unit_changes=CHANGES, measures=MEASURES), copy)
    assert _series(copy, "C")[0][3:5] == ("predecessors", "A, B")


_OLD_SCHEMA = """
CREATE TABLE units (unit_code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL DEFAULT '',
                    parent_code VARCHAR NOT NULL DEFAULT '', kind VARCHAR NOT NULL);
CREATE TABLE facts (unit_code VARCHAR NOT NULL, year INTEGER NOT NULL, period VARCHAR NOT NULL,
                    org_type VARCHAR NOT NULL DEFAULT '', measure VARCHAR NOT NULL, value DOUBLE NOT NULL,
                    decimals INTEGER NOT NULL DEFAULT 0, qualifier VARCHAR NOT NULL DEFAULT '',
                    source VARCHAR NOT NULL DEFAULT '', file VARCHAR NOT NULL DEFAULT '', "row" INTEGER,
                    load_id INTEGER NOT NULL);
CREATE TABLE findings (rule VARCHAR NOT NULL, severity VARCHAR NOT NULL, unit_code VARCHAR NOT NULL,
                       year INTEGER NOT NULL, period VARCHAR NOT NULL, org_type VARCHAR NOT NULL,
                       measure VARCHAR NOT NULL, stated DOUBLE, computed DOUBLE, detail VARCHAR NOT NULL DEFAULT '',
                       source VARCHAR NOT NULL DEFAULT '');
CREATE TABLE load_log (load_id INTEGER NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
                       "rows" INTEGER NOT NULL, loaded_at TIMESTAMP NOT NULL, result VARCHAR NOT NULL,
                       user_name VARCHAR NOT NULL DEFAULT '');
"""
