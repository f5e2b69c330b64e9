"""The dashboard's read-only store: sees a replaced file, never writes, safe across threads."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from etl.load import load
from monitor.store import SQL, Store, StoreClosed, file_identity, retire_older

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("store") / "sample.duckdb"
    load([SAMPLE / "units.csv", SAMPLE / "measures.csv"], db)
    return db


def test_no_file_is_no_store(tmp_path: Path) -> None:
    assert file_identity(tmp_path / "absent.duckdb") is None


def test_queries_read_the_sample(sample_db: Path) -> None:
    store = Store(sample_db)
    units = store.units()
    assert list(units["unit_code"]) == ["BD", "BD-TAYSON", "HD", "TH", "TH-KHOI"]
    assert store.years() == [2020, 2021, 2022, 2023]
    assert store.fact_count() == 177
    c = store.completeness(["BD-TAYSON"], 2020, 2023).set_index("year")
    assert list(c["figures_year"]) == [0, 21, 21, 22]
    assert c.loc[2023, "figures_part"] == 3  # the first half of 2023
    findings = store.findings(["BD-TAYSON"], 2020, 2025)
    assert set(findings["unit_code"]) == {"BD-TAYSON"}
    assert len(findings) == len(store.findings(["BD-TAYSON", "HD", "TH-KHOI"], 2020, 2025)) - len(
        store.findings(["HD", "TH-KHOI"], 2020, 2025))
    assert list(store.load_log()["file"]) == [str(SAMPLE / "measures.csv"), str(SAMPLE / "units.csv")]
    assert store.org_types_in(["BD-TAYSON", "HD"]) == []


def test_every_query_uses_named_parameters_only() -> None:
    for name, sql in SQL.items():
        assert "?" not in sql, name
        assert "{" not in sql, name  # nothing formatted into the text


def test_store_never_writes(sample_db: Path) -> None:
    store = Store(sample_db)
    before = sample_db.read_bytes()
    with store.cursor() as cur, pytest.raises(duckdb.Error):
        cur.execute("DELETE FROM facts")
    assert sample_db.read_bytes() == before


def test_a_replaced_file_is_seen_by_a_new_store(tmp_path: Path, sample_db: Path) -> None:
    db = tmp_path / "m.duckdb"
    shutil.copyfile(sample_db, db)
    old = Store(db)
    assert len(old.units()) == 5
    extra = tmp_path / "units.csv"
    extra.write_text("unit_code,name_vi,name_en,parent_code,kind\nBD-X,Đảng bộ huyện Thử,,BD,district\n",
                     encoding="utf-8")
    load([extra], db)  # the ETL renames a new file over the old one
    assert file_identity(db) != old.identity
    new = Store(db)
    assert len(new.units()) == 6
    assert len(old.query("units")) == 5  # the open store keeps its consistent old view


def test_threads_share_a_store(sample_db: Path) -> None:
    store = Store(sample_db)
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: len(store.query("units")), range(64)))
    assert counts == [5] * 64
    calls = []

    def compute() -> int:
        calls.append(1)
        return 42

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.memo("k", compute), range(32)))
    assert results == [42] * 32
    assert len(calls) == 1


def _handles_on(inode: int) -> int:
    """How many of this process's open files are the file with this inode."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.fstat(int(fd)).st_ino == inode:
                count += 1
        except OSError:
            pass
    return count


def test_a_replaced_file_is_let_go(tmp_path: Path) -> None:
    """Issue 21: the server kept every replaced database open. A Store of an old version is retired once
    a Store of the new file is in use, and closes when no cursor is open on it."""
    db = tmp_path / "m.duckdb"
    load([SAMPLE / "units.csv"], db)
    old = Store(db)
    old_inode = db.stat().st_ino
    assert old.units()["unit_code"].tolist() == ["BD", "BD-TAYSON", "HD", "TH", "TH-KHOI"]
    load([SAMPLE / "measures.csv"], db)
    new = Store(db)
    with old.cursor() as cur:  # a page still drawing with the old Store finishes on the old file
        assert retire_older(new, grace=0) == 1
        assert cur.execute("SELECT count(*) FROM facts").fetchall() == [(0,)]
    assert old.closed and _handles_on(old_inode) == 0
    with pytest.raises(StoreClosed):
        old.query("units")
    assert new.fact_count() == 177 and not new.closed
    assert retire_older(new, grace=0) == 0


def test_a_retired_store_waits_for_its_grace(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    load([SAMPLE / "units.csv"], db)
    old = Store(db)
    load([SAMPLE / "measures.csv"], db)
    new = Store(db)
    assert retire_older(new, grace=60) == 1
    assert not old.closed and old.fact_count() == 0  # still answering the pages drawing with it
    old.retire(grace=0)
    assert old.closed


def _page_reading_a_closed_store() -> None:
    """A page whose first run reads a Store closed under it (its file replaced), as a page of the app would."""
    import streamlit as st

    from monitor.store import StoreClosed
    from screens._guard import guard

    class Words:
        def t(self, key: str, **kw: object) -> str:
            return f"{key} {kw}"

    st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    with guard(Words()):
        if st.session_state["runs"] == 1:
            raise StoreClosed("replaced")
        st.write(f"drawn on run {st.session_state['runs']}")


def test_a_page_whose_store_closed_under_it_runs_again_on_the_new_file() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page_reading_a_closed_store).run(timeout=30)
    assert [m.value for m in at.markdown] == ["drawn on run 2"]
    assert at.error == []
