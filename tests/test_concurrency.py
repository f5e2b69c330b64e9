"""Loads under faults and contention: a killed load, two loads at once, readers during replacement."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import pytest

from etl.load import LoadBusy, load

ROOT = Path(__file__).resolve().parent.parent
UNITS = "unit_code,name_vi,name_en,parent_code,kind\nP,Tỉnh P,Province P,,province\nD,Huyện D,District D,P,district\n"


def _measures(path: Path, total: int) -> Path:
    path.write_text(
        "unit_code,year,period,org_type,measure,value,qualifier,source\n"
        f"D,2021,Y,,org_total,{total},,test\nD,2021,Y,,org_rated,{total},,test\n",
        encoding="utf-8",
    )
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    path = tmp_path / "m.duckdb"
    load([units, _measures(tmp_path / "m1.csv", 58)], path)
    return path


def _paused_load(db: Path, measures: Path, *extra: str) -> subprocess.Popen[str]:
    """A load in another process that stops after writing its new file, before renaming it."""
    script = textwrap.dedent(f"""
        import sys, time
        import etl.load as L
        original = L._apply
        def paused(*args, **kwargs):
            original(*args, **kwargs)
            print("written", flush=True)
            time.sleep(60)
        L._apply = paused
        L.load([{str(measures)!r}], {str(db)!r}, replace=True{''.join(', ' + e for e in extra)})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "written"
    return proc


def test_a_load_killed_with_sigkill_leaves_the_old_database_intact(db: Path, tmp_path: Path) -> None:
    before = _sha(db)
    proc = _paused_load(db, _measures(tmp_path / "m2.csv", 60))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _sha(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM facts WHERE measure = 'org_total'").fetchone() == (58.0,)
    assert list(tmp_path.glob(".m.duckdb.tmp-*"))  # the half-built file it left beside the database
    load([_measures(tmp_path / "m3.csv", 61)], db, replace=True)  # the next load clears it away
    assert not list(tmp_path.glob(".m.duckdb.tmp-*"))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM facts WHERE measure = 'org_total'").fetchone() == (61.0,)


def test_a_second_load_waits_for_the_first_or_fails_clearly(db: Path, tmp_path: Path) -> None:
    before = _sha(db)
    proc = _paused_load(db, _measures(tmp_path / "m2.csv", 60))
    try:
        with pytest.raises(LoadBusy, match="another load is running"):
            load([_measures(tmp_path / "m3.csv", 61)], db, replace=True, wait=0.3)
        assert _sha(db) == before
    finally:
        proc.kill()
        proc.wait()
    # the lock dies with its process: the next load goes through
    load([_measures(tmp_path / "m3.csv", 61)], db, replace=True, wait=5)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM facts WHERE measure = 'org_total'").fetchone() == (61.0,)


def test_readers_see_a_whole_database_while_loads_replace_it(db: Path, tmp_path: Path) -> None:
    errors: list[BaseException] = []
    seen: set[float] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                with duckdb.connect(str(db), read_only=True) as con:
                    total, rated = con.execute(
                        "SELECT max(value) FILTER (WHERE measure = 'org_total'), "
                        "max(value) FILTER (WHERE measure = 'org_rated') FROM facts").fetchone()
                assert total == rated  # never half of one load and half of another
                seen.add(total)
            except BaseException as exc:
                errors.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(8):
            load([_measures(tmp_path / f"loop{i}.csv", 100 + i)], db, replace=True)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert seen <= {58.0, *(100.0 + i for i in range(8))}
    assert len(seen) >= 2
