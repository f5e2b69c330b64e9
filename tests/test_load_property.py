"""Any consistent data set loads and reads back exactly, with no findings.

"Consistent" is built from the catalogue: for each rated entity, counts per rating level, the rated
total as their sum (so every balance holds), a total at least the rated, derived sums stated or not,
and rates stated to 0–2 decimals as the counts give them (rounded half up or truncated, as reports
do) or as a bound the computed rate satisfies.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalog import default_catalog
from etl.load import load
from etl.model import MEASURE_COLUMNS, UNIT_COLUMNS

CAT = default_catalog()
YEARS = sorted({y for t in CAT.terms.values() for y in range(t.start, t.end + 1)})
# without a leading sign: '-1/2' is a sum a spreadsheet would compute (the formula rule refuses it)
SOURCE_TEXT = st.text(alphabet='Báo cáo số 12/BC-HU, "§3.b" ngày đạt tỷ lệ ;%', max_size=24).map(
    lambda s: re.sub(r"^[\s+-]+|\s+$", "", s))  # no sign first (a formula's start), no space at either end


def entity_measures(entity: str) -> tuple[list[str], list[str]]:
    """(stated count measures, derived measures) of a rated entity, as the catalogue names them."""
    stated = [f"{entity}_total", f"{entity}_rated", *(f"{entity}_{lv}" for lv in CAT.rating_scale)]
    assert all(m in CAT.measures for m in stated), stated
    derived = [m.id for m in CAT.measures.values() if m.derived_sum and m.id.startswith(f"{entity}_")
               and all(p in stated or CAT.measures[p].derived_sum for p in m.derived_sum)]
    return stated, derived


def machine(x: Fraction, decimals: int, rounding: str) -> str:
    q = Decimal(1).scaleb(-decimals)
    return str((Decimal(x.numerator) / Decimal(x.denominator)).quantize(q, rounding=rounding))


@st.composite
def data_sets(draw):
    districts = draw(st.integers(1, 3))
    units = [{"unit_code": "P", "name_vi": "Tỉnh Thử (mô phỏng)", "name_en": "", "parent_code": "", "kind": "province"}]
    units += [{"unit_code": f"P-H{i}", "name_vi": f"Huyện {i} (mô phỏng)", "name_en": f"District {i}",
               "parent_code": "P", "kind": "district"} for i in range(1, districts + 1)]
    keys = draw(st.lists(st.tuples(st.sampled_from([u["unit_code"] for u in units]), st.sampled_from(YEARS),
                                   st.sampled_from(list(CAT.periods)), st.sampled_from(list(CAT.rated_entities))),
                         min_size=1, max_size=4, unique=True))
    rows = []
    for unit, year, period, entity in keys:
        org_type = draw(st.sampled_from(["", *CAT.org_types])) if CAT.rated_entities[entity].org_types else ""
        stated, derived = entity_measures(entity)
        values: dict[str, int] = {m: draw(st.integers(0, 60)) for m in stated[2:]}
        values[stated[1]] = sum(values.values())
        values[stated[0]] = values[stated[1]] + draw(st.integers(0, 5))
        for m in derived:  # a derived sum of derived sums is listed after its parts in the catalogue
            values[m] = sum(values[p] for p in CAT.measures[m].derived_sum)
        chosen = [m for m in stated if m != stated[0] or draw(st.booleans())]
        chosen += [m for m in derived if draw(st.booleans())]
        facts = [(m, str(values[m]), "") for m in chosen]
        for ind in CAT.indicators.values():
            if not (ind.is_rate and set(ind.numerator + ind.denominator) <= values.keys()):
                continue
            den = sum(values[m] for m in ind.denominator)
            if den == 0:
                continue
            exact = Fraction(100 * sum(values[m] for m in ind.numerator), den)
            how = draw(st.sampled_from(["none", "none", "round", "truncate", "bound"]))
            decimals = draw(st.integers(0, 2))
            tie = (exact * 10 ** (decimals + 1)) % 10 == 5 and (exact * 10 ** (decimals + 1)).denominator == 1
            if how == "round" and not tie:  # at an exact tie a float may round either way
                facts.append((ind.id, machine(exact, decimals, ROUND_HALF_UP), ""))
            elif how in ("round", "truncate"):
                facts.append((ind.id, machine(exact, decimals, ROUND_DOWN), ""))
            elif how == "bound" and exact >= 1:
                facts.append((ind.id, str(math.ceil(exact) - 1), ">"))
        for measure, value, qualifier in facts:
            rows.append({"unit_code": unit, "year": str(year), "period": period, "org_type": org_type,
                         "measure": measure, "value": value, "qualifier": qualifier, "source": draw(SOURCE_TEXT)})
    fmt = draw(st.sampled_from(["csv", "parquet"]))
    repeated = draw(st.lists(st.sampled_from(rows), max_size=3))  # equal duplicates in a second file
    return units, rows, fmt, repeated


def write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...], fmt: str) -> Path:
    path = path.with_suffix("." + fmt)
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, columns)
            w.writeheader()
            w.writerows(rows)
    else:
        table = {c: [r[c] for r in rows] for c in columns}
        if "year" in table:
            table["year"] = [int(y) for y in table["year"]]
        pq.write_table(pa.table(table), path)
    return path


def expected_fact(r: dict[str, str]) -> tuple:
    decimals = len(r["value"].split(".")[1]) if "." in r["value"] else 0
    return (r["unit_code"], int(r["year"]), r["period"], r["org_type"], r["measure"], float(r["value"]), decimals,
            r["qualifier"], r["source"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_sets())
def test_any_consistent_data_set_loads_and_reads_back_exactly(data):
    units, rows, fmt, repeated = data
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = [write(tmp / "units", units, UNIT_COLUMNS, "csv"), write(tmp / "measures", rows, MEASURE_COLUMNS, fmt)]
        if repeated:
            files.append(write(tmp / "again", repeated, MEASURE_COLUMNS, "csv"))
        report = load(files, tmp / "m.duckdb")
        with duckdb.connect(str(tmp / "m.duckdb"), read_only=True) as con:
            facts = con.execute("SELECT unit_code, year, period, org_type, measure, value, decimals, qualifier, "
                                "source FROM facts ORDER BY ALL").fetchall()
            got_units = con.execute(f"SELECT {', '.join(UNIT_COLUMNS)} FROM units ORDER BY ALL").fetchall()
            findings = con.execute("SELECT * FROM findings WHERE severity = 'finding'").fetchall()

    assert facts == sorted(expected_fact(r) for r in rows)
    assert got_units == sorted(tuple(u[c] for c in UNIT_COLUMNS) for u in units)
    assert findings == []
    assert [f for f in report.findings if f.severity == "finding"] == []
