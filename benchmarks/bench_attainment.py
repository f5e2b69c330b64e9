"""monitor.attainment on the national demo: the whole scorecard (goal < 1 s) and one unit's (< 50 ms).

    python -m benchmarks.bench_attainment [--db PATH] [--scale national|province] [--repeat N]

Without --db the demo is generated and loaded into a temporary database first (not timed). Each
figure is the best of --repeat runs (the machine is shared; the minimum is the least disturbed),
with the median beside it. Figures are printed, never asserted: speed is no test.
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
from monitor.attainment import assess, indicator_values, scorecard, target_indicators, units_frame
from monitor.catalog import default_catalog

ROOT = Path(__file__).resolve().parent.parent
GOAL_WHOLE, GOAL_UNIT = 1.0, 0.050


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), out


def _demo_db(tmp: Path, scale: str) -> Path:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(tmp / "demo"), "--scale", scale,
                    "--seed", "2025"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    db = tmp / "demo.duckdb"
    etl.load.load([tmp / "demo" / "units.csv", tmp / "demo" / "measures.csv"], db)
    print(f"demo --scale {scale} generated and loaded in {time.perf_counter() - start:.1f} s (not timed below)")
    return db


def run(db: Path, repeat: int) -> int:
    cat = default_catalog()
    con = duckdb.connect(str(db), read_only=True)
    try:
        facts, n_units = con.execute("SELECT (SELECT count(*) FROM facts), (SELECT count(*) FROM units)").fetchall()[0]
        year = con.execute("SELECT max(year) FROM facts").fetchall()[0][0]
        term = cat.term_of(int(year))
        print(f"{db}: {facts:,} facts, {n_units:,} units, latest year {year}")
        units = units_frame(con)
        pick = {kind: units.loc[units["kind"] == kind, "unit_code"].iloc[0]
                for kind in ("district", "bloc", "province", "country") if (units["kind"] == kind).any()}

        scorecard(con, cat)  # first call parses and caches the catalogue's plan
        rows: list[tuple[str, float, float, int, float | None]] = []

        def measure(label: str, fn: Callable[[], object], goal: float | None = None) -> None:
            best, median, out = _time(fn, repeat)
            rows.append((label, best, median, len(out) if hasattr(out, "__len__") else 0, goal))

        measure("indicator_values, every indicator", lambda: indicator_values(con, cat, term_id=term.id))
        values = indicator_values(con, cat, term_id=term.id, indicators=target_indicators(cat, term.id))
        measure("indicator_values, target indicators",
                lambda: indicator_values(con, cat, term_id=term.id, indicators=target_indicators(cat, term.id)))
        measure("assess, every unit × target", lambda: assess(values, cat, units, term_id=term.id))
        measure("scorecard, whole", lambda: scorecard(con, cat), GOAL_WHOLE)
        for kind, code in pick.items():
            measure(f"scorecard, one {kind} ({code})", lambda code=code: scorecard(con, cat, unit=code),
                    GOAL_UNIT if kind != "country" else None)
        measure(f"scorecard, whole, --year {term.midterm}", lambda: scorecard(con, cat, year=term.midterm))
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
    args = ap.parse_args(argv)
    if args.db:
        return run(args.db, args.repeat)
    with tempfile.TemporaryDirectory(prefix="bench_att_") as tmp:
        return run(_demo_db(Path(tmp), args.scale), args.repeat)


if __name__ == "__main__":
    sys.exit(main())
