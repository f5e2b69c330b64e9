"""Readers: numbers as the sources write them reach the facts table exactly, with their decimals."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.load import load

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNITS = FIXTURES / "units.csv"
HEADER = ["unit_code", "year", "period", "org_type", "measure", "value", "qualifier", "source"]


def facts(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT measure, value, decimals, qualifier, \"row\" FROM facts ORDER BY \"row\"").fetchall()


@pytest.mark.parametrize(("cell", "value", "decimals", "qualifier"), [
    ("3.577", 3577.0, 0, ""),
    ("109.426", 109426.0, 0, ""),
    ("99,74", 99.74, 2, ""),
    ("99,74%", 99.74, 2, ""),
    ("96,50%", 96.5, 2, ""),  # the source wrote two decimals: a stated rate is checked to two
    ("1.234,5", 1234.5, 1, ""),
    ("trên 90", 90.0, 0, ">"),
    ("trên 90%", 90.0, 0, ">"),
    ("khoảng 693", 693.0, 0, "~"),
    ("dưới 5", 5.0, 0, "<"),
    ("96.5", 96.5, 1, ""),  # a machine number typed into a text cell
    (96.5, 96.5, 1, ""),  # numeric cells
    (31, 31.0, 0, ""),
    (31.0, 31.0, 0, ""),
    (0.04, 0.04, 2, ""),
])
def test_xlsx_long_form_reads_vietnamese_numbers(tmp_path, cell, value, decimals, qualifier):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["H1", 2022, "Y", None, "org_total", 58])
    ws.append([None] * 8)  # a blank row is skipped, and later rows keep their spreadsheet row number
    ws.append(["H1", 2022, "Y", None, "admission_plan_rate", cell])
    wb.save(tmp_path / "long.xlsx")

    load([UNITS, tmp_path / "long.xlsx"], tmp_path / "db.duckdb")

    assert facts(tmp_path / "db.duckdb") == [("org_total", 58.0, 0, "", 2),
                                             ("admission_plan_rate", value, decimals, qualifier, 4)]


def test_csv_keeps_stated_decimals_bom_and_crlf(tmp_path):
    text = "\ufeff" + ",".join(HEADER) + "\r\n" + "\r\n".join([
        "H1,2022,Y,,member_good_or_better_rate,96.50,,",
        "H1,2022,Y,,member_excellent_rate,31,,",
        'H1,2022,H1,,admitted,68,~,"BC 6 tháng, §2"',
    ]) + "\r\n"
    (tmp_path / "m.csv").write_text(text, encoding="utf-8")
    load([UNITS, tmp_path / "m.csv"], tmp_path / "db.duckdb")
    with duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True) as con:
        got = con.execute("SELECT measure, period, value, decimals, qualifier, source, \"row\" FROM facts "
                          "ORDER BY \"row\"").fetchall()
    assert got == [("member_good_or_better_rate", "Y", 96.5, 2, "", "", 2),
                   ("member_excellent_rate", "Y", 31.0, 0, "", "", 3),
                   ("admitted", "H1", 68.0, 0, "~", "BC 6 tháng, §2", 4)]


def test_parquet_float_and_text_values(tmp_path):
    pq.write_table(pa.table({
        "unit_code": ["H1", "H1", "H1"], "year": [2022, 2022, 2023],
        "measure": ["member_excellent_rate", "org_total", "org_total"], "value": [96.5, 31.0, 40.0],
    }), tmp_path / "a.parquet")
    pq.write_table(pa.table({
        "unit_code": ["H1"], "year": ["2024"], "period": ["TD"], "measure": ["org_good_rate"], "value": ["71.30"],
    }), tmp_path / "b.parquet")
    load([UNITS, tmp_path / "a.parquet", tmp_path / "b.parquet"], tmp_path / "db.duckdb")
    assert facts(tmp_path / "db.duckdb") == [
        ("member_excellent_rate", 96.5, 1, "", 2), ("org_good_rate", 71.3, 2, "", 2),
        ("org_total", 31.0, 0, "", 3), ("org_total", 40.0, 0, "", 4)]


def test_csv_header_cells_left_empty_are_ignored(tmp_path):
    # a spreadsheet saved as CSV often ends every line with a comma
    (tmp_path / "m.csv").write_text("unit_code,year,measure,value,,\nH1,2022,org_total,58,,\n", encoding="utf-8")
    load([UNITS, tmp_path / "m.csv"], tmp_path / "db.duckdb")
    assert facts(tmp_path / "db.duckdb") == [("org_total", 58.0, 0, "", 2)]
