"""facts holds one row per key (unit, year, period, org type, measure) with no PRIMARY KEY behind it
(core/schema.sql): the load's own rules must keep it so, on every path a row can come in by."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from etl.load import LoadRejected, load

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
UNITS, BASE = FIXTURES / "units.csv", FIXTURES / "base_measures.csv"
HEADER = "unit_code,year,period,org_type,measure,value,qualifier,source\n"
KEY = "unit_code, year, period, org_type, measure"


def _csv(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _facts(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        twice = con.execute(f"SELECT {KEY}, count(*) FROM facts GROUP BY ALL HAVING count(*) > 1").fetchall()
        assert twice == []
        return con.execute(f"SELECT {KEY}, value, source FROM facts ORDER BY ALL").fetchall()


def test_every_key_is_stored_once_whichever_way_it_comes_twice(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    load([UNITS, BASE], db)
    base = _facts(db)
    # inside one file, across two files, and against the database (58 is what the base holds)
    a = _csv(tmp_path / "a.csv", "H1,2023,Y,,member_total,3577,,A", "H1,2023,Y,,member_total,3577.0,,A bis",
             "H1,2022,Y,,org_total,58,,A")
    b = _csv(tmp_path / "b.csv", "H1,2023,Y,,member_total,3577,,B", "H1,2022,Y,,org_total,58,,B")
    load([a, b], db)
    load([a, b, BASE], db)  # the same again: nothing new
    after = _facts(db)
    assert len(after) == len(base) + 1
    assert ("H1", 2023, "Y", "", "member_total", 3577.0, "A") in after  # the first one given wins
    # --replace: the new value replaces the old row, it does not join it
    load([_csv(tmp_path / "c.csv", "H1,2022,Y,,org_total,57,,C")], db, replace=True)
    replaced = _facts(db)
    assert [r for r in replaced if r[4] == "org_total" and r[0] == "H1" and r[1] == 2022] == [
        ("H1", 2022, "Y", "", "org_total", 57.0, "C")]
    assert len(replaced) == len(after)


def test_a_key_given_twice_with_different_values_is_rejected(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    load([UNITS, BASE], db)
    before = db.read_bytes()
    with pytest.raises(LoadRejected) as rejected:
        load([_csv(tmp_path / "a.csv", "H1,2023,Y,,member_total,3577,,A"),
              _csv(tmp_path / "b.csv", "H1,2023,Y,,member_total,3578,,B")], db)
    assert [p.rule for p in rejected.value.problems] == ["conflict", "conflict"]
    with pytest.raises(LoadRejected) as rejected:
        load([_csv(tmp_path / "c.csv", "H1,2022,Y,,org_total,57,,C")], db)
    assert [p.rule for p in rejected.value.problems] == ["conflict_with_database"]
    assert db.read_bytes() == before


def test_a_database_with_the_old_keyed_facts_table_loses_the_key_and_keeps_its_facts(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    # core/schema.sql as it was at d9e3c2b, kept as a file: a shallow clone or a tarball has no history
    old_schema = (ROOT / "tests" / "fixtures" / "schema" / "keyed_facts_2026-11.sql").read_text(encoding="utf-8")
    assert "PRIMARY KEY (unit_code, year, period, org_type, measure)" in old_schema
    with duckdb.connect(str(db)) as con:
        con.execute(old_schema)
        con.execute("INSERT INTO units VALUES ('T1', 'Tỉnh Thử (mô phỏng)', 'Test Province', '', 'province'), "
                    "('H1', 'Huyện Một (mô phỏng)', 'District One', 'T1', 'district')")
        con.execute("INSERT INTO facts VALUES ('H1', 2021, 'Y', '', 'member_total', 3500, 0, '', 'S', 'f', 2, 1)")
    load([UNITS, BASE], db)
    with duckdb.connect(str(db), read_only=True) as con:
        keys = con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'facts' "
                           "AND constraint_type = 'PRIMARY KEY'").fetchall()
    assert keys == [(0,)]
    assert ("H1", 2021, "Y", "", "member_total", 3500.0, "S") in _facts(db)


@pytest.mark.parametrize(("sid", "year", "mid", "new", "repeats"), [
    ([0, 0, 1], [2021, 2022, 2021], [5, 5, 5], [True] * 3, False),
    ([0, 1, 0], [2021, 2021, 2021], [5, 5, 5], [True] * 3, True),  # the first and the last share a key
    ([0, 0], [2021, 2021], [5, 5], [True, False], False),  # the database's fact: the input restates it
    ([0], [2021], [5], [True], False),
    ([0, 900_000, 0], [2020, 2025, 2020], [0, 230, 0], [True] * 3, True),  # sparse keys: sorted, not a bitmap
    ([0, 900_000, 1], [2020, 2025, 2020], [0, 230, 0], [True] * 3, False),
])
def test_a_key_repeated_in_the_input_is_found_by_its_integers(sid: list, year: list, mid: list, new: list,
                                                              repeats: bool) -> None:
    from etl.load import _repeats_a_key

    arrays = {"sid": np.array(sid, np.int32), "year": np.array(year, np.int32), "mid": np.array(mid, np.int32),
              "new": np.array(new)}
    assert _repeats_a_key(arrays) is repeats
