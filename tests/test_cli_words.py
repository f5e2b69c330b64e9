"""The command line's own lines speak to the organisation committee's officer: each a Vietnamese sentence,
then ' — ' and the English one, counts the Vietnamese way in the first (1.234) and the English way in the
second (1,234); `versions` keeps each line starting with its number (CONTRACT.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

import etl.load
from etl.__main__ import main
from etl.versions import Version

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [str(ROOT / "data" / "sample" / "units.csv"), str(ROOT / "data" / "sample" / "measures.csv")]


def test_demo_and_template_say_what_they_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    assert capsys.readouterr().out == (
        f"Đã ghi {out}: 16 đơn vị, 12.350 dòng số liệu, 2 đơn vị-năm không có số liệu. — "
        f"Wrote {out}: 16 units, 12,350 rows, 2 unit-years without figures.\n")
    book = tmp_path / "mau.xlsx"
    assert main(["template", "--out", str(book), "--unit", "H1"]) == 0
    assert capsys.readouterr().out == f"Đã ghi mẫu nhập liệu {book} — Wrote the data-entry template {book}\n"
    assert main(["template", "--out", str(book), "--db", str(tmp_path / "none.duckdb")]) == 2
    none = tmp_path / "none.duckdb"
    assert capsys.readouterr().err == f"Không có cơ sở dữ liệu {none}. — No database {none}.\n"


def test_the_load_prints_its_findings_in_vietnamese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "m.duckdb"
    assert main(["load", *SAMPLE, "--db", str(db), "-v"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"Đã nạp 2 tệp, 182 dòng vào {db}: 177 số liệu mới, 0 số liệu đã có; 12 sai lệch. — "
                        f"Loaded 2 file(s), 182 row(s) into {db}: 177 new, 0 already there; 12 finding(s).")
    assert len(lines) == 13
    # a finding from its fields (the unit by its name in the database), not its stored English detail
    assert lines[8] == (
        "  Tỷ lệ nêu khác tỷ lệ tính từ số lượng: Tỉnh Hải Dương (HD), năm 2022: «Tỷ lệ chi bộ trực thuộc đảng ủy cơ "
        "sở không hoàn thành nhiệm vụ» báo cáo ghi: 0,04%, tính từ số lượng: 0,02% (1 / 4.313); nguồn: 000 Hải "
        "Dương 2022 "
        '§I.3.b(3): "không hoàn thành nhiệm vụ: 1/4.313= 0,04%"')


def test_a_replace_without_a_reason_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", *SAMPLE, "--db", str(tmp_path / "m.duckdb"), "--replace"]) == 2
    assert capsys.readouterr().err == (
        'Thay số liệu (--replace) thì phải ghi lý do (--reason "…"): lý do được ghi vào nhật ký kiểm toán. — '
        "python -m etl load: --replace needs --reason TEXT (why the input's figures replace the database's; it goes "
        "into the audit)\n")


def test_a_busy_database_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*args: object, **kwargs: object) -> None:
        raise etl.load.LoadBusy("another load is running")

    monkeypatch.setattr(etl.load, "load", busy)
    monkeypatch.setattr(etl.load, "rollback", busy)
    db = tmp_path / "m.duckdb"
    assert main(["load", *SAMPLE, "--db", str(db)]) == 1
    assert capsys.readouterr().err == (
        f"Chưa nạp: đang có một lần nạp khác vào {db}, hãy chạy lại khi lần nạp đó xong; {db} giữ nguyên. — "
        f"Not loaded: another load into {db} is running, try again when it has finished; {db} was not changed.\n")
    assert main(["rollback", "--db", str(db), "--to", "1"]) == 1
    assert capsys.readouterr().err == (
        f"Chưa khôi phục: đang có một lần nạp khác vào {db}, hãy chạy lại khi lần nạp đó xong; {db} giữ nguyên. — "
        f"Not restored: another load into {db} is running, try again when it has finished; {db} was not changed.\n")


def test_a_version_line_starts_with_its_number() -> None:
    version = Version(number=1234, path=Path("x.duckdb"), saved_at="2026-12-07T20:48:51+00:00", replaced_by="qt",
                      replaced_how="rollback", facts=12345, units=1009, loads=3)
    assert version.line() == (  # the number as --to takes it, the counts each language's way
        "1234\tđược thay lúc 07/12/2026 20:48:51 (UTC) khi qt thực hiện lần khôi phục; có 12.345 số liệu, "
        "1.009 đơn vị, 3 lần nạp — saved 2026-12-07 20:48:51 (UTC) when qt ran a restore; 12,345 facts, "
        "1,009 units, 3 loads")


def test_no_version_kept_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "m.duckdb"
    assert main(["versions", "--db", str(db)]) == 0
    assert capsys.readouterr() == ("", (
        f"Chưa giữ phiên bản nào của {db} (mỗi lần nạp giữ lại cơ sở dữ liệu mà nó thay). — "
        f"No versions kept of {db} (each load keeps the database it replaces).\n"))
