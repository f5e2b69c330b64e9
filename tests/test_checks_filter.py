"""core.checks looks for findings only in the cells its numpy pre-filter picks: the findings must be
exactly those of the queries run over every fact, on data made to sit on every threshold."""

from __future__ import annotations

import math
import random

import duckdb
import pandas as pd
import pytest

from core.catalog import default_catalog
from core.checks import Cells, cell_facts, fetch_facts, find_cells, layout, run_checks

FAMILIES = ["org", "member", "cell"]
UNITS = ["A", "B", "C"]
YEARS = [2020, 2021, 2022, 2023]


def _stated_rate(computed: float, rng: random.Random) -> tuple[float, int]:
    """A stated rate as a report might write it: on its grid of decimals, near the computed rate (so
    that rounding, truncation and the slips between sit on every side of the check), or odd."""
    decimals = rng.choice([0, 1, 1, 2, 3])
    step = 10.0 ** -decimals
    if rng.random() < 0.05:
        return 1e-05, 0  # '1e-05': no decimals written, and off every grid
    k = math.floor(computed / step) + rng.choice([-1, 0, 0, 1, 1, 2])
    return max(0.0, round(k * step, decimals)), decimals


def _facts(seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []

    def add(unit, year, period, org, measure, value, decimals=0, qualifier=""):
        rows.append((unit, year, period, org, measure, float(value), decimals, qualifier, f"BC {unit} {year}"))

    def rare(p: float = 0.04) -> bool:
        return rng.random() < p

    for unit in UNITS:
        for org in ["", "xa"]:
            for period in ["Y", "H1"]:
                for year in YEARS:
                    if rare(0.1):
                        continue  # a missing year: no pair across it
                    for fam in FAMILIES:
                        rated = rng.choice([rng.randint(1, 30), rng.randint(15, 25), rng.randint(100, 99999)])
                        rated += 0.5 if rare() else 0
                        exc = rng.randint(0, int(rated) // 2)
                        good = rng.randint(0, int(rated) - exc)
                        comp = rng.randint(0, int(rated) - exc - good)
                        failed = rated - exc - good - comp + (rng.choice([1, -1, 2.5, 1e-6]) if rare() else 0)
                        parts = {"excellent": exc, "good": good, "completed": comp, "failed": max(0, failed)}
                        add(unit, year, period, org, f"{fam}_rated", rated, qualifier="~" if rare() else "")
                        for name, v in parts.items():
                            if not rare(0.1):
                                add(unit, year, period, org, f"{fam}_{name}", v, qualifier="~" if rare() else "")
                        if rare(0.1):  # a stated sum, sometimes above its whole
                            add(unit, year, period, org, f"{fam}_good_or_better",
                                exc + good + rng.choice([0, 0, 1, rated]))
                        if rng.random() < 0.6:
                            value, decimals = _stated_rate(100 * (exc + good) / rated, rng)
                            q = rng.choice([">", "<", "~"]) if rare(0.15) else ""
                            add(unit, year, period, org, f"{fam}_good_or_better_rate", value, decimals, q)
                    if org == "" and rng.random() < 0.7:
                        add(unit, year, period, org, "admitted",
                            rng.choice([0, 2, 5, 15, 150, 1500, 19, 20, 21, 199, 201, 2000, 2010, 1990]))
                    if rng.random() < 0.3:  # a rate with no counts behind it
                        add(unit, year, period, org, "admission_rate", rng.choice([4.2, 40.5, 30, 55, 80.25, 56]),
                            qualifier="~" if rare(0.2) else "")
    for unit, year, measure, value, decimals in EDGES:
        add(unit, year, "Y", "", measure, value, decimals)
    return pd.DataFrame(rows, columns=["unit_code", "year", "period", "org_type", "measure", "value",
                                       "decimals", "qualifier", "source"])


# Each just past a threshold, alone in its unit so that nothing else makes its cells looked at.
EDGES = [
    # 11281 / 12500 = 90.248 %, written 90.3: half a decimal and a little more from it
    ("E1", 2021, "org_rated", 12500, 0), ("E1", 2021, "org_good_or_better", 11281, 0),
    ("E1", 2021, "org_good_or_better_rate", 90.3, 1),
    # 45151 / 50000 = 90.302 %, written 90.2: truncation gives 90.3 too
    ("E2", 2021, "org_rated", 50000, 0), ("E2", 2021, "org_good_or_better", 45151, 0),
    ("E2", 2021, "org_good_or_better_rate", 90.2, 1),
    # 0 of 30, written '1e-05'
    ("E3", 2021, "org_rated", 30, 0), ("E3", 2021, "org_good_or_better", 0, 0),
    ("E3", 2021, "org_good_or_better_rate", 1e-05, 0),
    # 50 % → 75.5 %: 25.5 points
    ("E4", 2021, "org_rated", 200, 0), ("E4", 2021, "org_good_or_better", 100, 0),
    ("E4", 2022, "org_rated", 200, 0), ("E4", 2022, "org_good_or_better", 151, 0),
    # 90 % from counts → 60 % stated alone
    ("E5", 2021, "org_rated", 40, 0), ("E5", 2021, "org_good_or_better", 36, 0),
    ("E5", 2022, "org_good_or_better_rate", 60, 0),
    # ×10.2, and ×10 up to exactly the smallest base
    ("E6", 2021, "admitted", 100, 0), ("E6", 2022, "admitted", 1020, 0),
    ("E7", 2021, "admitted", 2, 0), ("E7", 2022, "admitted", 20, 0),
]


@pytest.mark.parametrize("seed", range(12))
def test_the_filter_finds_what_the_queries_find_over_all_facts(seed: int) -> None:
    cat = default_catalog()
    frame = _facts(seed)
    con = duckdb.connect()
    con.register("_f", frame)
    con.execute("CREATE TEMP TABLE f AS SELECT * FROM _f")
    everywhere = run_checks(con, cat, facts="f", prefilter=False)
    filtered = run_checks(con, cat, facts="f")
    looked = con.execute("SELECT count(*) FROM chk_cells").fetchall()[0][0]
    cells = con.execute("SELECT count(*) FROM (SELECT DISTINCT unit_code, year, period, org_type FROM f)").fetchall()
    assert len(everywhere) > 10
    assert set(everywhere["rule"]) >= {"stated_rate", "balance", "part_exceeds_whole", "yoy_rate_jump",
                                       "yoy_count_jump", "stated_bound"}
    pd.testing.assert_frame_equal(filtered, everywhere)
    assert looked < cells[0][0]
    # the load's way: the worker gathers the cells' facts from the arrays, sources included (cell_facts)
    arrays = fetch_facts(con, cat, "f", with_source=True)
    lay = layout(arrays, cat)
    gathered = cell_facts(arrays, cat, lay, find_cells(arrays, cat, lay))
    assert gathered is not None and gathered.num_rows == con.execute("SELECT count(*) FROM chk_facts").fetchall()[0][0]
    pd.testing.assert_frame_equal(run_checks(duckdb.connect(), cat, facts="f", gathered=gathered), everywhere)


def test_consistent_facts_need_no_look() -> None:
    con = duckdb.connect()
    # 36 / 40 = 90 %; 36.5 / 40 = 91.25 %, written 91.2 (truncated)
    rows = [(2021, "org_rated", 40, 0), (2021, "org_excellent", 10, 0), (2021, "org_good", 26, 0),
            (2021, "org_good_or_better_rate", 90, 0), (2022, "org_rated", 40, 0), (2022, "org_excellent", 12, 0),
            (2022, "org_good", 24.5, 0), (2022, "org_good_or_better_rate", 91.2, 1)]
    frame = pd.DataFrame([("A", y, "Y", "", m, float(v), d, "", "s") for y, m, v, d in rows],
                         columns=["unit_code", "year", "period", "org_type", "measure", "value", "decimals",
                                  "qualifier", "source"])
    con.register("_f", frame)
    con.execute("CREATE TEMP TABLE f AS SELECT * FROM _f")
    assert run_checks(con, default_catalog(), facts="f").empty
    assert con.execute("SELECT count(*) FROM chk_cells").fetchall() == [(0,)]


def test_a_qualifier_the_rules_would_refuse_sends_the_checks_back_to_the_database() -> None:
    cat = default_catalog()
    frame = pd.DataFrame([("A", 2021, "Y", "", "org_rated", 40.0, 0, "?", "s"),
                          ("A", 2021, "Y", "", "org_good_or_better_rate", 50.0, 0, "", "s")],
                         columns=["unit_code", "year", "period", "org_type", "measure", "value", "decimals",
                                  "qualifier", "source"])
    con = duckdb.connect()
    con.register("f", frame)
    arrays = fetch_facts(con, cat, "f", with_source=True)
    lay = layout(arrays, cat)
    both = Cells(keys=lay.where[:1].copy(), span=lay.span, y0=lay.y0)  # the one cell, which holds both facts
    assert cell_facts(arrays, cat, lay, both) is None
