"""monitor.attainment on the national demo: the whole scorecard (goal < 1 s) and one unit's (< 50 ms).

    python -m benchmarks.bench_attainment [--db PATH] [--scale national|province] [--repeat N] [--slips N] [--reorg]

Without --db the demo is generated and loaded into a temporary database first (not timed), with
--slips of its rates contradicted by a stated rate (disputed values: the demo has no slips). Each
figure is the best of --repeat runs (the machine is shared; the minimum is the least disturbed),
with the median beside it. Figures are printed, never asserted: speed is no test. `--reorg`: the demo
with the 2025 reorganisation (issue 19), its new units' years before 2025 computed from their predecessors.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

import etl.load
from core.catalog import default_catalog
from monitor.attainment import assess, indicator_values, judged_values, target_indicators, units_frame

ROOT = Path(__file__).resolve().parent.parent
GOAL_WHOLE, GOAL_UNIT = 1.0, 0.050


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), out


def _demo_db(tmp: Path, scale: str, reorg: bool = False) -> Path:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(tmp / "demo"), "--scale", scale,
                    "--seed", "2025", *(["--reorg"] if reorg else [])], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    db = tmp / "demo.duckdb"
    changes = [tmp / "demo" / "unit_changes.csv"] if reorg else []
    etl.load.load([tmp / "demo" / "units.csv", *changes, tmp / "demo" / "measures.csv"], db)
    print(f"demo --scale {scale} generated and loaded in {time.perf_counter() - start:.1f} s (not timed below)")
    return db


def _seed_slips(db: Path, n: int) -> None:
    """The demo's reports agree with themselves (no finding of weight "Sai lệch"): give `n` of its
    whole-year rates a stated rate that contradicts their counts, as a report's slip would, so that
    the figures below include the disputed values' work (findings joined, readings judged)."""
    cat = default_catalog()
    rates = [(i.id, i.numerator[0]) for i in cat.indicators.values() if i.is_rate and i.denominator]
    pairs = ", ".join(f"('{ind}', '{num}')" for ind, num in rates)
    con = duckdb.connect(str(db))
    try:
        con.execute(f"""
            INSERT INTO findings
            SELECT 'stated_rate', 'finding', f.unit_code, f.year, f.period, f.org_type, r.ind, 50.0, 0.0,
                   '1 / 2', 'bench'
            FROM facts f JOIN (VALUES {pairs}) r(ind, num) ON f.measure = r.num
            WHERE f.period = 'Y' AND f.org_type = ''
            ORDER BY hash(f.unit_code, f.year, r.ind) LIMIT {int(n)}""")
    finally:
        con.close()


def run(db: Path, repeat: int) -> int:
    cat = default_catalog()
    con = duckdb.connect(str(db), read_only=True)
    try:
        facts, n_units = con.execute("SELECT (SELECT count(*) FROM facts), (SELECT count(*) FROM units)").fetchall()[0]
        year = con.execute("SELECT max(year) FROM facts").fetchall()[0][0]
        term = cat.term_of(int(year))
        print(f"{db}: {facts:,} facts, {n_units:,} units, latest year {year}")
        # the disputed flags are computed in every figure below: how much there is to flag
        slips = con.execute("SELECT count(*) FROM findings WHERE severity = 'finding'").fetchall()[0][0]
        whole = judged_values(con, cat)
        disputed = int((whole["disputed"] == "yes").sum())
        to_verify = int(whole.drop_duplicates(["unit_code", "indicator"])["status"].eq("to_verify").sum())
        print(f"findings (Sai lệch): {slips:,}; scorecard rows disputed: {disputed:,} of {len(whole):,}; "
              f"targets to verify: {to_verify:,}")
        units = units_frame(con)
        pick = {kind: units.loc[units["kind"] == kind, "unit_code"].iloc[0]
                for kind in ("district", "bloc", "province", "country", "commune") if (units["kind"] == kind).any()}
        if "DEMO-M01" in set(units["unit_code"]):  # --reorg: the merged province, its 2025 from its predecessors
            pick["merged province"] = "DEMO-M01"

        judged_values(con, cat)  # first call parses and caches the catalogue's plan
        rows: list[tuple[str, float, float, int, float | None]] = []

        def measure(label: str, fn: Callable[[], object], goal: float | None = None) -> None:
            best, median, out = _time(fn, repeat)
            rows.append((label, best, median, len(out) if hasattr(out, "__len__") else 0, goal))

        measure("indicator_values, every indicator", lambda: indicator_values(con, cat, term_id=term.id))
        values = indicator_values(con, cat, term_id=term.id, indicators=target_indicators(cat, term.id))
        measure("indicator_values, target indicators",
                lambda: indicator_values(con, cat, term_id=term.id, indicators=target_indicators(cat, term.id)))
        measure("assess, every unit × target", lambda: assess(values, cat, units, term_id=term.id))
        measure("scorecard, whole", lambda: judged_values(con, cat), GOAL_WHOLE)
        for kind, code in pick.items():
            measure(f"scorecard, one {kind} ({code})", lambda code=code: judged_values(con, cat, unit=code),
                    GOAL_UNIT if kind != "country" else None)
            if kind in ("commune", "merged province"):  # the Unit page's series: predecessors' years included
                measure(f"indicator_values, one {kind}",
                        lambda code=code: indicator_values(con, cat, units=[code], term_id=term.id))
        measure(f"scorecard, whole, --year {term.midterm}", lambda: judged_values(con, cat, year=term.midterm))
        if "province" in pick:  # a province's own figures are its districts' and blocs' counts, summed
            measure(f"indicator_values, one province ({pick['province']})",
                    lambda: indicator_values(con, cat, units=[pick["province"]], term_id=term.id))
    finally:
        con.close()

    with tempfile.TemporaryDirectory(prefix="bench_att_") as tmp:
        out = Path(tmp) / "scorecard.csv"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "monitor", "scorecard", "--db", str(db), "--out", str(out)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        cli = time.perf_counter() - start

    print(f"{'':44}{'rows':>9}{'best ms':>10}{'median ms':>11}  goal")
    for label, best, median, n, goal in rows:
        verdict = "" if goal is None else f"< {goal * 1000:g} ms: {'met' if best < goal else 'NOT met'}"
        print(f"{label:44}{n:>9,}{best * 1000:>10.1f}{median * 1000:>11.1f}  {verdict}")
    print(f"{'python -m monitor scorecard → CSV (CLI, 1 run)':44}{'':>9}{cli * 1000:>10.0f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_attainment", description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="an existing database (default: generate and load the demo)")
    ap.add_argument("--scale", choices=["national", "province"], default="national")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reorg", action="store_true", help="the demo with the 2025 reorganisation (etl demo --reorg)")
    ap.add_argument("--slips", type=int, default=2000,
                    help="stated rates contradicting their counts added to the generated demo (default 2000)")
    args = ap.parse_args(argv)
    if args.db:
        return run(args.db, args.repeat)
    with tempfile.TemporaryDirectory(prefix="bench_att_") as tmp:
        db = _demo_db(Path(tmp), args.scale, args.reorg)
        if args.slips:
            _seed_slips(db, args.slips)
        return run(db, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
