"""Every rejection rule, one tiny fixture per fault (tests/fixtures/bad/), against a database that
already holds tests/fixtures/units.csv and base_measures.csv (H1 2022 org_total = 58).

Each case names the exact rule, file, row and column and the key part of the message, and every
rejected load must leave the database file byte-for-byte as it was.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.load import LoadRejected, check, load
from etl.model import Problem

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "bad"
UNITS = FIXTURES / "units.csv"
BASE = FIXTURES / "base_measures.csv"
HEADER = ["unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source"]
SHEET = "Số liệu"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("base") / "base.duckdb"
    load([UNITS, BASE], db)
    return db


@pytest.fixture
def db(base_db, tmp_path) -> Path:
    path = tmp_path / "db" / "monitor.duckdb"
    path.parent.mkdir()
    shutil.copyfile(base_db, path)
    return path


def reject(files: list[Path], db: Path, replace: bool = False) -> list[Problem]:
    """Load `files` expecting a rejection; the database and its folder must be left as they were."""
    before, listing = sha256(db), _listing(db)
    with pytest.raises(LoadRejected) as exc:
        load(files, db, replace=replace)
    assert sha256(db) == before
    assert _listing(db) == listing  # no temporary copy left behind
    return exc.value.problems


def _listing(db: Path) -> set[str]:
    # the lock file and the audit log beside the database are expected to change
    return {p.name for p in db.parent.iterdir() if not p.name.endswith((".lock", ".audit.jsonl"))}


def facts(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT unit_code, year, period, org_type, measure, value, decimals, qualifier, source "
                           "FROM facts ORDER BY ALL").fetchall()


# -- files built in the test ---------------------------------------------------------------------------

def xlsx(tmp: Path, name: str, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(header)
    for r in rows:
        ws.append(r)
    path = tmp / name
    wb.save(path)
    return path


def parquet(tmp: Path, name: str, columns: dict[str, list[object]]) -> Path:
    path = tmp / name
    pq.write_table(pa.table(columns), path)
    return path


def bad(*names: str) -> Callable[[Path], list[Path]]:
    return lambda _tmp: [BAD / n for n in names]


@dataclass(frozen=True)
class Expect:
    rule: str
    file: str  # a name under tests/fixtures/bad/, or one built in tmp
    row: int | None
    column: str | None
    message: str  # the key part of the message
    sheet: str = ""


# (id, files to load, the problems expected — exactly these, in this order)
CASES: list[tuple[str, Callable[[Path], list[Path]], list[Expect]]] = [
    ("unknown unit", bad("unknown_unit.csv"),
     [Expect("unknown_unit", "unknown_unit.csv", 3, "unit_code", "The unit code «XX» is not in the list of units")]),
    ("unknown measure", bad("unknown_measure.csv"),
     [Expect("unknown_measure", "unknown_measure.csv", 2, "measure",
             "The measure «org_totl» is not in the catalogue")]),
    ("unknown org type", bad("unknown_org_type.csv"),
     [Expect("unknown_org_type", "unknown_org_type.csv", 3, "org_type",
             "The organisation type «nha_may» is not in the catalogue")]),
    ("org type on a measure without org types", bad("org_type_not_applicable.csv"),
     [Expect("org_type_not_applicable", "org_type_not_applicable.csv", 2, "org_type",
             "«individual leaders: total» is not broken down by organisation type")]),
    ("unknown period", bad("unknown_period.csv"),
     [Expect("unknown_period", "unknown_period.csv", 2, "period", "The period «Q3» is not valid")]),
    ("missing required column", bad("missing_column.csv"),
     [Expect("missing_column", "missing_column.csv", 1, "measure", "required column 'measure' is missing")]),
    ("empty required value", bad("missing_value.csv"),
     [Expect("missing_value", "missing_value.csv", 2, "value", "The figure is missing")]),
    ("non-numeric", bad("not_numeric.csv"),
     [Expect("not_numeric", "not_numeric.csv", 2, "value",
             "«năm mươi» (grassroots party organisations: total, 2022) is not a number")]),
    ("infinite", bad("not_finite.csv"),
     [Expect("not_finite", "not_finite.csv", 2, "value",
             "«inf» (grassroots party organisations: total, 2022) is not a finite number")]),
    ("negative", bad("negative.csv"),
     [Expect("negative", "negative.csv", 2, "value",
             "H1, 2022: «grassroots party organisations: total» is -3, a negative number")]),
    ("year not integer", bad("not_integer.csv"),
     [Expect("not_integer", "not_integer.csv", 2, "year", "«2022.5» is not a year")]),
    ("year outside every term", bad("year_outside_term.csv"),
     [Expect("year_outside_term", "year_outside_term.csv", 2, "year",
             "The year 2019 is outside the terms followed here (2020 to 2030)")]),
    ("rate over 100", bad("rate_over_100.csv"),
     [Expect("rate_over_100", "rate_over_100.csv", 2, "value", "is 100.5%, over 100%")]),
    ("unknown qualifier", bad("unknown_qualifier.csv"),
     [Expect("unknown_qualifier", "unknown_qualifier.csv", 2, "qualifier", "The sign «>=» is not valid")]),
    ("part greater than its whole, in one file", bad("part_exceeds_whole.csv"),
     [Expect("part_exceeds_whole", "part_exceeds_whole.csv", 3, "value",
             "«grassroots party organisations: rated» = 60 is more than its whole «grassroots party "
             "organisations: total» = 58 (file «part_exceeds_whole.csv», row 2)")]),
    ("part greater than its whole in the database", bad("part_exceeds_whole_db.csv"),
     [Expect("part_exceeds_whole", "part_exceeds_whole_db.csv", 2, "value",
             "= 58 (the figure already in the database)")]),
    ("conflict across two files", bad("conflict_a.csv", "conflict_b.csv"),
     [Expect("conflict", "conflict_a.csv", 2, "value",
             "H1, 2023: «party members: total» is 3,577 here but differs at 3,586 (file «conflict_b.csv», row 2)"),
      Expect("conflict", "conflict_b.csv", 2, "value",
              "H1, 2023: «party members: total» is 3,586 here but differs at 3,577 (file «conflict_a.csv», row 2)")]),
    ("conflict against the database", bad("conflict_with_database.csv"),
     [Expect("conflict_with_database", "conflict_with_database.csv", 2, "value",
             "H1, 2022: «grassroots party organisations: total» is 57, but the database holds 58 (source: BC 1)")]),
    ("binary junk named .csv", bad("junk.csv"),
     [Expect("unreadable_file", "junk.csv", None, None, "binary content")]),
    ("NUL bytes in a .csv", bad("binary_nul.csv"),
     [Expect("unreadable_file", "binary_nul.csv", None, None, "binary content")]),
    ("non-UTF-8 CSV", bad("not_utf8.csv"),
     [Expect("unreadable_file", "not_utf8.csv", None, None, "not UTF-8 text")]),
    (".xlsx that is not a zip", bad("not_zip.xlsx"),
     [Expect("unreadable_file", "not_zip.xlsx", None, None, "its content is CSV text but its name ends in .xlsx")]),
    ("empty file", bad("empty.csv"),
     [Expect("empty_file", "empty.csv", None, None, "the file is empty")]),
    ("header-only file", bad("header_only.csv"),
     [Expect("empty_file", "header_only.csv", None, None, "the file has a header but no rows")]),
    ("unknown extension", bad("measures.json"),
     [Expect("unreadable_file", "measures.json", None, None, "unknown file type '.json'")]),
    ("a column named twice", lambda tmp: [_write(tmp / "twice.csv",
        "unit_code,year,measure,value,value\nH1,2022,org_total,58,57\n")],
     [Expect("duplicate_column", "twice.csv", 1, "value", "column 'value' appears 2 times in the header")]),
    ("row with more fields than the header", lambda tmp: [_write(tmp / "ragged.csv",
        ",".join(HEADER) + "\nH1,2022,Y,,org_total,58,,\nH1,2022,Y,,org_rated,58,,,extra\n")],
     [Expect("unreadable_file", "ragged.csv", 3, None, "the row has 9 fields but the header has 8")]),
    # units
    ("unit code with a space", bad("units_bad_code.csv"),
     [Expect("bad_code", "units_bad_code.csv", 2, "unit_code", "The unit code «H 2» holds characters a code cannot")]),
    ("unknown unit kind", bad("units_unknown_kind.csv"),
     [Expect("unknown_kind", "units_unknown_kind.csv", 2, "kind",
             "The unit kind «hamlet» is not in the catalogue. Write one of: country (Country)")]),
    ("unit defined twice, differently", bad("units_duplicate.csv"),
     [Expect("duplicate_unit", "units_duplicate.csv", 3, "unit_code",
             "The unit H2 is described twice, differently (the other at file «units_duplicate.csv», row 2)")]),
    ("unknown parent unit", bad("units_unknown_parent.csv"),
     [Expect("unknown_parent", "units_unknown_parent.csv", 2, "parent_code",
             "The parent unit «T9» is not in the list of units")]),
    ("unit differing from the database", bad("units_conflict.csv"),
     [Expect("conflict", "units_conflict.csv", 2, "unit_code", "The unit T1 is already known with other details")]),
    ("unit without a name", bad("units_missing_value.csv"),
     [Expect("missing_value", "units_missing_value.csv", 2, "name_vi", "The unit's name is missing")]),
    ("units whose parents go round in a circle", bad("units_parent_cycle.csv"),
     [Expect("parent_cycle", "units_parent_cycle.csv", r, "parent_code", f"The parents of {u} lead back to itself")
      for r, u in ((2, "H7"), (3, "H8"), (4, "H9"))]),
    ("units file without kind", bad("units_missing_column.csv"),
     [Expect("missing_column", "units_missing_column.csv", 1, "kind", "required column 'kind' is missing")]),
    # spreadsheets and Parquet
    ("xlsx: text that is no number", lambda tmp: [xlsx(tmp, "long.xlsx", [
        ["H1", 2022, "Y", None, "org_total", 58], ["H1", 2022, "Y", None, "org_rated", "năm mươi"]])],
     [Expect("not_numeric", "long.xlsx", 3, "value", "e.g. 3.577 or 99,74%", SHEET)]),
    ("xlsx: a rate over 100 written the Vietnamese way", lambda tmp: [xlsx(tmp, "long.xlsx", [
        ["H1", 2022, "Y", None, "org_good_or_better_rate", "100,5%"]])],
     [Expect("rate_over_100", "long.xlsx", 2, "value", "is 100.5%, over 100%", SHEET)]),
    ("xlsx: the value says a bound the qualifier contradicts", lambda tmp: [xlsx(tmp, "long.xlsx", [
        ["H1", 2022, "Y", None, "org_good_or_better_rate", "trên 90", "<"]])],
     [Expect("qualifier_conflict", "long.xlsx", 2, "qualifier", "says '>' but the qualifier column says '<'",
             SHEET)]),
    ("xlsx: missing required column", lambda tmp: [xlsx(tmp, "long.xlsx", [["H1", 2022, "org_total"]],
                                                        header=["unit_code", "year", "measure"])],
     [Expect("missing_column", "long.xlsx", 1, "value", "required column 'value' is missing")]),
    ("xlsx: header only", lambda tmp: [xlsx(tmp, "long.xlsx", [])],
     [Expect("empty_file", "long.xlsx", None, None, "the file has a header but no rows")]),
    ("parquet: negative value", lambda tmp: [parquet(tmp, "long.parquet", {
        "unit_code": ["H1", "H1"], "year": [2024, 2024], "measure": ["org_total", "org_rated"],
        "value": [58.0, -1.0]})],
     [Expect("negative", "long.parquet", 3, "value", "is -1, a negative number")]),
    ("parquet: unknown unit", lambda tmp: [parquet(tmp, "long.parquet", {
        "unit_code": ["H9"], "year": [2024], "measure": ["org_total"], "value": [58]})],
     [Expect("unknown_unit", "long.parquet", 2, "unit_code", "The unit code «H9» is not in the list of units")]),
]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fault_is_rejected_with_its_rule_row_and_column(db, tmp_path, make, expected):
    files = make(tmp_path)
    problems = reject(files, db)
    by_name = {f.name: str(f) for f in files}
    got = [(p.rule, p.file, p.sheet, p.row, p.column, p.severity) for p in problems]
    assert got == [(e.rule, by_name[e.file], e.sheet, e.row, e.column, "error") for e in expected]
    for p, e in zip(problems, expected, strict=True):
        # the rules' problems are data said in the reader's language; a reader's own fault keeps its detail
        assert e.message in (p.text("en") if p.args and not p.message else p.message), p.text("en")
        assert str(p).startswith(f"tệp «{e.file}»")  # what the command line prints names the file first
        vi = p.text("vi")
        said = re.sub(r"«[^»]*\.(csv|xlsx|parquet)»", "", vi)  # the fixtures' names hold the rules' ids
        assert vi.endswith(".") and "hãy" in vi.lower() and p.rule not in said, vi  # finished, what to do, no id


def test_check_reports_the_same_problems_without_a_database(tmp_path):
    problems = check([UNITS, BAD / "negative.csv"]).problems
    assert [(p.rule, p.row, p.column) for p in problems] == [("negative", 2, "value")]


def test_every_problem_is_reported_in_one_run(db):
    problems = reject([BAD / "three_faults.csv", BAD / "junk.csv", BAD / "units_unknown_kind.csv"], db)
    assert sorted((Path(p.file).name, p.row, p.rule) for p in problems) == [
        ("junk.csv", None, "unreadable_file"),
        ("three_faults.csv", 2, "unknown_unit"),
        ("three_faults.csv", 3, "negative"),
        ("three_faults.csv", 4, "unknown_period"),
        ("units_unknown_kind.csv", 2, "unknown_kind"),
    ]


def test_a_row_with_two_faults_reports_both(db, tmp_path):
    path = _write(tmp_path / "two.csv", ",".join(HEADER) + "\nXX,2019,Y,,org_total,-1,,\n")
    problems = reject([path], db)
    assert sorted((p.rule, p.column) for p in problems) == [
        ("negative", "value"), ("unknown_unit", "unit_code"), ("year_outside_term", "year")]


def test_a_plan_rate_over_100_is_accepted(db):
    load([FIXTURES / "plan_rate_over_100.csv"], db)
    assert ("H1", 2022, "Y", "", "admission_plan_rate", 102.67, 2, "", "") in facts(db)


def test_equal_duplicates_are_accepted_once(db):
    report = load([FIXTURES / "equal_duplicates.csv", FIXTURES / "equal_duplicates.csv", BASE], db)
    assert report.problems == []
    rows = [f for f in facts(db) if f[4] == "member_total"]
    assert rows == [("H1", 2023, "Y", "", "member_total", 3577.0, 0, "", "BC 2")]


def test_replace_lets_the_new_value_win_over_the_database(db):
    report = load([BAD / "conflict_with_database.csv"], db, replace=True)
    assert report.problems == []
    assert [f for f in facts(db) if f[4] == "org_total"] == [("H1", 2022, "Y", "", "org_total", 57.0, 0, "", "BC 4")]


def test_replace_does_not_settle_a_conflict_inside_the_input(db):
    problems = reject([BAD / "conflict_a.csv", BAD / "conflict_b.csv"], db, replace=True)
    assert [p.rule for p in problems] == ["conflict", "conflict"]


def test_replace_still_checks_parts_against_the_database(db):
    problems = reject([BAD / "part_exceeds_whole_db.csv"], db, replace=True)
    assert [(p.rule, p.row) for p in problems] == [("part_exceeds_whole", 2)]


def test_a_rejected_load_into_a_new_path_creates_no_database(tmp_path):
    db = tmp_path / "new.duckdb"
    with pytest.raises(LoadRejected):
        load([UNITS, BAD / "negative.csv"], db)
    assert not db.exists()


def test_the_row_prefilter_keeps_every_row_a_rule_faults(tmp_path, monkeypatch):
    """The row rules run on etl.rules.SUSPECT's rows only: the same problems as over every row."""
    from etl import rules

    odd = ["1_000", " 12", "+5", "-0", "1e999", "inf", "nan", "0x10", "1.", ".5", "1e-05", "1.2.3", ".", "101",
           "100.5", "3,5", "", "7 "]
    lines = [f"H1,2022,Y,,org_total,{v},,BC" for v in odd]
    lines += [f"H1,{y},Y,,org_total,5,,BC" for y in ("2020.0", "02022", "+2022", "2019", "20 22", "")]
    lines += [f"H1,2022,{p},{o},{m},5,{q},{s}" for p, o, m, q, s in [
        ("H2", "", "org_total", "", "BC"), ("Y", "xx", "org_total", "", "BC"), ("Y", "", "org_totalx", "", "BC"),
        ("Y", "", "", "", "BC"), ("Y", "", "org_total", "≥", "BC"), ("Y", "", "org_total", "", "=1+1"),
        ("Y", "", "org_total", "", "-(1)"), ("Y", "", "org_total", "", "- Báo cáo 12")]]
    lines += ["H1,2022,Y,,admission_plan_rate,102.5,,BC", ",2022,Y,,org_total,5,,BC", "ZZ,2022,Y,,org_total,5,,BC"]
    path = _write(tmp_path / "odd.csv", ",".join(HEADER) + "\n" + "\n".join(lines) + "\n")
    files = [UNITS, path, *sorted(BAD.glob("*.csv"))]

    def problems() -> list[tuple]:
        return [(p.rule, p.file, p.sheet, p.row, p.column, p.message) for p in check(files).problems]

    filtered = problems()
    monkeypatch.setattr(rules, "SUSPECT", "CREATE OR REPLACE TEMP TABLE stg_suspect AS SELECT * FROM stg_measures")
    assert filtered == problems()
    assert len({p[0] for p in filtered}) >= 10  # the data does fault most rules


