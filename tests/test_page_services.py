"""The services the Data and Read-a-report pages call instead of etl (issue 20, item 1): a batch of uploads
screened and checked in a work slot (monitor.uploads.check_batch), a report read in one
(monitor.review.read_report), the kept versions listed, tabled and restored (monitor.versions)."""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
from pathlib import Path

import pytest

from core.catalog import default_catalog
from etl import safety
from monitor import review, uploads, versions
from monitor.store import Store
from tests.dashboard_data import sample_db

GOOD = ("unit_code,year,period,org_type,measure,value,qualifier,source\n"
        "BD-TAYSON,2024,Y,,org_rated,58,,thử\nBD-TAYSON,2024,Y,,org_good,45,,thử\n").encode()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_db(tmp_path_factory)


@contextlib.contextmanager
def both_slots_held(monkeypatch: pytest.MonkeyPatch, module: object) -> object:
    """The server's two work slots taken by other sessions; `module` waits 0,05 s for one, not 20 s."""
    monkeypatch.setattr(module, "work_slot", functools.partial(safety.work_slot, wait=0.05))
    with contextlib.ExitStack() as held:
        held.enter_context(safety.work_slot())
        held.enter_context(safety.work_slot())
        yield


def test_check_batch_checks_a_good_batch(sample: Path) -> None:
    checked = uploads.check_batch([("so-lieu.csv", GOOD)], sample, "vi")
    assert isinstance(checked, uploads.Checked)
    assert checked.ok and checked.refused == []
    assert list(checked.rows["measure"]) == ["org_rated", "org_good"]
    assert set(checked.names.values()) == {"so-lieu.csv"}


def test_check_batch_refuses_at_the_door_in_the_readers_language(sample: Path) -> None:
    many = [(f"{i}.csv", GOOD) for i in range(safety.MAX_FILES + 1)]
    assert uploads.check_batch(many, sample, "vi") == ["21 tệp / files: quá 20 tệp một lần: hãy gửi ít tệp hơn"]
    assert uploads.check_batch(many, sample, "en") == ["21 tệp / files: more than 20 files at once: send fewer"]
    assert uploads.check_batch([("rong.csv", b"")], sample, "en") == [
        "rong.csv: the file is empty: choose the data file"]


def test_check_batch_says_the_server_is_busy(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    with both_slots_held(monkeypatch, uploads):
        refused = uploads.check_batch([("so-lieu.csv", GOOD)], sample, "en")
    assert refused == ["…: the server is busy checking other files: try again in a few minutes"]
    assert isinstance(uploads.check_batch([("so-lieu.csv", GOOD)], sample, "en"), uploads.Checked)  # slots back


def test_read_report_takes_a_work_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Năm 2022, toàn Đảng bộ có 55 tổ chức cơ sở đảng.".encode()
    with both_slots_held(monkeypatch, review), pytest.raises(review.UnsafeUpload) as refused:
        review.read_report("bao-cao.txt", text, "HD", 2022, default_catalog())
    assert refused.value.text("vi") == ("bao-cao.txt: máy chủ đang bận kiểm tra các tệp khác: hãy thử lại sau ít "
                                        "phút")
    proposal = review.read_report("bao-cao.txt", text, "HD", 2022, default_catalog())  # the slots given back
    assert proposal.docname == "bao-cao.txt"


def test_versions_listed_tabled_and_restored(sample: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(sample, db)
    assert versions.list_versions(db) == []
    uploads.load_checked(uploads.check_uploads([("so-lieu.csv", GOOD)], db), db, user="thu")
    [kept] = versions.list_versions(db)
    table = versions.versions_table([kept], "vi")
    assert list(table.columns) == ["Phiên bản", "Được thay lúc (UTC)", "Thay bởi", "Do", "Số liệu", "Đơn vị",
                                   "Lần nạp cuối của phiên bản"]
    row = table.iloc[0]
    assert (row["Phiên bản"], row["Thay bởi"], row["Do"], row["Số liệu"], row["Đơn vị"]) == (
        "1", "thu", "lần nạp", "177", "5")
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", row["Được thay lúc (UTC)"])
    assert re.fullmatch(r"#1 \(\d\d/\d\d/\d{4} \d\d:\d\d\): measures.csv, units.csv", row["Lần nạp cuối của phiên bản"])
    assert versions.versions_table([kept], "en").iloc[0].tolist()[3] == "a load"
    with pytest.raises(versions.VersionNotFound):
        versions.restore(db, 7, user="admin")
    assert Store(db).fact_count() == 179
    saved = versions.restore(db, 1, user="admin")
    assert saved.number == 2 and saved.replaced_by == "admin" and saved.replaced_how == "rollback"
    assert Store(db).fact_count() == 177