def test_spaces_at_either_end_of_a_cell_are_trimmed(tmp_path):
    """A spreadsheet's CSV often pads cells: padded codes, numbers and sources load as if unpadded."""
    path = _write(tmp_path / "padded.csv", ",".join(HEADER) + "\n"
                  + " H1 ,2023 , Y,,org_total, 60 ,, BC 2 \n"
                  + "H1,2023,Y,,org_rated,59,,BC 2\n"  # a clean row beside it stays as it is
                  + "H1, 2023,Y , ,org_excellent,  ,,BC 2\n")  # a value of spaces only is an empty value
    problems = check([UNITS, path]).problems
    assert [(p.rule, p.row, p.column) for p in problems] == [("missing_value", 4, "value")]
    db = tmp_path / "m.duckdb"
    load([UNITS, _write(tmp_path / "ok.csv", ",".join(HEADER) + "\n" + " H1 ,2023 , Y,,org_total, 60 ,, BC 2 \n")],
         db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT unit_code, year, period, org_type, measure, value, qualifier, source, \"row\" "
                           "FROM facts").fetchall() == [("H1", 2023, "Y", "", "org_total", 60.0, "", "BC 2", 2)]
    # only the source padded: the row is otherwise clean, and its source is trimmed all the same
    load([_write(tmp_path / "source.csv", ",".join(HEADER) + "\n" + "H1,2023,Y,,org_rated,59,,  BC 3 \n")], db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT source FROM facts WHERE measure = 'org_rated'").fetchall() == [("BC 3",)]


def test_the_part_whole_prefilter_keeps_every_part_over_its_whole(db, tmp_path, monkeypatch):
    """part_exceeds_whole runs on the cells numpy flags (core.checks.parts_over_wholes) only: the same
    problems as over every cell, for parts and wholes in the input, in the database, stated as bounds."""
    import numpy as np

    import etl.load
    from core.checks import Cells

    path = _write(tmp_path / "parts.csv", ",".join(HEADER) + "\n" + "\n".join([
        "H1,2022,Y,,org_rated,60,,BC",  # over the database's org_total 58
        "H1,2023,Y,,org_total,40,,BC", "H1,2023,Y,,org_rated,41,,BC",  # both in the input
        "H1,2023,Y,,org_excellent,41,,BC",  # over org_rated 41? equal: no fault
        "H1,2024,Y,,org_total,40,,BC", "H1,2024,Y,,org_rated,50,>,BC",  # a bound is no stated part
        "H1,2024,H1,,org_total,40,,BC", "H1,2024,H1,,org_rated,41,,BC"]) + "\n")

    def problems() -> list[tuple]:
        return [(p.rule, p.file, p.row, p.message) for p in check([path], db=db).problems]

    filtered = problems()
    assert [(rule, row) for rule, _, row, _ in filtered] == [
        ("part_exceeds_whole", 2), ("part_exceeds_whole", 4), ("part_exceeds_whole", 9)]
    monkeypatch.setattr(etl.load, "parts_over_wholes",
                        lambda a, catalog, lay: Cells(np.arange(lay.n), lay.span, lay.y0))  # every cell
    assert filtered == problems()


@pytest.mark.parametrize(("repeated", "held", "run"), [
    (False, False, []), (True, False, ["conflict"]), (False, True, ["conflict_with_database"]),
    (True, True, ["conflict", "conflict_with_database"])])
def test_the_set_rules_run_only_where_they_can_find_something(repeated, held, run):
    from etl.rules import set_rules

    assert list(set_rules(repeated, held)) == run
